"""Beam adapter for per-document stages (pii, toxicity): batch, apply, route, count.

The stage object (spaCy pipeline, classifier) is built once per worker process in `setup`
through `Shared`, never in `__init__`: the DoFn is pickled into the graph and an analyzer
with its model would make that pickle tens of megabytes and be rebuilt per bundle.
"""
from __future__ import annotations

import os
import time

import apache_beam as beam
from apache_beam.utils import shared

from cleanse.config import Config
from cleanse.document import Rejection
from cleanse.stages import batch_size, build_stage

from .counting import COUNTS_TAG, REJECTED_TAG, prefixed


class ApplyStage(beam.PTransform):
    """Documents -> (kept documents, rejections, counts) for one per-document stage."""

    def __init__(self, name: str, config: Config):
        super().__init__()
        self._name = name
        self._config = config

    def expand(self, docs):
        size = batch_size(self._name, self._config)
        routed = (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=min(8, size), max_batch_size=size)
            | "Apply" >> beam.ParDo(_StageDoFn(self._name, self._config, shared.Shared()))
            .with_outputs(REJECTED_TAG, COUNTS_TAG, main="kept"))
        return routed.kept, routed[REJECTED_TAG], routed[COUNTS_TAG]


class _StageDoFn(beam.DoFn):
    def __init__(self, name: str, config: Config, shared_handle: shared.Shared):
        self._name = name
        self._config = config
        self._shared = shared_handle
        self._stage = None
        self._kept = beam.metrics.Metrics.counter(name, "kept")
        self._dropped = beam.metrics.Metrics.counter(name, "dropped")

    def setup(self):
        name, config = self._name, self._config
        self._stage = self._shared.acquire(lambda: _Holder(build_stage(name, config)),
                                           tag=f"cleanse-stage-{name}").stage

    def process(self, batch):
        started = time.perf_counter()
        outcomes = self._stage.process_batch(batch)
        if len(outcomes) != len(batch):
            raise RuntimeError(f"stage {self._name} answered {len(outcomes)} outcomes "
                               f"for {len(batch)} documents")
        counts = {"in": len(batch), f"process.{os.getpid()}": len(batch)}
        for outcome in outcomes:
            for key, value in outcome.counts.items():
                counts[key] = counts.get(key, 0) + value
            if outcome.kept:
                counts["out"] = counts.get("out", 0) + 1
                yield outcome.document
            else:
                key = f"rejected.{outcome.dropped}"
                counts[key] = counts.get(key, 0) + 1
                yield beam.pvalue.TaggedOutput(REJECTED_TAG, Rejection(
                    outcome.document.id, self._name, outcome.dropped, dict(outcome.details)))
        counts["busy_ms"] = int((time.perf_counter() - started) * 1000)
        self._kept.inc(counts.get("out", 0))
        self._dropped.inc(len(batch) - counts.get("out", 0))
        yield beam.pvalue.TaggedOutput(COUNTS_TAG, prefixed(self._name, counts))


class _Holder:
    """Shared needs a weak-referenceable object; some stage classes may use __slots__."""

    def __init__(self, stage):
        self.stage = stage
