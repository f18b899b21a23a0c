"""Near-duplicate removal quality against exact ground truth, with datasketch as the anchor.

    .venv/bin/python -m bench.dedup_eval [--base 2000] [--seed 7] [--threshold 0.8] [--beam]
    .venv/bin/python -m bench.dedup_eval --families 5 --copies 600     # large-family stress case

Data: real text from this machine (paragraph chunks of /usr/share/common-licenses, Debian
copyright files and READMEs under /usr/share/doc, man pages, package METADATA/LICENSE files
under the virtualenv; these already contain natural near duplicates such as the same licence
in many packages) plus seeded edited copies: exact and case/punctuation copies, word
substitutions, deletions, insertions and swaps at rates that put pairs on both sides of the
threshold, truncations, appended text and chains (copies of copies). Ids are shuffled so the
original is not always the lowest id.

Ground truth is exact: Jaccard of word 5-gram shingle sets (lowercased \\w+ tokens; a document
with fewer than 5 tokens has one shingle of all its tokens) >= threshold, connected components.
Documents without any word have no shingle; they are duplicates only of identical text.
All similar pairs are found with prefix filtering (Bayardo et al., "Scaling up all pairs
similarity search", WWW 2007), which is lossless: two sets with Jaccard >= t must share a
token among the first |A| - ceil(t|A|) + 1 tokens of A in a global rarest-first order. Every
candidate is then measured on the actual shingle tuples (`--brute-force` checks all pairs).

Measures (DESIGN.md): a removal is correct when a document of its true component survives;
precision = correct / removals, recall = correct / sum(|component| - 1); "unique lost" counts
removed documents that have no true duplicate at all.

Anchor: the usual hand-written datasketch loop (MinHashLSH, 128 permutations, same threshold;
shingles as joined strings, so documents under 5 tokens get an empty MinHash), documents in id
order, each removed if the index already holds a candidate, else inserted.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import math
import os
import random
import re
import sys
import sysconfig
import time
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Set, Tuple

from cleanse.config import DedupConfig
from cleanse.dedup import Deduplicator, UnionFind, shingles

# --------------------------------------------------------------------------- real text


def _read(path: str) -> str:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            return handle.read(400_000)
    except OSError:
        return ""


_TROFF = re.compile(r"^\.[A-Za-z]+\s?|\\f[BIRP]|\\-|\\\(..|\\[&e]")


def _paragraphs(text: str, troff: bool) -> List[str]:
    if troff:
        text = "\n".join("" if line.startswith(('.\\"', "'\\\"")) else _TROFF.sub("", line)
                         for line in text.splitlines())
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def real_sources() -> List[Tuple[str, bool]]:
    site = sysconfig.get_paths()["purelib"]
    paths = sorted(glob.glob("/usr/share/common-licenses/*"))
    paths += sorted(glob.glob("/usr/share/doc/*/copyright"))
    paths += sorted(glob.glob("/usr/share/doc/*/README*"))
    paths += sorted(glob.glob(os.path.join(site, "*.dist-info", "METADATA")))
    paths += sorted(glob.glob(os.path.join(site, "*.dist-info", "LICENSE*")))
    paths += sorted(glob.glob(os.path.join(site, "*.dist-info", "licenses", "*")))
    man = sorted(glob.glob("/usr/share/man/man1/*.gz"))
    return [(p, False) for p in paths if os.path.isfile(p)] + [(p, True) for p in man]


def harvest(count: int, seed: int) -> List[str]:
    """`count` chunks of real text: consecutive paragraphs merged up to a random length, so
    sizes range from a heading to a few hundred words. Chosen by a seeded sample of files."""
    rng = random.Random(seed)
    sources = real_sources()
    rng.shuffle(sources)
    chunks: List[str] = []
    for path, troff in sources:
        paragraphs = _paragraphs(_read(path), troff)
        chunk: List[str] = []
        target = rng.choice((1, 20, 60, 120, 250, 400))
        for paragraph in paragraphs:
            chunk.append(paragraph)
            if sum(len(p.split()) for p in chunk) >= target:
                chunks.append("\n\n".join(chunk))
                chunk, target = [], rng.choice((1, 20, 60, 120, 250, 400))
                if len(chunks) >= count:
                    return chunks
        if chunk:
            chunks.append("\n\n".join(chunk))
    return chunks[:count]


# --------------------------------------------------------------------------- seeded edits

FILLER = ("however the system also provides several options for the configuration of its "
          "behaviour when files are copied moved or removed during normal operation").split()


def edit_words(rng: random.Random, text: str, rate: float) -> str:
    words = text.split()
    out: List[str] = []
    for word in words:
        if rng.random() >= rate:
            out.append(word)
            continue
        kind = rng.randrange(4)
        if kind == 0:
            out.append(rng.choice(FILLER))             # substitute
        elif kind == 1:
            continue                                    # delete
        elif kind == 2:
            out.extend((word, rng.choice(FILLER)))      # insert
        else:
            out.insert(max(0, len(out) - 1), word)      # swap with the previous word
    return " ".join(out)


def variants(rng: random.Random, text: str) -> List[str]:
    """A family of copies of `text` with edits on both sides of a 0.8 threshold."""
    kinds = [
        lambda t: t,
        lambda t: t.upper().replace(".", " .").replace(",", ""),
        lambda t: edit_words(rng, t, rng.choice((0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03,
                                                 0.04, 0.06, 0.1))),
        lambda t: " ".join(t.split()[:max(1, int(len(t.split()) * rng.uniform(0.7, 0.98)))]),
        lambda t: t + " " + " ".join(rng.choice(FILLER) for _ in range(rng.randrange(1, 30))),
    ]
    copies = []
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        source = rng.choice(copies) if copies and rng.random() < 0.3 else text  # chains
        copies.append(rng.choice(kinds)(source))
    return copies


def build_family_corpus(families: int, copies: int, seed: int) -> Dict[str, str]:
    """The adversarial case for bucket handling: a few long texts each copied hundreds of times
    with independent edits near the threshold, so every LSH bucket of a family is large and
    many copies have only a handful of neighbours at Jaccard >= 0.8."""
    rng = random.Random(seed)
    bases = [t for t in harvest(400, seed) if len(t.split()) > 150][:families]
    corpus = {}
    for text in bases:
        for _ in range(copies):
            rate = rng.choice((0.005, 0.01, 0.02, 0.03))
            corpus[f"doc{rng.randrange(10**9):09d}"] = edit_words(rng, text, rate)
    return corpus


def build_corpus(base: int, seed: int) -> Dict[str, str]:
    rng = random.Random(seed)
    originals = harvest(base, seed)
    texts = list(originals)
    for text in originals:
        if rng.random() < 0.35:
            texts.extend(variants(rng, text))
    order = list(range(len(texts)))
    rng.shuffle(order)
    return {f"doc{rank:06d}": texts[index] for rank, index in enumerate(order)}


# --------------------------------------------------------------------------- ground truth


def similar_pairs(sets: Dict[str, Set[tuple]], threshold: float) -> Dict[Tuple[str, str], float]:
    """All pairs with Jaccard >= threshold, exactly (prefix filtering + exact verification).

    Empty sets (documents without a word) have no Jaccard; they are left to `word_free_copies`."""
    frequency: Dict[tuple, int] = defaultdict(int)
    for s in sets.values():
        for token in s:
            frequency[token] += 1
    index: Dict[tuple, List[str]] = defaultdict(list)
    pairs = {}
    for key in sorted(sets, key=lambda k: len(sets[k])):  # ascending size: |probe| >= |indexed|
        s = sets[key]
        if not s:
            continue
        ordered = sorted(s, key=lambda tok: (frequency[tok], tok))
        prefix = len(s) - math.ceil(threshold * len(s)) + 1
        candidates = set()
        for token in ordered[:prefix]:
            candidates.update(index[token])
            index[token].append(key)
        for other in candidates:
            t = sets[other]
            if len(t) < threshold * len(s):
                continue
            inter = len(s & t)
            similarity = inter / (len(s) + len(t) - inter)
            if similarity >= threshold:
                pairs[tuple(sorted((key, other)))] = similarity
    return pairs


def word_free_copies(corpus: Dict[str, str], sets: Dict[str, Set[tuple]]) -> Dict[Tuple[str, str], float]:
    """Documents without a word are duplicates only of identical (whitespace-collapsed) text."""
    groups: Dict[str, List[str]] = defaultdict(list)
    for key in sorted(corpus):
        if not sets[key]:
            groups[" ".join(corpus[key].lower().split())].append(key)
    return {(a, b): 1.0 for keys in groups.values() for i, a in enumerate(keys) for b in keys[i + 1:]}


def brute_force_pairs(sets: Dict[str, Set[tuple]], threshold: float) -> Dict[Tuple[str, str], float]:
    keys = sorted(k for k in sets if sets[k])
    pairs = {}
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            sa, sb = sets[a], sets[b]
            similarity = len(sa & sb) / len(sa | sb)
            if similarity >= threshold:
                pairs[(a, b)] = similarity
    return pairs


def components(keys: Sequence[str], pairs) -> Dict[str, str]:
    uf = UnionFind()
    for key in keys:
        uf.find(key)
    for a, b in pairs:
        uf.union(a, b)
    return {key: uf.find(key) for key in keys}


# --------------------------------------------------------------------------- methods


def run_cleanse(corpus: Dict[str, str], threshold: float) -> Set[str]:
    removals, _ = Deduplicator(DedupConfig(threshold=threshold)).find_removals(sorted(corpus.items()))
    return set(removals)


def pipeline_removals(source: str, threshold: float = 0.8, workers: Optional[int] = None
                      ) -> Tuple[Set[str], float]:
    """Ids `cleanse run --stages dedup` removes from a JSONL file, and the run's seconds."""
    import contextlib
    import io
    import tempfile
    import time

    import yaml

    from cleanse import cli
    from cleanse.records import load_records

    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w", encoding="utf-8") as handle:  # raw ids in rejected/, to compare
            yaml.safe_dump({"dedup": {"threshold": threshold}, "output": {"rejected_ids": "keep"}}, handle)
        out = os.path.join(tmp, "out")
        args = ["run", "--quiet", "--stages", "dedup", "--input", source, "--output", out,
                "--config", config] + (["--workers", str(workers)] if workers else [])
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the run's summary table
            code = cli.main(args)
        if code != 0:
            raise SystemExit("cleanse run failed")
        seconds = time.perf_counter() - started
        folder = os.path.join(out, "rejected")
        removed = {r["id"] for name in sorted(os.listdir(folder))
                   for r in load_records(os.path.join(folder, name))}
    return removed, seconds


def run_cleanse_beam(corpus: Dict[str, str], threshold: float) -> Set[str]:
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "docs.jsonl")
        with open(source, "w", encoding="utf-8") as handle:
            for doc_id, text in sorted(corpus.items()):
                handle.write(json.dumps({"id": doc_id, "text": text}) + "\n")
        return pipeline_removals(source, threshold)[0]


def run_datasketch(corpus: Dict[str, str], threshold: float) -> Set[str]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    removed = set()
    for doc_id, text in sorted(corpus.items()):
        toks = re.findall(r"\w+", text.lower())
        grams = {" ".join(toks[i:i + 5]) for i in range(len(toks) - 4)}
        m = MinHash(num_perm=128)
        m.update_batch([g.encode("utf-8") for g in grams])
        if lsh.query(m):
            removed.add(doc_id)
        else:
            lsh.insert(doc_id, m)
    return removed


def score(removed: Set[str], truth: Dict[str, str]) -> Dict[str, float]:
    members: Dict[str, List[str]] = defaultdict(list)
    for key, root in truth.items():
        members[root].append(key)
    survivors_by_root: Dict[str, int] = defaultdict(int)
    for key, root in truth.items():
        if key not in removed:
            survivors_by_root[root] += 1
    correct = sum(1 for key in removed if survivors_by_root[truth[key]] > 0)
    expected = sum(len(m) - 1 for m in members.values())
    unique_lost = sum(1 for key in removed if len(members[truth[key]]) == 1)
    return {"removed": len(removed), "correct": correct,
            "precision": correct / len(removed) if removed else 1.0,
            "recall": correct / expected if expected else 1.0,
            "unique_lost": unique_lost}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=2000, help="real text chunks before copies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--beam", action="store_true",
                        help="also run the pipeline (cleanse run --stages dedup)")
    parser.add_argument("--brute-force", action="store_true", help="check ground truth against all pairs")
    parser.add_argument("--families", type=int, default=0,
                        help="instead: this many long texts copied --copies times each, "
                             "with edits near the threshold")
    parser.add_argument("--copies", type=int, default=600)
    args = parser.parse_args(argv)

    if args.families:
        corpus = build_family_corpus(args.families, args.copies, args.seed)
    else:
        corpus = build_corpus(args.base, args.seed)
    sets = {key: shingles(text) for key, text in corpus.items()}
    started = time.perf_counter()
    pairs = similar_pairs(sets, args.threshold)
    truth_seconds = time.perf_counter() - started
    if args.brute_force:
        assert brute_force_pairs(sets, args.threshold) == pairs, "prefix filtering missed pairs"
    truth = components(sorted(corpus), {**pairs, **word_free_copies(corpus, sets)})
    sizes = defaultdict(int)
    for root in truth.values():
        sizes[root] += 1
    near_side = sum(1 for s in pairs.values() if s < 0.85)
    lower = similar_pairs(sets, args.threshold - 0.1)
    below = sum(1 for p in lower if p not in pairs)

    origin = (f"{args.families} real texts x {args.copies} edited copies" if args.families
              else f"{args.base} real chunks + seeded copies")
    print(f"{len(corpus)} documents ({origin}, seed {args.seed}); "
          f"{len(pairs)} true pairs at Jaccard >= {args.threshold} ({near_side} below "
          f"{args.threshold + 0.05:.2f}), {below} pairs in [{args.threshold - 0.1:.1f}, {args.threshold}); "
          f"{sum(1 for n in sizes.values() if n > 1)} true clusters; "
          f"{sum(n - 1 for n in sizes.values())} removals expected; ground truth {truth_seconds:.1f} s\n")
    methods = [("cleanse (library)", run_cleanse)]
    if args.beam:
        methods.append(("cleanse (Beam pipeline)", run_cleanse_beam))
    methods.append(("datasketch MinHashLSH loop (anchor)", run_datasketch))
    print("| method | removed | precision | recall | unique docs lost | seconds |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, method in methods:
        started = time.perf_counter()
        removed = method(corpus, args.threshold)
        seconds = time.perf_counter() - started
        s = score(removed, truth)
        print(f"| {name} | {s['removed']} | {s['precision']:.4f} | {s['recall']:.4f} | "
              f"{s['unique_lost']} | {seconds:.1f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
