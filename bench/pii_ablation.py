"""Which name rules still earn their place: switch each off in turn and count what changes.

    .venv/bin/python -m bench.pii_ablation [--files F ...] [--docs 300]

For each pattern and helper of `ContextualNameRecognizer` (and each mechanism of
`LexiconNameRecognizer`), the probe files and `--docs` generated documents are scrubbed with
that one rule disabled; the rule's worth is the number of planted values that then leak
(verbatim or as a partial name) minus the keep items it no longer destroys. A rule worth 0
or less finds nothing the others miss on this material and is a candidate for deletion.
Prints no values, only counts.
"""
from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

NEVER = re.compile(r"(?!x)x")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", nargs="*", type=Path, default=[
        Path("bench/data/pii_probe_realworld.jsonl"), Path("bench/data/pii_probe_realworld2.jsonl"),
        Path("bench/data/pii_probe_realworld3.jsonl"), Path("bench/data/pii_dev_a.jsonl")])
    parser.add_argument("--docs", type=int, default=300)
    args = parser.parse_args(argv)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    from bench.pii_eval import generate
    from bench.pii_probe import load, score
    from cleanse import pii_names, pii_recognizers as rec
    from cleanse.pii import PiiScrubber

    docs = [d for f in args.files for d in load(f)]
    for d in generate(args.docs, 7):
        docs.append({"id": "gen", "kind": d["template"], "text": d["text"],
                     "pii": [{"type": t, "value": v} for t, v in d["pii"]], "keep": [v for _, v in d["keep"]]})
    scrubber = PiiScrubber()

    def measure():
        result = score(docs, [r.text for r in scrubber.scrub_batch([d["text"] for d in docs])])
        return sum(result["leaked"].values()) + sum(result["partial"].values()), result["keep_lost"]

    base_leaks, base_lost = measure()
    print(f"all rules on: {base_leaks} leaks, {base_lost} keep items destroyed ({len(docs)} documents)\n")
    print("| rule | leaks without it | keep destroyed without it | worth |")
    print("|---|---:|---:|---:|")
    cls = rec.ContextualNameRecognizer
    switches = []
    for group in ("PATTERNS", "STRICT_PATTERNS"):
        for index in range(len(getattr(cls, group))):
            switches.append((f"ContextualNameRecognizer.{group}[{index}]", group, index))
    for method in ("_people_lists", "_court_parties", "_family_notices", "_lettered_names", "_people_sections",
                   "_recased_names"):
        switches.append((f"ContextualNameRecognizer.{method}", method, None))
    switches.append(("ContextualNameRecognizer._CONTACT_NAME", "_CONTACT_NAME", None))
    switches.append(("table_names", "table_names", None))
    for method in ("_given_surname", "_caps", "_comma", "_list_items", "_speakers", "_ner_singles", "_mentions"):
        switches.append((f"LexiconNameRecognizer.{method}", ("names", method), None))
    for label, target, index in switches:
        if isinstance(target, tuple):
            owner, name = pii_names.LexiconNameRecognizer, target[1]
            saved = getattr(owner, name)
            setattr(owner, name, lambda self, *a, **k: [])
            restore = lambda: setattr(owner, name, saved)  # noqa: E731
        elif index is not None:
            saved = getattr(cls, target)
            patched = list(saved)
            patched[index] = NEVER
            setattr(cls, target, tuple(patched))
            restore = lambda: setattr(cls, target, saved)  # noqa: E731
        elif target == "_CONTACT_NAME":
            saved = cls._CONTACT_NAME
            cls._CONTACT_NAME = NEVER
            restore = lambda: setattr(cls, "_CONTACT_NAME", saved)  # noqa: E731
        elif target == "table_names":
            saved = rec.table_names
            rec.table_names = lambda text: iter(())
            restore = lambda: setattr(rec, "table_names", saved)  # noqa: E731
        else:
            saved = getattr(cls, target)
            setattr(cls, target, lambda self, *a, **k: iter(()))
            restore = lambda: setattr(cls, target, saved)  # noqa: E731
        try:
            leaks, lost = measure()
        finally:
            restore()
        print(f"| {label} | {leaks} | {lost} | {leaks - base_leaks - (lost - base_lost):+d} |")


if __name__ == "__main__":
    main()
