"""The record types every stage speaks: a document in, an outcome out.

A stage never sees the reader or the writer; it receives `Document`s and answers with one
`Outcome` per document: keep (possibly with rewritten text) or drop with a reason. Counters
travel with the outcome so the same numbers reach Beam metrics and the report whichever
runner executes the stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional


@dataclass
class Document:
    """One input record. `record` holds every field of the original; only `text` is rewritten."""

    id: str
    text: str
    record: Dict[str, Any] = field(default_factory=dict)
    annotations: Dict[str, Any] = field(default_factory=dict)

    def with_text(self, text: str) -> "Document":
        return Document(self.id, text, self.record, dict(self.annotations))


@dataclass
class Outcome:
    """A stage's answer for one document.

    `dropped` is the machine-readable reason when the stage removes the document (None keeps
    it). `details` must be JSON-safe and never hold raw PII: scores, categories, entity types,
    `duplicate_of` ids. `counts` are named counters summed into the report (e.g.
    ``{"entity.EMAIL_ADDRESS": 2}``).
    """

    document: Document
    dropped: Optional[str] = None
    details: Dict[str, Any] = field(default_factory=dict)
    counts: Dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        return self.dropped is None


@dataclass
class Rejection:
    """One line of `rejected/`: what was removed, by which stage, and why. No raw text."""

    id: str
    stage: str
    reason: str
    details: Dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "stage": self.stage, "reason": self.reason, **self.details}
