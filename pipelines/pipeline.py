"""The full cleanse pipeline: read -> parse (dead letters) -> stages -> write.

Everything is written under one staging directory; the caller moves it into place only when
the run succeeded, so a failed run never leaves a half-written `clean/`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from cleanse.config import Config
from cleanse.stages import PER_DOCUMENT_STAGES

from .counting import WriteCounts
from .io import ReadCorpus, clean_writer, rejected_writer
from .stages import ApplyStage

CLEAN_DIR = "clean"
REJECTED_DIR = "rejected"


@dataclass
class RunPlan:
    inputs: List[str]
    sources: Dict[str, str]
    staging_dir: str
    output_format: str
    config: Config
    dedup_index: Optional[str] = None
    index_staging_dir: Optional[str] = None


def build(pipeline: beam.Pipeline, plan: RunPlan) -> None:
    config = plan.config
    docs, rejected, counts = pipeline | "Read" >> ReadCorpus(plan.inputs, plan.sources, config.input)
    all_rejected = [rejected]
    all_counts = [counts]
    for name in config.stages:
        if name in PER_DOCUMENT_STAGES:
            docs, rejected, counts = docs | f"Stage[{name}]" >> ApplyStage(name, config)
        else:
            docs, rejected, counts = _dedup(docs, plan)
        all_rejected.append(rejected)
        all_counts.append(counts)

    staging = plan.staging_dir
    _ = docs | "WriteClean" >> clean_writer(os.path.join(staging, CLEAN_DIR), config.output.shards,
                                            plan.output_format, config.input)
    _ = (all_rejected | "AllRejected" >> beam.Flatten()
         | "WriteRejected" >> rejected_writer(os.path.join(staging, REJECTED_DIR),
                                              config.output.shards))
    _ = (all_counts | "AllCounts" >> beam.Flatten()
         | "WriteCounts" >> WriteCounts(staging))


def _dedup(docs, plan: RunPlan):
    from .dedup import Deduplicate

    result = docs | "Stage[dedup]" >> Deduplicate(plan.config.dedup, plan.dedup_index,
                                                  plan.index_staging_dir)
    docs_in = (docs | "DedupIn" >> beam.combiners.Count.Globally()
               | "DedupInCount" >> beam.Map(lambda n: {"dedup.in": n}))
    docs_out = (result.kept | "DedupOut" >> beam.combiners.Count.Globally()
                | "DedupOutCount" >> beam.Map(lambda n: {"dedup.out": n}))
    rejected_by_reason = (
        result.rejected | "DedupReasons" >> beam.Map(lambda r: {f"dedup.rejected.{r.reason}": 1}))
    stage_counts = result.counts | "DedupPrefix" >> beam.Map(
        lambda c: {f"dedup.{k}": v for k, v in c.items()})
    counts = ((docs_in, docs_out, rejected_by_reason, stage_counts)
              | "DedupCounts" >> beam.Flatten())
    return result.kept, result.rejected, counts


def run(plan: RunPlan, beam_args: List[str]) -> None:
    options = PipelineOptions(beam_args)
    with beam.Pipeline(options=options) as pipeline:
        build(pipeline, plan)
