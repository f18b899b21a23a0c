"""One output per transform, routed by kind afterwards.

Each step emits (kind, value) pairs instead of using Beam's tagged outputs: Beam's Dask runner
merges tagged outputs into one stream, so multi-output ParDos would mix notes and counters
there. Filtering a single stream works the same on every runner.
"""
from __future__ import annotations

from typing import Dict, Tuple

COUNTS = "counts"


def counts(value: Dict[str, int]) -> Tuple[str, Dict[str, int]]:
    return COUNTS, value


def only(kind: str):
    def select(item):
        if item[0] == kind:
            yield item[1]
    return select
