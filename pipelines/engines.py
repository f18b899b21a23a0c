"""Where a run executes: Beam's DirectRunner, a local Dask cluster, or a cluster we join.

Measured (ENVIRONMENT.md, 16 cores): the DirectRunner's multi-processing mode plateaus near
2.5x whatever the worker count, while Beam's Dask runner on a LocalCluster keeps scaling. On
2 cores both give about the same, and the DirectRunner starts faster. So `--workers N` uses
the DirectRunner up to `DIRECT_MAX_WORKERS` and a local Dask cluster beyond, unless the
config says otherwise.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator, List, Optional

from cleanse.errors import SetupError

DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
DIRECT_MAX_WORKERS = 2


def choose_engine(configured: str, workers: Optional[int], scheduler: Optional[str]) -> str:
    if scheduler:
        return "dask"
    if configured != "auto":
        return configured
    return "dask" if workers and workers > DIRECT_MAX_WORKERS else "direct"


def dask_args(address: str, beam_args: List[str]) -> List[str]:
    args = [f"--runner={DASK_RUNNER}", f"--dask_client_address={address}"]
    if not any(a.startswith(("--dask_npartitions", "--dask_partition_size")) for a in beam_args):
        # One read task per Dask partition: the runner's default packs 128 per partition,
        # which would put a whole small corpus on one worker.
        args.append("--dask_partition_size=1")
    return args


def direct_args(workers: int, beam_args: List[str]) -> List[str]:
    args = ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    if not any(a.startswith("--default_sdk_harness_log_level") for a in beam_args):
        # Worker processes otherwise log their start-up chatter at INFO on our stderr.
        args.append("--default_sdk_harness_log_level=ERROR")
    return args


@contextlib.contextmanager
def local_dask_cluster(workers: int) -> Iterator[str]:
    """A LocalCluster with one single-threaded process per worker; always shut down."""
    try:
        from distributed import LocalCluster
    except ImportError:
        raise SetupError("a local Dask cluster needs dask[distributed]: "
                           "pip install 'dask[distributed]'") from None
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
