import itertools
import random

import numpy as np
import pytest
from datasketch import MinHash

from cleanse.config import ConfigError, DedupConfig
from cleanse.dedup import (
    Deduplicator, LshBands, MinHashSigner, ShingleHasher, UnionFind, bucket_pairs,
    exact_key, find_duplicates, jaccard, normalize, shingles,
)
from cleanse.document import Document
from cleanse.errors import SetupError

WORDS = ("river stone cloud paper engine garden silver window orange market winter "
         "signal forest bridge candle harbor violin meadow pocket rocket lantern tiger "
         "marble valley copper thunder island button carpet feather").split()


def random_text(rng, n_words=80):
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n_words))


def change_one_word(text, position=50):
    words = text.split()
    words[position] = "changed"
    return " ".join(words)


def edit(rng, text, rate):
    words = text.split()
    return " ".join(w if rng.random() > rate else "edited" + str(rng.randrange(10**6)) for w in words)


@pytest.fixture(scope="module")
def hasher():
    return ShingleHasher(5)


@pytest.fixture(scope="module")
def signer():
    return MinHashSigner(128, 1)


def test_normalization_ignores_case_punctuation_and_spacing():
    assert normalize("Hello,   WORLD!\n") == "hello world"
    assert exact_key("Hello, world") == exact_key("hello  world!!")
    assert exact_key("hello world") != exact_key("hello there world")


def test_texts_without_words_are_copies_only_when_identical():
    assert exact_key("---") == exact_key(" ---\n") != exact_key("***")
    assert exact_key("") != exact_key("---")
    assert find_duplicates(["---", "***", " ---", ""]) == [[0, 2]]


def test_short_documents_get_one_shingle_of_all_tokens(hasher):
    assert shingles("Just three words", 5) == {("just", "three", "words")}
    assert shingles("", 5) == set()
    fps = hasher.fingerprints(["Just three words", "", "one two three four five six"])
    assert [len(f) for f in fps] == [1, 0, 2]


def test_fingerprint_sets_match_reference_shingles(hasher):
    rng = random.Random(3)
    texts = [random_text(rng, rng.randrange(0, 40)) for _ in range(200)] + ["a b c d e"] * 3
    for text, fps in zip(texts, hasher.fingerprints(texts)):
        assert len(fps) == len(shingles(text))
        assert np.all(np.diff(fps.astype(np.float64)) > 0) or len(fps) < 2


def test_fingerprint_jaccard_equals_shingle_jaccard(hasher):
    rng = random.Random(4)
    for _ in range(50):
        a = random_text(rng, 60)
        b = edit(rng, a, rng.random() * 0.3)
        sa, sb = shingles(a), shingles(b)
        fa, fb = hasher.fingerprints([a, b])
        assert jaccard(fa, fb) == pytest.approx(len(sa & sb) / len(sa | sb))


def test_fingerprints_do_not_depend_on_the_batch(hasher):
    texts = ["alpha beta gamma delta epsilon zeta", "one two", "x y z w v u t s"]
    together = hasher.fingerprints(texts)
    alone = [ShingleHasher(5).fingerprints([t])[0] for t in texts]
    for x, y in zip(together, alone):
        assert np.array_equal(x, y)


def test_signatures_equal_datasketch_minhash_over_the_same_hashes(hasher, signer):
    rng = random.Random(5)
    texts = [random_text(rng, rng.randrange(1, 300)) for _ in range(40)] + [""]
    fps = hasher.fingerprints(texts)
    signatures = signer.sign(fps)
    for fp, sig in zip(fps, signatures):
        reference = MinHash(num_perm=128, seed=1, hashfunc=lambda b: int.from_bytes(b, "little") & 0xFFFFFFFF)
        reference.update_batch([v.to_bytes(8, "little") for v in fp.tolist()])
        assert np.array_equal(reference.hashvalues, sig)


def test_signatures_span_blocks_correctly(hasher):
    # A tiny block size forces documents to straddle block boundaries.
    small = MinHashSigner(64, 7)
    small._block = 7
    big = MinHashSigner(64, 7)
    rng = random.Random(6)
    fps = hasher.fingerprints([random_text(rng, rng.randrange(0, 30)) for _ in range(30)])
    assert np.array_equal(small.sign(fps), big.sign(fps))


def test_minhash_estimate_tracks_jaccard(hasher, signer):
    rng = random.Random(7)
    a = random_text(rng, 400)
    b = edit(rng, a, 0.03)
    fa, fb = hasher.fingerprints([a, b])
    sa, sb = signer.sign([fa, fb])
    assert abs(np.mean(sa == sb) - jaccard(fa, fb)) < 0.12


def test_bands_are_recall_first():
    bands = LshBands.for_threshold(0.8, 128, 1e-4)
    assert bands.bands * bands.rows <= 128
    assert bands.miss_probability(0.8) <= 1e-4
    more_selective = LshBands(128 // (bands.rows + 1), bands.rows + 1)
    assert more_selective.miss_probability(0.8) > 1e-4
    assert LshBands.for_threshold(0.5, 16, 1e-4).rows == 1


def test_band_keys_differ_by_band_and_content():
    bands = LshBands(4, 2)
    sig = np.arange(8, dtype=np.uint32)
    keys = bands.keys(sig)
    assert len(set(keys)) == 4
    other = sig.copy()
    other[7] = 99
    assert bands.keys(other)[:3] == keys[:3] and bands.keys(other)[3] != keys[3]


def test_small_bucket_yields_all_pairs_but_never_old_old():
    members = [(0, "a"), (0, "b"), (1, "c"), (1, "d")]
    pairs = set(bucket_pairs(members, 64))
    assert pairs == {((0, "a"), (1, "c")), ((0, "a"), (1, "d")), ((0, "b"), (1, "c")),
                     ((0, "b"), (1, "d")), ((1, "c"), (1, "d"))}
    assert list(bucket_pairs([(0, "a"), (0, "b")], 64)) == []


def test_large_bucket_yields_linear_pairs():
    members = [(1, f"doc{i:05d}") for i in range(5000)]
    pairs = list(bucket_pairs(members, 64))
    assert len(pairs) < 2 * len(members)
    assert len(set(pairs)) == len(pairs)
    uf = UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    assert {uf.find(m) for m in members} == {(1, "doc00000")}


def test_union_find_representative_is_smallest():
    uf = UnionFind()
    for a, b in [("d", "c"), ("c", "b"), ("x", "y"), ("b", "e")]:
        uf.union(a, b)
    assert {uf.find(k) for k in "bcde"} == {"b"}
    assert uf.find("y") == "x"


def test_find_duplicates_exact_near_and_unique():
    rng = random.Random(8)
    base = random_text(rng, 120)
    texts = [
        random_text(rng, 120),      # 0 unique
        base,                       # 1 survivor
        base.upper() + " !!!",      # 2 exact after normalization
        change_one_word(base),      # 3 near
        edit(rng, base, 0.5),       # 4 too different
        random_text(rng, 3),        # 5 short unique
    ]
    clusters = find_duplicates(texts, threshold=0.8)
    assert clusters == [[1, 2, 3]]


def test_chain_cluster_is_one_component_with_lowest_survivor():
    rng = random.Random(9)
    words = random_text(rng, 300).split()
    # Sliding windows: neighbours overlap strongly, the ends do not.
    texts = [" ".join(words[i * 20:i * 20 + 200]) for i in range(5)]
    sims = [[len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b)) for b in texts] for a in texts]
    assert sims[0][1] >= 0.8 and sims[0][4] < 0.8
    clusters = find_duplicates(texts[::-1], threshold=0.8)
    assert clusters == [[0, 1, 2, 3, 4]]


def test_every_verified_pair_meets_the_threshold_exactly():
    rng = random.Random(10)
    base = [random_text(rng, 100) for _ in range(20)]
    texts = [edit(rng, b, rate) for b in base for rate in (0.0, 0.02, 0.05, 0.1, 0.2)]
    clusters = find_duplicates(texts, threshold=0.8)
    ref = [shingles(t) for t in texts]
    truth = UnionFind()
    for i, j in itertools.combinations(range(len(texts)), 2):
        if len(ref[i] & ref[j]) / len(ref[i] | ref[j]) >= 0.8:
            truth.union(i, j)
    for cluster in clusters:
        assert len({truth.find(i) for i in cluster}) == 1
    true_components = {}
    for i in range(len(texts)):
        true_components.setdefault(truth.find(i), []).append(i)
    assert sorted(c for c in true_components.values() if len(c) > 1) == clusters


def test_boilerplate_bucket_stays_linear_and_complete():
    rng = random.Random(11)
    banner = random_text(rng, 200)
    texts = [banner + " " + " ".join(f"tail{i}x{k}" for k in range(3)) for i in range(3000)]
    dedup = Deduplicator(DedupConfig())
    removals, counts = dedup.find_removals(list(enumerate(texts)))
    assert len(removals) == 2999
    assert {r.duplicate_of for r in removals.values()} == {0}
    assert counts["candidate_pairs"] < 25 * 2 * 3000
    assert counts["clusters"] == 1 and counts["cluster_size.3000"] == 1


def test_deduplicator_outcomes_and_counts():
    dedup = Deduplicator(DedupConfig())
    rng = random.Random(12)
    base = random_text(rng, 100)
    docs = [Document("b", base), Document("a", change_one_word(base)), Document("c", base),
            Document("d", random_text(rng, 100))]
    outcomes = dedup.process_batch(docs)
    assert [o.dropped for o in outcomes] == ["near_duplicate", None, "exact_duplicate", None]
    assert outcomes[0].details["duplicate_of"] == "a" and 0.8 <= outcomes[0].details["similarity"] < 1
    assert outcomes[2].details == {"duplicate_of": "a", "similarity": 1.0}
    total = {}
    for o in outcomes:
        for k, v in o.counts.items():
            total[k] = total.get(k, 0) + v
    assert total["near_duplicates"] == 1 and total["exact_duplicates"] == 1
    assert total["clusters"] == 1 and total["cluster_size.3"] == 1


def test_earlier_batches_survive_and_index_round_trips(tmp_path):
    rng = random.Random(13)
    base, other = random_text(rng, 100), random_text(rng, 100)
    first = Deduplicator(DedupConfig())
    assert [o.kept for o in first.process_batch([Document("z", base), Document("y", other)])] == [True, True]
    first.save_index(str(tmp_path / "index"))

    second = Deduplicator(DedupConfig())
    assert second.load_index(str(tmp_path / "index")) == 2
    outcomes = second.process_batch([Document("a", change_one_word(base)), Document("b", other),
                                     Document("c", random_text(rng, 100))])
    assert [(o.dropped, o.details.get("duplicate_of")) for o in outcomes] == [
        ("near_duplicate", "z"), ("exact_duplicate", "y"), (None, None)]
    # A scheduled run that sees an already published document again removes it.
    again = second.process_batch([Document("z", base)])
    assert (again[0].dropped, again[0].details["duplicate_of"]) == ("exact_duplicate", "z")


def test_index_with_other_parameters_is_refused(tmp_path):
    Deduplicator(DedupConfig()).save_index(str(tmp_path / "index"))
    with pytest.raises(SetupError, match="num_perm"):
        Deduplicator(DedupConfig(num_perm=64)).load_index(str(tmp_path / "index"))


def test_config_validation_names_the_key():
    with pytest.raises(ConfigError, match="dedup.full_pairs_bucket_size"):
        DedupConfig(full_pairs_bucket_size=1).validate("dedup")
    with pytest.raises(ConfigError, match="dedup.lsh_miss_probability"):
        DedupConfig(lsh_miss_probability=0).validate("dedup")
