"""The last step of each read task: apply the removal decisions routed back to it and write.

For task t of n, reads its work files once, in order, and writes
- `clean/part-<t>-of-<n>.<fmt>`: its surviving records, in input order, in the output format;
- `rejected/part-<t>-of-<n>.jsonl`: its input and stage rejections, then its dedup removals;
- with an index to update, `rows-<run>-<t>.parquet` in the index: the sketches of what it published.
Per-document stages placed after dedup run here, on the survivors only. Nothing is held in
memory but one batch and the task's own removal decisions; empty parts are not written.
Counts of what was written feed report.json, so the output is never read again to count it.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils import shared

from cleanse.config import Config
from cleanse.dedup import index_schema
from cleanse.document import Document, Rejection
from cleanse.progress import ProgressRecorder
from cleanse.records import PublicIds, RecordWriter, output_record, rejection_line

from . import files
from .index import new_part_name
from .process import StageRunner, shared_stages
from .sketches import read_sketch_ids, read_sketches, work_paths

CLEAN_DIR = "clean"
REJECTED_DIR = "rejected"
DEDUP = "dedup"


@dataclass(frozen=True)
class FinalSettings:
    config: Config
    stages: Tuple[str, ...]        # per-document stages after dedup, in order
    dedup: bool
    work_dir: str
    staging_dir: str
    tasks: int
    output_format: str
    run_id: str
    sources: Tuple[str, ...] = ()  # source name of each read task, for rejected/
    index_dir: Optional[str] = None  # where this run's index parts go, when it keeps an index
    progress_dir: Optional[str] = None
    filesystem_options: Optional[object] = None
    id_key: Optional[str] = None

    def public_ids(self) -> PublicIds:
        return PublicIds(self.config.output.rejected_ids, self.id_key)


def part_name(task_index: int, tasks: int) -> str:
    return f"part-{task_index:05d}-of-{tasks:05d}"


class _LazyFile:
    """An output part created only when the first record is written to it (see LazyOutput)."""

    def __init__(self, path: str, fmt: str):
        self.path = path
        self._fmt = fmt
        self._handle = None
        self.writer: Optional[RecordWriter] = None

    def open(self) -> RecordWriter:
        if self.writer is None:
            self._handle = files.open_write(self.path)
            self.writer = RecordWriter(self._handle, self._fmt)
        return self.writer

    @property
    def count(self) -> int:
        return self.writer.count if self.writer else 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self._handle.close()


class FinalizeTasks(beam.DoFn):
    """(task index, records written by the task, [removals]) -> counts dicts."""

    def __init__(self, settings: FinalSettings, shared_handle: shared.Shared):
        self._settings = settings
        self._shared = shared_handle
        self._written = ProgressRecorder(settings.progress_dir, "written")

    def setup(self):
        s = self._settings
        if s.filesystem_options is not None:
            FileSystems.set_options(s.filesystem_options)
        self._runner = (StageRunner(shared_stages(self._shared, s.stages, s.config), s.progress_dir)
                        if s.stages else None)
        self._public = s.public_ids()

    def finish_bundle(self):
        self._written.flush()
        if self._runner:
            self._runner.flush()

    def process(self, item):
        task_index, records_in, removals = item
        s = self._settings
        counts: Counter = Counter()
        removed = {removal[0]: removal[1:] for removal in removals}
        source = s.sources[task_index]
        work = work_paths(s.work_dir, task_index)
        name = part_name(task_index, s.tasks)
        clean = _LazyFile(files.join(s.staging_dir, CLEAN_DIR, f"{name}.{s.output_format}"),
                          s.output_format)
        rejected = _LazyFile(files.join(s.staging_dir, REJECTED_DIR, f"{name}.jsonl"), "jsonl")
        published: List[int] = []
        try:
            with files.open_read_or_empty(work["rejected"]) as earlier:
                for line in earlier:
                    rejected.open().write_line(line)
            batch: List[Tuple[int, Document, dict]] = []
            for ordinal, line, doc_id, position in self._records(work, records_in):
                origin = {"source": source, "position": position}
                if ordinal in removed:
                    reason, survivor, similarity, survivor_is_public = removed[ordinal]
                    counts[f"{DEDUP}.rejected.{reason}"] += 1
                    rejected.open().write_line(rejection_line(
                        Rejection(doc_id, DEDUP, reason, {**origin, "duplicate_of": survivor,
                                                          "similarity": similarity}),
                        self._public, survivor_is_public))
                elif self._runner is None:
                    clean.open().write_line(line)
                    published.append(ordinal)
                else:
                    record = json.loads(line)
                    batch.append((ordinal, Document(doc_id, record[s.config.input.text_field], record),
                                  origin))
                    if len(batch) >= s.config.execution.batch_docs:
                        published += self._after_dedup(batch, clean, rejected, counts)
                        batch = []
            if batch:
                published += self._after_dedup(batch, clean, rejected, counts)
        finally:
            clean.close()
            rejected.close()
        if s.dedup:
            counts[f"{DEDUP}.in"] += records_in
            counts[f"{DEDUP}.out"] += records_in - len(removed)
        if s.index_dir:
            rows = self._write_index_part(task_index, work, published)
            counts["index.rows"] += rows
            if rows:
                counts[f"index.part.{new_part_name(s.run_id, task_index)}"] = rows
        files.delete(work.values())
        counts["written.clean"] += clean.count
        counts["written.rejected"] += rejected.count
        counts["written.clean_files"] += int(clean.writer is not None)
        counts["written.rejected_files"] += int(rejected.writer is not None)
        self._written.add(clean.count + rejected.count)
        yield dict(counts)

    def _records(self, work: Dict[str, str], records_in: int
                 ) -> Iterator[Tuple[int, bytes, Optional[str], Optional[int]]]:
        """(ordinal, serialized record, id, position) of the task's work file; id and position
        come from the sketch file when dedup ran (a generated id is not in the record)."""
        s = self._settings
        with files.open_read_or_empty(work["records"]) as records:
            if not s.dedup:
                for ordinal, line in enumerate(records):
                    yield ordinal, line, None, None
                return
            with files.open_read_or_empty(work["sketches"]) as sketch_file:
                ids = read_sketch_ids(sketch_file, s.config.dedup.num_perm)
                for ordinal, (line, (doc_id, position)) in enumerate(zip(records, ids)):
                    yield ordinal, line, doc_id, position

    def _after_dedup(self, batch: List[Tuple[int, Document, dict]], clean: _LazyFile,
                     rejected: _LazyFile, counts: Counter) -> List[int]:
        kept, removed = self._runner.run([(doc, {**origin, "ordinal": ordinal})
                                          for ordinal, doc, origin in batch], counts)
        for rejection in removed:
            rejection.details.pop("ordinal", None)
            rejected.open().write_line(rejection_line(rejection, self._public))
        published = []
        for doc, origin in kept:
            clean.open().write(output_record(doc, self._settings.config.input))
            published.append(origin["ordinal"])
        return published

    def _write_index_part(self, task_index: int, work: Dict[str, str], published: List[int]) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        s = self._settings
        if not published:
            return 0
        wanted = set(published)
        schema = index_schema()
        rows = 0
        path = files.join(s.index_dir, new_part_name(s.run_id, task_index))
        with files.open_write(path) as handle, files.open_read(work["sketches"]) as sketch_file:
            with pq.ParquetWriter(handle, schema) as writer:
                chunk = []
                for sketch in read_sketches(sketch_file, s.config.dedup.num_perm, wanted):
                    chunk.append({"id": self._public(sketch.id), "exact_key": sketch.exact_key(),
                                  "signature": sketch.signature, "fingerprints": sketch.fingerprints})
                    if len(chunk) >= 4096:
                        writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                        rows += len(chunk)
                        chunk = []
                if chunk:
                    writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                    rows += len(chunk)
        return rows
