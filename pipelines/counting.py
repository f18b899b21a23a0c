"""Counters that reach report.json on every runner.

Beam metrics are not reported by every runner (the Dask runner has none), so each transform
also emits small dicts of counts; they are summed per key and written to one file next to the
output. Beam metrics are still incremented for live monitoring where a runner shows them.
"""
from __future__ import annotations

from typing import Iterable, Tuple

import apache_beam as beam

COUNTS_FILE = "_counts.json"


class WriteCounts(beam.PTransform):
    """Sum the counts dicts of the run per key and write them to DIR/_counts.json."""

    def __init__(self, directory: str):
        super().__init__()
        self._directory = directory

    def expand(self, counts):
        # Per-key sums, then one group holding every (small) total: no combiner default
        # values or side inputs, which not every runner supports.
        return (counts
                | "Items" >> beam.FlatMap(lambda c: c.items())
                | "Sum" >> beam.CombinePerKey(sum)
                | "Together" >> beam.Map(lambda kv: (None, kv))
                | "Gather" >> beam.GroupByKey()
                | "Write" >> beam.Map(_write_counts, self._directory))


def _write_counts(item: Tuple[None, Iterable[Tuple[str, int]]], directory: str) -> int:
    from . import files

    totals = dict(sorted(item[1]))
    files.write_json(files.join(directory, COUNTS_FILE), totals)
    return len(totals)
