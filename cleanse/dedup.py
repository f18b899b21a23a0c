"""Exact and near-duplicate detection: normalization, shingles, MinHash, LSH bands, verification.

Definitions (DESIGN.md): a document's tokens are the lowercased ``\\w+`` matches of its text;
its shingles are the word n-grams of those tokens (n = 5 by default). A document with fewer
than n tokens (but at least one) has exactly one shingle: all of its tokens. Two documents are
near duplicates when the Jaccard similarity of their shingle sets is >= the threshold; clusters
are the connected components of that relation, and each cluster keeps its lowest id.

How it is found without comparing every pair:

1. exact duplicates share the hash of their normalized text (the tokens joined by spaces), so
   a dictionary (or a GroupByKey) removes them first, cheaply;
2. every remaining document gets a set of 54-bit shingle fingerprints and a MinHash signature
   computed for a whole batch at once with numpy (`MinHashSigner`);
3. LSH bands (`LshBands`) put documents whose signatures agree on a whole band in a bucket;
   bands and rows are chosen *recall-first*: the chance that a pair exactly at the threshold
   shares no bucket is kept below `lsh_miss_probability`;
4. every candidate pair is verified by the exact Jaccard of the fingerprint sets, so LSH false
   positives never remove anything (precision is decided by verification, not by LSH);
5. verified pairs are edges; union-find gives the clusters.

Fingerprints instead of shingle strings: Jaccard over 54-bit fingerprints equals Jaccard over
the shingles unless two distinct shingles of the two documents collide, which happens with
probability about |A|·|B| / 2^54 (6e-9 for two 10,000-shingle documents).

The library never imports Beam; pipelines/dedup.py distributes the same steps.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from itertools import chain
from typing import Dict, Hashable, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .config import DedupConfig
from .document import Document, Outcome
from .errors import SetupError

TOKEN_RE = re.compile(r"\w+")

# Version of everything that makes fingerprints and signatures comparable between runs; an
# index written under another version is refused instead of silently matching nothing.
SKETCH_SCHEME = "cleanse-dedup/1 blake2b8-token poly64-shingle54 datasketch-affine32"
INDEX_MANIFEST = "manifest.json"

_MASK64 = (1 << 64) - 1
_POLY = 0x9E3779B97F4A7C15  # odd multiplier for the rolling n-gram combination
_EMPTY32 = np.uint32(0xFFFFFFFF)
# Shingle fingerprints keep the top 54 bits of a 64-bit hash, leaving 10 bits for the index of
# the document within a sort batch of up to 1024 documents.
FINGERPRINT_BITS = 54
_SORT_BATCH = 1 << (64 - FINGERPRINT_BITS)


# --------------------------------------------------------------------------- normalization


def tokens(text: str) -> List[str]:
    return TOKEN_RE.findall(text.lower())


def normalize(text: str) -> str:
    """Case, punctuation and whitespace differences vanish: they change no shingle either."""
    return " ".join(tokens(text))


def exact_key(text: str, toks: Optional[List[str]] = None) -> str:
    """Hash of the normalized text. A text without a single word ("!!!", an emoji, a bare
    number-free table rule) normalizes to nothing; such texts are keyed by their whitespace-
    collapsed content instead, so only identical ones count as copies: two different symbol
    lines are not duplicates of each other."""
    toks = tokens(text) if toks is None else toks
    payload = " ".join(toks) if toks else "\x00" + " ".join(text.lower().split())
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def shingles(text: str, n: int = 5) -> set:
    """The reference shingle set (tuples of tokens); used by evaluations, not by the hot path."""
    toks = tokens(text)
    if not toks:
        return set()
    if len(toks) < n:
        return {tuple(toks)}
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two sorted, duplicate-free fingerprint arrays."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def _mix64(h: np.ndarray) -> np.ndarray:
    # splitmix64 finalizer: the polynomial combination alone is linear, so neighbouring n-grams
    # would share low bits; the finalizer spreads every input bit over the fingerprint.
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer, which datasketch's "affine32" scheme applies before permuting.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


class ShingleHasher:
    """Texts -> sorted unique 54-bit shingle fingerprints, vectorized over a batch.

    Each distinct token is hashed once (blake2b, cached: vocabularies are small next to token
    counts); n-gram fingerprints are then a polynomial over the token hashes computed for the
    whole batch in n numpy operations, so no Python work happens per shingle.
    """

    _CACHE_LIMIT = 2_000_000

    def __init__(self, ngram: int = 5):
        self.ngram = ngram
        self._token_hashes: Dict[str, int] = {}

    def _hash_tokens(self, flat_tokens: List[str]) -> np.ndarray:
        cache = self._token_hashes
        missing = set(flat_tokens).difference(cache)
        if len(cache) + len(missing) > self._CACHE_LIMIT:
            cache.clear()
            missing = set(flat_tokens)
        for token in missing:
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            cache[token] = int.from_bytes(digest, "little")
        return np.fromiter(map(cache.__getitem__, flat_tokens), dtype=np.uint64, count=len(flat_tokens))

    def fingerprints(self, texts: Sequence[str]) -> List[np.ndarray]:
        return self.fingerprints_of_tokens([tokens(t) for t in texts])

    def fingerprints_of_tokens(self, token_lists: Sequence[List[str]]) -> List[np.ndarray]:
        if len(token_lists) > _SORT_BATCH:
            return [fp for lo in range(0, len(token_lists), _SORT_BATCH)
                    for fp in self.fingerprints_of_tokens(token_lists[lo:lo + _SORT_BATCH])]
        n = self.ngram
        count = len(token_lists)
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=count)
        flat = self._hash_tokens(list(chain.from_iterable(token_lists)))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        ends = starts + lengths

        doc_parts, fp_parts = [], []
        total = len(flat)
        if total >= n:
            windows = total - n + 1
            h = np.zeros(windows, dtype=np.uint64)
            poly = np.uint64(_POLY)
            for j in range(n):
                h = h * poly + flat[j:j + windows]
            h = _mix64(h ^ np.uint64(n))
            doc_of = np.repeat(np.arange(count), lengths)[:windows]
            valid = np.arange(windows) + n <= ends[doc_of]
            doc_parts.append(doc_of[valid])
            fp_parts.append(h[valid])
        short = np.nonzero((lengths > 0) & (lengths < n))[0]
        if len(short):
            doc_parts.append(short)
            fp_parts.append(np.array([self._short_fingerprint(flat[starts[i]:ends[i]]) for i in short],
                                     dtype=np.uint64))
        if not doc_parts:
            return [np.empty(0, dtype=np.uint64) for _ in range(count)]
        # One plain sort of (document index | fingerprint) keys sorts and groups every set of the
        # batch at once (np.lexsort on two arrays measured ~40x slower).
        keys = np.concatenate(doc_parts).astype(np.uint64) << np.uint64(FINGERPRINT_BITS)
        keys |= np.concatenate(fp_parts) >> np.uint64(64 - FINGERPRINT_BITS)
        keys.sort()
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = keys[1:] != keys[:-1]
        keys = keys[keep]
        bounds = np.searchsorted(keys >> np.uint64(FINGERPRINT_BITS), np.arange(count + 1, dtype=np.uint64))
        fps = keys & np.uint64((1 << FINGERPRINT_BITS) - 1)
        return [fps[bounds[i]:bounds[i + 1]] for i in range(count)]

    @staticmethod
    def _short_fingerprint(token_hashes: np.ndarray) -> int:
        # Same polynomial as the n-grams, tagged with the token count so a 3-token document's
        # only shingle never equals a 5-gram of a longer one.
        h = 0
        for value in token_hashes.tolist():
            h = (h * _POLY + value) & _MASK64
        return int(_mix64(np.array([h ^ len(token_hashes)], dtype=np.uint64))[0])


class MinHashSigner:
    """Fingerprint sets -> MinHash signatures (uint32, one row per document), a batch at a time.

    Uses datasketch's default "affine32" permutations (same seed, same a/b parameters, same
    MurmurHash3 pre-mix), so a signature equals ``datasketch.MinHash(num_perm, seed,
    hashfunc=<low 32 bits of the fingerprint>)`` built from the same set. The speed comes from
    processing every shingle of the batch in one (shingles x permutations) array and reducing
    per document with ``np.minimum.reduceat``, instead of one numpy call chain per document.
    """

    # Shingles per block. Permutations x block x 4 bytes ~ 4 MB stays in cache; the
    # permutation-major layout makes every multiply/add/min run over contiguous memory, which
    # measured ~10x faster than the shingle-major layout datasketch uses.
    BLOCK_CELLS = 1 << 20

    def __init__(self, num_perm: int = 128, seed: int = 1):
        from datasketch import MinHash

        a, b = MinHash(num_perm=num_perm, seed=seed).permutations
        self.num_perm = num_perm
        self.seed = seed
        self._a = np.asarray(a, dtype=np.uint32)[:, None]
        self._b = np.asarray(b, dtype=np.uint32)[:, None]
        self._block = max(1024, self.BLOCK_CELLS // num_perm)

    def sign(self, fingerprint_sets: Sequence[np.ndarray]) -> np.ndarray:
        count = len(fingerprint_sets)
        signatures = np.full((count, self.num_perm), _EMPTY32, dtype=np.uint32)
        sizes = np.fromiter((len(f) for f in fingerprint_sets), dtype=np.int64, count=count)
        if not sizes.sum():
            return signatures
        values = _fmix32(np.concatenate(fingerprint_sets).astype(np.uint32))  # low 32 bits
        doc_starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        nonempty = np.nonzero(sizes)[0]
        doc_starts, doc_ends = doc_starts[nonempty], (doc_starts + sizes)[nonempty]
        block = np.empty((self.num_perm, self._block), dtype=np.uint32)
        for lo in range(0, len(values), self._block):
            hi = min(lo + self._block, len(values))
            out = block[:, :hi - lo]
            np.multiply(self._a, values[None, lo:hi], out=out)
            np.add(out, self._b, out=out)
            # Documents overlapping [lo, hi): each contributes one contiguous segment.
            first = np.searchsorted(doc_ends, lo, side="right")
            last = np.searchsorted(doc_starts, hi, side="left")
            docs = nonempty[first:last]
            seg_starts = np.maximum(doc_starts[first:last], lo) - lo
            mins = np.minimum.reduceat(out, seg_starts, axis=1).T
            signatures[docs] = np.minimum(signatures[docs], mins)
        return signatures


# --------------------------------------------------------------------------- LSH


@dataclass(frozen=True)
class LshBands:
    bands: int
    rows: int

    @classmethod
    def for_threshold(cls, threshold: float, num_perm: int, miss_probability: float = 1e-4) -> "LshBands":
        """The most selective banding whose chance of missing a pair at the threshold is tiny.

        A pair with Jaccard s shares at least one band with probability 1 - (1 - s^r)^b. Recall
        comes first: among the (b, r) with b*r <= num_perm whose miss probability at s =
        threshold is <= miss_probability, take the largest r (fewest false candidates to verify).
        Pairs above the threshold are missed even less often; r = 1 is always admissible.
        """
        best = cls(num_perm, 1)
        for rows in range(1, num_perm + 1):
            candidate = cls(num_perm // rows, rows)
            if candidate.miss_probability(threshold) <= miss_probability:
                best = candidate
        return best

    def miss_probability(self, similarity: float) -> float:
        return (1.0 - similarity ** self.rows) ** self.bands

    def keys(self, signature: np.ndarray) -> List[bytes]:
        """One bucket key per band: the band number and its raw signature slice (no hashing,
        so two buckets never merge by accident)."""
        r = self.rows
        raw = signature[:self.bands * r].astype("<u4", copy=False).tobytes()
        return [band.to_bytes(2, "little") + raw[band * r * 4:(band + 1) * r * 4]
                for band in range(self.bands)]


def bucket_pairs(members: Sequence[Tuple], full_pairs_limit: int = 64) -> Iterator[Tuple]:
    """Candidate pairs of one LSH bucket; members are sortable (priority, id) keys.

    Small buckets yield every pair. A bucket larger than `full_pairs_limit` (boilerplate: a
    licence or a cookie banner repeated thousands of times) yields only a star from its first
    member plus a chain through the sorted members: O(size) pairs instead of O(size^2).
    Recall survives because (1) the members of one bucket agree on a whole band, which almost
    only happens between near copies, so the star's edges verify and union-find connects the
    whole bucket through the first member, and (2) a pair at Jaccard >= 0.8 shares about
    b*s^r (~8 at the default 25x5) buckets, so it still meets in any of them that is small.
    Precision is untouched: every pair is verified.

    Where this loses recall: hundreds of copies of one text, each edited independently to
    just around the threshold (every bucket of the family is large, and a copy whose only
    neighbour is at Jaccard 0.80 is rarely the star's centre or its chain neighbour). Measured
    with `bench.dedup_eval --families 5 --copies 600`: recall 0.988 with a limit of 64 (the
    default), 0.997 with 256 at 2.5x the time, 1.0 with 1000 at 4.5x.

    Pairs between two earlier-run members (priority 0) are skipped: earlier runs already
    deduplicated them against each other, and earlier documents are never removed.
    """
    ordered = sorted(set(members))
    if len(ordered) < 2 or ordered[-1][0] == 0:
        return
    if len(ordered) <= full_pairs_limit:
        for i, left in enumerate(ordered):
            for right in ordered[i + 1:]:
                if left[0] or right[0]:
                    yield left, right
        return
    head = ordered[0]
    seen = set()
    for right in ordered[1:]:
        if head[0] or right[0]:
            seen.add((head, right))
            yield head, right
    for left, right in zip(ordered[1:], ordered[2:]):
        if (left[0] or right[0]) and (left, right) not in seen:
            yield left, right


class UnionFind:
    """Connected components whose representative is the smallest member key."""

    def __init__(self) -> None:
        self._parent: Dict[Hashable, Hashable] = {}

    def find(self, x: Hashable) -> Hashable:
        parent = self._parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, x: Hashable, y: Hashable) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            if ry < rx:
                rx, ry = ry, rx
            self._parent[ry] = rx

    def members(self) -> Iterable[Hashable]:
        return self._parent.keys()


@dataclass(frozen=True)
class Removal:
    """Why one document goes: the cluster survivor it duplicates and the best verified Jaccard
    between it and a member of that cluster (1.0 for exact copies)."""

    reason: str
    duplicate_of: Hashable
    similarity: float


def resolve_clusters(edges: Iterable[Tuple[Tuple, Tuple, float]]) -> Dict[Tuple, Tuple[Tuple, float]]:
    """Verified edges between (priority, id) keys -> {removed key: (survivor key, similarity)}.

    The survivor of a component is its smallest key: earlier-run documents (priority 0) before
    new ones, then the lowest id. Earlier-run documents are never removed.
    """
    uf = UnionFind()
    best: Dict[Tuple, float] = {}
    for left, right, similarity in edges:
        uf.union(left, right)
        for key in (left, right):
            if similarity > best.get(key, -1.0):
                best[key] = similarity
    return {key: (uf.find(key), best[key]) for key in list(uf.members())
            if key[0] == 1 and uf.find(key) != key}


# --------------------------------------------------------------------------- in-memory dedup


@dataclass
class Sketch:
    """What near-duplicate detection needs of a kept document (also one row of the index)."""

    id: Hashable
    exact_key: str
    fingerprints: np.ndarray
    signature: np.ndarray


class Deduplicator:
    """In-memory dedup stage built from `DedupConfig`.

    Every call to `process_batch` removes the documents that duplicate an earlier kept
    document (from earlier calls or a loaded index: earlier always survive) or a lower-id
    document of the same batch. Memory grows with the kept documents' shingles; for corpora
    that do not fit one machine use pipelines.dedup.Deduplicate.
    """

    def __init__(self, config: Optional[DedupConfig] = None):
        self.config = config or DedupConfig()
        self.config.validate("dedup")
        c = self.config
        self.hasher = ShingleHasher(c.ngram)
        self.signer = MinHashSigner(c.num_perm, c.seed)
        self.bands = LshBands.for_threshold(c.threshold, c.num_perm, c.lsh_miss_probability)
        self._exact: Dict[str, Hashable] = {}
        self._buckets: Dict[bytes, List[Hashable]] = {}
        self._sketches: Dict[Hashable, Sketch] = {}

    # -- the stage contract

    def process_batch(self, docs: Sequence[Document]) -> List[Outcome]:
        removals, counts = self.find_removals([(d.id, d.text) for d in docs])
        outcomes = []
        for doc in docs:
            removal = removals.get(doc.id)
            if removal is None:
                outcomes.append(Outcome(doc))
            else:
                outcomes.append(Outcome(doc, removal.reason,
                                        {"duplicate_of": removal.duplicate_of,
                                         "similarity": round(removal.similarity, 6)},
                                        {removal.reason + "s": 1}))
        if outcomes:  # batch-level counters ride on the first outcome, so they are summed once
            outcomes[0].counts = _sum_counts([outcomes[0].counts, counts])
        return outcomes

    # -- the algorithm on (id, text) pairs; ids are any mutually comparable values

    def find_removals(self, items: Sequence[Tuple[Hashable, str]]
                      ) -> Tuple[Dict[Hashable, Removal], Dict[str, int]]:
        c = self.config
        ids = [i for i, _ in items]
        if len(set(ids)) != len(ids):
            raise ValueError("document ids must be unique within a batch")
        order = sorted(range(len(items)), key=lambda k: ids[k])
        token_lists = [tokens(text) for _, text in items]
        keys = {ids[k]: exact_key(items[k][1], token_lists[k]) for k in order}
        removals: Dict[Hashable, Removal] = {}
        counts: Dict[str, int] = {}

        survivors = []
        first_of_key: Dict[str, Hashable] = {}
        copies_of_new: List[Hashable] = []  # exact copies whose representative is in this batch
        for k in order:
            doc_id, key = ids[k], keys[ids[k]]
            if c.exact and key in self._exact:
                # Re-ingesting a kept document (same id) lands here too: it is already out.
                removals[doc_id] = Removal("exact_duplicate", self._exact[key], 1.0)
            elif c.exact and key in first_of_key:
                removals[doc_id] = Removal("exact_duplicate", first_of_key[key], 1.0)
                copies_of_new.append(doc_id)
            else:
                first_of_key.setdefault(key, doc_id)
                survivors.append(k)

        fingerprints = self.hasher.fingerprints_of_tokens([token_lists[k] for k in survivors])
        signatures = self.signer.sign(fingerprints)
        sketches = {ids[k]: Sketch(ids[k], keys[ids[k]], fp, sig)
                    for k, fp, sig in zip(survivors, fingerprints, signatures)}

        if c.near:
            batch_buckets: Dict[bytes, List[Hashable]] = {}
            for doc_id, sketch in sketches.items():
                if len(sketch.fingerprints):
                    for band_key in self.bands.keys(sketch.signature):
                        batch_buckets.setdefault(band_key, []).append(doc_id)
            pairs = set()
            for band_key, new_ids in batch_buckets.items():
                old_ids = self._buckets.get(band_key, ())
                if len(new_ids) == 1 and not old_ids:
                    continue  # most buckets: one document, no pair
                members = [(0, i) for i in old_ids] + [(1, i) for i in new_ids]
                pairs.update(bucket_pairs(members, c.full_pairs_bucket_size))
            edges = []
            for left, right in sorted(pairs):
                a = self._sketches[left[1]] if left[0] == 0 else sketches[left[1]]
                similarity = jaccard(a.fingerprints, sketches[right[1]].fingerprints)
                if similarity >= c.threshold:
                    edges.append((left, right, similarity))
            for (_, doc_id), ((_, survivor), similarity) in resolve_clusters(edges).items():
                removals[doc_id] = Removal("near_duplicate", survivor, similarity)
            counts.update(candidate_pairs=len(pairs), verified_pairs=len(edges))

        # Exact copies follow their representative into a near-duplicate cluster's survivor.
        for doc_id in copies_of_new:
            representative = removals[doc_id].duplicate_of
            if representative in removals:
                removals[doc_id] = Removal("exact_duplicate", removals[representative].duplicate_of, 1.0)

        for doc_id, sketch in sketches.items():
            if doc_id not in removals:
                self.add(sketch)
        counts.update(_cluster_counts(removals.values()))
        return removals, counts

    # -- the index of kept documents

    def add(self, sketch: Sketch) -> None:
        self._exact.setdefault(sketch.exact_key, sketch.id)
        self._sketches[sketch.id] = sketch
        if len(sketch.fingerprints):
            for band_key in self.bands.keys(sketch.signature):
                self._buckets.setdefault(band_key, []).append(sketch.id)

    def save_index(self, directory: str) -> None:
        write_index(directory, self.config, [sketch_row(s) for s in self._sketches.values()])

    def load_index(self, directory: str) -> int:
        count = 0
        for row in read_index(directory, self.config):
            self.add(sketch_from_row(row))
            count += 1
        return count


def find_duplicates(texts: Sequence[str], threshold: float = 0.8, **config) -> List[List[int]]:
    """Clusters of duplicate texts as lists of indexes (size >= 2, sorted, survivor first)."""
    dedup = Deduplicator(DedupConfig(threshold=threshold, **config))
    removals, _ = dedup.find_removals(list(enumerate(texts)))
    clusters: Dict[int, List[int]] = {}
    for index, removal in removals.items():
        clusters.setdefault(removal.duplicate_of, [removal.duplicate_of]).append(index)
    return sorted(sorted(members) for members in clusters.values())


def _cluster_counts(removals: Iterable[Removal]) -> Dict[str, int]:
    sizes: Dict[Hashable, int] = {}
    for removal in removals:
        sizes[removal.duplicate_of] = sizes.get(removal.duplicate_of, 1) + 1
    counts = {"clusters": len(sizes)}
    for size in sizes.values():
        counts[f"cluster_size.{size}"] = counts.get(f"cluster_size.{size}", 0) + 1
    return counts


def _sum_counts(dicts: Iterable[Dict[str, int]]) -> Dict[str, int]:
    total: Dict[str, int] = {}
    for counts in dicts:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


# --------------------------------------------------------------------------- persistent index
#
# A directory of Parquet shards (one row per kept document: id, exact_key, signature bytes,
# fingerprint bytes) plus manifest.json naming the parameters the rows were computed with.
# Signatures are stored rather than band keys so a later run may change the threshold.

INDEX_SCHEMA_FIELDS = (("id", "string"), ("exact_key", "string"), ("signature", "binary"),
                       ("fingerprints", "binary"))


def index_schema():
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in INDEX_SCHEMA_FIELDS])


def index_manifest(config: DedupConfig) -> Dict[str, object]:
    return {"scheme": SKETCH_SCHEME, "num_perm": config.num_perm, "seed": config.seed, "ngram": config.ngram}


def check_index_manifest(directory: str, config: DedupConfig) -> None:
    path = os.path.join(directory, INDEX_MANIFEST)
    if not os.path.exists(path):
        raise SetupError(f"{directory} is not a dedup index (no {INDEX_MANIFEST}): name an empty or "
                         f"missing directory to start a new index")
    with open(path, encoding="utf-8") as handle:
        check_manifest_parameters(directory, json.load(handle), config)


def check_manifest_parameters(directory: str, found: Dict[str, object], config: DedupConfig) -> None:
    """Refuse an index whose sketches were made with other parameters: they would match nothing."""
    wanted = index_manifest(config)
    different = [k for k in wanted if found.get(k) != wanted[k]]
    if different:
        raise SetupError(f"dedup index {directory} was built with other parameters "
                         f"({', '.join(f'{k}={found.get(k)!r}' for k in different)}; this run uses "
                         f"{', '.join(f'{k}={wanted[k]!r}' for k in different)}): "
                         f"rebuild it or match the config")


def index_files(directory: str) -> List[str]:
    """The part files of an index: those its manifest names (the pipeline's incremental
    index), or every Parquet file for an index written by `Deduplicator.save_index`."""
    with open(os.path.join(directory, INDEX_MANIFEST), encoding="utf-8") as handle:
        parts = json.load(handle).get("parts")
    if parts is not None:
        return [os.path.join(directory, part["file"]) for part in parts]
    return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                  if name.endswith(".parquet"))


def read_index(directory: str, config: DedupConfig) -> Iterator[Dict[str, object]]:
    import pyarrow.parquet as pq

    check_index_manifest(directory, config)
    for path in index_files(directory):
        yield from pq.read_table(path).to_pylist()


def write_index(directory: str, config: DedupConfig, rows: List[Dict[str, object]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(directory, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=index_schema()),
                   os.path.join(directory, "part-00000.parquet"))
    write_manifest(directory, config)


def write_manifest(directory: str, config: DedupConfig) -> None:
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, INDEX_MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(index_manifest(config), handle, indent=2, sort_keys=True)


def sketch_row(sketch: Sketch) -> Dict[str, object]:
    return {"id": str(sketch.id), "exact_key": sketch.exact_key,
            "signature": sketch.signature.astype("<u4").tobytes(),
            "fingerprints": sketch.fingerprints.astype("<u8").tobytes()}


def sketch_from_row(row: Dict[str, object]) -> Sketch:
    return Sketch(row["id"], row["exact_key"],
                  np.frombuffer(row["fingerprints"], dtype="<u8").astype(np.uint64),
                  np.frombuffer(row["signature"], dtype="<u4").astype(np.uint32))
