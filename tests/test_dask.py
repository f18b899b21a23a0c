"""The pipeline on a real multi-process Dask cluster gives the DirectRunner's output."""
import json
import os

import pytest

from cleanse import cli

distributed = pytest.importorskip("distributed")

# ~3 MB, so 1 MB read ranges give the cluster several tasks to share.
ROWS = [{"id": f"doc-{i:03d}", "text": f"Line {i} about subject {i % 7}. " + "filler " * 1000}
        for i in range(400)]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


def tree_bytes(path):
    return {name: open(os.path.join(path, name), "rb").read() for name in sorted(os.listdir(path))}


def test_dask_cluster_output_matches_direct_runner_and_work_is_shared(tmp_path, cluster):
    source = tmp_path / "in.jsonl"
    with open(source, "w") as handle:
        for row in ROWS:
            handle.write(json.dumps(row) + "\n")
        handle.write("{broken\n")
    config = tmp_path / "cfg.yaml"
    config.write_text("execution:\n  read_split_mb: 1\n")
    common = ["run", "--input", str(source), "--stages", "", "--config", str(config)]
    assert cli.main(common + ["--output", str(tmp_path / "direct")]) == 0
    assert cli.main(common + ["--output", str(tmp_path / "dask"),
                              "--dask-scheduler", cluster.scheduler_address]) == 0
    assert tree_bytes(tmp_path / "direct" / "clean") == tree_bytes(tmp_path / "dask" / "clean")
    assert tree_bytes(tmp_path / "direct" / "rejected") == tree_bytes(tmp_path / "dask" / "rejected")
    report = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert report["runner"]["engine"] == "dask"
    assert report["totals"]["balanced"] and report["totals"]["in"] == 401
    assert report["stages"]["input"]["processes"] == 2
