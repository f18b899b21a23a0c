"""Beam IO for cleanse: read any supported input into Documents, write sorted shards.

Inputs are cut into read tasks (whole files, or byte ranges of plain JSONL), so a single big
file still spreads over the workers. Writing groups records by a hash of their id and sorts
each shard by id: the output bytes then depend only on the input, not on the runner, the
worker count or bundle boundaries.
"""
from __future__ import annotations

import os
from collections import Counter
from typing import List, Optional

import apache_beam as beam

from cleanse.config import InputConfig
from cleanse.document import Rejection
from cleanse.progress import ProgressRecorder
from cleanse.records import (ReadTask, output_record, parse_raw, read_raw, shard_name, shard_of,
                             write_records)

from . import routes


class ReadCorpus(beam.PTransform):
    """Read tasks -> a routed stream of documents, input rejections and counts."""

    def __init__(self, tasks: List[ReadTask], config: InputConfig,
                 progress_dir: Optional[str] = None):
        super().__init__()
        self._tasks = tasks
        self._config = config
        self._progress_dir = progress_dir

    def expand(self, pbegin):
        return (pbegin
                | "Tasks" >> beam.Create(self._tasks)
                | "ReadAndParse" >> beam.ParDo(_ReadAndParseDoFn(self._config, self._progress_dir)))


class _ReadAndParseDoFn(beam.DoFn):
    """One read task -> its documents and rejections, then one counts dict for the task.

    Counting per task rather than per record keeps the counts stream (and its shuffle) tiny.
    """

    def __init__(self, config: InputConfig, progress_dir: Optional[str]):
        self._config = config
        self._progress = ProgressRecorder(progress_dir, "read")
        self._read = beam.metrics.Metrics.counter("input", "records")

    def finish_bundle(self):
        self._progress.flush()

    def process(self, task: ReadTask):
        counts: Counter = Counter()
        for raw in read_raw(task):
            parsed = parse_raw(raw, self._config)
            if parsed is None:
                counts["input.blank_lines"] += 1
                continue
            self._read.inc()
            self._progress.add()
            counts["input.in"] += 1
            if isinstance(parsed, Rejection):
                counts[f"input.rejected.{parsed.reason}"] += 1
                yield routes.rejected(parsed)
            else:
                counts["input.out"] += 1
                yield routes.document(parsed)
        if counts["input.in"]:
            # Which process parsed them: shows in the report how many workers shared the work.
            counts[f"input.process.{os.getpid()}"] = counts["input.in"]
        yield routes.counts(dict(counts))


class WriteShards(beam.PTransform):
    """Write records into DIR/part-XXXXX-of-NNNNN.<fmt>, each shard sorted by id.

    Yields the number of records written per shard.
    """

    def __init__(self, directory: str, shards: int, fmt: str, to_record,
                 progress: Optional[ProgressRecorder] = None):
        super().__init__()
        self._directory = directory
        self._shards = shards
        self._fmt = fmt
        self._to_record = to_record
        self._progress = progress or ProgressRecorder(None, "written")

    def expand(self, pcoll):
        shards, to_record = self._shards, self._to_record
        return (
            pcoll
            | "KeyByShard" >> beam.Map(lambda x: (shard_of(x.id, shards), (x.id, to_record(x))))
            | "GroupShards" >> beam.GroupByKey()
            | "WriteShard" >> beam.Map(_write_shard, self._directory, shards, self._fmt,
                                       self._progress))


def _write_shard(item, directory: str, shards: int, fmt: str, progress: ProgressRecorder) -> int:
    index, keyed = item
    # Sorting on (id, serialized form) keeps even records with duplicate ids in a stable order.
    rows = sorted(keyed, key=lambda kv: (kv[0], repr(kv[1])))
    os.makedirs(directory, exist_ok=True)
    written = write_records(os.path.join(directory, shard_name(index, shards, fmt)),
                            (record for _, record in rows), fmt)
    progress.add(written)
    progress.flush()
    return written


def clean_writer(directory: str, shards: int, fmt: str, config: InputConfig,
                 progress_dir: Optional[str] = None) -> WriteShards:
    return WriteShards(directory, shards, fmt, lambda doc: output_record(doc, config),
                       ProgressRecorder(progress_dir, "written"))


def rejected_writer(directory: str, shards: int, progress_dir: Optional[str] = None) -> WriteShards:
    return WriteShards(directory, shards, "jsonl", lambda rej: rej.to_json_dict(),
                       ProgressRecorder(progress_dir, "written"))
