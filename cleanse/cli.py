"""The `cleanse` command: argument parsing, the summary, exit codes.

Exit status: 0 done; 2 usage, config or set-up error (the message says what to change);
1 the run failed. `cleanse run` hands the run to `pipelines.driver.execute`, which stages,
publishes and reports it; this module only talks to the user.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import traceback
from importlib import resources
from typing import List, Optional, Sequence

from .config import STAGE_NAMES, Config, ConfigError
from .errors import PublishError, RunFailure, SetupError, UsageError
from .records import InputFormatError
from .report import print_summary

DEFAULT_OUTPUT = "cleanse-out"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
    inputs = args.input or [_sample_corpus()]
    # Beam is imported only here: `import cleanse` must stay light for library users.
    try:
        from pipelines.driver import RunRequest, execute
    except ImportError as exc:
        raise SetupError(f"`cleanse run` needs the pipeline extra ({exc.name} is missing): "
                         f"pip install 'cleanse[pipeline]'") from None
    request = RunRequest(config=config, inputs=inputs, output=args.output,
                         overwrite=args.overwrite, workers=args.workers,
                         dask_scheduler=args.dask_scheduler, dedup_index=args.dedup_index,
                         quiet=args.quiet)
    try:
        report = execute(request, beam_args)
    except (UsageError, ConfigError, SetupError, InputFormatError):
        raise
    except (Exception, KeyboardInterrupt) as exc:  # the run failed: say why and what is left
        interrupted = not isinstance(exc, Exception)
        if args.debug and not interrupted:
            traceback.print_exc()
        what = "interrupted" if interrupted else f"run failed: {_describe(exc)}"
        hint = "" if args.debug or interrupted else " (rerun with --debug for the traceback)"
        print(f"cleanse: {what}; {_published(exc)}{hint}", file=sys.stderr)
        return EXIT_FAILED
    print_summary(report, args.output)
    return EXIT_OK


def _published(exc: BaseException) -> str:
    if isinstance(exc, PublishError):
        return "nothing was published"
    return "nothing was published (earlier output and dedup index are as they were)"


def _sample_corpus() -> str:
    path = sample_corpus_path()
    if not os.path.exists(path):
        raise UsageError(f"the bundled sample corpus is missing ({path}); reinstall cleanse "
                         f"or pass --input")
    return path


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


def _describe(exc: BaseException) -> str:
    """The failure in one line without anything from the data: cleanse's own messages are
    written for this; any other exception (a decoder's, pyarrow's) may quote field values or
    text, so only its class and the pipeline step it came from are shown."""
    if isinstance(exc, RunFailure):
        return str(exc)
    step = re.search(r"\[while running '([^']+)'\]", str(exc))
    return type(exc).__name__ + (f" in step {step.group(1)}" if step else "")


if __name__ == "__main__":
    sys.exit(main())
