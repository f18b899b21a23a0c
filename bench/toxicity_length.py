"""Choose `toxicity.model_length_correction`: benign documents of many sentences against recall.

    .venv/bin/python -m bench.corpus --n 3000 --seed 31 --out c31.jsonl --labels c31.labels.jsonl
    .venv/bin/python -m bench.toxicity_length --corpus c31.jsonl --labels c31.labels.jsonl \\
        --values 0,0.1,0.2,0.25,0.3

The model scores every sentence of a document, so a document of n sentences has n chances of
one spurious hit: everyday e-mails, chats and forum posts of 10-25 lines were dropped several
times as often as one-line hard negatives. The correction moves a document's cuts toward
certainty with the log of its sentence count. For each value this prints, on a generated corpus
(`bench/corpus.py`: e-mails, chats, forum posts, tickets... plus real documentation, harmful and
hard-benign documents planted), the share of benign, hard-benign and harmful documents dropped,
and recall on the training authors' calibration split (`bench.toxicity_eval --split
calibration`), where the cuts themselves were set. The default (0.25) is the smallest value of
the grid that keeps benign documents of the seed-31 corpus under 0.5 % dropped; the seed-7
corpus of the end-to-end benchmark was only measured with it.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import List, Tuple

from bench.toxicity_eval import author_split
from cleanse.config import ToxicityConfig
from cleanse.document import Document
from cleanse.toxicity import HarmFilter


def corpus_documents(corpus: str, labels: str) -> List[Tuple[str, str]]:
    """(benign | hard_benign | harmful, text) of every readable document of a generated corpus."""
    with open(labels, encoding="utf-8") as handle:
        labelled = [json.loads(line) for line in handle]
    with open(corpus, "rb") as handle:
        lines = handle.read().splitlines()
    documents = []
    for label, line in zip(labelled, lines):
        if label["malformed"] is not None:
            continue
        record = json.loads(line)
        if not isinstance(record.get("text"), str) or not record["text"].strip():
            continue
        kind = "harmful" if label["harm"] else "hard_benign" if label["hard_benign"] else "benign"
        documents.append((kind, record["text"]))
    return documents


def dropped(harm: HarmFilter, texts: List[str]) -> List[bool]:
    flags: List[bool] = []
    for start in range(0, len(texts), 256):
        batch = [Document(str(i), t) for i, t in enumerate(texts[start:start + 256])]
        flags += [not outcome.kept for outcome in harm.process_batch(batch)]
    return flags


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--labels", required=True)
    parser.add_argument("--values", default="0,0.1,0.2,0.25,0.3")
    args = parser.parse_args(argv)
    documents = corpus_documents(args.corpus, args.labels)
    calibration = author_split("calibration")
    harmful = [e["label"] != "benign" for e in calibration]
    print("| correction | corpus: benign dropped | hard benign dropped | harmful dropped "
          "| authors' calibration split: recall | buried | hard-benign FP |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for value in (float(v) for v in args.values.split(",")):
        harm = HarmFilter(ToxicityConfig(model_length_correction=value))
        hits, totals = Counter(), Counter()
        for (kind, _), flag in zip(documents, dropped(harm, [t for _, t in documents])):
            hits[kind] += flag
            totals[kind] += 1
        flags = dropped(harm, [e["text"] for e in calibration])
        caught = sum(f for f, h in zip(flags, harmful) if h)
        buried = [f for f, e in zip(flags, calibration)
                  if e["label"] != "benign" and e.get("kind") == "buried"]
        false = sum(f for f, h in zip(flags, harmful) if not h)
        cells = [f"{hits[k]}/{totals[k]} ({100 * hits[k] / max(1, totals[k]):.2f} %)"
                 for k in ("benign", "hard_benign", "harmful")]
        print(f"| {value} | {' | '.join(cells)} | {caught}/{sum(harmful)} "
              f"({100 * caught / sum(harmful):.1f} %) | {sum(buried)}/{len(buried)} | "
              f"{false}/{len(harmful) - sum(harmful)} |", flush=True)


if __name__ == "__main__":
    main()
