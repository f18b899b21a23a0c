"""The operating contract: re-runs, concurrent runs, interrupted runs, hostile set-ups and side
channels never lose, duplicate or leak anything (README, "Running it in production").

Everything here goes through the command line on real files; concurrency and signals use
real processes.
"""
import fcntl
import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

from cleanse import cli
from cleanse.records import PublicIds, load_records

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOX = ("The quick brown fox jumps over the lazy dog near the river bank on a sunny morning in May, "
       "while the farmer counts his sheep and the baker sells warm bread to the villagers.")
TEXTS = [FOX,
         "Register allocation by graph colouring is a classic pass in optimising compilers.",
         "Query planners estimate cardinalities from column statistics gathered by the analyser.",
         "A lighthouse keeper counts the ships passing the cape every night in the winter storms."]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def batch(name, texts=TEXTS):
    return [{"id": f"{name}-{i}", "text": t} for i, t in enumerate(texts)]


def tree(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def outputs(out):
    return {sub: tree(out / sub) for sub in ("clean", "rejected")}


def run(*args):
    return cli.main(["run", "--quiet", "--stages", "dedup", *args])


def cleanse_process(*args, **popen):
    return subprocess.Popen([sys.executable, "-m", "cleanse", "run", "--quiet", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def big_input(path, docs=6000):
    """Enough documents that a run lasts a few seconds."""
    words = FOX.split()
    rows = [{"id": f"big-{i}", "text": " ".join(words[i % 7:] + words[:i % 7]) + f" number {i} of "
             f"{i * 7919 % 104729} in series {i % 97} and batch {i // 97}"} for i in range(docs)]
    return write_jsonl(path, rows)


def held(lock_path):
    if not os.path.exists(lock_path):
        return False
    with open(lock_path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


# --------------------------------------------------------------------------- re-runs, index


def test_same_day_rerun_with_overwrite_publishes_what_the_first_run_did(tmp_path):
    index = str(tmp_path / "index")
    day1 = write_jsonl(tmp_path / "day1.jsonl", batch("d1"))
    day2 = write_jsonl(tmp_path / "day2.jsonl", batch("d2", [FOX.upper(), "A new text about tides."]))
    assert run("--input", day1, "--output", str(tmp_path / "out1"), "--dedup-index", index) == 0
    assert run("--input", day2, "--output", str(tmp_path / "out2"), "--dedup-index", index) == 0
    first = {1: outputs(tmp_path / "out1"), 2: outputs(tmp_path / "out2")}
    for day, source in ((2, day2), (1, day1), (2, day2)):
        assert run("--input", source, "--output", str(tmp_path / f"out{day}"), "--dedup-index", index,
                   "--overwrite") == 0
        assert outputs(tmp_path / f"out{day}") == first[day]
    assert len(load_records(str(tmp_path / "out1" / "clean" / "part-00000-of-00001.jsonl"))) == 4
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert sorted(p["output"] for p in manifest["parts"]) == [str(tmp_path / "out1"),
                                                               str(tmp_path / "out2")]
    parts = {name for name in os.listdir(index) if name.endswith(".parquet")}
    assert parts == {p["file"] for p in manifest["parts"]}  # replaced parts are deleted


def test_index_that_cannot_be_updated_publishes_neither(tmp_path, monkeypatch, capsys):
    index = tmp_path / "index"
    source = write_jsonl(tmp_path / "in.jsonl", batch("a"))
    assert run("--input", source, "--output", str(tmp_path / "out"), "--dedup-index", str(index)) == 0
    before, index_before = outputs(tmp_path / "out"), tree(index)

    def broken(*args, **kwargs):
        raise OSError("device full")

    monkeypatch.setattr("pipelines.index.publish", broken)
    other = write_jsonl(tmp_path / "other.jsonl", batch("b", ["Completely different words here."]))
    assert run("--input", other, "--output", str(tmp_path / "out"), "--dedup-index", str(index),
               "--overwrite") == 1
    assert "neither was published" in capsys.readouterr().err
    assert outputs(tmp_path / "out") == before and tree(index) == index_before
    assert run("--input", other, "--output", str(tmp_path / "new"), "--dedup-index", str(index)) == 1
    assert not (tmp_path / "new").exists() and tree(index) == index_before


def test_set_up_problems_are_refused_before_any_work(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", batch("a"))
    (tmp_path / "file").write_text("not a folder")
    cases = [
        ["--stages", ""],                                                       # unset variable
        ["--output", str(tmp_path / "x"), "--dedup-index", str(tmp_path / "file")],
        ["--output", str(tmp_path / "x"), "--dedup-index", str(tmp_path / "x")],
        ["--output", str(tmp_path / "x"), "--dedup-index", str(tmp_path / "x" / "index")],
        ["--output", str(tmp_path / "x"), "--runner=NoSuchRunner"],
        ["--output", "/"],                                                      # a mount point
    ]
    for extra in cases:
        assert cli.main(["run", "--quiet", "--input", source, *extra]) == 2, extra
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()
    empty = tmp_path / "empty.yaml"
    empty.write_text("stages: []\n")
    assert cli.main(["config", "--check", str(empty)]) == 2


def test_hostile_config_files_get_one_line(tmp_path, capsys, monkeypatch):
    deep = tmp_path / "deep.yaml"
    deep.write_text("pii: " + "[" * 5000 + "]" * 5000 + "\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"pii:\n  mask_char: \xff\xfe\n")
    hashing = tmp_path / "hash.yaml"
    hashing.write_text("stages: [pii]\npii:\n  default_operator: hash\n")
    monkeypatch.delenv("CLEANSE_PII_HASH_KEY", raising=False)
    source = write_jsonl(tmp_path / "in.jsonl", batch("a"))
    for config in (deep, binary, hashing):
        assert cli.main(["run", "--quiet", "--input", source, "--output", str(tmp_path / "o"),
                         "--config", str(config)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err


# --------------------------------------------------------------------------- what may be replaced


def test_overwrite_replaces_only_a_folder_cleanse_published(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", batch("a"))
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "report.json").write_text("{}")
    (foreign / "chapter1.tex").write_text("precious")
    assert run("--input", source, "--output", str(foreign), "--overwrite") == 2
    assert (foreign / "chapter1.tex").read_text() == "precious"
    assert run("--input", source, "--output", str(tmp_path / "out")) == 0
    marker = json.loads((tmp_path / "out" / "_SUCCESS").read_text())
    assert marker["writer"] == "cleanse" and marker["run_id"]
    assert run("--input", source, "--output", str(tmp_path / "out"), "--overwrite") == 0


def test_symlinked_output_is_written_where_it_points(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", batch("a"))
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    assert run("--input", source, "--output", str(link)) == 0
    assert link.is_symlink() and (target / "clean").is_dir() and (target / "_SUCCESS").exists()


def test_an_input_that_is_not_a_regular_file_is_refused(tmp_path):
    endless = tmp_path / "endless.jsonl"
    endless.symlink_to("/dev/zero")
    assert run("--input", str(endless), "--output", str(tmp_path / "out")) == 2


# --------------------------------------------------------------------------- concurrency, signals


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path):
    source = big_input(tmp_path / "big.jsonl")
    out = tmp_path / "out"
    first = cleanse_process("--stages", "dedup", "--input", source, "--output", str(out))
    wait_for(lambda: held(str(tmp_path / ".out.cleanse-lock")))
    second = subprocess.run([sys.executable, "-m", "cleanse", "run", "--quiet", "--stages", "dedup",
                             "--input", source, "--output", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 2 and "another cleanse run" in second.stderr
    assert first.wait(timeout=300) == 0
    assert json.loads((out / "report.json").read_text())["totals"]["balanced"]


def test_runs_sharing_an_index_take_turns_and_lose_nothing(tmp_path):
    index = str(tmp_path / "index")
    a = write_jsonl(tmp_path / "a.jsonl", batch("a"))
    b = write_jsonl(tmp_path / "b.jsonl", batch("b"))  # the same texts under other ids
    processes = [cleanse_process("--stages", "dedup", "--input", src, "--output", str(tmp_path / name),
                                 "--dedup-index", index) for src, name in ((a, "A"), (b, "B"))]
    for process in processes:
        assert process.wait(timeout=300) == 0, process.stderr.read()
    totals = [json.loads((tmp_path / n / "report.json").read_text())["totals"] for n in "AB"]
    assert sorted(t["clean"] for t in totals) == [0, 4]  # whoever came second dedups against the first
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert sum(p["rows"] for p in manifest["parts"]) == 4


def test_sigterm_cleans_up_like_ctrl_c_and_later_runs_sweep_dead_runs_staging(tmp_path):
    source = big_input(tmp_path / "big.jsonl", docs=20000)
    out = tmp_path / "out"
    process = cleanse_process("--stages", "dedup", "--input", source, "--output", str(out))
    wait_for(lambda: any("cleanse-tmp" in n for n in os.listdir(tmp_path)))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 1
    assert "interrupted" in process.stderr.read().decode()
    assert not out.exists() and not [n for n in os.listdir(tmp_path) if "cleanse-tmp" in n]

    stale = tmp_path / ".out.cleanse-tmp-20200101T000000Z-deadbeef"  # a run killed with -9
    (stale / "clean").mkdir(parents=True)
    assert run("--input", write_jsonl(tmp_path / "small.jsonl", batch("a")), "--output", str(out)) == 0
    assert not stale.exists()


# --------------------------------------------------------------------------- hostile records


def test_deeply_nested_side_fields_never_kill_the_run(tmp_path):
    rows = [{"id": "ok", "text": TEXTS[1]},
            {"id": "deep", "text": TEXTS[2], "meta": json.loads("[" * 600 + "]" * 600)}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows)
                    + '{"id": "deeper", "text": "x", "meta": ' + "[" * 100000 + "]" * 100000 + "}\n")
    assert run("--input", str(path), "--output", str(tmp_path / "out")) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["totals"] == {"in": 3, "clean": 2, "rejected": 1, "balanced": True,
                                "blank_lines_skipped": 0}


def test_parquet_side_columns_may_change_type_between_files(tmp_path):
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": TEXTS[1], "meta": 1}]), tmp_path / "1.parquet")
    pq.write_table(pa.Table.from_pylist([{"id": "b", "text": TEXTS[2], "meta": "one"}]),
                   tmp_path / "2.parquet")
    assert run("--input", str(tmp_path / "1.parquet"), str(tmp_path / "2.parquet"),
               "--output", str(tmp_path / "out")) == 0
    clean = [r for name in sorted(os.listdir(tmp_path / "out" / "clean"))
             for r in load_records(str(tmp_path / "out" / "clean" / name))]
    assert [r["meta"] for r in clean] == [1, "one"]


def test_nan_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "first", "text": "A line after a byte order mark."}\n'
                     b'{"id": "nan", "text": "Not a number follows.", "score": NaN}\n')
    assert run("--input", str(path), "--output", str(tmp_path / "out")) == 0
    clean = load_records(str(tmp_path / "out" / "clean" / "part-00000-of-00001.jsonl"))
    assert [r["id"] for r in clean] == ["first"]
    rejected = load_records(str(tmp_path / "out" / "rejected" / "part-00000-of-00001.jsonl"))
    assert [r["reason"] for r in rejected] == ["malformed_json"]


# --------------------------------------------------------------------------- side channels


def test_ids_made_of_pii_never_reach_rejected_or_the_index(tmp_path):
    ids = ["jane.doe@example.com", "+1 415 555 0199", "4111 1111 1111 1111", "bob@example.org"]
    rows = [{"id": i, "text": t} for i, t in zip(ids, [FOX, FOX.upper(), TEXTS[1], TEXTS[1] + "!"])]
    source = write_jsonl(tmp_path / "in.jsonl", rows + [{"id": "x", "text": "{broken"}])
    with open(source, "a") as handle:
        handle.write('{"id": "carol@example.net", "text": 7}\n')
    index = tmp_path / "index"
    assert run("--input", source, "--output", str(tmp_path / "out"), "--dedup-index", str(index)) == 0
    rejected = (tmp_path / "out" / "rejected" / "part-00000-of-00001.jsonl").read_text()
    index_rows = [r for name in os.listdir(index) if name.endswith(".parquet")
                  for r in pq.read_table(index / name).to_pylist()]
    published = " ".join([rejected] + [r["id"] for r in index_rows])
    for raw in ids + ["carol@example.net"]:
        assert raw not in published
    assert "@" not in published and "555" not in published
    # The lowest id of each pair survives; the other is named by its pseudonym only.
    assert {json.loads(line)["id"] for line in rejected.splitlines()} >= {PublicIds()(ids[0]),
                                                                          PublicIds()(ids[3])}
    clean = load_records(str(tmp_path / "out" / "clean" / "part-00000-of-00001.jsonl"))
    assert sorted(r["id"] for r in clean) == sorted([ids[1], ids[2], "x"])  # records as they were


def test_failure_messages_never_quote_document_text(tmp_path, monkeypatch, capsys):
    class Leaky:
        def process_batch(self, docs):
            raise ValueError(f"cannot handle {docs[0].text!r}")

    monkeypatch.setattr("pipelines.process.build_stage", lambda name, config: Leaky())
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Call Jane on 415 555 0199"}])
    assert cli.main(["run", "--quiet", "--stages", "toxicity", "--input", source,
                     "--output", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "555" not in captured.err + captured.out and "Jane" not in captured.err + captured.out
