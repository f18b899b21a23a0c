"""The bundled sample corpus and the generator that makes it.

The sample is what `cleanse run` processes without `--input`, so it must show every stage at
work: PII of many kinds, harmful documents, duplicate families, and each class of dirty line.
These tests check that structurally (parsing lines, regexes, Luhn) and against the labels the
generator wrote, and that the generator is deterministic for a seed.
"""
import importlib.resources
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# bench/ is not an installed package; the generator is imported from the checkout.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.corpus import MALFORMED_CLASSES, CorpusGenerator, Ratios, jaccard, write_corpus  # noqa: E402

SAMPLE_LABELS = REPO / "bench" / "data" / "sample.labels.jsonl"


def classify(line: bytes) -> str:
    """The malformed class of one input line, or "ok" for a usable document."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return "broken_json"
    if isinstance(value, list):
        return "json_array"
    if not isinstance(value, dict):
        return "json_scalar"
    if "text" not in value:
        return "missing_text"
    if value["text"] is None:
        return "text_null"
    if not isinstance(value["text"], str):
        return "text_number"
    if value["text"] == "":
        return "empty_text"
    if not value["text"].strip():
        return "whitespace_text"
    return "ok"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@pytest.fixture(scope="module")
def sample_lines():
    resource = importlib.resources.files("cleanse") / "data" / "sample.jsonl"
    assert resource.is_file(), "cleanse/data/sample.jsonl is missing from the package"
    data = resource.read_bytes()
    assert len(data) < 1_000_000
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


@pytest.fixture(scope="module")
def sample_docs(sample_lines):
    return [json.loads(line) for line in sample_lines if classify(line) == "ok"]


@pytest.fixture(scope="module")
def sample_labels():
    return [json.loads(line) for line in SAMPLE_LABELS.read_text(encoding="utf-8").splitlines()]


def test_sample_has_every_malformed_class(sample_lines):
    counts = Counter(classify(line) for line in sample_lines)
    for kind in MALFORMED_CLASSES:
        assert counts[kind] >= 5, (kind, counts)
    assert 250 <= counts["ok"] <= 400


def test_invalid_utf8_lines_are_really_invalid(sample_lines):
    bad = [line for line in sample_lines if classify(line) == "invalid_utf8"]
    assert bad
    for line in bad:
        with pytest.raises(UnicodeDecodeError):
            line.decode("utf-8")
        # the rest of the line is a normal record: only the text bytes are broken
        assert line.startswith(b'{"id": "doc-')


def test_sample_has_pii_of_many_kinds(sample_docs):
    texts = [d["text"] for d in sample_docs]
    email = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    phone = re.compile(r"\+\d{1,3}[ (]")
    secret = re.compile(r"AKIA[A-Z2-7]{16}|ghp_[A-Za-z0-9]{36}|github_pat_|xoxb-")
    card = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")

    def has_card(text):
        numbers = (re.sub(r"\D", "", m.group(0)) for m in card.finditer(text))
        return any(13 <= len(n) <= 19 and luhn_ok(n) for n in numbers)

    assert sum(bool(email.search(t)) for t in texts) >= 50
    assert sum(bool(phone.search(t)) for t in texts) >= 20
    assert sum(bool(secret.search(t)) for t in texts) >= 5
    assert sum(has_card(t) for t in texts) >= 10
    assert sum("IBAN" in t for t in texts) >= 3


def test_sample_has_real_text_and_records_without_id(sample_docs):
    sources = Counter(d["source"].split(":")[0] for d in sample_docs)
    assert sources["real"] >= 20 and sources["template"] >= 150
    assert any("id" not in d for d in sample_docs)


def test_sample_has_exact_copies(sample_docs):
    copies = Counter(d["text"] for d in sample_docs)
    assert sum(c - 1 for c in copies.values() if c > 1) >= 3


def test_labels_describe_the_sample(sample_lines, sample_labels):
    assert len(sample_labels) == len(sample_lines)
    for label in sample_labels:
        line = sample_lines[label["line"] - 1]
        kind = classify(line)
        if label["malformed"]:
            assert kind == label["malformed"], label
            continue
        assert kind == "ok", label
        record = json.loads(line)
        assert record.get("id") == label["id"]
        for values in list(label["pii"].values()) + list(label["keep"].values()):
            for value in values:
                assert value in record["text"], (label["line"], value)
        if label["harm_line"]:
            assert label["harm_line"] in record["text"]


def test_sample_has_harmful_documents_of_each_category(sample_labels):
    harmful = [lab for lab in sample_labels if lab.get("harm")]
    assert 10 <= len(harmful) <= 20
    assert {lab["harm"] for lab in harmful} == {"insult", "hate", "threat", "sexual_spam"}
    modes = {lab["harm_mode"] for lab in harmful}
    assert {"standalone", "buried", "obfuscated"} <= modes
    assert any(lab["hard_benign"] for lab in sample_labels)


def test_sample_has_near_duplicate_families(sample_lines, sample_labels):
    members = defaultdict(list)
    for label in sample_labels:
        if label.get("family"):
            members[label["family"]].append(label)
    assert len(members) >= 5
    near_pairs = 0
    for family in members.values():
        base = [m for m in family if m["family_role"] == "base"]
        assert len(base) == 1 and len(family) >= 2
        base_text = json.loads(sample_lines[base[0]["line"] - 1])["text"]
        for member in family:
            text = json.loads(sample_lines[member["line"] - 1])["text"]
            if member["family_role"] == "exact":
                assert text == base_text
            elif member["family_role"] == "near":
                assert text != base_text
                assert abs(jaccard(base_text, text) - member["jaccard_to_base"]) < 1e-3
                near_pairs += jaccard(base_text, text) >= 0.8
    assert near_pairs >= 5


def test_generator_is_deterministic_for_a_seed():
    first = CorpusGenerator(40, seed=11, malformed_each=1).lines()
    again = CorpusGenerator(40, seed=11, malformed_each=1).lines()
    other = CorpusGenerator(40, seed=12, malformed_each=1).lines()
    assert first == again
    assert first[0] != other[0]


def test_generator_does_not_depend_on_string_hashing(tmp_path):
    # Faker and set iteration can follow PYTHONHASHSEED; the corpus must not.
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"c{hash_seed}.jsonl"
        subprocess.run([sys.executable, "-m", "bench.corpus", "--n", "120", "--seed", "3",
                        "--out", str(out), "--labels", str(out) + ".labels", "--malformed"],
                       cwd=REPO, env=dict(os.environ, PYTHONHASHSEED=hash_seed), check=True,
                       capture_output=True)
        outputs.append((out.read_bytes(), Path(str(out) + ".labels").read_bytes()))
    assert outputs[0] == outputs[1]


def test_written_labels_match_the_written_corpus(tmp_path):
    out, labels_path = tmp_path / "c.jsonl", tmp_path / "c.labels.jsonl"
    ratios = Ratios(real=0.2, harmful=0.1, hard_benign=0.05, near_dup=0.1, exact_dup=0.05, no_id=0.05)
    counts = write_corpus(str(out), 80, seed=5, labels_path=str(labels_path), ratios=ratios,
                          malformed_each=2)
    lines = out.read_bytes()[:-1].split(b"\n")
    labels = [json.loads(x) for x in labels_path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(labels) == counts["lines"] == 80 + 2 * len(MALFORMED_CLASSES)
    assert [lab["line"] for lab in labels] == list(range(1, len(lines) + 1))
    ids = [lab["id"] for lab in labels if lab["id"]]
    assert len(ids) == len(set(ids))
    assert Counter(lab["malformed"] for lab in labels if lab["malformed"]) == \
        {kind: 2 for kind in MALFORMED_CLASSES}
    for label, line in zip(labels, lines):
        assert classify(line) == (label["malformed"] or "ok")
        if label["malformed"]:
            continue
        record = json.loads(line)
        assert record.get("id") == label["id"]
        for values in label["pii"].values():
            assert all(v in record["text"] for v in values)
        assert (label["harm"] is None) == (label["harm_line"] is None)
    assert counts["harmful"] == 8 and counts["without_id"] == 4
    assert sum(lab["pii_labelled"] and bool(lab["pii"]) for lab in labels if not lab["malformed"]) >= 30


def test_huge_documents_exceed_spacys_limit_and_keep_their_labels():
    lines, labels = CorpusGenerator(6, seed=2, ratios=Ratios(real=0.0), huge=1).lines()
    huge = [(json.loads(line), label) for line, label in zip(lines, labels) if len(line) > 1_000_000]
    assert len(huge) == 1
    record, label = huge[0]
    assert len(record["text"]) > 1_000_000
    assert label["pii"] and all(v in record["text"] for vals in label["pii"].values() for v in vals)


def test_generator_falls_back_to_templates_without_real_text(monkeypatch):
    import bench.corpus as corpus

    monkeypatch.setattr(corpus, "_SOURCES", [("man", 1.0, ["/nonexistent/man*/*.gz"], corpus._strip_roff)])
    lines, labels = CorpusGenerator(50, seed=4, ratios=Ratios(real=0.5)).lines()
    assert len(lines) == 50
    assert not any(lab["source"].startswith("real:") for lab in labels)
