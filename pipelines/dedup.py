"""Exact and near-duplicate removal over compact keys (the algorithm lives in cleanse.dedup).

Graph (every GroupByKey/CoGroupByKey is a shuffle; none carries document text):

  read tasks -> packed exact entries (exact key, reference, id) -> GroupByKey on a hash of
      the key -> exact groups: the lowest (priority, id) heads each, the rest are linked to it
  read tasks -> packed LSH band entries (band hash, reference) -> GroupByKey on band shards
      -> buckets -> candidate pairs (bucket_pairs: linear in the bucket size for boilerplate)
      -> GroupByKey on the location of the left document -> its fingerprints are read back
         from that task's sketch file, for the candidates only
      -> GroupByKey on the location of the right document -> exact Jaccard -> verified edges
  exact links + verified edges -> connected components on ONE worker (edges only: about
      200 bytes each in Python, ~2 GB for ten million) -> removals routed to their read task

Only single-output steps, GroupByKey/CoGroupByKey and Flatten are used, and nothing is emitted
from finish_bundle, because Beam's Dask runner merges tagged outputs and drops finish_bundle
output; steps emit (kind, value) pairs that are split by kind afterwards.

Incremental runs: the part files of the dedup index (kept documents of earlier runs: id, exact
key, signature, fingerprints; see `pipelines.index`) feed the same exact groups and LSH buckets
as priority-0 members. They always survive and are never paired with each other, so new
documents that duplicate them are removed with `duplicate_of` naming the earlier id.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, Iterator, List, NamedTuple, Optional, Set

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems

from cleanse.config import DedupConfig
from cleanse.dedup import LshBands, UnionFind, bucket_pairs, jaccard

from . import files, routes
from .sketches import (OLD_LOCATION, StoredSketch, band_hashes, fingerprint_array, group_by_location,
                       is_old, location_of, member, ordinal_of, pack_exact, pack_pairs,
                       read_sketches, reference, shard_band_entries, split_exact_key, unpack_exact,
                       unpack_pairs, work_paths)

STAGE = "dedup"
EXACT_LINK, NEAR_EDGE = "exact", "near"


class SketchStore:
    """Where the sketches of a location live: a read task's sketch file or an index part."""

    def __init__(self, config: DedupConfig, work_dir: str, index_parts: List[str],
                 filesystem_options=None):
        self.config = config
        self.work_dir = work_dir
        self.index_parts = list(index_parts)
        self.filesystem_options = filesystem_options

    def prepare(self) -> None:
        if self.filesystem_options is not None:
            FileSystems.set_options(self.filesystem_options)

    def read(self, location: int, wanted: Set[int]) -> Iterator[StoredSketch]:
        if location & OLD_LOCATION:
            yield from _read_index_part(self.index_parts[location & ~OLD_LOCATION], wanted)
            return
        with files.open_read(work_paths(self.work_dir, location)["sketches"]) as handle:
            yield from read_sketches(handle, self.config.num_perm, wanted)


def _read_index_part(path: str, wanted: Optional[Set[int]]) -> Iterator[StoredSketch]:
    import pyarrow.parquet as pq

    ordinal = 0
    with files.open_read(path) as handle:
        for batch in pq.ParquetFile(handle).iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                if wanted is None or ordinal in wanted:
                    yield StoredSketch(ordinal, row["id"], split_exact_key(row["exact_key"]),
                                       row["signature"], row["fingerprints"])
                ordinal += 1


class Duplicates(NamedTuple):
    removals: beam.PCollection  # (task index, (ordinal, reason, survivor id, similarity))
    counts: beam.PCollection    # dicts of dedup counters (unprefixed)


class FindDuplicates(beam.PTransform):
    """(packed exact entries, packed band entries) of the new documents -> Duplicates."""

    def __init__(self, store: SketchStore, shuffle_groups: int):
        super().__init__()
        store.config.validate(STAGE)
        self._store = store
        self._groups = shuffle_groups

    def expand(self, entries):
        exact, bands = entries
        c, store = self._store.config, self._store
        counts = []
        if store.index_parts:
            old = (exact.pipeline
                   | "IndexParts" >> beam.Create(list(enumerate(store.index_parts)))
                   | "OldEntries" >> beam.FlatMap(_old_entries, store, self._groups))
            exact = (exact, old | "OldExact" >> beam.FlatMap(routes.only("exact"))) | "AllExact" >> beam.Flatten()
            bands = (bands, old | "OldBands" >> beam.FlatMap(routes.only("bands"))) | "AllBands" >> beam.Flatten()
            counts.append(old | "OldCounts" >> beam.FlatMap(routes.only("counts")))

        edges = [exact | "GroupExact" >> beam.GroupByKey() | "ExactLinks" >> beam.FlatMap(_exact_links)]
        if c.near:
            pairs = (bands
                     | "GroupBandShards" >> beam.GroupByKey()
                     | "BucketPairs" >> beam.FlatMap(_bucket_pairs, c.full_pairs_bucket_size)
                     | "GroupByLeft" >> beam.GroupByKey()
                     | "AttachLeft" >> beam.FlatMap(_attach_left, store))
            counts.append(pairs | "PairCounts" >> beam.FlatMap(routes.only("counts")))
            verified = (pairs
                        | "LeftSketches" >> beam.FlatMap(routes.only("left"))
                        | "GroupByRight" >> beam.GroupByKey()
                        | "Verify" >> beam.FlatMap(_verify, store))
            edges.append(verified)
        resolved = (edges
                    | "AllEdges" >> beam.Flatten()
                    | "EdgesToOneKey" >> beam.Map(lambda e: (None, e))
                    | "GatherEdges" >> beam.GroupByKey()
                    | "Components" >> beam.FlatMap(_components))
        counts.append(resolved | "ComponentCounts" >> beam.FlatMap(routes.only("counts")))
        removals = resolved | "Removals" >> beam.FlatMap(routes.only("removal"))
        return Duplicates(removals, counts | "DedupCounts" >> beam.Flatten())


# --------------------------------------------------------------------------- earlier runs


def _old_entries(item, store: SketchStore, groups: int):
    """Exact and band entries of one index part file, as priority-0 members."""
    store.prepare()
    part, path = item
    c = store.config
    bands = LshBands.for_threshold(c.threshold, c.num_perm, c.lsh_miss_probability)
    location = OLD_LOCATION | part
    batch: List[StoredSketch] = []
    total = 0
    for sketch in _read_index_part(path, None):
        batch.append(sketch)
        if len(batch) >= 4096:
            yield from _old_batch(batch, location, c, bands, groups)
            total += len(batch)
            batch = []
    if batch:
        yield from _old_batch(batch, location, c, bands, groups)
        total += len(batch)
    yield "counts", {"index_documents": total}


def _old_batch(batch: List[StoredSketch], location: int, c: DedupConfig, bands: LshBands, groups: int):
    refs = [reference(location, s.ordinal) for s in batch]
    if c.exact:
        by_group: Dict[int, list] = {}
        for s, ref in zip(batch, refs):
            by_group.setdefault(s.exact[0] % groups, []).append((s.exact, ref, s.id))
        for group, entries in sorted(by_group.items()):
            yield "exact", (group, pack_exact(entries))
    if c.near:
        banded = [k for k, s in enumerate(batch) if len(s.fingerprints)]
        if banded:
            signatures = np.stack([np.frombuffer(batch[k].signature, dtype="<u4") for k in banded])
            hashes = band_hashes(signatures, bands.bands, bands.rows)
            member_refs = np.repeat(np.array([refs[k] for k in banded], dtype=np.uint64), bands.bands)
            yield from (("bands", entry) for entry in
                        shard_band_entries(hashes.reshape(-1), member_refs, c.band_shards))


# --------------------------------------------------------------------------- exact


def _exact_links(element):
    """One exact group: every copy is linked to the lowest (priority, id, reference) of its key."""
    _, blobs = element
    by_key: Dict[tuple, list] = {}
    for blob in blobs:
        for key, ref, doc_id in unpack_exact(blob):
            by_key.setdefault(key, []).append(member(doc_id, ref))
    for members in by_key.values():
        if len(members) < 2:
            continue
        members.sort()
        head = members[0]
        for other in members[1:]:
            if other[0]:  # earlier-run documents are never removed
                yield EXACT_LINK, head, other


# --------------------------------------------------------------------------- near


def _bucket_pairs(element, limit: int):
    """One band shard: buckets of equal band hash -> candidate pairs, by left location."""
    _, blobs = element
    entries = np.concatenate([unpack_pairs(b) for b in blobs])
    entries = entries[np.lexsort((entries[:, 1], entries[:, 0]))]
    hashes = entries[:, 0]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], len(hashes)]
    by_location: Dict[int, list] = {}
    for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
        members = [(0 if is_old(r) else 1, r) for r in entries[start:end, 1].tolist()]
        for left, right in bucket_pairs(members, limit):
            by_location.setdefault(location_of(left[1]), []).append((left[1], right[1]))
    for location, pairs in sorted(by_location.items()):
        array = np.array(pairs, dtype=np.uint64)
        yield location, pack_pairs(array[:, 0], array[:, 1])


def _attach_left(element, store: SketchStore):
    """Candidate pairs whose left document lives here -> its fingerprints, sent once to each
    location that holds one of its right documents."""
    store.prepare()
    location, blobs = element
    pairs = np.unique(np.concatenate([unpack_pairs(b) for b in blobs]), axis=0)
    yield "counts", {"candidate_pairs": len(pairs)}
    rights: Dict[int, List[int]] = {}
    for left, right in pairs.tolist():
        rights.setdefault(left, []).append(right)
    wanted = {ordinal_of(left) for left in rights}
    for sketch in store.read(location, wanted):
        left = reference(location, sketch.ordinal)
        for right_location, right_refs in sorted(group_by_location(rights[left]).items()):
            yield "left", (right_location, (left, sketch.id, sketch.exact, sketch.fingerprints,
                                            np.array(right_refs, dtype="<u8").tobytes()))


def _verify(element, store: SketchStore):
    """Left documents' fingerprints meet their right documents here: exact Jaccard."""
    store.prepare()
    location, lefts = element
    lefts = list(lefts)
    wanted = {ordinal_of(r) for entry in lefts for r in np.frombuffer(entry[4], dtype="<u8").tolist()}
    right_sketches = {s.ordinal: s for s in store.read(location, wanted)}
    c = store.config
    for left, left_id, left_exact, left_fingerprints, right_refs in lefts:
        left_fps = fingerprint_array(left_fingerprints)
        for right in np.frombuffer(right_refs, dtype="<u8").tolist():
            sketch = right_sketches[ordinal_of(right)]
            if c.exact and sketch.exact == left_exact:
                continue  # exact copies are linked by the exact step
            similarity = jaccard(left_fps, fingerprint_array(sketch.fingerprints))
            if similarity >= c.threshold:
                yield NEAR_EDGE, member(left_id, left), member(sketch.id, right), similarity


# --------------------------------------------------------------------------- components


def _components(element):
    """All exact links and verified edges -> one removal per non-surviving new document.

    A component keeps its smallest member (earlier runs first, then the lowest id). Exact
    copies are `exact_duplicate` (similarity 1.0); the others are `near_duplicate` with the
    best verified Jaccard they had.
    """
    _, edges = element
    uf = UnionFind()
    best: Dict[tuple, float] = {}
    copies_of: Dict[tuple, List[tuple]] = {}
    exact_copies = set()
    sizes: Counter = Counter()
    counts: Counter = Counter()
    for edge in edges:
        if edge[0] == EXACT_LINK:
            _, head, copy = edge
            uf.union(head, copy)
            exact_copies.add(copy)
            copies_of.setdefault(head, []).append(copy)
        else:
            _, left, right, similarity = edge
            counts["verified_pairs"] += 1
            uf.union(left, right)
            for key in (left, right):
                if similarity > best.get(key, -1.0):
                    best[key] = similarity
    for key in sorted(uf.members()):
        root = uf.find(key)
        if key[0] == 0 or root == key:
            continue
        if key in exact_copies:
            reason, similarity = "exact_duplicate", 1.0
        else:
            # A head whose near edges were all found through one of its exact copies.
            similarity = best.get(key, max((best.get(c, 0.0) for c in copies_of.get(key, ())), default=0.0))
            reason = "near_duplicate"
        sizes[root] += 1
        counts[reason + "s"] += 1
        ref = key[2]
        yield "removal", (location_of(ref), (ordinal_of(ref), reason, root[1], round(similarity, 6)))
    counts["clusters"] = len(sizes)
    for size in sizes.values():
        counts[f"cluster_size.{size + 1}"] += 1
    yield "counts", dict(counts)
