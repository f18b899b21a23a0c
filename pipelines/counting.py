"""Counters that reach report.json on every runner.

Beam metrics are not reported by every runner (Dask among them), so each transform also emits
small dicts of counts on a side output; they are summed into one file next to the output.
Beam metrics are still incremented for live monitoring on runners that show them.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Dict, Iterable

import apache_beam as beam

REJECTED_TAG = "rejected"
COUNTS_TAG = "counts"
COUNTS_FILE = "_counts.json"


class SumCounts(beam.CombineFn):
    def create_accumulator(self):
        return Counter()

    def add_input(self, accumulator, counts: Dict[str, int]):
        accumulator.update(counts)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[Counter]):
        merged = Counter()
        for acc in accumulators:
            merged.update(acc)
        return merged

    def extract_output(self, accumulator):
        return dict(sorted(accumulator.items()))


def prefixed(prefix: str, counts: Dict[str, int]) -> Dict[str, int]:
    return {f"{prefix}.{key}": value for key, value in counts.items()}


class WriteCounts(beam.PTransform):
    """Sum the counts dicts of the run and write them to DIR/_counts.json."""

    def __init__(self, directory: str):
        super().__init__()
        self._directory = directory

    def expand(self, counts):
        return (counts
                | "Sum" >> beam.CombineGlobally(SumCounts())
                | "Write" >> beam.Map(_write_counts, self._directory))


def _write_counts(counts: Dict[str, int], directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, COUNTS_FILE), "w", encoding="utf-8") as handle:
        json.dump(counts, handle, indent=1, sort_keys=True)
