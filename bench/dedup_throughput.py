"""Dedup speed: signatures against datasketch, scaling with document count, Beam with 1 and 2 workers.

    .venv/bin/python -m bench.dedup_throughput [--docs 100000] [--seed 7] [--skip-beam]

Documents are built from real text of this machine (sentences of the chunks bench.dedup_eval
harvests, 5-30 per document, so most documents are unique) plus 15 % edited copies, the
realistic case of a corpus with some duplication.

1. Signatures: texts -> MinHash signatures (128 permutations), same documents, same process.
   Anchor: the usual datasketch path (lowercased \\w+ tokens, 5-gram strings encoded to bytes,
   `MinHash.bulk`). cleanse: `ShingleHasher.fingerprints` + `MinHashSigner.sign` in batches of
   512. Rows: end to end from text, and the MinHash step alone (bulk over prepared shingle
   bytes vs sign over prepared fingerprints).
2. Scaling: the whole in-memory `Deduplicator` (exact + near + verification + clusters) on
   growing prefixes of the corpus; near-linear means time per document stays flat.
3. Beam: `cleanse run --stages dedup` on the whole corpus with `--workers N` (the DirectRunner's
   multi-processing mode), N = 1 and 2.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from typing import List

from bench.dedup_eval import edit_words, harvest, pipeline_removals
from cleanse.config import DedupConfig
from cleanse.dedup import Deduplicator, MinHashSigner, ShingleHasher


def build_documents(count: int, seed: int) -> List[str]:
    rng = random.Random(seed)
    sentences = [s.strip() for chunk in harvest(4000, seed)
                 for s in re.split(r"(?<=[.!?])\s+|\n+", chunk) if len(s.split()) >= 3]
    docs: List[str] = []
    while len(docs) < count:
        if docs and rng.random() < 0.15:
            docs.append(edit_words(rng, rng.choice(docs), rng.choice((0.0, 0.01, 0.02, 0.05))))
        else:
            docs.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(5, 30))))
    return docs


def best_of(repeats: int, fn):
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def signature_rows(texts: List[str]) -> List[str]:
    from datasketch import MinHash

    hasher, signer = ShingleHasher(5), MinHashSigner(128, 1)

    def datasketch_shingles():
        out = []
        for text in texts:
            toks = re.findall(r"\w+", text.lower())
            grams = [" ".join(toks[i:i + 5]) for i in range(len(toks) - 4)] or [" ".join(toks)]
            out.append([g.encode("utf-8") for g in set(grams)])
        return out

    def cleanse_fingerprints():
        return [fp for lo in range(0, len(texts), 512) for fp in hasher.fingerprints(texts[lo:lo + 512])]

    shingle_bytes = datasketch_shingles()
    fingerprints = cleanse_fingerprints()
    ds_total = best_of(2, lambda: MinHash.bulk(datasketch_shingles(), num_perm=128))
    ours_total = best_of(2, lambda: [signer.sign(b) for b in _batches(cleanse_fingerprints(), 512)])
    ds_step = best_of(2, lambda: MinHash.bulk(shingle_bytes, num_perm=128))
    ours_step = best_of(2, lambda: [signer.sign(b) for b in _batches(fingerprints, 512)])
    n = len(texts)
    rows = ["| path | datasketch docs/s | cleanse docs/s | ratio |", "|---|---:|---:|---:|"]
    for name, theirs, ours in (("text -> signature", ds_total, ours_total),
                               ("MinHash step only", ds_step, ours_step)):
        rows.append(f"| {name} | {n / theirs:,.0f} | {n / ours:,.0f} | {theirs / ours:.1f}x |")
    return rows


def _batches(items, size):
    return [items[lo:lo + size] for lo in range(0, len(items), size)]


def scaling_rows(texts: List[str]) -> List[str]:
    rows = ["| documents | seconds (best of 2) | µs per document | vs smallest | candidate pairs per 1k docs "
            "| removed |",
            "|---:|---:|---:|---:|---:|---:|"]
    sizes = [len(texts) // 8, len(texts) // 4, len(texts) // 2, len(texts)]
    first = None
    for size in sizes:
        items = [(f"d{i:07d}", t) for i, t in enumerate(texts[:size])]
        result = {}

        def once():
            result["removals"], result["counts"] = Deduplicator(DedupConfig()).find_removals(items)

        seconds = best_of(2, once)
        per_doc = seconds / size * 1e6
        first = first or per_doc
        pairs = result["counts"].get("candidate_pairs", 0) / size * 1000
        rows.append(f"| {size:,} | {seconds:.1f} | {per_doc:.0f} | {per_doc / first:.2f}x | {pairs:.1f} | "
                    f"{len(result['removals']):,} |")
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--signature-docs", type=int, default=20_000)
    parser.add_argument("--skip-beam", action="store_true")
    args = parser.parse_args(argv)

    texts = build_documents(args.docs, args.seed)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts):,} documents, {words:.0f} words on average (seed {args.seed})\n")
    print(f"Signatures, 128 permutations, {args.signature_docs:,} documents, best of 2:\n")
    print("\n".join(signature_rows(texts[:args.signature_docs])) + "\n")
    sys.stdout.flush()
    print("In-memory Deduplicator (exact + near + verification + clusters):\n")
    print("\n".join(scaling_rows(texts)) + "\n")
    if args.skip_beam:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        with open(path, "w", encoding="utf-8") as handle:
            for i, text in enumerate(texts):
                handle.write(json.dumps({"id": f"d{i:07d}", "text": text}) + "\n")
        print(f"cleanse run --stages dedup, {len(texts):,} documents:\n")
        print("| workers | seconds | documents/s | removed | speed-up |")
        print("|---:|---:|---:|---:|---:|")
        base = None
        removed_sets = []
        for workers in (1, 2):
            removed, seconds = pipeline_removals(path, workers=workers)
            removed_sets.append(removed)
            base = base or seconds
            print(f"| {workers} | {seconds:.0f} | {len(texts) / seconds:,.0f} | {len(removed):,} "
                  f"| {base / seconds:.2f}x |")
            sys.stdout.flush()
        print(f"\nSame removals with 1 and 2 workers: {removed_sets[0] == removed_sets[1]}")


if __name__ == "__main__":
    main()
