"""Does the pipeline's memory stay flat as the corpus grows, and what does its frame cost?

    .venv/bin/python -m bench.scale --docs 20000 [--stages dedup] [--stages pii,toxicity,dedup]
                                     [--workers 1] [--sizes 1,4] [--no-floor]

For each stage set, cleanse runs (a child process, one worker unless told) on N and 4N
documents of ~3 KB of real text from this machine, and the whole process tree is sampled:
peak RSS, wall and CPU seconds. "KB per added document" is (peak at 4N - peak at N) / 3N: what
a corpus costs in memory as it grows. The floor is the library's own stage classes run in one
process on the same texts (no Beam, no files): pipeline time / library time is what the
pipeline frame (read, parse, shuffles, write, start-up) costs on top of the work.

Documents: each is four paragraphs of sentences drawn at random from real text found here (man
pages, /usr/share/doc, package metadata): ~3 KB, unique as a whole although made of a few MB of
real sentences (windows of consecutive sentences would make every document overlap hundreds of
others at a million documents, which no real corpus does); 15 % are edited copies (0-5 % of
words) of a recent document, as near-duplicate families are.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from typing import Dict, List

from bench.dedup_eval import edit_words, harvest
from bench.e2e import ProcessTreeMonitor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARAGRAPHS, SENTENCES_PER_PARAGRAPH = 4, 13
COPY_SHARE = 0.15


def sentence_pool(seed: int) -> List[str]:
    sentences = [s.strip() for chunk in harvest(6000, seed)
                 for s in re.split(r"(?<=[.!?])\s+|\n+", chunk) if len(s.split()) >= 4]
    if len(sentences) < 1000:
        raise SystemExit("too little real text found on this machine to build documents")
    return sentences


def write_corpus(path: str, count: int, seed: int = 7) -> int:
    """`count` JSONL documents of ~3 KB; returns the file's size in bytes."""
    rng = random.Random(seed)
    pool = sentence_pool(seed)
    recent: List[str] = []
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(count):
            if recent and rng.random() < COPY_SHARE:
                text = edit_words(rng, rng.choice(recent), rng.choice((0.0, 0.01, 0.02, 0.05)))
            else:
                text = "\n\n".join(" ".join(rng.choices(pool, k=SENTENCES_PER_PARAGRAPH))
                                     for _ in range(PARAGRAPHS))
            recent.append(text)
            if len(recent) > 2000:
                recent.pop(rng.randrange(len(recent)))
            handle.write(json.dumps({"id": f"doc-{index:08d}", "text": text}) + "\n")
    return os.path.getsize(path)


def run_pipeline(corpus: str, out_dir: str, stages: str, workers: int) -> Dict[str, float]:
    command = [sys.executable, "-m", "cleanse", "run", "--quiet", "--input", corpus,
               "--output", out_dir, "--stages", stages, "--workers", str(workers), "--overwrite"]
    started = time.perf_counter()
    with open(out_dir + ".log", "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        with ProcessTreeMonitor(process.pid) as monitor:
            process.wait()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}); see {out_dir}.log")
    with open(os.path.join(out_dir, "report.json"), encoding="utf-8") as handle:
        totals = json.load(handle)["totals"]
    return {"wall": wall, "cpu": monitor.cpu_seconds, "peak_mb": monitor.peak_rss / 2**20,
            "clean": totals["clean"], "rejected": totals["rejected"]}


def library_floor(corpus: str, stages: List[str]) -> Dict[str, float]:
    """Seconds inside the library's stage calls on the same texts, in batches, one process."""
    from cleanse.config import Config
    from cleanse.dedup import Deduplicator
    from cleanse.document import Document
    from cleanse.stages import build_stage

    config = Config()
    with open(corpus, encoding="utf-8") as handle:
        docs = [Document(r["id"], r["text"]) for r in map(json.loads, handle)]
    seconds: Dict[str, float] = {}
    for name in stages:
        stage = Deduplicator(config.dedup) if name == "dedup" else build_stage(name, config)
        size = len(docs) if name == "dedup" else config.execution.batch_docs
        started = time.perf_counter()
        kept = []
        for start in range(0, len(docs), size):
            kept += [o.document for o in stage.process_batch(docs[start:start + size]) if o.kept]
        seconds[name] = time.perf_counter() - started
        docs = kept
    return seconds


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.1f} GiB, Python {platform.python_version()}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--stages", action="append", help="stage set (repeatable); default: dedup "
                        "and pii,toxicity,dedup")
    parser.add_argument("--sizes", default="1,4", help="multiples of --docs to run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true", help="skip the library floor")
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "out", "scale"))
    args = parser.parse_args(argv)
    stage_sets = args.stages or ["dedup", "pii,toxicity,dedup"]
    sizes = [int(s) * args.docs for s in args.sizes.split(",")]
    os.makedirs(args.out, exist_ok=True)
    print(f"Machine: {machine()}; load average at start {os.getloadavg()[0]:.1f}\n")
    corpora = {}
    for n in sizes:
        path = os.path.join(args.out, f"corpus-{n}.jsonl")
        if not os.path.exists(path):
            write_corpus(path, n)
        corpora[n] = path
    print("| stages | docs | MB of JSONL | wall s | docs/s | CPU s | peak RSS MB | clean | rejected |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    for stages in stage_sets:
        for n in sizes:
            out = os.path.join(args.out, f"out-{stages.replace(',', '+')}-{n}")
            r = run_pipeline(corpora[n], out, stages, args.workers)
            results[(stages, n)] = r
            mb = os.path.getsize(corpora[n]) / 2**20
            print(f"| {stages} | {n:,} | {mb:,.0f} | {r['wall']:.1f} | {n / r['wall']:.0f} | "
                  f"{r['cpu']:.0f} | {r['peak_mb']:,.0f} | {r['clean']:,} | {r['rejected']:,} |", flush=True)
    if len(sizes) > 1:
        print("\n| stages | KB of peak RSS per added document |")
        print("|---|---:|")
        low, high = sizes[0], sizes[-1]
        for stages in stage_sets:
            growth = (results[(stages, high)]["peak_mb"] - results[(stages, low)]["peak_mb"]) * 1024
            print(f"| {stages} | {growth / (high - low):.2f} |")
    if not args.no_floor:
        n = sizes[0]
        print(f"\n| stages ({n:,} docs) | library stage seconds | pipeline wall s | pipeline / library |")
        print("|---|---|---:|---:|")
        for stages in stage_sets:
            floor = library_floor(corpora[n], stages.split(","))
            total = sum(floor.values())
            detail = ", ".join(f"{k} {v:.1f}" for k, v in floor.items())
            wall = results[(stages, n)]["wall"]
            print(f"| {stages} | {detail} (sum {total:.1f}) | {wall:.1f} | {wall / total:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
