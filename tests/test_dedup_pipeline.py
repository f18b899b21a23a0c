"""The pipeline's dedup (compact keys, sketches read back for candidates) through `cleanse run`."""
import dataclasses
import json
import os
import random
import shutil
import tempfile

import pytest
import yaml

from cleanse import cli
from cleanse.config import DedupConfig
from cleanse.dedup import Deduplicator
from cleanse.document import Document

WORDS = ("river stone cloud paper engine garden silver window orange market winter "
         "signal forest bridge candle harbor violin meadow pocket rocket lantern tiger").split()


def text(seed, n=120):
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randrange(40)) for _ in range(n))


def change(t, positions):
    words = t.split()
    for p in positions:
        words[p] = "changed"
    return " ".join(words)


def run(docs, config=None, index_dir=None, options=None, tmp=None):
    """Runs `cleanse run --stages dedup` on the documents; returns (kept ids,
    {id: (stage, reason, duplicate_of, similarity)}, dedup counters of report.json)."""
    out = tempfile.mkdtemp(dir=tmp)
    source = os.path.join(out, "docs.jsonl")
    with open(source, "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps({"id": doc.id, "text": doc.text}) + "\n")
    args = ["run", "--quiet", "--stages", "dedup", "--input", source, "--output",
            os.path.join(out, "out"), *(options or [])]
    # Raw ids in rejected/ so they can be compared here (the default shows pseudonyms).
    settings = {"output": {"rejected_ids": "keep"}}
    if config is not None:
        settings["dedup"] = dataclasses.asdict(config)
    path = os.path.join(out, "config.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(settings, handle)
    args += ["--config", path]
    if index_dir:
        args += ["--dedup-index", index_dir]
    code = cli.main(args)
    if code != 0:
        shutil.rmtree(out)
        raise RuntimeError(f"cleanse run exited {code}")
    kept = sorted(r["id"] for r in _records(os.path.join(out, "out", "clean")))
    rejected = {r["id"]: (r["stage"], r["reason"], r["duplicate_of"], r["similarity"])
                for r in _records(os.path.join(out, "out", "rejected"))}
    with open(os.path.join(out, "out", "report.json"), encoding="utf-8") as handle:
        stage = json.load(handle)["stages"]["dedup"]
    shutil.rmtree(out)
    counts = {**stage["counters"], **{k + "s": v for k, v in stage["rejected"].items()},
              "busy_ms": int(stage.get("busy_seconds", 0) * 1000)}
    return kept, rejected, counts


def _records(folder):
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            yield from (json.loads(line) for line in handle if line.strip())


def test_exact_and_near_duplicates_are_removed_with_the_lowest_id_surviving():
    base = text(1)
    docs = [Document("d3", base), Document("d1", change(base, [60])), Document("d2", base.upper()),
            Document("u1", text(2)), Document("u2", text(3, 4)),
            Document("e1", "..."), Document("e2", " ...\n"), Document("e3", "!!!")]
    kept, rejected, counts = run(docs)
    assert kept == ["d1", "e1", "e3", "u1", "u2"]
    # d3 is an exact copy of d2, which is itself a near duplicate of d1: both name d1.
    assert rejected["d3"] == ("dedup", "exact_duplicate", "d1", 1.0)
    assert rejected["d2"][:3] == ("dedup", "near_duplicate", "d1") and 0.8 <= rejected["d2"][3] < 1
    assert rejected["e2"] == ("dedup", "exact_duplicate", "e1", 1.0)
    assert counts["exact_duplicates"] == 2 and counts["near_duplicates"] == 1
    assert counts["clusters"] == 2 and counts["cluster_size.3"] == 1 and counts["cluster_size.2"] == 1
    assert counts["verified_pairs"] >= 1 and counts["candidate_pairs"] >= counts["verified_pairs"]
    assert counts["busy_ms"] >= 0  # sketching time, the report's dedup busy_seconds


def test_chain_cluster_collapses_to_its_lowest_id():
    words = text(4, 400).split()
    docs = [Document(f"c{i}", " ".join(words[i * 20:i * 20 + 200])) for i in range(5)]
    kept, rejected, _ = run(docs[::-1])
    assert kept == ["c0"]
    assert {k: v[2] for k, v in rejected.items()} == {f"c{i}": "c0" for i in range(1, 5)}


def test_boilerplate_bucket_does_not_explode():
    banner = text(5, 200)
    docs = [Document(f"b{i:04d}", banner + f" tail{i} more{i} end{i}") for i in range(1500)]
    kept, rejected, counts = run(docs)
    assert kept == ["b0000"] and len(rejected) == 1499
    assert counts["candidate_pairs"] < 3 * 1500


def test_same_result_as_the_library_with_two_worker_processes():
    rng = random.Random(6)
    bases = [text(100 + i) for i in range(15)]
    docs = []
    for i in range(80):
        base = rng.choice(bases)
        docs.append(Document(f"x{i:03d}", change(base, rng.sample(range(120), rng.randrange(0, 6)))))
    kept, rejected, _ = run(docs, options=["--direct_running_mode=multi_processing",
                                           "--direct_num_workers=2"])
    outcomes = Deduplicator(DedupConfig()).process_batch(docs)
    assert len(rejected) > 15
    assert kept == sorted(o.document.id for o in outcomes if o.kept)
    assert rejected == {o.document.id: ("dedup", o.dropped, o.details["duplicate_of"],
                                         o.details["similarity"])
                        for o in outcomes if not o.kept}


def test_incremental_run_keeps_earlier_documents(tmp_path):
    index = str(tmp_path / "index")
    first = [Document("z1", text(7)), Document("z2", text(8)), Document("z0", text(7))]
    kept, rejected, _ = run(first, index_dir=index)  # no index yet
    assert kept == ["z0", "z2"] and rejected["z1"][2] == "z0"
    assert os.path.exists(os.path.join(index, "manifest.json"))

    second = [Document("a1", change(text(7), [30])), Document("a2", text(8)), Document("a3", text(9)),
              Document("a4", change(text(9), [70]))]
    kept, rejected, counts = run(second, index_dir=index)
    assert kept == ["a3"]
    assert {k: v[1:3] for k, v in rejected.items()} == {
        "a1": ("near_duplicate", "z0"), "a2": ("exact_duplicate", "z2"), "a4": ("near_duplicate", "a3")}
    assert counts["index_documents"] == 2
    assert Deduplicator(DedupConfig()).load_index(index) == 3


def test_index_built_with_other_parameters_is_refused(tmp_path):
    index = str(tmp_path / "index")
    Deduplicator(DedupConfig()).save_index(index)
    with pytest.raises(RuntimeError, match="exited 2"):
        run([Document("a", "x")], DedupConfig(ngram=3), index_dir=index)


def test_exact_only_and_near_only_configs():
    base = text(10)
    docs = [Document("a", base), Document("b", base + "!"), Document("c", change(base, [5]))]
    kept, rejected, _ = run(docs, DedupConfig(near=False))
    assert kept == ["a", "c"] and rejected["b"][1] == "exact_duplicate"
    kept, rejected, _ = run(docs, DedupConfig(exact=False))
    assert kept == ["a"] and {v[1] for v in rejected.values()} == {"near_duplicate"}
    assert rejected["b"][3] == 1.0
