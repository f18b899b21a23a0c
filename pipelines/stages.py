"""Beam adapter for the per-document stages (pii, toxicity): group, batch, apply, route, count.

Documents are spread over `execution.shuffle_groups` groups by a hash of their id, and each
group is cut into batches for the stage's batch call (spaCy's `nlp.pipe`). Batching this way
needs no `finish_bundle` output (which Beam's Dask runner drops) and doubles as the reshuffle
that spreads documents read from one file over all workers.

The stage objects (spaCy pipeline, classifier) are built once per worker process in `setup`
through `Shared`, never in `__init__`: the DoFn is pickled into the graph and an analyzer
with its model would make that pickle tens of megabytes and be rebuilt per bundle.
"""
from __future__ import annotations

import os
import time
from typing import Dict, List, Optional

import apache_beam as beam
from apache_beam.utils import shared

from cleanse.config import Config
from cleanse.document import Document, Rejection
from cleanse.progress import ProgressRecorder
from cleanse.records import shard_of
from cleanse.stages import batch_size, build_stage

from . import routes
from .counting import prefixed


class ApplyStages(beam.PTransform):
    """Documents -> routed stream of kept documents, rejections and counts.

    Runs consecutive per-document stages in order on each batch: a document dropped by one
    stage is not shown to the next.
    """

    def __init__(self, names: List[str], config: Config, progress_dir: Optional[str] = None):
        super().__init__()
        self._names = list(names)
        self._config = config
        self._progress_dir = progress_dir

    def expand(self, docs):
        groups = self._config.execution.shuffle_groups
        return (docs
                | "KeyByGroup" >> beam.Map(lambda d: (shard_of(d.id, groups), d))
                | "Group" >> beam.GroupByKey()
                | "Apply" >> beam.ParDo(_StagesDoFn(self._names, self._config, shared.Shared(),
                                                    self._progress_dir)))


class _StagesDoFn(beam.DoFn):
    def __init__(self, names: List[str], config: Config, shared_handle: shared.Shared,
                 progress_dir: Optional[str]):
        self._names = names
        self._config = config
        self._shared = shared_handle
        self._stages = None
        self._progress = {name: ProgressRecorder(progress_dir, name) for name in names}
        self._dropped = {name: beam.metrics.Metrics.counter(name, "dropped") for name in names}

    def setup(self):
        names, config = self._names, self._config
        self._stages = self._shared.acquire(
            lambda: _Stages({name: build_stage(name, config) for name in names}),
            tag=tuple(names)).by_name

    def finish_bundle(self):
        for recorder in self._progress.values():
            recorder.flush()

    def process(self, group):
        _, docs = group
        size = min(batch_size(name, self._config) for name in self._names)
        batch: List[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._process_batch(batch)
                batch = []
        if batch:
            yield from self._process_batch(batch)

    def _process_batch(self, batch: List[Document]):
        for name in self._names:
            if not batch:
                return
            counts: Dict[str, int] = {"in": len(batch), f"process.{os.getpid()}": len(batch)}
            started = time.perf_counter()
            outcomes = self._stages[name].process_batch(batch)
            counts["busy_ms"] = int((time.perf_counter() - started) * 1000)
            if len(outcomes) != len(batch):
                raise RuntimeError(f"stage {name} answered {len(outcomes)} outcomes "
                                   f"for {len(batch)} documents")
            batch = []
            for outcome in outcomes:
                for key, value in outcome.counts.items():
                    counts[key] = counts.get(key, 0) + value
                if outcome.kept:
                    batch.append(outcome.document)
                else:
                    key = f"rejected.{outcome.dropped}"
                    counts[key] = counts.get(key, 0) + 1
                    self._dropped[name].inc()
                    yield routes.rejected(Rejection(outcome.document.id, name, outcome.dropped,
                                                    dict(outcome.details)))
            counts["out"] = len(batch)
            self._progress[name].add(len(batch))
            yield routes.counts(prefixed(name, counts))
        for doc in batch:
            yield routes.document(doc)


class _Stages:
    """Shared needs a weak-referenceable object to cache; a plain dict is not one."""

    def __init__(self, by_name):
        self.by_name = by_name
