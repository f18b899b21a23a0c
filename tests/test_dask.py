"""The full pipeline on a real multi-process Dask cluster gives the DirectRunner's output."""
import json
import os

import pytest

from cleanse import cli

distributed = pytest.importorskip("distributed")

BASE = ("Release notes for version {i}.2 of the scheduler: the planner now batches jobs by "
        "queue, retries failed tasks twice with backoff, and reports progress every minute "
        "to the dashboard so operators can see which stage is slow on Tuesday runs.")


def rows(part):
    out = []
    for i in range(40):
        text = BASE.format(i=i % 10)  # four copies of each text across the parts
        if i % 5 == 0:
            text += f" Contact Maria Lopez at maria.lopez{i}@example.org."
        out.append({"id": f"p{part}-{i:02d}", "text": text})
    out.append({"id": f"p{part}-abuse", "text": "shut up you worthless idiot, nobody wants you"})
    return out


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


def tree_bytes(path):
    return {name: open(os.path.join(path, name), "rb").read() for name in sorted(os.listdir(path))}


def test_dask_cluster_output_matches_direct_runner_and_work_is_shared(tmp_path, cluster):
    # Several input files: each is a read task, so both Dask workers get a share.
    inputs = []
    for part in range(4):
        path = tmp_path / f"part{part}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows(part)) + "{broken\n")
        inputs.append(str(path))
    common = ["run", "--quiet", "--input", *inputs]
    assert cli.main(common + ["--output", str(tmp_path / "direct")]) == 0
    assert cli.main(common + ["--output", str(tmp_path / "dask"),
                              "--dask-scheduler", cluster.scheduler_address]) == 0
    assert tree_bytes(tmp_path / "direct" / "clean") == tree_bytes(tmp_path / "dask" / "clean")
    assert tree_bytes(tmp_path / "direct" / "rejected") == tree_bytes(tmp_path / "dask" / "rejected")
    report = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert report["runner"]["engine"] == "dask"
    assert report["totals"]["balanced"] and report["totals"]["in"] == 168
    stages = report["stages"]
    assert stages["input"]["processes"] == 2
    assert stages["pii"]["entities"]["EMAIL_ADDRESS"] == 32
    assert stages["toxicity"]["rejected_total"] == 4
    assert stages["dedup"]["rejected"]["exact_duplicate"] > 100
