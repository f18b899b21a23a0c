"""Which command-line flags Apache Beam would silently discard.

Beam only logs a warning for flags it does not know, so a typo such as `--workres 4` would run
with defaults. cleanse refuses them instead.
"""
from __future__ import annotations

import argparse
from typing import List

from apache_beam.options.pipeline_options import PipelineOptions


def _register_optional_runners() -> None:
    # Runner option classes register themselves on import; the Dask runner's module is not
    # imported by Beam itself, so its flags (--dask_client_address) would look unknown.
    try:
        import apache_beam.runners.dask.dask_runner  # noqa: F401
    except ImportError:  # dask[distributed] not installed: its flags are then really unknown
        pass


def _all_option_classes(cls=PipelineOptions):
    yield cls
    for sub in cls.__subclasses__():
        yield from _all_option_classes(sub)


def unknown_flags(args: List[str]) -> List[str]:
    _register_optional_runners()
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    seen = set()
    for cls in _all_option_classes():
        if cls in seen or "_add_argparse_args" not in cls.__dict__:
            continue
        seen.add(cls)
        try:
            cls._add_argparse_args(parser)
        except argparse.ArgumentError:
            continue  # an option declared by two classes: the first declaration is enough
    _, unknown = parser.parse_known_args(args)
    return [a for a in unknown if a.startswith("-")]
