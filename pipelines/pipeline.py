"""The full cleanse pipeline: read tasks -> per-document stages -> dedup keys -> write.

  tasks -(spread)-> ProcessTasks: read, parse, stages before dedup, sketch; work files
        -> packed exact and band entries -> FindDuplicates -> removals by task  (dedup only)
        -> FinalizeTasks: removals applied, stages after dedup, clean/ and rejected/ parts
  every step's counts -> one final step writing _counts.json

Documents never travel through a shuffle: each read task keeps its records in its own work
files from the first step to the last, and only compact keys and decisions are shuffled. The
graph is kept to what every runner executes the same way: single-output ParDos, GroupByKey,
CoGroupByKey, Flatten, CombinePerKey. All sinks end in one final step because Beam's Dask
runner computes only the last transform of the graph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.utils import shared

from cleanse.config import Config
from cleanse.errors import RunFailure
from cleanse.records import ReadTask

from . import routes
from .counting import WriteCounts
from .dedup import FindDuplicates, SketchStore
from .finalize import FinalizeTasks, FinalSettings
from .process import DONE, ProcessTasks, TaskSettings

WORK_DIR = "_work"


@dataclass
class RunPlan:
    tasks: List[ReadTask]
    staging_dir: str
    output_format: str
    config: Config
    run_id: str
    index_parts: List[str]            # earlier runs' index parts to dedup against
    index_dir: Optional[str] = None   # where this run writes its own index parts
    progress_dir: Optional[str] = None
    filesystem_options: Optional[PipelineOptions] = None
    id_key: Optional[str] = None  # keys the pseudonyms of ids in rejected/ and the index

    @property
    def work_dir(self) -> str:
        return f"{self.staging_dir.rstrip('/')}/{WORK_DIR}"


def split_stages(stages: List[str]):
    """(per-document stages before dedup, dedup?, per-document stages after it)."""
    if "dedup" not in stages:
        return tuple(stages), False, ()
    at = stages.index("dedup")
    return tuple(stages[:at]), True, tuple(stages[at + 1:])


def build(pipeline: beam.Pipeline, plan: RunPlan):
    config = plan.config
    before, dedup, after = split_stages(config.stages)
    stage_models = shared.Shared()
    tasks = (pipeline
             | "Tasks" >> beam.Create(list(enumerate(plan.tasks)))
             # Keyed by task: each runner's partitioning then deals the tasks out to every
             # worker instead of running them where they were created.
             | "KeyByTask" >> beam.Map(lambda item: (item[0], item))
             | "SpreadTasks" >> beam.GroupByKey()
             | "Task" >> beam.FlatMap(lambda kv: kv[1]))
    processed = tasks | "Process" >> beam.ParDo(ProcessTasks(TaskSettings(
        config, before, dedup, plan.work_dir, plan.progress_dir, plan.filesystem_options, plan.id_key),
        stage_models))
    counts = [processed | "TaskCounts" >> beam.FlatMap(routes.only(routes.COUNTS))]
    done = processed | "Done" >> beam.FlatMap(routes.only(DONE))

    if dedup:
        store = SketchStore(config.dedup, plan.work_dir, plan.index_parts, plan.filesystem_options)
        found = (done
                 | "Notes" >> beam.Map(lambda d: (d[0], d[2], d[3]))
                 | "Dedup" >> FindDuplicates(store, config.execution.shuffle_groups))
        counts.append(found.counts | "DedupPrefix" >> beam.Map(
            lambda c: {f"dedup.{k}": v for k, v in c.items()}))
        written = done | "Written" >> beam.Map(lambda d: (d[0], d[1]))
        decided = ({"done": written, "removals": found.removals}
                   | "RemovalsToTasks" >> beam.CoGroupByKey()
                   | "TaskDecisions" >> beam.Map(
                       lambda kv: (kv[0], next(iter(kv[1]["done"])), list(kv[1]["removals"]))))
    else:
        decided = done | "NoDecisions" >> beam.Map(lambda d: (d[0], d[1], []))

    counts.append(decided | "Finalize" >> beam.ParDo(FinalizeTasks(FinalSettings(
        config, after, dedup, plan.work_dir, plan.staging_dir, len(plan.tasks), plan.output_format,
        plan.run_id, tuple(t.source for t in plan.tasks), plan.index_dir, plan.progress_dir,
        plan.filesystem_options, plan.id_key), stage_models)))
    return counts | "AllCounts" >> beam.Flatten() | "WriteCounts" >> WriteCounts(plan.staging_dir)


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
        raise RunFailure(f"the pipeline ended in state {state}")
