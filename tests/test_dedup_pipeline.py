import json
import os
import random
import shutil
import tempfile

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from cleanse.config import DedupConfig
from cleanse.dedup import Deduplicator, commit_index
from cleanse.document import Document
from pipelines.dedup import Deduplicate

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


def run(docs, config=None, index_dir=None, index_out_dir=None, options=None):
    """Runs Deduplicate; returns (kept ids, {id: (stage, reason, duplicate_of, similarity)}, counts)."""
    out = tempfile.mkdtemp()
    # Read from a file: beam.Create would pickle (and bz2-compress) every document into the graph.
    source = os.path.join(out, "docs.jsonl")
    with open(source, "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps({"id": doc.id, "text": doc.text}) + "\n")
    with beam.Pipeline(options=PipelineOptions(options or [])) as p:
        result = (p | beam.io.ReadFromText(source) | beam.Map(lambda line: Document(**json.loads(line)))
                  | Deduplicate(config or DedupConfig(), index_dir, index_out_dir))
        for name, pcoll in (("kept", result.kept | beam.Map(lambda d: d.id)),
                            ("rejected", result.rejected | beam.Map(lambda r: (
                                r.id, r.stage, r.reason, r.details["duplicate_of"],
                                r.details["similarity"]))),
                            ("counts", result.counts)):
            # Written to files: worker processes cannot reach this test's memory.
            _ = (pcoll | f"List{name}" >> beam.combiners.ToList()
                 | f"Json{name}" >> beam.Map(json.dumps)
                 | f"Write{name}" >> beam.io.WriteToText(os.path.join(out, name), shard_name_template=""))
    loaded = {}
    for name in ("kept", "rejected", "counts"):
        with open(os.path.join(out, name), encoding="utf-8") as handle:
            loaded[name] = json.load(handle)
    shutil.rmtree(out)
    counts = {}
    for c in loaded["counts"]:
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
    return sorted(loaded["kept"]), {r[0]: tuple(r[1:]) for r in loaded["rejected"]}, counts


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
    index, staging = str(tmp_path / "index"), str(tmp_path / "staging")
    first = [Document("z1", text(7)), Document("z2", text(8)), Document("z0", text(7))]
    kept, rejected, _ = run(first, index_dir=index, index_out_dir=staging)  # no index yet
    assert kept == ["z0", "z2"] and rejected["z1"][2] == "z0"
    assert os.path.exists(os.path.join(staging, "manifest.json"))
    commit_index(staging, index)

    second = [Document("a1", change(text(7), [30])), Document("a2", text(8)), Document("a3", text(9)),
              Document("a4", change(text(9), [70]))]
    kept, rejected, counts = run(second, index_dir=index, index_out_dir=staging)
    assert kept == ["a3"]
    assert {k: v[1:3] for k, v in rejected.items()} == {
        "a1": ("near_duplicate", "z0"), "a2": ("exact_duplicate", "z2"), "a4": ("near_duplicate", "a3")}
    assert counts["index_documents"] == 2
    commit_index(staging, index)
    assert Deduplicator(DedupConfig()).load_index(index) == 3


def test_index_built_with_other_parameters_is_refused(tmp_path):
    index = str(tmp_path / "index")
    Deduplicator(DedupConfig()).save_index(index)
    with pytest.raises(Exception, match="ngram"):
        run([Document("a", "x")], DedupConfig(ngram=3), index_dir=index)


def test_exact_only_and_near_only_configs():
    base = text(10)
    docs = [Document("a", base), Document("b", base + "!"), Document("c", change(base, [5]))]
    kept, rejected, _ = run(docs, DedupConfig(near=False))
    assert kept == ["a", "c"] and rejected["b"][1] == "exact_duplicate"
    kept, rejected, _ = run(docs, DedupConfig(exact=False))
    assert kept == ["a"] and {v[1] for v in rejected.values()} == {"near_duplicate"}
    assert rejected["b"][3] == 1.0
