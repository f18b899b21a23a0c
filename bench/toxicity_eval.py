"""Accuracy of the harmful-content stage: recall per category, false positives on hard negatives,
and how much real benign text on this machine is dropped or altered.

    .venv/bin/python -m bench.toxicity_eval [--real 5000] [--show-errors] [--sets toxicity_probe4.jsonl]
    .venv/bin/python -m bench.toxicity_eval --split test --real 0   # the training authors' test split
    .venv/bin/python -m bench.toxicity_eval --sets toxicity_probe4b.jsonl --real 0 --l10n 3000
                                                 # + translated man pages (other languages)

Since the trained model (bench/train/toxicity.py), every set below except the never-tuned probe
sets 4b and 4d is part of the model's training data: their figures are training-set figures.
The honest figures are the authors' test split (`--split test`, never trained or tuned on), the
probe sets 4b and 4d, and the real benign text (read only from files not used in training).

Labelled data: bench/data/toxicity_eval.jsonl (hand-written: plain and obfuscated harmful text per
category, hard negatives by topic, plain benign text), used to write and calibrate the lexicon;
bench/data/toxicity_holdout.jsonl, written after calibration in fresh wording (its first run is
quoted in its title; it was used for tuning afterwards); bench/data/toxicity_blind.jsonl, written
last; bench/data/toxicity_probes.jsonl, six rounds of new phrasings;
bench/data/toxicity_probe3.jsonl, styles the others under-represent, by a second author, and
bench/data/toxicity_probe3b/3c/3d/3e/3f.jsonl, fresh looks at the same styles after each
round of rules; bench/data/toxicity_probe4.jsonl, a larger fresh set aimed at families of wording
rather than single phrasings, and bench/data/toxicity_probe4b/4c/4d.jsonl, its held-out checks. First runs are quoted in
the titles: the later figures are tuned and optimistic, the first looks are the honest estimate
of how the rules generalise (one author wrote everything). Harmful sentences marked `buried_sentence`
are planted into long benign documents built from bench/data/toxicity_filler.txt (seeded).
Real benign text: paragraphs from /usr/share/doc, man pages, /usr/share/common-licenses, package
metadata/docs and docstrings under the virtualenv and the system Python library, from the four
files in five not set aside for training (`training_file`). Intervals are Wilson 95 %.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import math
import os
import random
import re
import sys
import time
import zlib
from typing import Dict, List, Tuple

from cleanse.config import ToxicityConfig
from cleanse.document import Document
from cleanse.toxicity import HarmFilter

HERE = os.path.dirname(__file__)
CATEGORIES = ("profanity", "harassment", "hate", "threat", "sexual", "self_harm", "incitement")


def wilson(successes: int, n: int, z: float = 1.96) -> Tuple[float, float, float]:
    if n == 0:
        return 0.0, 0.0, 0.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def fmt(successes: int, n: int) -> str:
    p, lo, hi = wilson(successes, n)
    return f"{100 * p:.1f} % [{100 * lo:.1f}, {100 * hi:.1f}] ({successes}/{n})"


def load_labelled(name: str = "toxicity_eval.jsonl", seed: int = 7) -> List[dict]:
    rng = random.Random(seed)
    with open(os.path.join(HERE, "data", name), encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    with open(os.path.join(HERE, "data", "toxicity_filler.txt"), encoding="utf-8") as handle:
        filler = [p.strip() for p in handle.read().split("\n\n") if p.strip()]
    examples = []
    for row in rows:
        if row["kind"] != "buried_sentence":
            examples.append(row)
            continue
        # Plant the sentence in 4-7 benign paragraphs: as its own line, or inside a paragraph.
        paragraphs = rng.sample(filler, rng.randint(4, 7))
        position = rng.randrange(len(paragraphs))
        if rng.random() < 0.5:
            paragraphs.insert(position, row["text"])
        else:
            sentences = paragraphs[position].split(". ")
            sentences.insert(rng.randrange(1, len(sentences)), row["text"].rstrip("."))
            paragraphs[position] = ". ".join(sentences)
        examples.append({**row, "kind": "buried", "text": "\n\n".join(paragraphs)})
    for index in range(12 if name == "toxicity_eval.jsonl" else 0):
        text = "\n\n".join(rng.sample(filler, rng.randint(3, 7)))
        examples.append({"id": f"benign-long-{index:03d}", "label": "benign", "kind": "long",
                         "topic": None, "text": text})
    return examples


# --------------------------------------------------------------------------- real benign text

_DOCSTRING = re.compile(r'"""(.*?)"""', re.S)
_ROFF_ESCAPE = re.compile(r"\\f[BIRP]|\\f\(..|\\\(..|\\[-&e|^]|\\s[-+]?\d")


def _read(path: str) -> str:
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
                return handle.read(200_000)
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(200_000)
    except OSError:
        return ""


def _man_text(roff: str) -> str:
    lines = []
    for line in roff.splitlines():
        if line.startswith((".", "'")):
            if line[:3] in (".PP", ".LP", ".SH", ".TP", ".IP", ".P") or line.startswith(".SH"):
                lines.append("")
            continue
        lines.append(_ROFF_ESCAPE.sub("", line))
    return "\n".join(lines)


def training_file(path: str) -> bool:
    """One source file in five is set aside for training the model (`bench.train.toxicity`);
    the real-benign evaluation never reads those files."""
    return zlib.crc32(path.encode("utf-8")) % 5 == 0


def real_benign(limit: int, seed: int = 11, partition: str = "eval") -> List[Tuple[str, str]]:
    """(source, paragraph) pairs of 200-3000 characters, deduplicated, seeded sample, from the
    evaluation files (`partition="eval"`) or the files set aside for training ("train")."""
    sources = []
    sources += [(p, "doc") for p in glob.glob("/usr/share/doc/*/*") if os.path.isfile(p)
                and not p.endswith((".png", ".jpg", ".svg", ".pdf"))]
    sources += [(p, "man") for p in glob.glob("/usr/share/man/man[1-8]/*.gz")]
    site = os.path.join(sys.prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}",
                        "site-packages")
    sources += [(p, "pydoc") for p in glob.glob(os.path.join(site, "*.dist-info", "METADATA"))]
    sources += [(p, "pydoc") for p in glob.glob(os.path.join(site, "**", "*.md"), recursive=True)]
    sources += [(p, "pydoc") for p in glob.glob(os.path.join(site, "**", "*.rst"), recursive=True)]
    sources += [(p, "docstring") for p in glob.glob(os.path.join(site, "*", "*.py"))]
    sources += [(p, "docstring") for p in glob.glob("/usr/lib/python3*/*.py")]
    sources += [(p, "license") for p in glob.glob("/usr/share/common-licenses/*")]
    sources = [(p, kind) for p, kind in sources if training_file(p) == (partition == "train")]
    rng = random.Random(seed)
    rng.shuffle(sources)
    seen, out = set(), []
    for path, kind in sources:
        text = _read(path)
        if kind == "man":
            text = _man_text(text)
        elif kind == "docstring":
            text = "\n\n".join(m.group(1) for m in _DOCSTRING.finditer(text))
        for paragraph in re.split(r"\n\s*\n", text):
            paragraph = paragraph.strip()
            if not 200 <= len(paragraph) <= 3000 or paragraph in seen:
                continue
            seen.add(paragraph)
            out.append((f"{kind}:{path}", paragraph))
        if len(out) >= limit * 3:
            break
    rng.shuffle(out)
    return out[:limit]


def localized_benign(limit: int, seed: int = 3) -> List[Tuple[str, str]]:
    """(directory, paragraph) pairs from translated man pages (/usr/share/man/<lang>/): real
    benign text in other languages, for the word lists' false positives."""
    paths = sorted(p for p in glob.glob("/usr/share/man/*/man[1-8]/*.gz")
                   if not p.split("/")[4].startswith("man"))
    rng = random.Random(seed)
    rng.shuffle(paths)
    out: List[Tuple[str, str]] = []
    for path in paths:
        for paragraph in re.split(r"\n\s*\n", _man_text(_read(path))):
            paragraph = paragraph.strip()
            if 200 <= len(paragraph) <= 3000:
                out.append((path.split("/")[4], paragraph))
        if len(out) >= limit:
            break
    return out[:limit]


# --------------------------------------------------------------------------- evaluation


def evaluate(harm: HarmFilter, examples: List[dict]) -> Dict[str, bool]:
    docs = [Document(e["id"], e["text"]) for e in examples]
    outcomes = []
    for start in range(0, len(docs), 256):
        outcomes += harm.process_batch(docs[start:start + 256])
    return {e["id"]: not o.kept for e, o in zip(examples, outcomes)}


def whole_document_baseline(examples: List[dict], threshold: float = 0.5) -> Dict[str, bool]:
    import profanity_check

    probabilities = profanity_check.predict_prob([e["text"] for e in examples])
    return {e["id"]: bool(p >= threshold) for e, p in zip(examples, probabilities)}


def table(examples: List[dict], flagged: Dict[str, bool], baseline: Dict[str, bool]) -> List[str]:
    rows = ["| slice | cleanse | whole-doc classifier (p ≥ 0.5) |", "|---|---|---|"]

    def add(name: str, subset: List[dict]) -> None:
        if not subset:
            return
        ours = sum(flagged[e["id"]] for e in subset)
        base = sum(baseline[e["id"]] for e in subset)
        rows.append(f"| {name} | {fmt(ours, len(subset))} | {fmt(base, len(subset))} |")

    harmful = [e for e in examples if e["label"] != "benign"]
    add("**harmful recall, all**", harmful)
    for category in CATEGORIES:
        add(f"recall {category}", [e for e in harmful if e["label"] == category])
    # Kinds as the set names them ("explicit_de" counts as explicit, written in German).
    for kind in sorted({e["kind"].split("_")[0] for e in harmful}):
        add(f"recall {kind}", [e for e in harmful if e["kind"].split("_")[0] == kind])
    for lang in sorted({e.get("lang", "en") for e in harmful} - {"en"}):
        add(f"recall, written in {lang}", [e for e in harmful if e.get("lang") == lang])
    hard = [e for e in examples if e["kind"] == "hard_negative"]
    add("**hard-negative false positives**", hard)
    for topic in sorted({e["topic"] for e in hard}):
        add(f"FP {topic}", [e for e in hard if e["topic"] == topic])
    add("FP plain benign (short + long)", [e for e in examples if e["label"] == "benign"
                                             and e["kind"] in ("plain", "long")])
    if not hard:  # sets that name benign kinds their own way: every benign text, then per kind
        benign = [e for e in examples if e["label"] == "benign"]
        add("**false positives, all benign**", benign)
        for kind in sorted({e["kind"] for e in benign}):
            add(f"FP {kind}", [e for e in benign if e["kind"] == kind])
    return rows


LABELLED_SETS = (
    ("toxicity_eval.jsonl", "Labelled set (development)"),
    ("toxicity_holdout.jsonl", "Second set (written after calibration; its first run gave 74.6 % recall and "
                               "6.7 % FP, since then it was used for tuning too)"),
    ("toxicity_blind.jsonl", "Blind set (written last; its first run gave 90.2 % recall, profanity 76.0 %, "
                             "and 8.7 % FP, since then it was used for tuning too)"),
    ("toxicity_probes.jsonl", "Probe rounds (six rounds of fresh phrasings written while tuning; first "
                              "looks: 122/190 harmful caught = 64.2 %, 4/120 benign flagged)"),
    ("toxicity_probe3.jsonl", "Probe set 3 (gaming/forum harassment, slur-free political hate and sexism, veiled "
                              "threats, doxxing, self-harm incitement, sex spam, zero-width/homoglyph obfuscation; "
                              "first look: 75/118 harmful caught = 63.6 %, 5/60 hard negatives flagged = 8.3 %)"),
    ("toxicity_probe3b.jsonl", "Probe set 3b (same styles, new wording, written after the probe-3 rules; first look: "
                               "22/39 harmful caught = 56.4 %, 6/25 hard negatives flagged = 24.0 %)"),
    ("toxicity_probe3c.jsonl", "Probe set 3c (same styles again, written after the 3b rules; first look: "
                               "23/38 harmful caught = 60.5 %, 2/20 hard negatives flagged = 10.0 %)"),
    ("toxicity_probe3d.jsonl", "Probe set 3d (written after the 3c rules, with hard negatives aimed at them; first "
                               "look: 17/30 harmful caught = 56.7 %, 5/20 hard negatives flagged = 25.0 %)"),
    ("toxicity_probe3e.jsonl", "Probe set 3e (written after the 3d rules; first look: 17/30 harmful caught = 56.7 %, "
                               "2/20 hard negatives flagged = 10.0 %)"),
    ("toxicity_probe3f.jsonl", "Probe set 3f (written after the 3e rules; first look: 12/30 harmful caught = 40.0 %, "
                               "1/20 hard negatives flagged = 5.0 %)"),
    ("toxicity_probe4.jsonl", "Probe set 4 (forum, comment, game-chat and spam wording by a third author, hard negatives "
                              "across news, health, history, mentions, sport, code, cooking and reviews; first look: "
                              "44/100 harmful caught = 44.0 %, 5/140 hard negatives flagged = 3.6 %)"),
    ("toxicity_probe4b.jsonl", "Probe set 4b (chat logs, replies, e-mail and ad wording, half benign, written after the "
                               "probe-4 rules and never tuned on; first look: 15/40 harmful caught = 37.5 %, the same as "
                               "before the probe-4 rules, 1/41 hard negatives flagged = 2.4 %)"),
    ("toxicity_probe4c.jsonl", "Probe set 4c (YouTube/Twitch comments, reviews, dating-app messages, workplace chat and "
                               "news comments with slang and typos, half benign, written after the chat-spelling and "
                               "context rules and never tuned on; first look: 16/40 harmful caught = 40.0 % (14/40 "
                               "before those rules), 2/40 hard negatives flagged = 5.0 % (the same before))"),
    ("toxicity_probe4d.jsonl", "Probe set 4d (neighbourhood groups, IRC/Discord logs, letters to the editor, product Q&A, "
                               "support tickets and escort/cam ads; benign half: news on discrimination, sociology, "
                               "advocacy quoting stereotypes to refute them, process/kill/master technical text; written "
                               "after the stereotype, veiled-threat and code-evidence rules and never tuned on; first "
                               "look: 8/30 harmful caught = 26.7 % (8/30 before those rules), 3/30 hard negatives "
                               "flagged = 10.0 % (2/30 before))"),
)


def author_split(split: str = "test", seed: int = 13) -> List[dict]:
    """The training authors' texts of one split (bench/train/toxicity.py): `test` is never
    trained or tuned on. Benign texts count as hard negatives (the authors wrote them as such);
    each harmful text of up to 300 characters is also planted in 4-7 benign paragraphs."""
    from bench.train.toxicity import author_rows

    rows = [r for r in author_rows() if r["split"] == split]
    examples = [{"id": r["id"], "label": _ORIGINAL_LABEL.get(r["id"], r["label"]),
                 "kind": "hard_negative" if r["label"] == "benign" else "plain",
                 "topic": r.get("register"), "lang": r.get("lang", "en"), "text": r["text"]} for r in rows]
    return examples + _buried([e for e in examples if e["label"] != "benign" and len(e["text"]) <= 300], seed)


def _buried(rows: List[dict], seed: int) -> List[dict]:
    rng = random.Random(seed)
    with open(os.path.join(HERE, "data", "toxicity_filler.txt"), encoding="utf-8") as handle:
        filler = [p.strip() for p in handle.read().split("\n\n") if p.strip()]
    out = []
    for row in rows:
        paragraphs = rng.sample(filler, rng.randint(4, 7))
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), row["text"])
        out.append({**row, "id": row["id"] + "-buried", "kind": "buried", "text": "\n\n".join(paragraphs)})
    return out


def _original_labels() -> Dict[str, str]:
    """Author labels before `harassment` is folded into `profanity`, for reporting."""
    labels = {}
    for path in sorted(glob.glob(os.path.join(HERE, "train", "toxicity", "author_*.jsonl"))):
        author = os.path.basename(path)[len("author_"):-len(".jsonl")]
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if line.strip():
                    labels[f"{author}-{number:05d}"] = json.loads(line).get("label")
    return labels


_ORIGINAL_LABEL = _original_labels()


def sweep(harm: HarmFilter, real: List[Tuple[str, str]]) -> None:
    """How the shared threshold trades recall for false positives (all labelled sets pooled)."""
    examples = [e for name, _ in LABELLED_SETS for e in load_labelled(name)]
    labelled = harm.score_batch([e["text"] for e in examples])
    benign = harm.score_batch([text for _, text in real])
    print("## Threshold sweep (one threshold for every category; default 0.5)\n")
    print("| threshold | harmful recall | hard-negative FP | real benign flagged |\n|---|---|---|---|")
    for threshold in (0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8):
        def flagged(scores) -> bool:
            return any(value >= threshold for value in scores.scores.values())
        harmful = [flagged(s) for e, s in zip(examples, labelled) if e["label"] != "benign"]
        hard = [flagged(s) for e, s in zip(examples, labelled) if e["kind"] == "hard_negative"]
        real_flagged = [flagged(s) for s in benign]
        print(f"| {threshold} | {fmt(sum(harmful), len(harmful))} | {fmt(sum(hard), len(hard))} "
              f"| {fmt(sum(real_flagged), len(real_flagged))} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=int, default=10000, help="real benign paragraphs to sample")
    parser.add_argument("--show-errors", action="store_true", help="print misjudged examples")
    parser.add_argument("--sweep", action="store_true",
                        help="also print recall / false positives for one threshold shared by all categories")
    parser.add_argument("--l10n", type=int, default=0,
                        help="also score this many paragraphs of translated man pages (real benign "
                             "text in other languages)")
    parser.add_argument("--split", choices=("test", "calibration", "train"),
                        help="score the training authors' texts of this split (test: never trained or "
                             "tuned on) instead of the bench/data sets")
    parser.add_argument("--sets", nargs="+", metavar="FILE",
                        help="score only these files of bench/data (for a first look at a new probe set); "
                             "--real 0 then skips the real benign text")
    args = parser.parse_args()

    harm = HarmFilter(ToxicityConfig())
    titles = dict(LABELLED_SETS)
    names = [f"split:{args.split}"] if args.split else args.sets or titles
    for name in names:
        if name.startswith("split:"):
            title = f"Training authors' {args.split} split (bench/train/toxicity/, by hash of the text)"
            examples = author_split(args.split)
        else:
            title = titles.get(name, name)
            examples = load_labelled(name)
        flagged = evaluate(harm, examples)
        baseline = whole_document_baseline(examples)
        harmful = [e for e in examples if e["label"] != "benign"]
        print(f"## {title}: {len(examples)} documents ({len(harmful)} harmful, "
              f"{len(examples) - len(harmful)} benign), default config, action drop\n")
        print("\n".join(table(examples, flagged, baseline)) + "\n")
        if args.show_errors:
            print("### misjudged\n")
            for e in examples:
                if flagged[e["id"]] != (e["label"] != "benign"):
                    scores = harm.score(e["text"])
                    print(f"- {e['id']} {e['label']}/{e['kind']}: {e['text'][:150]!r} "
                          f"{ {c: round(v, 2) for c, v in scores.scores.items()} } {scores.matched}")
            print()

    if args.l10n > 0:
        translated = localized_benign(args.l10n)
        scored = [s for start in range(0, len(translated), 256)
                  for s in harm.score_batch([t for _, t in translated[start:start + 256]])]
        flagged = [bool(s.harmful(harm.thresholds)) for s in scored]
        judged = sum(s.judged for s in scored)
        print(f"## Translated man pages: {len(translated)} paragraphs, {judged} judged "
              f"(the rest in languages without a word list)\n")
        print("| measure | rate |\n|---|---|")
        print(f"| dropped (action drop) | {fmt(sum(flagged), len(flagged))} |\n")
    if args.real <= 0:
        return
    real = real_benign(args.real)
    if args.sweep:
        sweep(harm, real)

    docs = [Document(f"real-{i}", text) for i, (_, text) in enumerate(real)]
    started = time.perf_counter()
    dropped = [not o.kept for start in range(0, len(docs), 256)
               for o in harm.process_batch(docs[start:start + 256])]
    elapsed = time.perf_counter() - started
    line_harm = HarmFilter(ToxicityConfig(action="remove_lines"))
    altered = [(not o.kept) or o.document.text != d.text for start in range(0, len(docs), 256)
               for d, o in zip(docs[start:start + 256], line_harm.process_batch(docs[start:start + 256]))]
    kinds = sorted({source.split(":")[0] for source, _ in real})
    print(f"## Real benign text on this machine: {len(real)} paragraphs "
          f"({', '.join(f'{k} {sum(s.startswith(k) for s, _ in real)}' for k in kinds)})\n")
    print("| measure | rate |\n|---|---|")
    print(f"| dropped (action drop) | {fmt(sum(dropped), len(docs))} |")
    print(f"| dropped or altered (action remove_lines) | {fmt(sum(altered), len(docs))} |")
    print(f"| throughput of this run | {len(docs) / elapsed:,.0f} docs/s |")
    if args.show_errors:
        print("\n### real paragraphs dropped")
        for (source, text), gone in zip(real, dropped):
            if gone:
                scores = harm.score(text)
                print(f"- {source}: {text[:200]!r} {scores.matched} "
                      f"{ {c: round(v, 2) for c, v in scores.scores.items()} }")


if __name__ == "__main__":
    main()
