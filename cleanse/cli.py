"""`cleanse run`: argument parsing, the output directory's life cycle, summary, exit codes.

Exit status: 0 done; 2 usage, config or set-up error (the message says what to change);
1 the run failed. Output is built in a hidden staging directory next to the target and moved
into place only after the pipeline succeeded.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import json
import logging
import os
import shutil
import sys
import time
import traceback
import uuid
from datetime import datetime, timezone
from importlib import resources
from typing import List, Optional, Sequence

from .config import STAGE_NAMES, Config, ConfigError
from .errors import SetupError
from .progress import ProgressMonitor
from .records import FORMATS, InputFormatError, detect_format, plan_reads

DEFAULT_OUTPUT = "cleanse-out"
PROGRESS_DIR = "_progress"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with how cleanse was called; reported in one line with exit status 2."""


def sample_corpus_path() -> str:
    return str(resources.files("cleanse") / "data" / "sample.jsonl")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleanse",
        description="Sanitize text corpora for LLM pre-training: PII, harmful content, duplicates.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the pipeline",
        description="Run the cleanse pipeline. Options not listed here are passed to Apache Beam "
                    "(e.g. --runner=...).")
    run.add_argument("--input", nargs="+", action="extend", metavar="PATH_OR_GLOB",
                     help="input files, globs or folders (.jsonl, .jsonl.gz, .jsonl.zst, .parquet);"
                          " default: the bundled sample corpus")
    run.add_argument("--output", default=DEFAULT_OUTPUT, metavar="DIR",
                     help=f"output folder (default: ./{DEFAULT_OUTPUT})")
    run.add_argument("--stages", metavar="LIST",
                     help=f"comma-separated stages to run, in order (default: {','.join(STAGE_NAMES)})")
    run.add_argument("--config", metavar="FILE", help="YAML config file")
    run.add_argument("--text-field", metavar="NAME", help="field holding the text (default: text)")
    run.add_argument("--id-field", metavar="NAME", help="field holding the id (default: id)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an existing output folder from an earlier cleanse run")
    run.add_argument("--workers", type=int, metavar="N",
                     help="local worker processes (DirectRunner multi-processing for 1-2, "
                          "a local Dask cluster beyond; see execution.engine)")
    run.add_argument("--dask-scheduler", metavar="ADDRESS",
                     help="run on an existing Dask cluster (e.g. tcp://10.0.0.5:8786)")
    run.add_argument("--dedup-index", metavar="DIR",
                     help="index of earlier runs: new documents that duplicate them are removed, "
                          "and the index is updated when the run succeeds")
    run.add_argument("--quiet", action="store_true", help="no live progress on stderr")
    run.add_argument("--debug", action="store_true", help="print tracebacks on failure")
    config = commands.add_parser("config", help="print the example config or check a config file")
    what = config.add_mutually_exclusive_group(required=True)
    what.add_argument("--example", action="store_true",
                      help="print a commented config with every option at its default")
    what.add_argument("--check", metavar="FILE", help="validate a config file")
    explain = commands.add_parser("explain", help="show which PII recognizer and pattern found each span, and why "
                                                   "candidates were rejected")
    explain.add_argument("text", help='the text to analyse ("-" reads standard input)')
    return parser


class _QuietBeamImports(logging.Filter):
    """Beam warns about optional Google Cloud clients on import; cleanse does not use them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "apitools not found" not in record.getMessage()


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("cleanse: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_QuietBeamImports())
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(handler)
        root.setLevel(logging.WARNING)


def main(argv: Optional[Sequence[str]] = None) -> int:
    _configure_logging()
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    try:
        if args.command == "config":
            if beam_args:
                raise UsageError(f"unknown option {beam_args[0]} for `cleanse config`")
            return _config_command(args)
        if args.command == "explain":
            from cleanse.pii_explain import explain_command
            return explain_command(args.text)
        return _run(args, beam_args)
    except (UsageError, ConfigError, SetupError, InputFormatError) as exc:
        print(f"cleanse: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cleanse: interrupted; no output was written", file=sys.stderr)
        return EXIT_FAILED


def example_config_path() -> str:
    return str(resources.files("cleanse") / "data" / "cleanse.example.yaml")


def _config_command(args: argparse.Namespace) -> int:
    if args.example:
        with open(example_config_path(), encoding="utf-8") as handle:
            sys.stdout.write(handle.read())
        return EXIT_OK
    Config.load(args.check)
    print(f"{args.check}: valid")
    return EXIT_OK


def _run(args: argparse.Namespace, beam_args: List[str]) -> int:
    config = _effective_config(args)
    inputs = _resolve_inputs(args.input)
    output = os.path.abspath(args.output)
    _check_output(output, args.overwrite)
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    output_format = config.output.format
    if output_format == "auto":
        output_format = detect_format(inputs[0])

    # Beam is imported only here: `import cleanse` must stay light for library users.
    from pipelines.engines import choose_engine, dask_args, direct_args, local_dask_cluster
    from pipelines.options import unknown_flags
    from pipelines.pipeline import CLEAN_DIR, REJECTED_DIR, RunPlan, run

    unknown = unknown_flags(beam_args)
    if unknown:
        raise UsageError(f"unknown option {unknown[0]} (not a cleanse option and not an Apache "
                         f"Beam pipeline option); see `cleanse run --help`")
    explicit_runner = any(a.startswith("--runner") for a in beam_args)
    engine = "custom" if explicit_runner else choose_engine(
        config.execution.engine, args.workers, args.dask_scheduler)

    staging = os.path.join(os.path.dirname(output),
                           f".{os.path.basename(output)}.cleanse-tmp-{uuid.uuid4().hex[:8]}")
    tasks = plan_reads(inputs, split_bytes=_split_bytes(inputs, config, args.workers))
    plan = RunPlan(tasks=tasks, staging_dir=staging,
                   output_format=output_format, config=config,
                   dedup_index=os.path.abspath(args.dedup_index) if args.dedup_index else None,
                   index_staging_dir=f"{staging}-index" if args.dedup_index else None,
                   # Remote workers cannot write to this machine's folder: no live progress.
                   progress_dir=None if engine == "custom" or args.dask_scheduler
                   else os.path.join(staging, PROGRESS_DIR))
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    started = time.perf_counter()
    try:
        os.makedirs(staging)
        with contextlib.ExitStack() as stack:
            if engine == "dask":
                address = args.dask_scheduler or stack.enter_context(
                    local_dask_cluster(args.workers or os.cpu_count() or 1))
                runner_args = beam_args + dask_args(address, beam_args)
            elif engine == "direct" and args.workers:
                runner_args = beam_args + direct_args(args.workers, beam_args)
            else:
                runner_args = list(beam_args)
            with contextlib.ExitStack() as progress:
                if plan.progress_dir and not args.quiet:
                    progress.enter_context(
                        ProgressMonitor(plan.progress_dir, ["read", *config.stages, "written"]))
                run(plan, runner_args)
        if plan.progress_dir:
            shutil.rmtree(plan.progress_dir, ignore_errors=True)
        from .html_report import write_html
        from .report import build_report, count_records, print_summary, write_report

        counts = _read_counts(staging)
        report = build_report(
            counts=counts, stages=config.stages,
            clean=count_records(os.path.join(staging, CLEAN_DIR)),
            rejected=count_records(os.path.join(staging, REJECTED_DIR)),
            seconds=time.perf_counter() - started, started_at=started_at, inputs=inputs,
            output=output, config=config.to_dict(),
            runner={"engine": engine, "workers": args.workers,
                    "args": _redact_args(runner_args)})
        if not report["totals"]["balanced"]:
            raise RuntimeError(
                f"counts do not add up: read {report['totals']['in']}, wrote "
                f"{report['totals']['clean']} clean + {report['totals']['rejected']} rejected")
        for subdir in (CLEAN_DIR, REJECTED_DIR):
            os.makedirs(os.path.join(staging, subdir), exist_ok=True)
        write_report(os.path.join(staging, "report.json"), report)
        write_html(os.path.join(staging, "report.html"), report)
        _promote(staging, output)
        if plan.dedup_index:
            # After the output is in place: an index that names documents no output holds
            # would make the next run drop their duplicates for nothing.
            from .dedup import commit_index

            commit_index(plan.index_staging_dir, plan.dedup_index)
    except (UsageError, ConfigError, SetupError):
        _remove_staging(plan)
        raise
    except Exception as exc:  # the run failed: say why, leave nothing half-written
        _remove_staging(plan)
        if args.debug:
            traceback.print_exc()
        print(f"cleanse: run failed: {_describe(exc)}; no output was written"
              f"{'' if args.debug else ' (rerun with --debug for the traceback)'}", file=sys.stderr)
        return EXIT_FAILED
    print_summary(report, args.output)
    return EXIT_OK


def _effective_config(args: argparse.Namespace) -> Config:
    config = Config.load(args.config) if args.config else Config()
    data = config.to_dict()
    if args.stages is not None:
        data["stages"] = [s.strip() for s in args.stages.split(",") if s.strip()]
    if args.text_field:
        data["input"]["text_field"] = args.text_field
    if args.id_field:
        data["input"]["id_field"] = args.id_field
    try:
        return Config.from_dict(data)
    except ConfigError as exc:
        if args.stages is not None and str(exc).startswith("stages"):
            raise UsageError(f"--stages: {str(exc).split(': ', 1)[1]}") from None
        raise


def _resolve_inputs(patterns: Optional[List[str]]) -> List[str]:
    if not patterns:
        path = sample_corpus_path()
        if not os.path.exists(path):
            raise UsageError(f"the bundled sample corpus is missing ({path}); reinstall cleanse "
                             f"or pass --input")
        return [path]
    found: List[str] = []
    for pattern in patterns:
        if os.path.isdir(pattern):
            matches = [p for p in glob.glob(os.path.join(pattern, "**", "*"), recursive=True)
                       if os.path.isfile(p) and _is_supported(p)]
            if not matches:
                raise UsageError(f"input folder {pattern} holds no supported files "
                                 f"({', '.join(FORMATS)})")
        else:
            matches = glob.glob(pattern, recursive=True) if glob.has_magic(pattern) else (
                [pattern] if os.path.exists(pattern) else [])
            if not matches:
                raise UsageError(f"input {pattern} does not exist (or the glob matches no file)")
            for path in matches:
                detect_format(path)
        found.extend(sorted(matches))
    return list(dict.fromkeys(found))


def _is_supported(path: str) -> bool:
    try:
        detect_format(path)
    except InputFormatError:
        return False
    return True


def _check_output(output: str, overwrite: bool) -> None:
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"output {output} exists and is not a folder; choose another --output")
    if not os.path.isdir(output) or not os.listdir(output):
        return
    if not overwrite:
        raise UsageError(f"output folder {output} is not empty; pass --overwrite to replace it "
                         f"or choose another --output")
    if not os.path.exists(os.path.join(output, "report.json")):
        raise UsageError(f"output folder {output} is not empty and is not the output of a cleanse "
                         f"run (no report.json); refusing to replace it even with --overwrite")


def _split_bytes(inputs: List[str], config: Config, workers: Optional[int]) -> int:
    """Read-range size: the configured one, smaller when needed to give every worker work."""
    configured = config.execution.read_split_mb << 20
    if not workers or workers < 2:
        return configured
    total = sum(os.path.getsize(p) for p in inputs)
    return max(1 << 20, min(configured, total // (4 * workers) + 1))


def _redact_args(beam_args: List[str]) -> List[str]:
    # Runner options may carry credentials (e.g. --dataflow_service_options, tokens).
    return [a.split("=", 1)[0] + "=..." if any(s in a.lower() for s in ("token", "key", "secret",
                                                                          "password")) else a
            for a in beam_args]


def _read_counts(staging: str) -> dict:
    from pipelines.counting import COUNTS_FILE

    path = os.path.join(staging, COUNTS_FILE)
    if not os.path.exists(path):  # an input without a single line counts nothing
        return {}
    with open(path, encoding="utf-8") as handle:
        counts = json.load(handle)
    os.remove(path)
    return counts


def _remove_staging(plan) -> None:
    for path in (plan.staging_dir, plan.index_staging_dir):
        if path:
            shutil.rmtree(path, ignore_errors=True)


def _promote(staging: str, output: str) -> None:
    """Replace `output` with `staging` so readers see the old or the new folder, never a mix."""
    old = None
    if os.path.isdir(output):
        old = f"{staging}-old"
        os.rename(output, old)
    os.rename(staging, output)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _describe(exc: BaseException) -> str:
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
