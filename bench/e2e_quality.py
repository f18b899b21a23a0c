"""Quality of one pipeline's output, scored from the corpus labels (bench/corpus.py).

A run is reduced to a `RunOutcome`: for every label line, either the surviving text or the cause
of its removal, one of `REMOVAL_CAUSES`. The measures are those of DESIGN.md, restricted to what
the labels know:

- PII leak rate per entity type: planted values (documents with `pii_labelled` only) that still
  appear verbatim in a surviving document.
- Over-redaction: planted `keep` tokens (products, versions, years, ...) that no longer appear in
  a surviving document.
- Harmful recall: harmful documents removed, or whose harmful line is gone from the output.
- False-positive rate: benign documents removed for anything other than being a duplicate or
  unreadable input (hard benign, real benign and template benign text separately).
- Dedup precision/recall from family labels: a duplicate removal is correct when a member of the
  same family survives; recall = correct removals / sum(|members that reached dedup| - 1).
  Unrelated short documents can be true near-duplicates without sharing a family, so a removal
  outside any family counts against precision here; bench/dedup_eval.py has the exact-Jaccard
  ground truth.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

# Why a document is not in the output. "input": unreadable or malformed line; "error": the
# pipeline could not process it (e.g. spaCy refused it); "missing": neither written nor rejected.
REMOVAL_CAUSES = ("input", "pii", "harm", "duplicate", "error", "missing")
# Removals that are not a judgement on the document's content.
_NOT_CONTENT = ("duplicate", "input")
# Causes that stop a document before deduplication.
_BEFORE_DEDUP = ("input", "pii", "harm", "error")


@dataclass
class RunOutcome:
    """What a pipeline did with each labelled line (keyed by the label's `line`)."""

    survived: Dict[int, str] = field(default_factory=dict)
    removed: Dict[int, str] = field(default_factory=dict)

    def add_missing(self, labels: Iterable[dict]) -> None:
        for label in labels:
            line = label["line"]
            if line not in self.survived and line not in self.removed:
                self.removed[line] = "missing"


Ratio = Tuple[int, int]  # (hits, total)


def _documents(labels: Iterable[dict]) -> List[dict]:
    return [label for label in labels if label["malformed"] is None]


def pii_leaks(labels: Iterable[dict], run: RunOutcome) -> Dict[str, Ratio]:
    """Entity type -> (planted values still present, planted values) over surviving documents."""
    leaks: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for label in _documents(labels):
        text = run.survived.get(label["line"])
        if text is None or not label["pii_labelled"]:
            continue
        for kind, values in label["pii"].items():
            for value in values:
                leaks[kind][1] += 1
                leaks[kind][0] += value in text
    return {kind: (hit, total) for kind, (hit, total) in sorted(leaks.items())}


def over_redaction(labels: Iterable[dict], run: RunOutcome) -> Dict[str, Ratio]:
    """Token kind -> (planted keep tokens lost, planted keep tokens) over surviving documents."""
    lost: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for label in _documents(labels):
        text = run.survived.get(label["line"])
        if text is None:
            continue
        for kind, tokens in label["keep"].items():
            for token in tokens:
                lost[kind][1] += 1
                lost[kind][0] += token not in text
    return {kind: (hit, total) for kind, (hit, total) in sorted(lost.items())}


def harmful_recall(labels: Iterable[dict], run: RunOutcome) -> Dict[str, Ratio]:
    """Harm category -> (caught, harmful documents); caught = removed, or harmful line gone."""
    caught: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for label in _documents(labels):
        if label["harm"] is None:
            continue
        text = run.survived.get(label["line"])
        caught[label["harm"]][1] += 1
        caught[label["harm"]][0] += text is None or label["harm_line"] not in text
    return {kind: (hit, total) for kind, (hit, total) in sorted(caught.items())}


def benign_group(label: dict) -> Optional[str]:
    """Which false-positive population a document belongs to, None for harmful ones."""
    if label["harm"] is not None:
        return None
    if label["hard_benign"] is not None:
        return "hard_benign"
    return "real_benign" if str(label["source"]).startswith("real:") else "template_benign"


def false_positives(labels: Iterable[dict], run: RunOutcome) -> Dict[str, Ratio]:
    """Benign group -> (removed for their content, documents in the group)."""
    removed: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for label in _documents(labels):
        group = benign_group(label)
        if group is None:
            continue
        cause = run.removed.get(label["line"])
        removed[group][1] += 1
        removed[group][0] += cause is not None and cause not in _NOT_CONTENT
    return {group: (hit, total) for group, (hit, total) in sorted(removed.items())}


def dedup_scores(labels: Iterable[dict], run: RunOutcome) -> Dict[str, object]:
    """Precision and recall of duplicate removals against family labels, and unique docs lost."""
    documents = _documents(labels)
    families: Dict[str, List[int]] = defaultdict(list)
    for label in documents:
        if label["family"] is not None:
            families[label["family"]].append(label["line"])
    family_of = {line: name for name, lines in families.items() for line in lines}
    surviving_families = {family_of[line] for line in run.survived if line in family_of}

    removals = [line for line, cause in run.removed.items() if cause == "duplicate"]
    correct = sum(1 for line in removals if family_of.get(line) in surviving_families)
    expected = 0
    wiped_out = 0
    for name, lines in families.items():
        reached = [line for line in lines if run.removed.get(line) not in _BEFORE_DEDUP]
        expected += max(0, len(reached) - 1)
        wiped_out += bool(reached) and name not in surviving_families
    unique = [label["line"] for label in documents
              if label["family"] is None and run.removed.get(label["line"]) not in _BEFORE_DEDUP]
    unique_lost = sum(1 for line in unique if run.removed.get(line) == "duplicate")
    return {
        "removals": len(removals),
        "correct_removals": correct,
        "expected_removals": expected,
        "precision": correct / len(removals) if removals else None,
        "recall": correct / expected if expected else None,
        "families": len(families),
        "families_wiped_out": wiped_out,
        "unique_lost": (unique_lost, len(unique)),
    }


def malformed_passed(labels: Iterable[dict], run: RunOutcome) -> Ratio:
    """(malformed lines that reached the output, malformed lines)."""
    bad = [label["line"] for label in labels if label["malformed"] is not None]
    return sum(line in run.survived for line in bad), len(bad)


def score(labels: List[dict], run: RunOutcome) -> Dict[str, object]:
    """Every measure for one run, JSON-safe (ratios as [hits, total])."""
    def total(parts: Dict[str, Ratio]) -> Ratio:
        return sum(h for h, _ in parts.values()), sum(t for _, t in parts.values())

    pii, keep = pii_leaks(labels, run), over_redaction(labels, run)
    harm, fp = harmful_recall(labels, run), false_positives(labels, run)
    causes: Dict[str, int] = defaultdict(int)
    for cause in run.removed.values():
        causes[cause] += 1
    return {
        "lines": len(labels),
        "survived": len(run.survived),
        "removed_by_cause": dict(sorted(causes.items())),
        "pii_leak": {"total": total(pii), **pii},
        "over_redaction": {"total": total(keep), **keep},
        "harmful_recall": {"total": total(harm), **harm},
        "false_positive": fp,
        "dedup": dedup_scores(labels, run),
        "malformed_in_output": malformed_passed(labels, run),
    }
