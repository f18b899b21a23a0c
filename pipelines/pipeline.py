"""The full cleanse pipeline: read -> parse (dead letters) -> stages -> write.

Everything is written under one staging directory; the caller moves it into place only when
the run succeeded, so a failed run never leaves a half-written `clean/`.

The graph is kept to what every runner executes the same way (see `routes` and `stages`):
single-output ParDos, GroupByKey, Flatten, CombinePerKey. All sinks end in one final step
because Beam's Dask runner computes only the last transform of the graph.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import List, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from cleanse.config import Config
from cleanse.document import Document
from cleanse.progress import ProgressRecorder
from cleanse.records import ReadTask
from cleanse.stages import PER_DOCUMENT_STAGES

from . import routes
from .counting import WriteCounts
from .io import ReadCorpus, clean_writer, rejected_writer
from .stages import ApplyStages

CLEAN_DIR = "clean"
REJECTED_DIR = "rejected"


@dataclass
class RunPlan:
    tasks: List[ReadTask]
    staging_dir: str
    output_format: str
    config: Config
    dedup_index: Optional[str] = None
    index_staging_dir: Optional[str] = None
    progress_dir: Optional[str] = None


def stage_groups(stages: List[str]) -> List[List[str]]:
    """Consecutive per-document stages run together on one batch; dedup stands alone."""
    groups: List[List[str]] = []
    for name in stages:
        if name in PER_DOCUMENT_STAGES and groups and groups[-1][0] in PER_DOCUMENT_STAGES:
            groups[-1].append(name)
        else:
            groups.append([name])
    return groups


def build(pipeline: beam.Pipeline, plan: RunPlan):
    config = plan.config
    routed = pipeline | "Read" >> ReadCorpus(plan.tasks, config.input, plan.progress_dir)
    docs, rejected, counts = routes.split(routed, "Input")
    all_rejected, all_counts = [rejected], [counts]
    for group in stage_groups(config.stages):
        label = "+".join(group)
        if group[0] in PER_DOCUMENT_STAGES:
            routed = docs | f"Stages[{label}]" >> ApplyStages(group, config, plan.progress_dir)
            docs, rejected, counts = routes.split(routed, label)
        else:
            docs, rejected, counts = _dedup(docs, plan)
        all_rejected.append(rejected)
        all_counts.append(counts)

    staging = plan.staging_dir
    written = [
        docs | "WriteClean" >> clean_writer(os.path.join(staging, CLEAN_DIR), config.output.shards,
                                            plan.output_format, config.input, plan.progress_dir),
        (all_rejected | "AllRejected" >> beam.Flatten()
         | "WriteRejected" >> rejected_writer(os.path.join(staging, REJECTED_DIR),
                                              config.output.shards, plan.progress_dir)),
        (all_counts | "AllCounts" >> beam.Flatten() | "WriteCounts" >> WriteCounts(staging)),
    ]
    return written | "AllWritten" >> beam.Flatten()


def _unique_ids(item):
    """Give every document but one of a repeated id an id of its own (`<id>~2`, `<id>~3`...).

    Dedup joins documents by id and names survivors by id, so two different documents
    sharing an id would be mixed up there. The record's own id field is left as it was.
    """
    doc_id, docs = item
    docs = sorted(docs, key=lambda d: (d.text, json.dumps(d.record, sort_keys=True, default=str)))
    if len(docs) > 1:
        yield routes.counts({"dedup.renamed_repeated_ids": len(docs) - 1})
    for n, doc in enumerate(docs, start=1):
        yield routes.document(doc if n == 1 else
                              Document(f"{doc_id}~{n}", doc.text, doc.record, doc.annotations))


def _dedup(docs, plan: RunPlan):
    from .dedup import Deduplicate

    routed = (docs | "KeyById" >> beam.Map(lambda d: (d.id, d))
              | "GroupById" >> beam.GroupByKey()
              | "UniqueIds" >> beam.FlatMap(_unique_ids))
    docs, _, renamed = routes.split(routed, "dedup-ids")
    result = docs | "Stage[dedup]" >> Deduplicate(
        plan.config.dedup, plan.dedup_index, plan.index_staging_dir,
        shuffle_groups=plan.config.execution.shuffle_groups)
    docs_in = docs | "DedupIn" >> beam.Map(lambda _: {"dedup.in": 1})
    docs_out = result.kept | "DedupOut" >> beam.ParDo(_CountKept(plan.progress_dir))
    reasons = result.rejected | "DedupReasons" >> beam.Map(
        lambda r: {f"dedup.rejected.{r.reason}": 1})
    stage_counts = result.counts | "DedupPrefix" >> beam.Map(
        lambda c: {f"dedup.{k}": v for k, v in c.items()})
    counts = (docs_in, docs_out, reasons, stage_counts, renamed) | "DedupCounts" >> beam.Flatten()
    return result.kept, result.rejected, counts


class _CountKept(beam.DoFn):
    """Counts dedup survivors for the report and the live progress line."""

    def __init__(self, progress_dir: Optional[str]):
        self._progress = ProgressRecorder(progress_dir, "dedup")

    def process(self, _):
        self._progress.add()
        yield {"dedup.out": 1}

    def finish_bundle(self):
        self._progress.flush()


def run(plan: RunPlan, beam_args: List[str]) -> None:
    pipeline = beam.Pipeline(options=PipelineOptions(beam_args))
    build(pipeline, plan)
    result = pipeline.run()
    try:
        state = result.wait_until_finish()
    finally:
        # The Dask runner leaves its client connected; closed here before the cluster goes,
        # or it keeps trying to reconnect and prints tracebacks.
        client = getattr(result, "client", None)
        if client is not None:
            client.close()
    if state not in ("DONE", None):
        raise RuntimeError(f"the pipeline ended in state {state}")
