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
