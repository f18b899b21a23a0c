"""The recognizer registry of the PII stage, and what `cleanse explain` reads.

Every recognizer is a small named class; each of its patterns has a name. A recognizer reports
candidates: a span, the pattern that found it, whether it was accepted and, when rejected (or
accepted against its checksum because a label announced it), why. In normal runs only the
accepted spans are kept; with tracing on, every candidate is recorded so that
`cleanse explain "TEXT"` can print what fired, what was rejected and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List, Optional

from presidio_analyzer import LocalRecognizer, RecognizerResult


@dataclass(frozen=True)
class NamedPattern:
    name: str
    regex: str


@dataclass
class Candidate:
    start: int
    end: int
    pattern: str
    note: Optional[str] = None  # why it was rejected, or a remark on why it was accepted
    accepted: bool = True
    entity: Optional[str] = None  # for recognizers of several types; default the recognizer's ENTITY


@dataclass
class TraceEvent:
    """One candidate seen by one recognizer (explain mode only)."""

    entity: str
    recognizer: str
    pattern: str
    start: int
    end: int
    accepted: bool
    note: Optional[str] = None
    score: float = 0.0


@dataclass
class Trace:
    events: List[TraceEvent] = field(default_factory=list)
    offset: int = 0  # chunk offset in the document

    def add(self, event: TraceEvent) -> None:
        event.start += self.offset
        event.end += self.offset
        self.events.append(event)


class TracedRecognizer(LocalRecognizer):
    """A recognizer that yields `Candidate`s; accepted ones become results."""

    ENTITY = ""
    SCORE = 0.9

    def __init__(self, supported_language: str = "en"):
        super().__init__(supported_entities=[self.ENTITY], supported_language=supported_language,
                         name=type(self).__name__)
        self.trace: Optional[Trace] = None
        if not hasattr(self, "named_patterns"):
            self.named_patterns: List[NamedPattern] = []

    def load(self) -> None:
        pass

    def candidates(self, text: str) -> Iterable[Candidate]:
        raise NotImplementedError

    def analyze(self, text, entities, nlp_artifacts=None) -> List[RecognizerResult]:
        results = []
        for c in self.candidates(text):
            if self.trace is not None:
                self.trace.add(TraceEvent(c.entity or self.ENTITY, self.name, c.pattern, c.start, c.end, c.accepted,
                                          c.note, self.SCORE))
            if c.accepted and c.end > c.start:
                results.append(RecognizerResult(c.entity or self.ENTITY, c.start, c.end, self.SCORE, recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    "pattern": c.pattern}))
        return results
