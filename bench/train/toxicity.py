"""Train the harmful-content model shipped in `cleanse/data/toxicity_model.npz`.

    .venv/bin/python -m bench.train.toxicity [--report]

Deterministic: the same inputs give the same file (fixed hashing, fixed splits, fixed solver
seeds). Data (see bench/train/toxicity/DATA_CARD.md):

- bench/train/toxicity/author_*.jsonl: labelled text by independent authors. Each text goes to
  train / calibration / test by a hash of its text (70 / 15 / 15); the test split is never
  trained or tuned on (`python -m bench.toxicity_eval --split test` reports it).
- the project's earlier labelled sets (bench/data/toxicity_*.jsonl) except the never-tuned
  probe sets 4b and 4d: training only.
- benign paragraphs from this machine's documentation, from the source files set aside for
  training (`bench.toxicity_eval.TRAINING_FILES`); the real-benign evaluation never reads them.

Labels: `harassment` is scored as `profanity` (the stage's category for insults and abuse).
Per-category cuts (the score mapped to 0.5) are set on the calibration split with the whole
stage (lexicon + model + frames), so recall is highest for a fixed false-positive budget.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import sys
from typing import Dict, List, Tuple

import numpy as np

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "toxicity")
CATEGORIES = ("profanity", "hate", "threat", "sexual", "self_harm", "incitement")
# The model's outputs: one per category, and `any` (harmful in any category), which learns from
# every harmful example at once; its score goes to the category the category heads rank first.
OUTPUTS = CATEGORIES + ("any",)
LABEL_MAP = {"harassment": "profanity"}
NEVER_TRAINED = ("toxicity_probe4b.jsonl", "toxicity_probe4d.jsonl")
# Benign paragraphs harvested from the training files of this machine (train + calibration).
MACHINE_BENIGN = 4000
MACHINE_WEIGHT = 0.5
BENIGN_UNITS = 6000
TRAIN_CHARS = 800
REGULARISATION = 64.0
# Calibration budget: false positives allowed on the calibration split.
HARD_BENIGN_BUDGET = 0.01
MACHINE_BENIGN_BUDGET = 0.002


def split_of(text: str) -> str:
    bucket = int(hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "calibration" if bucket < 85 else "test"


def label_of(label: str) -> str:
    return LABEL_MAP.get(label, label)


def author_rows() -> List[dict]:
    rows = []
    for path in sorted(glob.glob(os.path.join(DATA, "author_*.jsonl"))):
        author = os.path.basename(path)[len("author_"):-len(".jsonl")]
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if not line.strip():
                    continue
                row = json.loads(line)
                if not str(row.get("text", "")).strip() or row.get("label") is None:
                    continue
                rows.append({**row, "id": f"{author}-{number:05d}", "author": author,
                             "label": label_of(str(row["label"])), "source": "author",
                             "split": split_of(row["text"])})
    return rows


def project_rows() -> List[dict]:
    rows = []
    for path in sorted(glob.glob(os.path.join(ROOT, "bench", "data", "toxicity_*.jsonl"))):
        name = os.path.basename(path)
        if name in NEVER_TRAINED:
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    rows.append({"id": row["id"], "text": row["text"], "label": label_of(row["label"]),
                                 "register": row.get("kind"), "lang": "en", "source": name,
                                 "split": "train"})
    return rows


def machine_rows() -> List[dict]:
    from bench.toxicity_eval import real_benign

    rows = []
    for index, (source, text) in enumerate(real_benign(MACHINE_BENIGN, partition="train")):
        split = "train" if split_of(text) == "train" else "calibration"
        rows.append({"id": f"machine-{index:05d}", "text": text, "label": "benign",
                     "register": source.split(":")[0], "lang": "en", "source": "machine",
                     "split": split})
    return rows


def buried(rows: List[dict], filler: List[str], seed: int) -> List[dict]:
    """Harmful one-liners planted inside 4-7 benign paragraphs, as the evaluation does."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        if row["label"] == "benign" or len(row["text"]) > 300:
            continue
        paragraphs = rng.sample(filler, rng.randint(4, 7))
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), row["text"])
        out.append({**row, "id": row["id"] + "-buried", "text": "\n\n".join(paragraphs),
                    "register": "buried"})
    return out


def all_rows() -> List[dict]:
    return author_rows() + project_rows() + machine_rows()


def benign_units(rows: List[dict]) -> List[dict]:
    """The scoring units (`model_units`) of benign training texts, as more benign examples: the
    stage scores sentences and joined hard-wrapped lines, which whole paragraphs do not show."""
    from cleanse.toxicity_model import model_units

    out = []
    for row in rows:
        if row["label"] != "benign":
            continue
        units = model_units(row["text"])
        if len(units) < 2:
            continue
        out += [{**row, "id": f"{row['id']}-u{n}", "text": text} for n, (text, _) in enumerate(units)]
    # Every k-th unit, at most BENIGN_UNITS: enough to show fragments are benign, few enough to
    # train in minutes.
    step = max(1, -(-len(out) // BENIGN_UNITS))
    return out[::step]


# --------------------------------------------------------------------------- training


def fit(rows: List[dict]):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from cleanse.toxicity_model import Featurizer

    texts = [r["text"] for r in rows]
    x = Featurizer().transform(texts)
    # This machine's documentation is plentiful and easy: together it weighs half as much as the
    # written benign text (the hard negatives), so the model learns from the hard cases.
    machine = np.array([r["source"] == "machine" for r in rows])
    human_benign = sum(1 for r, m in zip(rows, machine) if not m and r["label"] == "benign")
    base_weight = np.where(machine, MACHINE_WEIGHT * human_benign / max(1, machine.sum()), 1.0)
    coefs, intercepts, a, b = [], [], [], []
    for category in OUTPUTS:
        y = np.array([r["label"] == category or (category == "any" and r["label"] != "benign")
                      for r in rows], dtype=int)
        if y.sum() < 10:
            # Too few examples to learn from: the category scores 0 and the lexicon decides.
            coefs.append(np.zeros(x.shape[1]))
            intercepts.append(-10.0)
            a.append(-1.0)
            b.append(0.0)
            print(f"  {category}: only {int(y.sum())} examples, not learned", file=sys.stderr)
            continue
        # Classes weigh the same in total.
        weight = base_weight.copy()
        weight[y == 1] *= weight[y == 0].sum() / weight[y == 1].sum()
        base = LogisticRegression(C=REGULARISATION, max_iter=3000, tol=1e-3, solver="liblinear",
                                  random_state=0)
        model = CalibratedClassifierCV(base, method="sigmoid", ensemble=False, n_jobs=2,
                                       cv=StratifiedKFold(3, shuffle=True, random_state=0))
        model.fit(x, y, sample_weight=weight)
        calibrated = model.calibrated_classifiers_[0]
        coefs.append(calibrated.estimator.coef_.ravel())
        intercepts.append(float(calibrated.estimator.intercept_[0]))
        a.append(float(calibrated.calibrators[0].a_))
        b.append(float(calibrated.calibrators[0].b_))
        print(f"  {category}: {int(y.sum())} positive of {len(y)}", file=sys.stderr)
    return np.vstack(coefs), np.array(intercepts), np.array(a), np.array(b)


def stage_scores(model_path: str, rows: List[dict]):
    """Per-document (raw model score per category, whether lexicon or frames alone flag it)."""
    from cleanse.config import ToxicityConfig
    from cleanse.toxicity import HarmFilter

    harm = HarmFilter(ToxicityConfig(model_path=model_path))
    raw, fixed = [], []
    for start in range(0, len(rows), 256):
        for scores in harm.score_batch([r["text"] for r in rows[start:start + 256]]):
            raw.append([scores.model_raw.get(c, 0.0) for c in OUTPUTS])
            fixed.append(bool(scores.harmful_without_model(harm.thresholds)))
    return np.array(raw), np.array(fixed)


def choose_cuts(raw: np.ndarray, fixed: np.ndarray, harmful: np.ndarray, hard: np.ndarray,
                machine: np.ndarray) -> np.ndarray:
    """Greedy: lower the output's cut that buys the most recall per false positive, while the
    calibration split's hard-benign and machine-benign false positives stay in budget. Candidate
    cuts are the scores of the harmful documents themselves (the model's probabilities crowd
    near 1, so a fixed grid is too coarse there)."""
    cuts = np.full(raw.shape[1], 1.0 + 1e-9)
    # The lexicon's own false positives are fixed; the model may add this much on top.
    hard_budget = (fixed & hard).sum() + HARD_BENIGN_BUDGET * hard.sum()
    machine_budget = (fixed & machine).sum() + MACHINE_BENIGN_BUDGET * machine.sum()
    candidates = [np.unique(raw[harmful, k])[::-1] for k in range(raw.shape[1])]

    def flagged(c: np.ndarray) -> np.ndarray:
        return fixed | (raw >= c).any(axis=1)

    while True:
        current = flagged(cuts)
        best = None
        for k in range(raw.shape[1]):
            for value in candidates[k][candidates[k] < cuts[k]][:8]:
                trial = cuts.copy()
                trial[k] = value
                f = flagged(trial)
                if (f & hard).sum() > hard_budget or (f & machine).sum() > machine_budget:
                    break
                gain = (f & harmful).sum() - (current & harmful).sum()
                cost = (f & (hard | machine)).sum() - (current & (hard | machine)).sum()
                score = gain / (cost + 0.5)
                if gain > 0 and (best is None or score > best[0]):
                    best = (score, k, value)
        if best is None:
            break
        cuts[best[1]] = best[2]
    return np.minimum(cuts, 1.0)


def card_tables() -> str:
    """The size tables of DATA_CARD.md (`python -c "from bench.train.toxicity import card_tables;
    print(card_tables())"`)."""
    from collections import Counter

    rows = author_rows()
    original = {}
    for path in sorted(glob.glob(os.path.join(DATA, "author_*.jsonl"))):
        author = os.path.basename(path)[len("author_"):-len(".jsonl")]
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if line.strip():
                    original[f"{author}-{number:05d}"] = json.loads(line)["label"]
    authors = sorted({r["author"] for r in rows})
    out = []

    def table(title: str, key) -> None:
        counts = {a: Counter(key(r) for r in rows if r["author"] == a) for a in authors}
        values = sorted(set().union(*counts.values()), key=lambda v: (-sum(c[v] for c in counts.values()), v))
        out.append(f"\n{title}\n\n| | " + " | ".join(f"author {a}" for a in authors) + " | all |")
        out.append("|---|" + "---|" * (len(authors) + 1))
        for value in values:
            out.append(f"| {value} | " + " | ".join(str(counts[a][value]) for a in authors)
                       + f" | {sum(counts[a][value] for a in authors)} |")
        out.append("| **total** | " + " | ".join(str(sum(counts[a].values())) for a in authors)
                   + f" | {len(rows)} |")

    table("By label (as written; `harassment` is scored as `profanity`):", lambda r: original[r["id"]])
    table("By language:", lambda r: r.get("lang", "en"))
    table("By register:", lambda r: r.get("register") or "-")
    table("By split (hash of the text):", lambda r: r["split"])
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=os.path.join(ROOT, "cleanse", "data", "toxicity_model.npz"))
    parser.add_argument("--recalibrate", action="store_true",
                        help="keep the weights of --output, only set its cuts again")
    args = parser.parse_args()

    from cleanse import toxicity_model

    rows = all_rows()
    train = [r for r in rows if r["split"] == "train"]
    calibration = [r for r in rows if r["split"] == "calibration"]
    filler = [r["text"] for r in calibration if r["source"] == "machine"][:400]
    calibration += buried([r for r in calibration if r["source"] == "author"], filler, seed=5)
    print(f"train {len(train)}, calibration {len(calibration)}", file=sys.stderr)
    # The stage scores sentences, windows of two and documents up to 1,200 characters: long
    # paragraphs train as their first part (and their units), which also keeps training fast.
    if not args.recalibrate:
        coef, intercepts, a, b = fit([{**r, "text": r["text"][:TRAIN_CHARS]} for r in train]
                                     + benign_units(train))
        languages = sorted({r.get("lang", "en") for r in train if r["label"] != "benign"})
        meta = {"trained_on": len(train), "languages": ["en"],
                "languages_seen": languages, "label_map": LABEL_MAP}
        toxicity_model.save(args.output, list(OUTPUTS), coef, intercepts, a, b,
                            np.full(len(OUTPUTS), 1.0), meta)
    else:
        toxicity_model.replace_cuts(args.output, np.full(len(OUTPUTS), 1.0), {})
    raw, fixed = stage_scores(args.output, calibration)
    harmful = np.array([r["label"] != "benign" for r in calibration])
    machine = np.array([r["source"] == "machine" for r in calibration])
    hard = ~harmful & ~machine
    cuts = choose_cuts(raw, fixed, harmful, hard, machine)
    toxicity_model.replace_cuts(args.output, cuts, {"calibrated_on": len(calibration)})
    flagged = fixed | (raw >= cuts).any(axis=1)
    print(f"cuts {dict(zip(OUTPUTS, cuts.round(5).tolist()))}", file=sys.stderr)
    print(f"calibration: recall {(flagged & harmful).sum()}/{harmful.sum()}, hard-benign FP "
          f"{(flagged & hard).sum()}/{hard.sum()}, machine-benign FP {(flagged & machine).sum()}/"
          f"{machine.sum()}", file=sys.stderr)


if __name__ == "__main__":
    main()
