"""The registry of per-document stages: name -> the class that implements it.

Per-document stages (pii, toxicity) answer each document on its own, so any runner can batch
them freely. Dedup compares documents with each other and is wired separately
(`pipelines/dedup.py` on Beam, `cleanse.dedup` in memory).
"""
from __future__ import annotations

from typing import List, Protocol

from .config import Config
from .document import Document, Outcome

PER_DOCUMENT_STAGES = ("pii", "toxicity")


class Stage(Protocol):
    def process_batch(self, docs: List[Document]) -> List[Outcome]:
        ...


def build_stage(name: str, config: Config) -> Stage:
    """Build the named stage from its config section (heavy: loads models)."""
    if name == "pii":
        from .pii import PiiScrubber

        return PiiScrubber(config.pii)
    if name == "toxicity":
        from .toxicity import HarmFilter

        return HarmFilter(config.toxicity)
    raise ValueError(f"{name!r} is not a per-document stage; known: {', '.join(PER_DOCUMENT_STAGES)}")


def batch_size(name: str, config: Config) -> int:
    if name == "pii":
        return config.pii.batch_size
    return 256


STAGE_ERROR = "stage_error"


def process_isolated(stage: Stage, docs: List[Document]) -> List[Outcome]:
    """`stage.process_batch`, with one failing document costing only that document.

    When a batch raises, it is split in halves until the documents that raise are alone; each
    of those becomes a `stage_error` outcome naming the exception class only (its message may
    quote the text). A stage that fails on everything still fails everything: the caller's
    error-rate limit turns that into a failed run.
    """
    try:
        outcomes = stage.process_batch(docs)
        if len(outcomes) != len(docs):
            raise RuntimeError(f"the stage answered {len(outcomes)} outcomes for {len(docs)} documents")
        return outcomes
    except Exception as exc:  # noqa: BLE001 - any error is isolated to its documents
        if len(docs) == 1:
            return [Outcome(docs[0], STAGE_ERROR, {"error": type(exc).__name__})]
        middle = len(docs) // 2
        return process_isolated(stage, docs[:middle]) + process_isolated(stage, docs[middle:])
