"""One output per transform, routed by kind afterwards.

Each step emits (kind, value) pairs instead of using Beam's tagged outputs: Beam's Dask runner
merges tagged outputs into one stream, so multi-output ParDos would mix documents, rejections
and counters there. Filtering a single stream works the same on every runner.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

import apache_beam as beam

DOCUMENT, REJECTED, COUNTS = "document", "rejected", "counts"


def document(value: Any) -> Tuple[str, Any]:
    return DOCUMENT, value


def rejected(value: Any) -> Tuple[str, Any]:
    return REJECTED, value


def counts(value: Dict[str, int]) -> Tuple[str, Dict[str, int]]:
    return COUNTS, value


def only(kind: str):
    def select(item):
        if item[0] == kind:
            yield item[1]
    return select


def split(routed, label: str):
    """(kind, value) stream -> (documents, rejections, counts dicts)."""
    return tuple(routed | f"{label}.{kind}" >> beam.FlatMap(only(kind))
                 for kind in (DOCUMENT, REJECTED, COUNTS))
