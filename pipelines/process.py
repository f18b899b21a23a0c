"""One read task, start to finish on one worker: read, parse, per-document stages, sketch.

A read task (a byte range of a JSONL file, or a whole compressed or Parquet file) streams its
records through parsing and the stages that come before dedup in bounded batches
(`execution.batch_docs`), and writes, under the run's work folder:

- `t<task>.records.jsonl`: the surviving records, already in their output form, in input order;
- `t<task>.rejected.jsonl`: its input and stage rejections (never text);
- with dedup, `t<task>.sketches` (one sketch per surviving record) and `t<task>.exact` /
  `t<task>.bands`: its packed exact-key and LSH band entries, in partition order (see
  `sketches.PartitionedEntries`).

What leaves the task through Beam is a counts dict and a "done" note (with the partition
offsets of its entry files). No document and no per-document key travels through a Beam
shuffle, so the runner's memory does not grow with the corpus.

The stage objects (spaCy pipeline, classifier) are built once per worker process in `setup`
through `Shared`, never in `__init__`: the DoFn is pickled into the graph.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils import shared

from cleanse.config import Config
from cleanse.dedup import LshBands, MinHashSigner, ShingleHasher, exact_key, tokens
from cleanse.document import Document, Rejection
from cleanse.progress import ProgressRecorder
from cleanse.records import (PublicIds, ReadTask, json_line, output_record, parse_raw, read_raw,
                             rejection_line)
from cleanse.stages import STAGE_ERROR, build_stage, process_isolated

from . import files, routes
from .sketches import (PartitionedEntries, SketchWriter, band_hashes, pack_exact, reference,
                       shard_band_entries, split_exact_key, work_paths)

DONE = "done"
Origin = Dict[str, object]  # {"source": file name, "position": byte offset or row}


@dataclass(frozen=True)
class TaskSettings:
    """What every read task needs to know, pickled once into the graph."""

    config: Config
    stages: Tuple[str, ...]        # per-document stages before dedup, in order
    dedup: bool                    # sketch the survivors for dedup
    work_dir: str
    progress_dir: Optional[str] = None
    filesystem_options: Optional[object] = None  # PipelineOptions for s3:// and gs:// access
    id_key: Optional[str] = None  # keys the pseudonyms of ids in rejected/ (see PublicIds)

    def public_ids(self) -> PublicIds:
        return PublicIds(self.config.output.rejected_ids, self.id_key)


class _Stages:
    """Shared needs a weak-referenceable object to cache; a plain dict is not one."""

    def __init__(self, by_name):
        self.by_name = by_name


def shared_stages(handle: shared.Shared, names: Tuple[str, ...], config: Config) -> Dict[str, object]:
    return handle.acquire(lambda: _Stages({name: build_stage(name, config) for name in names}),
                          tag=("stages",) + tuple(names)).by_name


class StageRunner:
    """Runs consecutive per-document stages on a batch: a document dropped by one stage is
    not shown to the next. Counts what each stage did, per stage, for the report."""

    def __init__(self, stages: Dict[str, object], progress_dir: Optional[str]):
        self._stages = stages
        self._progress = {name: ProgressRecorder(progress_dir, name) for name in stages}
        self._dropped = {name: beam.metrics.Metrics.counter(name, "dropped") for name in stages}

    def run(self, batch: List[Tuple[Document, Origin]], counts: Counter
            ) -> Tuple[List[Tuple[Document, Origin]], List[Rejection]]:
        """(document, where it was read) pairs -> the kept pairs, and rejections that say
        where their document was read (`source`, `position`)."""
        rejected: List[Rejection] = []
        pid = os.getpid()
        for name, stage in self._stages.items():
            if not batch:
                break
            counts[f"{name}.in"] += len(batch)
            counts[f"{name}.process.{pid}"] += len(batch)
            started = time.perf_counter()
            outcomes = process_isolated(stage, [doc for doc, _ in batch])
            counts[f"{name}.busy_ms"] += int((time.perf_counter() - started) * 1000)
            kept = []
            for outcome, (_, origin) in zip(outcomes, batch):
                for key, value in outcome.counts.items():
                    counts[f"{name}.{key}"] += value
                if outcome.kept:
                    kept.append((outcome.document, origin))
                else:
                    counts[f"{name}.rejected.{outcome.dropped}"] += 1
                    self._dropped[name].inc()
                    rejected.append(Rejection(outcome.document.id, name, outcome.dropped,
                                              {**origin, **outcome.details}))
            batch = kept
            counts[f"{name}.out"] += len(batch)
            self._progress[name].add(len(batch))
        return batch, rejected

    def flush(self) -> None:
        for recorder in self._progress.values():
            recorder.flush()


class ProcessTasks(beam.DoFn):
    """(task index, ReadTask) -> a routed counts dict and a done note (task, records kept,
    exact and band partition offsets); the documents stay in the task's work files."""

    def __init__(self, settings: TaskSettings, shared_handle: shared.Shared):
        self._settings = settings
        self._shared = shared_handle
        self._read_progress = ProgressRecorder(settings.progress_dir, "read")

    def setup(self):
        s = self._settings
        if s.filesystem_options is not None:
            FileSystems.set_options(s.filesystem_options)
        self._runner = StageRunner(shared_stages(self._shared, s.stages, s.config), s.progress_dir)
        self._public = s.public_ids()
        if s.dedup:
            c = s.config.dedup
            self._hasher = ShingleHasher(c.ngram)
            self._signer = MinHashSigner(c.num_perm, c.seed)
            self._bands = LshBands.for_threshold(c.threshold, c.num_perm, c.lsh_miss_probability)

    def finish_bundle(self):
        self._read_progress.flush()
        self._runner.flush()

    def process(self, item):
        task_index, task = item
        s = self._settings
        paths = work_paths(s.work_dir, task_index)
        counts: Counter = Counter()
        state = _TaskState(task_index, s.config)
        with files.LazyOutput(paths["records"]) as records, \
                files.LazyOutput(paths["rejected"]) as rejected:
            sketches = files.LazyOutput(paths["sketches"]) if s.dedup else None
            try:
                state.outputs = (records, rejected,
                                 SketchWriter(sketches, s.config.dedup.num_perm) if sketches else None)
                batch: List[Tuple[Document, Origin]] = []
                for item in self._parse(task, counts, rejected):
                    batch.append(item)
                    if len(batch) >= s.config.execution.batch_docs:
                        self._process_batch(batch, state, counts)
                        batch = []
                if batch:
                    self._process_batch(batch, state, counts)
            finally:
                if sketches is not None:
                    sketches.close()
        offsets = self._write_entries(state, paths) if s.dedup else (None, None)
        if counts["input.in"]:
            # Which process parsed them: shows in the report how many workers shared the work.
            counts[f"input.process.{os.getpid()}"] = counts["input.in"]
        yield routes.counts(dict(counts))
        yield DONE, (task_index, state.written, *offsets)

    @staticmethod
    def _write_entries(state: "_TaskState", paths: Dict[str, str]) -> Tuple[bytes, bytes]:
        with files.LazyOutput(paths["exact"]) as exact, files.LazyOutput(paths["bands"]) as bands:
            return state.exact.write(exact), state.bands.write(bands)

    def _parse(self, task: ReadTask, counts: Counter, rejected):
        config = self._settings.config.input
        for raw in read_raw(task, opener=files.open_read):
            try:
                parsed = parse_raw(raw, config)
            except Exception as exc:  # noqa: BLE001 - one record never kills a run
                source, position, _ = raw
                parsed = Rejection(f"{source}:{position}", "input", STAGE_ERROR,
                                   {"source": source, "position": position,
                                    "error": type(exc).__name__})
            if parsed is None:
                counts["input.blank_lines"] += 1
                continue
            counts["input.in"] += 1
            self._read_progress.add()
            if isinstance(parsed, Rejection):
                counts[f"input.rejected.{parsed.reason}"] += 1
                rejected.write(rejection_line(parsed, self._public))
            else:
                counts["input.out"] += 1
                yield parsed, {"source": raw[0], "position": raw[1]}

    def _process_batch(self, batch: List[Tuple[Document, Origin]], state: "_TaskState",
                       counts: Counter) -> None:
        s = self._settings
        records, rejected, sketches = state.outputs
        kept, removed = self._runner.run(batch, counts)
        for rejection in removed:
            rejected.write(rejection_line(rejection, self._public))
        lines = []
        for doc, origin in kept:
            try:
                lines.append((doc, origin, json_line(output_record(doc, s.config.input))))
            except (ValueError, TypeError, RecursionError) as exc:
                counts["output.rejected.unserializable"] += 1
                rejected.write(rejection_line(Rejection(doc.id, "output", "unserializable",
                                                        {**origin, "error": type(exc).__name__}),
                                              self._public))
        if s.dedup:
            self._sketch([(doc, origin) for doc, origin, _ in lines], state, counts)
        for _, _, line in lines:
            records.write(line)
        state.written += len(lines)

    def _sketch(self, items: List[Tuple[Document, Origin]], state: "_TaskState", counts: Counter):
        """Sketch a batch, write the sketches, and gather its packed exact and band entries."""
        c = self._settings.config.dedup
        started = time.perf_counter()
        docs = [doc for doc, _ in items]
        token_lists = [tokens(doc.text) for doc in docs]
        keys = [split_exact_key(exact_key(doc.text, toks)) for doc, toks in zip(docs, token_lists)]
        fingerprints = self._hasher.fingerprints_of_tokens(token_lists)
        signatures = self._signer.sign(fingerprints)
        refs = [reference(state.task_index, state.written + k) for k in range(len(docs))]
        _, _, sketches = state.outputs
        for (doc, origin), key, sig, fps in zip(items, keys, signatures, fingerprints):
            sketches.write(doc.id, origin["position"], key, sig, fps)

        exact_groups: Dict[int, list] = {}
        banded = []
        for k, (doc, key) in enumerate(zip(docs, keys)):
            if c.exact:
                exact_groups.setdefault(key[0] % self._settings.config.execution.shuffle_groups,
                                        []).append((key, refs[k], doc.id))
            # A later copy of a text already seen in this task needs no bands: the exact
            # step links it to the first one.
            if len(fingerprints[k]) and (not c.exact or key not in state.seen_exact):
                banded.append(k)
            state.seen_exact.add(key)
        for group, entries in exact_groups.items():
            state.exact.add(group, pack_exact(entries))
        if c.near and banded:
            bands = self._bands
            hashes = band_hashes(signatures[banded], bands.bands, bands.rows)
            member_refs = np.repeat(np.array([refs[k] for k in banded], dtype=np.uint64), bands.bands)
            for shard, blob in shard_band_entries(hashes.reshape(-1), member_refs, c.band_shards):
                state.bands.add(shard, blob)
        counts["dedup.busy_ms"] += int((time.perf_counter() - started) * 1000)


class _TaskState:
    def __init__(self, task_index: int, config: Config):
        self.task_index = task_index
        self.written = 0
        self.seen_exact = set()
        self.outputs = None
        self.exact = PartitionedEntries(config.execution.shuffle_groups)
        self.bands = PartitionedEntries(config.dedup.band_shards)

