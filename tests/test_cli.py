"""The command-line contract of DESIGN.md: formats, dead letters, exit codes, atomic output."""
import json
import os
import subprocess
import sys

import pytest

from cleanse import cli
from cleanse.records import PublicIds, load_records, write_records

GOOD = [{"id": f"doc-{i:02d}", "text": f"Document number {i} talks about topic {i % 3}.",
         "lang": "en"} for i in range(12)]
MALFORMED_LINES = [
    b'{"id": "broken", "text": "unterminated\n',
    b"[1, 2]\n",
    b'{"id": "no-text"}\n',
    b'{"id": "num", "text": 3.5}\n',
    b'{"id": "bad-bytes", "text": "caf\xe9"}\n',
    b'{"id": "blank", "text": "   "}\n',
]


def write_jsonl(path, rows, extra_lines=()):
    with open(path, "wb") as handle:
        for row in rows:
            handle.write(json.dumps(row).encode() + b"\n")
        for line in extra_lines:
            handle.write(line)
    return str(path)


def run(*args):
    return cli.main(["run", "--quiet", "--stages", "dedup", *args])


def read_dir(path):
    rows = []
    for name in sorted(os.listdir(path)):
        rows.extend(load_records(os.path.join(path, name)))
    return rows


def tree_bytes(path):
    return {name: open(os.path.join(path, name), "rb").read() for name in sorted(os.listdir(path))}


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "jsonl.zst", "parquet"])
def test_each_format_round_trips(tmp_path, fmt):
    source = tmp_path / f"corpus.{fmt}"
    write_records(str(source), GOOD, fmt)
    assert run("--input", str(source), "--output", str(tmp_path / "out")) == 0
    clean_files = os.listdir(tmp_path / "out" / "clean")
    assert clean_files and all(name.endswith(f".{fmt}") for name in clean_files)
    assert sorted(read_dir(tmp_path / "out" / "clean"), key=lambda r: r["id"]) == GOOD


def test_malformed_input_is_rejected_with_reasons_and_counts_add_up(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", GOOD, MALFORMED_LINES + [b"\n"])
    assert run("--input", source, "--output", str(tmp_path / "out")) == 0
    rejected = read_dir(tmp_path / "out" / "rejected")
    assert sorted(r["reason"] for r in rejected) == sorted(
        ["malformed_json", "not_an_object", "missing_text", "text_not_string", "invalid_utf8",
         "empty_text"])
    assert all(r["stage"] == "input" and "text" not in r for r in rejected)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["totals"] == {"in": 18, "clean": 12, "rejected": 6, "balanced": True,
                                "blank_lines_skipped": 1}
    assert report["stages"]["input"]["rejected"]["invalid_utf8"] == 1
    out = capsys.readouterr().out
    assert "in == clean + rejected" in out and "report.json" in out


def test_text_and_id_fields(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"key": "k1", "body": "some text"}])
    assert run("--input", source, "--output", str(tmp_path / "out"),
               "--text-field", "body", "--id-field", "key") == 0
    assert read_dir(tmp_path / "out" / "clean") == [{"key": "k1", "body": "some text"}]


def test_usage_errors_exit_2_with_one_line(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", GOOD)
    out = str(tmp_path / "out")
    assert run("--input", str(tmp_path / "missing.jsonl"), "--output", out) == 2
    assert cli.main(["run", "--input", source, "--output", out, "--stages", "pii,nope"]) == 2
    assert run("--input", source, "--output", out, "--no_such_beam_flag=1") == 2
    (tmp_path / "bad.yaml").write_text("dedup:\n  treshold: 0.8\n")
    assert run("--input", source, "--output", out, "--config", str(tmp_path / "bad.yaml")) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("cleanse:")]
    assert len(errors) == 4
    assert "missing.jsonl" in errors[0] and "nope" in errors[1]
    assert "--no_such_beam_flag" in errors[2] and "dedup.treshold" in errors[3]
    assert not os.path.exists(out)


def test_existing_output_is_refused_without_overwrite(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "out"
    assert run("--input", source, "--output", str(out)) == 0
    assert run("--input", source, "--output", str(out)) == 2
    assert run("--input", source, "--output", str(out), "--overwrite") == 0
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    assert run("--input", source, "--output", str(foreign), "--overwrite") == 2
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_failing_run_leaves_previous_output_untouched(tmp_path, monkeypatch):
    source = write_jsonl(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "out"
    assert run("--input", source, "--output", str(out)) == 0
    before = tree_bytes(out / "clean")

    class Exploding:
        def process_batch(self, docs):
            raise RuntimeError("disk on fire")

    monkeypatch.setattr("pipelines.process.build_stage", lambda name, config: Exploding())
    code = cli.main(["run", "--input", source, "--output", str(out), "--overwrite",
                     "--stages", "toxicity"])
    assert code == 1
    assert tree_bytes(out / "clean") == before
    assert [p for p in os.listdir(tmp_path) if "cleanse-tmp" in p] == []


def test_two_runs_give_byte_identical_clean_output(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", GOOD * 3 + [{"text": "no id"}], MALFORMED_LINES)
    assert run("--input", source, "--output", str(tmp_path / "a")) == 0
    assert run("--input", source, "--output", str(tmp_path / "b")) == 0
    assert tree_bytes(tmp_path / "a" / "clean") == tree_bytes(tmp_path / "b" / "clean")
    assert tree_bytes(tmp_path / "a" / "rejected") == tree_bytes(tmp_path / "b" / "rejected")


def test_two_worker_processes_give_the_same_output(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", GOOD, MALFORMED_LINES)
    assert run("--input", source, "--output", str(tmp_path / "one")) == 0
    result = subprocess.run(
        [sys.executable, "-m", "cleanse", "run", "--input", source, "--stages", "dedup",
         "--output", str(tmp_path / "two"), "--workers", "2"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert tree_bytes(tmp_path / "one" / "clean") == tree_bytes(tmp_path / "two" / "clean")
    report = json.loads((tmp_path / "two" / "report.json").read_text())
    assert report["runner"]["engine"] == "direct" and "--direct_num_workers=2" in report["runner"]["args"]


def test_default_run_on_the_bundled_sample_shows_every_stage_at_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--quiet"]) == 0
    out = tmp_path / "cleanse-out"
    assert {"clean", "rejected", "report.json", "report.html"} <= set(os.listdir(out))
    report = json.loads((out / "report.json").read_text())
    assert report["totals"]["balanced"]
    stages = report["stages"]
    assert set(stages["input"]["rejected"]) >= {"malformed_json", "invalid_utf8", "missing_text",
                                                "text_not_string", "empty_text", "not_an_object"}
    assert stages["pii"]["entities"]["EMAIL_ADDRESS"] > 0
    assert stages["toxicity"]["rejected_total"] > 0
    assert stages["dedup"]["rejected_total"] > 0
    rejected_text = "".join(p.read_text() for p in (out / "rejected").iterdir())
    assert "@" not in rejected_text  # no e-mail address, scrubbed or raw, in rejections


def test_repeated_ids_do_not_confuse_dedup(tmp_path):
    fox = ("The quick brown fox jumps over the lazy dog near the river bank on a sunny morning "
           "in May while the birds sing in the old oak trees by the water.")
    other = "Register allocation by graph colouring is a classic pass in optimising compilers."
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "same", "text": fox}, {"id": "same", "text": other},
        {"id": "same", "text": fox + "!"}, {"id": "x", "text": other}])
    assert cli.main(["run", "--quiet", "--stages", "dedup", "--input", source,
                     "--output", str(tmp_path / "out")]) == 0
    clean = read_dir(tmp_path / "out" / "clean")
    assert sorted(r["text"] for r in clean) == sorted([fox, other])
    assert all(r["id"] == "same" for r in clean)
    # Dedup tells documents apart by where they were read, not by id: no renaming needed.
    removed = sorted((r["position"], r["id"], r["duplicate_of"])
                     for r in read_dir(tmp_path / "out" / "rejected"))
    same, x = PublicIds()("same"), PublicIds()("x")
    assert [r[1:] for r in removed] == [(same, same), (x, same)]
    assert removed[0][0] > 0  # the second "same" fox, found by its byte offset
