import gzip
import json

import pytest

from cleanse.config import InputConfig
from cleanse.document import Document, Rejection
from cleanse.records import (InputFormatError, ReadTask, detect_format, load_records,
                             output_record, parse_raw, plan_reads, read_raw,
                             source_names, write_records)

CONFIG = InputConfig()


def parse(payload, config=CONFIG):
    return parse_raw(("in.jsonl", 7, payload), config)


@pytest.mark.parametrize("payload, reason", [
    (b'{"id": "x", "text": "ok"', "malformed_json"),
    (b"[1, 2, 3]\n", "not_an_object"),
    (b"42\n", "not_an_object"),
    (b'{"id": "x"}\n', "missing_text"),
    (b'{"id": "x", "text": 12}\n', "text_not_string"),
    (b'{"id": "x", "text": null}\n', "text_not_string"),
    (b'{"id": "x", "text": " \\n\\t "}\n', "empty_text"),
    (b'{"id": "x", "text": "caf\xe9"}\n', "invalid_utf8"),
    (b'{"id": "x", "text": "lone \\ud800 surrogate"}\n', "invalid_unicode"),
    (b"[" * 100_000 + b"]" * 100_000, "malformed_json"),
])
def test_each_malformed_class_is_rejected_with_its_reason(payload, reason):
    result = parse(payload)
    assert isinstance(result, Rejection)
    assert (result.stage, result.reason) == ("input", reason)
    assert result.details["source"] == "in.jsonl" and result.details["position"] == 7


def test_rejections_never_quote_the_text():
    secret = "jane.doe@example.com"
    for payload in (f'{{"id": 1, "text": "{secret}"'.encode(), f'["{secret}"]'.encode(),
                    f'{{"text": "{secret}\xff"}}'.encode("latin-1")):
        assert secret not in json.dumps(parse(payload).to_json_dict())


def test_oversized_document_is_rejected():
    result = parse(b'{"id": "big", "text": "' + b"a" * 50 + b'"}', InputConfig(max_chars=10))
    assert result.reason == "too_large" and result.details["chars"] == 50


def test_valid_record_keeps_every_field_and_its_id():
    doc = parse(b'{"id": 17, "text": "hello", "lang": "en", "meta": {"a": 1}}')
    assert isinstance(doc, Document)
    assert doc.id == "17" and doc.text == "hello" and doc.record["meta"] == {"a": 1}


def test_missing_id_gets_a_deterministic_one_and_blank_lines_are_not_records():
    assert parse(b'{"text": "hello"}').id == "in.jsonl:7"
    assert parse(b"  \n") is None


def test_custom_fields():
    config = InputConfig(text_field="content", id_field="doc_id")
    doc = parse(b'{"doc_id": "a", "content": "hi"}', config)
    assert (doc.id, doc.text) == ("a", "hi")
    record = output_record(doc.with_text("HI"), config)
    assert record == {"doc_id": "a", "content": "HI"}


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "jsonl.zst", "parquet"])
def test_write_then_read_round_trip(tmp_path, fmt):
    rows = [{"id": "a", "text": "héllo ✓", "n": 1}, {"id": "b", "text": "second", "n": 2}]
    path = str(tmp_path / f"part.{fmt}")
    write_records(path, rows, fmt)
    assert detect_format(path) == fmt
    assert load_records(path) == rows
    parsed = [parse_raw(raw, CONFIG) for raw in read_raw(ReadTask(path, "part"))]
    assert [(d.id, d.text) for d in parsed] == [("a", "héllo ✓"), ("b", "second")]


def test_corrupt_archive_becomes_one_unreadable_rejection(tmp_path):
    path = tmp_path / "broken.jsonl.gz"
    good = gzip.compress(b'{"id": "a", "text": "fine"}\n' * 3)
    path.write_bytes(good[: len(good) - 12] + b"garbage")
    parsed = [parse_raw(raw, CONFIG) for raw in read_raw(ReadTask(str(path), "broken"))]
    assert isinstance(parsed[-1], Rejection) and parsed[-1].reason == "unreadable_file"


def test_unknown_extension_is_a_clear_error():
    with pytest.raises(InputFormatError, match="extensions"):
        detect_format("corpus.csv")


def test_source_names_are_stable():
    assert source_names(["s3://b/a/x.jsonl", "s3://b/b/x.jsonl"]) == {
        "s3://b/a/x.jsonl": "a/x.jsonl", "s3://b/b/x.jsonl": "b/x.jsonl"}
    assert source_names(["/d/a/x.jsonl", "/d/b/x.jsonl"]) == {
        "/d/a/x.jsonl": "a/x.jsonl", "/d/b/x.jsonl": "b/x.jsonl"}


def test_split_reads_see_every_line_exactly_once(tmp_path):
    path = tmp_path / "big.jsonl"
    lines = [f'{{"id": "{i}", "text": "{"x" * (i % 37)}y"}}\n'.encode() for i in range(500)]
    path.write_bytes(b"".join(lines))
    whole = list(read_raw(ReadTask(str(path), "big.jsonl")))
    for split in (1, 7, 64, 1000):
        tasks = plan_reads([str(path)], split_bytes=split)
        assert len(tasks) > 1
        pieces = [raw for task in tasks for raw in read_raw(task)]
        assert pieces == whole
    assert [pos for _, pos, _ in whole][:2] == [0, len(lines[0])]
