"""Beam IO for cleanse: read any supported input into Documents, write sorted shards.

Reading is per file (compressed JSONL cannot be split anyway) followed by a reshuffle, so the
expensive stages spread over all workers even when the input is one big file. Writing groups
records by a hash of their id and sorts each shard by id: the output bytes then depend only on
the input, not on the runner, the worker count or bundle boundaries.
"""
from __future__ import annotations

import os
from typing import Dict, List

import apache_beam as beam

from cleanse.config import InputConfig
from cleanse.document import Rejection
from cleanse.records import (output_record, parse_raw, read_raw, shard_name, shard_of,
                             write_records)

from .counting import COUNTS_TAG, REJECTED_TAG


class ReadCorpus(beam.PTransform):
    """Input files -> (documents, input rejections, counts)."""

    def __init__(self, paths: List[str], sources: Dict[str, str], config: InputConfig):
        super().__init__()
        self._files = [(p, sources[p]) for p in paths]
        self._config = config

    def expand(self, pbegin):
        parsed = (
            pbegin
            | "Files" >> beam.Create(self._files)
            | "ReadLines" >> beam.FlatMap(lambda f: read_raw(f[0], f[1]))
            | "Spread" >> beam.Reshuffle()
            | "Parse" >> beam.ParDo(_ParseDoFn(self._config)).with_outputs(
                REJECTED_TAG, COUNTS_TAG, main="documents"))
        return parsed.documents, parsed[REJECTED_TAG], parsed[COUNTS_TAG]


class _ParseDoFn(beam.DoFn):
    def __init__(self, config: InputConfig):
        self._config = config
        self._read = beam.metrics.Metrics.counter("input", "records")

    def process(self, raw):
        parsed = parse_raw(raw, self._config)
        if parsed is None:
            yield beam.pvalue.TaggedOutput(COUNTS_TAG, {"input.blank_lines": 1})
            return
        self._read.inc()
        if isinstance(parsed, Rejection):
            yield beam.pvalue.TaggedOutput(REJECTED_TAG, parsed)
            yield beam.pvalue.TaggedOutput(
                COUNTS_TAG, {"input.in": 1, f"input.rejected.{parsed.reason}": 1})
        else:
            yield beam.pvalue.TaggedOutput(COUNTS_TAG, {"input.in": 1, "input.out": 1})
            yield parsed


class WriteShards(beam.PTransform):
    """Write records into DIR/part-XXXXX-of-NNNNN.<fmt>, each shard sorted by id."""

    def __init__(self, directory: str, shards: int, fmt: str, to_record, key=lambda x: x.id):
        super().__init__()
        self._directory = directory
        self._shards = shards
        self._fmt = fmt
        self._to_record = to_record
        self._key = key

    def expand(self, pcoll):
        shards, key, to_record = self._shards, self._key, self._to_record
        return (
            pcoll
            | "KeyByShard" >> beam.Map(lambda x: (shard_of(key(x), shards), (key(x), to_record(x))))
            | "GroupShards" >> beam.GroupByKey()
            | "WriteShard" >> beam.Map(_write_shard, self._directory, shards, self._fmt))


def _write_shard(item, directory: str, shards: int, fmt: str) -> int:
    index, keyed = item
    # Sorting on (id, serialized form) keeps even records with duplicate ids in a stable order.
    rows = sorted(keyed, key=lambda kv: (kv[0], repr(kv[1])))
    os.makedirs(directory, exist_ok=True)
    return write_records(os.path.join(directory, shard_name(index, shards, fmt)),
                         (record for _, record in rows), fmt)


def clean_writer(directory: str, shards: int, fmt: str, config: InputConfig) -> WriteShards:
    return WriteShards(directory, shards, fmt, lambda doc: output_record(doc, config))


def rejected_writer(directory: str, shards: int) -> WriteShards:
    return WriteShards(directory, shards, "jsonl", lambda rej: rej.to_json_dict())
