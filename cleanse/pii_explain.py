"""`cleanse explain "TEXT"`: what each PII recognizer found in a text, and why.

For every candidate span: its entity type, the recognizer and named pattern that fired, and
whether it was kept; a rejected candidate carries the reason (failed checksum, no label, a
thing named after a person, a pet, ...), and an accepted one that lost to a stronger finding
on the same characters says so. The scrubbed text comes last. Meant for a developer's
terminal on text they typed: it prints the values it finds, so it never runs inside the
pipeline and nothing of it is logged.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Dict, List, Optional

from cleanse.config import PiiConfig
from cleanse.pii_registry import Trace, TraceEvent


def explain_pii(text: str, config: Optional[PiiConfig] = None, scrubber=None) -> Dict[str, object]:
    """{"events": [...], "findings": [...], "scrubbed": str} for one text (library call)."""
    from cleanse.pii import NormalizedText, PiiScrubber, drop_named_things
    from cleanse.pii_names import thing_named_after

    scrubber = scrubber or PiiScrubber(config)
    trace = Trace()
    recognizers = scrubber.analyzer.registry.recognizers
    restore = []
    for recognizer in recognizers:
        if hasattr(recognizer, "trace"):
            recognizer.trace = trace
        elif type(recognizer).__name__ == "NerEntityRecognizer":
            original = recognizer.analyze

            def traced(text, entities, nlp_artifacts=None, _original=original, _name=recognizer.name):
                results = _original(text, entities, nlp_artifacts)
                for r in results:
                    trace.add(TraceEvent(r.entity_type, _name, "spacy.ner", r.start, r.end, True, None, r.score))
                return results

            recognizer.analyze = traced
            restore.append((recognizer, original))
    try:
        [findings] = scrubber.analyze_batch([text])
    finally:
        for recognizer in recognizers:
            if hasattr(recognizer, "trace"):
                recognizer.trace = None
        for recognizer, original in restore:
            recognizer.analyze = original
    norm = NormalizedText(text)
    final = {(f.entity, f.start, f.end) for f in findings}
    events: List[dict] = []
    for event in sorted(trace.events, key=lambda e: (e.start, -e.end, e.recognizer)):
        start, end = norm.to_original(event.start, event.end)
        item = asdict(event)
        item.update(start=start, end=end, value=text[start:end])
        if event.accepted:
            if event.entity == "PERSON":
                reason = thing_named_after(norm.text, event.start, event.end)
                if reason:
                    item.update(accepted=False, note=reason)
            if item["accepted"] and (event.entity, start, end) not in final and not any(
                    f.entity == event.entity and f.start <= start and end <= f.end for f in findings):
                item["note"] = "overlapped by a stronger finding, or trimmed by the post-filters"
        events.append(item)
    scrubbed = scrubber._rewrite(text, findings).text
    return {"events": events, "findings": [asdict(f) | {"value": text[f.start:f.end]} for f in findings],
            "scrubbed": scrubbed}


def format_explanation(result: Dict[str, object]) -> str:
    lines = []
    for e in result["events"]:
        status = "found   " if e["accepted"] and not e["note"] else "found*  " if e["accepted"] else "rejected"
        lines.append(f"{status} {e['entity']:<15} {e['start']:>5}-{e['end']:<5} {e['value']!r:<36} "
                     f"{e['recognizer']} / {e['pattern']}" + (f"  -- {e['note']}" if e["note"] else ""))
    lines.append("")
    lines.append("final spans:")
    for f in result["findings"]:
        lines.append(f"  {f['entity']:<15} {f['start']:>5}-{f['end']:<5} {f['value']!r}")
    lines.append("")
    lines.append("scrubbed:")
    lines.append(result["scrubbed"])
    return "\n".join(lines)


def explain_command(text: str) -> int:
    """Entry point of `cleanse explain TEXT` (TEXT "-" reads standard input)."""
    import sys

    if text == "-":
        text = sys.stdin.read()
    print(format_explanation(explain_pii(text)))
    return 0
