"""Throughput of the harmful-content stage on paragraph-sized documents, one core.

    .venv/bin/python -m bench.toxicity_throughput [--docs 4000] [--repeats 3]

Documents: real paragraphs (300-1500 characters) from this machine's documentation, plus the
labelled evaluation texts. Anchor: alt-profanity-check's own whole-document batch call
(`predict_prob`) on the same documents in the same process. The best of `--repeats` runs is
reported for both, in documents per CPU second of this process (single-threaded: one core) and
per wall-clock second, since this machine is shared and noisy.
"""
from __future__ import annotations

import os

# One core: keep BLAS/OpenMP from spreading the sparse products over both cores.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

from bench.toxicity_eval import load_labelled, real_benign  # noqa: E402
from cleanse.config import ToxicityConfig  # noqa: E402
from cleanse.document import Document  # noqa: E402
from cleanse.toxicity import HarmFilter  # noqa: E402


def best_rate(run, count: int, repeats: int) -> tuple:
    """(docs per wall-clock second, docs per CPU second of this process), best of `repeats`.
    CPU seconds are what "one core" means on a shared machine where wall time includes other
    people's work."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return count / wall, count / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    texts = [t for _, t in real_benign(args.docs * 2) if 300 <= len(t) <= 1500][:args.docs]
    texts += [e["text"] for e in load_labelled()]
    docs = [Document(str(i), t) for i, t in enumerate(texts)]
    mean_chars = sum(map(len, texts)) / len(texts)

    import profanity_check

    def anchor() -> None:
        for start in range(0, len(texts), args.batch):
            profanity_check.predict_prob(texts[start:start + args.batch])

    rows = []
    for action in ("drop", "remove_lines"):
        harm = HarmFilter(ToxicityConfig(action=action))
        harm.process_batch(docs[:8])  # warm caches

        def ours() -> None:
            for start in range(0, len(docs), args.batch):
                harm.process_batch(docs[start:start + args.batch])

        rows.append((action, best_rate(ours, len(docs), args.repeats)))
        if action == "drop":
            frames = harm.frames
            parsed = 0
            if frames is not None:
                original = frames.frames

                def counting(texts):
                    nonlocal parsed
                    parsed += len(texts)
                    return original(texts)

                frames.frames = counting
                ours()
                frames.frames = original
    anchor_rate = best_rate(anchor, len(texts), args.repeats)

    print(f"## Harmful-content throughput: {len(docs)} documents, mean {mean_chars:.0f} characters, "
          f"batches of {args.batch}, one core\n")
    print("| run | docs per CPU second | docs per wall second | ratio to anchor (CPU) |\n|---|---|---|---|")
    print(f"| anchor: alt-profanity-check predict_prob, whole documents | {anchor_rate[1]:,.0f} "
          f"| {anchor_rate[0]:,.0f} | 1.00 |")
    for action, rate in rows:
        print(f"| cleanse HarmFilter, action {action} (lexicon + model + frames + word lists) "
              f"| {rate[1]:,.0f} | {rate[0]:,.0f} | {rate[1] / anchor_rate[1]:.2f} |")
    print(f"\nSentences parsed for frames in one pass over the {len(docs)} documents: {parsed}")


if __name__ == "__main__":
    main()
