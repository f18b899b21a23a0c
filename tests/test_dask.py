"""The full pipeline on a real multi-process Dask cluster gives the DirectRunner's output."""
import json
import os
import socket
import subprocess
import sys
import time

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


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def separate_processes():
    """A scheduler and two workers started as their own processes (`dask scheduler`, `dask
    worker`), as on a real cluster, rather than by a LocalCluster inside the test."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    dask = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", port,
                                          "--no-dashboard"], **quiet)]
    try:
        for _ in range(2):
            processes.append(subprocess.Popen(dask + ["worker", address, "--nthreads", "1",
                                                      "--no-dashboard", "--no-nanny"], **quiet))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_scheduler_and_workers_in_their_own_processes_give_the_direct_runners_output(
        tmp_path, separate_processes):
    inputs = []
    for part in range(3):
        path = tmp_path / f"part{part}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows(part)))
        inputs.append(str(path))
    common = ["run", "--quiet", "--stages", "pii,dedup", "--input", *inputs]
    started = time.monotonic()
    assert cli.main(common + ["--output", str(tmp_path / "direct")]) == 0
    assert cli.main(common + ["--output", str(tmp_path / "dask"),
                              "--dask-scheduler", separate_processes]) == 0
    assert time.monotonic() - started < 300
    for folder in ("clean", "rejected"):
        assert tree_bytes(tmp_path / "direct" / folder) == tree_bytes(tmp_path / "dask" / folder)
    report = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert report["stages"]["input"]["processes"] == 2  # both worker processes read tasks
