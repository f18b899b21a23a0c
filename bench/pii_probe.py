"""PII stage on hand-written, real-world-style documents: leaks and destroyed keep-tokens.

    .venv/bin/python -m bench.pii_probe [--file bench/data/pii_probe_realworld.jsonl] [--quiet]

Each line of the probe file is {"id", "kind", "text", "pii": [{"type", "value"}], "keep": [...]}:
documents written by hand in the styles a corpus holds (resumes, forum posts, e-mail threads,
logs, web pages, chat, letters, non-US formats), unlike the templates of `bench.pii_eval`.
A planted value still present verbatim after scrubbing is a leak; a PERSON value is also a
partial leak when any of its words (3+ letters) still stands as a whole word. A keep item
(version, date, price, product, order number...) missing from the output was destroyed.

The probe values are synthetic, so the report prints them with the document id and kind.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List

DEFAULT_FILE = Path(__file__).parent / "data" / "pii_probe_realworld.jsonl"


def load(path: Path) -> List[dict]:
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for doc in docs:
        for item in doc["pii"]:
            if item["value"] not in doc["text"]:
                raise SystemExit(f"{path}: {doc['id']}: planted value is not in the text: {item['value']!r}")
        for kept in doc["keep"]:
            if kept not in doc["text"]:
                raise SystemExit(f"{path}: {doc['id']}: keep item is not in the text: {kept!r}")
    return docs


def _word_survives(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text) is not None


def partial_person_leak(value: str, output: str) -> List[str]:
    words = [w.strip(".,\"'()") for w in re.split(r"[\s,]+", value)]
    return [w for w in words if len(w) >= 3 and _word_survives(w, output)]


def score(docs: List[dict], outputs: List[str]) -> Dict[str, object]:
    planted, leaked, partial = Counter(), Counter(), Counter()
    keep_total, keep_lost = 0, 0
    leaks, partials, destroyed = [], [], []
    for doc, out in zip(docs, outputs):
        for item in doc["pii"]:
            entity, value = item["type"], item["value"]
            planted[entity] += 1
            if value in out:
                leaked[entity] += 1
                leaks.append((doc["id"], doc["kind"], entity, value))
            elif entity == "PERSON":
                words = partial_person_leak(value, out)
                if words:
                    partial[entity] += 1
                    partials.append((doc["id"], doc["kind"], entity, f"{value} -> kept {' '.join(words)}"))
        for kept in doc["keep"]:
            keep_total += 1
            if kept not in out:
                keep_lost += 1
                destroyed.append((doc["id"], doc["kind"], kept))
    return {"planted": planted, "leaked": leaked, "partial": partial, "keep_total": keep_total,
            "keep_lost": keep_lost, "leaks": leaks, "partials": partials, "destroyed": destroyed}


def report(path: Path, result: Dict[str, object], seconds: float, quiet: bool, docs: List[dict],
           outputs: List[str]) -> None:
    planted, leaked, partial = result["planted"], result["leaked"], result["partial"]
    print(f"## PII probe — {path.name}: {len(docs)} documents ({seconds:.1f} s)\n")
    print("| entity | planted | leaked | leak rate | partial (PERSON) |")
    print("|---|---:|---:|---:|---:|")
    for entity in sorted(planted):
        part = str(partial[entity]) if entity == "PERSON" else ""
        print(f"| {entity} | {planted[entity]} | {leaked[entity]} | {leaked[entity] / planted[entity]:.1%} | {part} |")
    total, total_leaked = sum(planted.values()), sum(leaked.values())
    print(f"| **all** | {total} | {total_leaked} | **{total_leaked / max(1, total):.1%}** | |")
    lost, kept_total = result["keep_lost"], result["keep_total"]
    print(f"\nKeep items destroyed: {lost} of {kept_total} ({lost / max(1, kept_total):.1%})")
    if quiet:
        return
    for title, rows in (("Leaked", result["leaks"]), ("Partially leaked names", result["partials"]),
                        ("Destroyed keep items", result["destroyed"])):
        if rows:
            print(f"\n### {title}\n")
            for row in rows:
                print("- " + " | ".join(row))
    by_kind = defaultdict(lambda: [0, 0])
    leaked_docs = Counter(row[0] for row in result["leaks"])
    for doc in docs:
        by_kind[doc["kind"]][0] += len(doc["pii"])
        by_kind[doc["kind"]][1] += leaked_docs[doc["id"]]
    print("\n### Leaks by document kind\n")
    for kind, (n, bad) in sorted(by_kind.items(), key=lambda kv: -kv[1][1]):
        if bad:
            print(f"- {kind}: {bad} of {n}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--quiet", action="store_true", help="only the summary tables")
    parser.add_argument("--show-output", metavar="ID", help="print the scrubbed text of one document")
    args = parser.parse_args(argv)

    from cleanse.pii import PiiScrubber

    docs = load(args.file)
    scrubber = PiiScrubber()
    started = time.perf_counter()
    outputs = [r.text for r in scrubber.scrub_batch([d["text"] for d in docs])]
    seconds = time.perf_counter() - started
    if args.show_output:
        for doc, out in zip(docs, outputs):
            if doc["id"] == args.show_output:
                print(out)
        return 0
    report(args.file, score(docs, outputs), seconds, args.quiet, docs, outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
