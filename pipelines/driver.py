"""`cleanse run` from parsed options to a published output: the run's life cycle.

1. Check everything that can be checked before hours of work: inputs exist and are regular
   files, the output is not a foreign folder, output and index do not overlap, locations are
   writable, the index matches the config.
2. Lock the output (a second run on it is refused) and the dedup index (a second run waits).
   Staging folders left by runs that died are swept once the lock is held.
3. Run the pipeline into a staging location next to the output; this run's index parts go
   into the index under names no manifest lists yet.
4. Check the counts (`in == clean + rejected`, the stage error rate), write report.json,
   report.html and the `_SUCCESS` marker, then publish output and index together or neither:
   on local disk the staging folder is renamed into place and the index manifest replaced;
   on object stores the files are moved under the output prefix and the marker written last.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import glob
import json
import logging
import os
import shutil
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, Iterator, List, Optional

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.io.filesystems import FileSystems

from cleanse.config import Config
from cleanse.errors import PublishError, RunFailure, UsageError
from cleanse.progress import ProgressMonitor
from cleanse.records import FORMATS, InputFormatError, detect_format, plan_reads

from . import files, index
from .counting import COUNTS_FILE
from .engines import choose_engine, dask_args, direct_args, local_dask_cluster
from .finalize import CLEAN_DIR, REJECTED_DIR
from .options import unknown_flags
from .pipeline import RunPlan, run

MARKER = "_SUCCESS"
TASKS_WANTED = 32
PARTITION_BYTES = 16 << 20
STAGING_TAG = ".cleanse-tmp-"
LOG = logging.getLogger("cleanse")


@dataclass
class RunRequest:
    config: Config
    inputs: List[str]
    output: str
    overwrite: bool = False
    workers: Optional[int] = None
    dask_scheduler: Optional[str] = None
    dedup_index: Optional[str] = None
    quiet: bool = False


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd, Kubernetes, `timeout`): cleaned up and reported like Ctrl-C."""


def execute(request: RunRequest, beam_args: List[str]) -> Dict[str, object]:
    """Run and publish; returns the report. Raises UsageError/SetupError for set-up problems
    (exit 2) and anything else for a failed run (exit 1), having published nothing."""
    config = request.config
    unknown = unknown_flags(beam_args)
    if unknown:
        raise UsageError(f"unknown option {unknown[0]} (not a cleanse option and not an Apache "
                         f"Beam pipeline option); see `cleanse run --help`")
    options = PipelineOptions(beam_args)
    _check_runner(options)
    _check_stage_settings(config)
    FileSystems.set_options(options)
    inputs = resolve_inputs(request.inputs)
    output = _output_location(request.output)
    index_dir = files.absolute(request.dedup_index) if request.dedup_index else None
    if index_dir:
        _check_not_nested(output, index_dir)
        if files.is_local(index_dir) and os.path.exists(index_dir) and not os.path.isdir(index_dir):
            raise UsageError(f"--dedup-index {index_dir} exists and is not a folder; name a folder "
                             f"(a missing or empty one starts a new index)")
    if request.workers is not None and request.workers < 1:
        raise UsageError("--workers must be at least 1")
    output_format = config.output.format
    if output_format == "auto":
        output_format = detect_format(next(iter(inputs)))
    explicit_runner = any(a.startswith("--runner") for a in beam_args)
    engine = "custom" if explicit_runner else choose_engine(
        config.execution.engine, request.workers, request.dask_scheduler)

    _check_writable(output, index_dir)
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    with contextlib.ExitStack() as locks, _terminate_as_interrupt() as signalled:
        locks.enter_context(_lock(output, "output", wait=False))
        replacing = _check_output(output, request.overwrite)
        _sweep_staging(output)
        state = None
        if index_dir:
            locks.enter_context(_lock(index_dir, "dedup index", wait=True))
            state = index.load(index_dir, config.dedup, replacing)
            _sweep_index(state)
        staging = files.join(files.parent(output), f".{files.basename(output)}{STAGING_TAG}{run_id}")
        sizes = {path: size for path, size in inputs.items()}
        config = scaled_partitions(config, sum(sizes.values()))
        plan = RunPlan(
            tasks=plan_reads(list(inputs), split_bytes(sum(sizes.values()), config), sizes),
            staging_dir=staging, output_format=output_format, config=config, run_id=run_id,
            index_parts=state.part_paths() if state else [],
            index_dir=index_dir if (index_dir and "dedup" in config.stages) else None,
            filesystem_options=options, id_key=os.environ.get(config.pii.hash_key_env) or None)
        started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        started = time.perf_counter()
        local_progress = engine != "custom" and not request.dask_scheduler
        try:
            with contextlib.ExitStack() as run_scope:
                if local_progress:
                    plan.progress_dir = run_scope.enter_context(
                        tempfile.TemporaryDirectory(prefix="cleanse-progress-"))
                runner_args = _runner_args(engine, request, beam_args, run_scope)
                if plan.progress_dir and not request.quiet:
                    run_scope.enter_context(
                        ProgressMonitor(plan.progress_dir, ["read", *config.stages, "written"]))
                run(plan, runner_args)
            counts = _read_counts(staging)
            report = _report(counts, config, inputs, output, engine, request, runner_args,
                             started_at, time.perf_counter() - started, run_id)
            _check_counts(report, counts, config)
            _publish(plan, report, output, state, _new_index_parts(counts))
        except BaseException:
            _discard(plan, state)
            if signalled:  # Beam may have wrapped the interruption raised inside a step
                raise Terminated() from None
            raise
    return report


# --------------------------------------------------------------------------- set-up checks


def _check_runner(options: PipelineOptions) -> None:
    from apache_beam.options.pipeline_options import StandardOptions
    from apache_beam.runners.runner import create_runner

    name = options.view_as(StandardOptions).runner
    if name:
        try:
            create_runner(name)
        except (ValueError, ImportError) as exc:
            raise UsageError(f"--runner={name}: {str(exc).splitlines()[0]}") from None


def _check_stage_settings(config: Config) -> None:
    """What workers would otherwise find out one by one, inside a Beam traceback."""
    if "pii" in config.stages:
        from cleanse.pii import build_operators

        build_operators(config.pii)  # a hash operator without its key is a SetupError here


# --------------------------------------------------------------------------- inputs, output


def resolve_inputs(patterns: List[str]) -> Dict[str, int]:
    """Input files (path -> size) from paths, globs and folders, on any file system."""
    found: Dict[str, int] = {}
    for pattern in patterns:
        if files.is_local(pattern) and os.path.isdir(pattern):
            matches = {p: os.path.getsize(p) for p in sorted(glob.glob(os.path.join(pattern, "**", "*"),
                                                                       recursive=True))
                       if os.path.isfile(p) and _is_supported(p)}
            if not matches:
                raise UsageError(f"input folder {pattern} holds no supported files "
                                 f"({', '.join(FORMATS)})")
        elif files.is_local(pattern) and not glob.has_magic(pattern):
            if not os.path.exists(pattern):
                raise UsageError(f"input {pattern} does not exist")
            if not os.path.isfile(pattern):
                raise UsageError(f"input {pattern} is not a regular file (a device, FIFO or "
                                 f"folder link cannot be split or re-read); copy it to a file")
            detect_format(pattern)
            matches = {pattern: os.path.getsize(pattern)}
        else:
            matches = {p: size for p, size in sorted(files.match(pattern).items())
                       if not files.is_local(p) or os.path.isfile(p)}
            if not matches:
                raise UsageError(f"input {pattern} does not exist (or the glob matches no file)")
            for path in matches:
                detect_format(path)
        for path, size in matches.items():
            found.setdefault(path, size)
    return found


def split_bytes(total: int, config: Config) -> int:
    """Read-range size: small enough that a mid-sized input still gives every worker several
    tasks, at most `execution.read_split_mb`. It depends on the input only, never on the
    worker count, because each range is one output part: the output stays byte-identical
    whatever runs it."""
    return max(1 << 20, min(config.execution.read_split_mb << 20, total // TASKS_WANTED + 1))


def scaled_partitions(config: Config, total: int) -> Config:
    """Dedup partitions in proportion to the input (one per PARTITION_BYTES), at most the
    configured numbers: each partition is read from every task's entry file, so a small
    corpus should not pay for hundreds of tiny reads (slow on object stores), while a large
    one keeps each partition's share of the keys small."""
    wanted = max(1, total // PARTITION_BYTES)
    return dataclasses.replace(
        config,
        execution=dataclasses.replace(config.execution,
                                      shuffle_groups=min(config.execution.shuffle_groups, wanted)),
        dedup=dataclasses.replace(config.dedup, band_shards=min(config.dedup.band_shards, wanted)))


def _is_supported(path: str) -> bool:
    try:
        detect_format(path)
    except InputFormatError:
        return False
    return True


def _output_location(output: str) -> str:
    if not files.is_local(output):
        return files.absolute(output)
    # A symlinked output folder is written where it points, not replaced by a folder.
    output = os.path.realpath(output)
    if os.path.ismount(output):
        raise UsageError(f"output {output} is a mount point: cleanse replaces its output folder "
                         f"as a whole; use a folder inside it")
    return output


def _check_not_nested(output: str, index_dir: str) -> None:
    a, b = output.rstrip("/") + "/", index_dir.rstrip("/") + "/"
    if a.startswith(b) or b.startswith(a):
        raise UsageError(f"--output {output} and --dedup-index {index_dir} overlap: the output is "
                         f"replaced as a whole, so keep the index in a folder of its own")


def read_marker(output: str) -> Optional[dict]:
    """The marker of a published cleanse output, or None."""
    try:
        marker = files.read_json(files.join(output, MARKER))
    except (ValueError, OSError):
        return None
    return marker if isinstance(marker, dict) and marker.get("writer") == "cleanse" else None


def _check_output(output: str, overwrite: bool) -> Optional[Dict[str, str]]:
    """Refuse what must not be replaced; returns {"output", "run"} of an output being replaced."""
    if files.is_local(output):
        if os.path.exists(output) and not os.path.isdir(output):
            raise UsageError(f"output {output} exists and is not a folder; choose another --output")
        present = os.path.isdir(output) and bool(os.listdir(output))
    else:
        present = bool(files.match(files.join(output, "*")))
    if not present:
        return None
    if not overwrite:
        raise UsageError(f"output folder {output} is not empty; pass --overwrite to replace it "
                         f"or choose another --output")
    marker = read_marker(output)
    if marker is None:
        raise UsageError(f"output folder {output} is not empty and is not the output of a cleanse "
                         f"run (no {MARKER} marker written by cleanse); refusing to replace it even "
                         f"with --overwrite")
    return {"output": output, "run": marker.get("run_id")}


def _check_writable(output: str, index_dir: Optional[str]) -> None:
    """A read-only location is a set-up problem (exit 2), not a failure hours into the run."""
    for location, what in ((files.parent(output), "output"), (index_dir, "dedup index")):
        if not location or not files.is_local(location):
            continue
        existing = location
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.access(existing, os.W_OK | os.X_OK):
            raise UsageError(f"the {what} location {location} is not writable ({existing}); "
                             f"choose another or fix its permissions")


# --------------------------------------------------------------------------- locks, cleanup


def _lock_path(location: str) -> Optional[str]:
    if not files.is_local(location):
        return None  # object stores: see README, "Running it in production"
    return os.path.join(os.path.dirname(location), f".{os.path.basename(location)}.cleanse-lock")


@contextlib.contextmanager
def _lock(location: str, what: str, wait: bool) -> Iterator[None]:
    path = _lock_path(location)
    if path is None:
        yield
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(path)
            if not wait:
                raise UsageError(f"another cleanse run{holder} is writing the {what} {location}; "
                                 f"wait for it to finish or choose another location") from None
            LOG.warning("waiting for another cleanse run%s that holds the %s %s", holder, what, location)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": os.uname().nodename}))
        handle.flush()
        yield
    finally:
        handle.close()


def _lock_holder(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return f" (pid {json.load(handle)['pid']})"
    except (OSError, ValueError, KeyError):
        return ""


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM raises Terminated; yields a list that is non-empty once it was received."""
    received: List[int] = []

    def handler(signum, frame):
        received.append(signum)
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def _sweep_staging(output: str) -> None:
    """Staging left by runs that died: with the output lock held no other run owns one."""
    prefix = f".{files.basename(output)}{STAGING_TAG}"
    parent = files.parent(output)
    if files.is_local(output):
        for name in os.listdir(parent) if os.path.isdir(parent) else []:
            if name.startswith(prefix):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
    else:
        stale = [p for p in files.match(files.join(parent, prefix + "*")) if p]
        files.delete(stale)


def _sweep_index(state: index.IndexState) -> None:
    """Index parts no manifest names (runs that died mid-way): with the lock held, garbage."""
    if files.exists(state.directory) or not files.is_local(state.directory):
        files.delete(index.unlisted_parts(state.directory, state.manifest))


def _discard(plan: RunPlan, state: Optional[index.IndexState]) -> None:
    files.delete_tree(plan.staging_dir)
    if state is not None and plan.index_dir:
        files.delete(index.unlisted_parts(state.directory, state.manifest))


# --------------------------------------------------------------------------- run


def _runner_args(engine: str, request: RunRequest, beam_args: List[str],
                 scope: contextlib.ExitStack) -> List[str]:
    if engine == "dask":
        address = request.dask_scheduler or scope.enter_context(
            local_dask_cluster(request.workers or os.cpu_count() or 1))
        return beam_args + dask_args(address, beam_args)
    if engine == "direct" and request.workers:
        return beam_args + direct_args(request.workers, beam_args)
    return list(beam_args)


def _read_counts(staging: str) -> Dict[str, int]:
    counts = files.read_json(files.join(staging, COUNTS_FILE))
    if counts is None:
        raise RunFailure("the pipeline finished without writing its counts")
    files.delete([files.join(staging, COUNTS_FILE)])
    return counts


def _report(counts, config, inputs, output, engine, request, runner_args, started_at, seconds, run_id):
    from cleanse.report import build_report

    return build_report(
        counts=counts, stages=config.stages,
        clean=(counts.get("written.clean", 0), counts.get("written.clean_files", 0)),
        rejected=(counts.get("written.rejected", 0), counts.get("written.rejected_files", 0)),
        seconds=seconds, started_at=started_at, inputs=list(inputs), output=output,
        config=config.to_dict(),
        runner={"engine": engine, "workers": request.workers, "args": _redact_args(runner_args),
                "run_id": run_id})


def _check_counts(report: dict, counts: Dict[str, int], config: Config) -> None:
    totals = report["totals"]
    if not totals["balanced"]:
        raise RunFailure(f"counts do not add up: read {totals['in']}, wrote {totals['clean']} "
                           f"clean + {totals['rejected']} rejected")
    errors = sum(v for k, v in counts.items() if k.endswith(".rejected.stage_error"))
    if totals["in"] and errors / totals["in"] > config.execution.max_error_rate:
        raise RunFailure(f"{errors} of {totals['in']} documents failed inside a stage "
                           f"(stage_error), more than execution.max_error_rate = "
                           f"{config.execution.max_error_rate}; is a model broken?")


def _redact_args(beam_args: List[str]) -> List[str]:
    # Runner options may carry credentials (e.g. --s3_secret_access_key, tokens).
    return [a.split("=", 1)[0] + "=..." if any(s in a.lower() for s in ("token", "key", "secret",
                                                                          "password")) else a
            for a in beam_args]


# --------------------------------------------------------------------------- publish


def _new_index_parts(counts: Dict[str, int]) -> Dict[str, int]:
    prefix = "index.part."
    return {k[len(prefix):]: v for k, v in counts.items() if k.startswith(prefix)}


def _publish(plan: RunPlan, report: dict, output: str, state: Optional[index.IndexState],
             new_parts: Dict[str, int]) -> None:
    from cleanse.html_report import render_html
    from cleanse.report import render_report

    staging = plan.staging_dir
    for name in (CLEAN_DIR, REJECTED_DIR):
        if files.is_local(staging):
            os.makedirs(os.path.join(staging, name), exist_ok=True)
    files.delete_tree(plan.work_dir)
    for name, text in (("report.json", render_report(report)), ("report.html", render_html(report))):
        with files.open_write(files.join(staging, name)) as handle:
            handle.write(text.encode("utf-8"))
    written = sorted(files.list_files(staging)) if not files.is_local(staging) else []
    marker = {"writer": "cleanse", "run_id": plan.run_id, "totals": report["totals"]}
    if files.is_local(output):
        _publish_local(staging, output, marker, plan, state, new_parts)
    else:
        _publish_object_store(staging, output, marker, written, plan, state, new_parts)


def _publish_local(staging, output, marker, plan, state, new_parts) -> None:
    files.write_json(os.path.join(staging, MARKER), marker)
    aside = None
    if os.path.isdir(output):
        aside = f"{staging}-old"
        os.rename(output, aside)
    os.rename(staging, output)
    if state is not None and plan.index_dir:
        try:
            index.publish(state, plan.run_id, output, new_parts)
        except Exception as exc:
            os.rename(output, staging)
            if aside:
                os.rename(aside, output)
            raise PublishError(f"the dedup index {state.directory} could not be updated "
                               f"({type(exc).__name__}); the output was put back as it was, so "
                               f"neither was published") from exc
        files.delete(index.unlisted_parts(state.directory, {"parts": state.read_parts + [
            {"file": n} for n in new_parts]}))
    if aside:
        shutil.rmtree(aside, ignore_errors=True)


def _publish_object_store(staging, output, marker, written, plan, state, new_parts) -> None:
    # Readers must check the marker: it goes first on the way out and last on the way in.
    files.delete([files.join(output, MARKER)])
    files.delete(sorted(files.list_files(output)))
    prefix = staging.rstrip("/") + "/"
    files.rename_tree(staging, output, [p[len(prefix):] for p in written])
    if state is not None and plan.index_dir:
        try:
            index.publish(state, plan.run_id, output, new_parts)
        except Exception as exc:
            raise PublishError(f"the dedup index {state.directory} could not be updated "
                               f"({type(exc).__name__}); the output files were written without "
                               f"their {MARKER} marker, so the output is not published") from exc
    files.write_json(files.join(output, MARKER), {**marker, "files": [p[len(prefix):] for p in written]})
