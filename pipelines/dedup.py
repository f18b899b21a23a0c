"""Exact and near-duplicate removal over compact keys (the algorithm lives in cleanse.dedup).

Graph (no shuffle carries document text, and none carries one entry per document):

  read tasks wrote packed exact entries (exact key, reference, id) and LSH band entries (band
  hash, reference) to their own files, in partition order; their notes say where each
  partition starts -> one small element per partition, listing byte ranges ->
    exact partition: read its ranges -> exact groups: the lowest (priority, id) heads each,
      the rest are linked to it
    band shard: read its ranges -> buckets -> candidate pairs (bucket_pairs: linear in the
      bucket size for boilerplate) -> GroupByKey on the locations of the pair's two documents
      -> their fingerprints are read back from those tasks' sketch files, for the candidates
      only -> exact Jaccard -> verified edges
  exact links + verified edges -> connected components on ONE worker (edges only: about
      200 bytes each in Python, ~2 GB for ten million) -> removals routed to their read task

Entries travel through files rather than a Beam shuffle because the DirectRunner holds every
GroupByKey's whole input in memory: 25 band entries per document would make memory grow with
the corpus. Each partition reader holds only its partition.

Only single-output steps, GroupByKey/CoGroupByKey and Flatten are used, and nothing is emitted
from finish_bundle, because Beam's Dask runner merges tagged outputs and drops finish_bundle
output; steps emit (kind, value) pairs that are split by kind afterwards.

Incremental runs: the part files of the dedup index (kept documents of earlier runs: id, exact
key, signature, fingerprints; see `pipelines.index`) get entry files of their own and feed the
same exact groups and LSH buckets as priority-0 members. They always survive and are never
paired with each other, so new documents that duplicate them are removed with `duplicate_of`
naming the earlier id.
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
from .sketches import (OLD_LOCATION, PartitionedEntries, StoredSketch, band_hashes,
                       fingerprint_array, is_old, location_of, member, ordinal_of,
                       pack_exact, pack_pairs, partition_ranges, read_range, read_sketches, reference,
                       shard_band_entries, split_exact_key, unpack_exact, unpack_pairs, work_paths)

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
    """Notes of the read tasks -> Duplicates.

    A note is (location, exact offsets, band offsets): where that location's entry files hold
    each partition (see `sketches.PartitionedEntries`). Index parts of earlier runs get their
    entry files written here first, then every partition is read from every location.
    """

    def __init__(self, store: SketchStore, shuffle_groups: int):
        super().__init__()
        store.config.validate(STAGE)
        self._store = store
        self._groups = shuffle_groups

    def expand(self, notes):
        c, store = self._store.config, self._store
        counts = []
        if store.index_parts:
            old = (notes.pipeline
                   | "IndexParts" >> beam.Create(list(enumerate(store.index_parts)))
                   | "OldEntries" >> beam.FlatMap(_old_entries, store, self._groups))
            old_notes = old | "OldNotes" >> beam.FlatMap(routes.only("note"))
            notes = (notes, old_notes) | "AllNotes" >> beam.Flatten()
            counts.append(old | "OldCounts" >> beam.FlatMap(routes.only("counts")))
        partitions = (notes
                      | "NotesToOneKey" >> beam.Map(lambda note: (None, note))
                      | "GatherNotes" >> beam.GroupByKey()
                      | "Partitions" >> beam.FlatMap(_partitions, self._groups if c.exact else 0,
                                                     c.band_shards if c.near else 0)
                      # Keyed by partition: the runner deals the partitions out to the workers.
                      | "SpreadPartitions" >> beam.GroupByKey())
        edges = [partitions
                 | "ExactPartitions" >> beam.FlatMap(_of_kind("exact"))
                 | "ExactLinks" >> beam.FlatMap(_exact_links, store)]
        if c.near:
            verified = (partitions
                        | "BandPartitions" >> beam.FlatMap(_of_kind("bands"))
                        | "BucketPairs" >> beam.FlatMap(_bucket_pairs, store)
                        | "GroupByLocations" >> beam.GroupByKey()
                        | "Verify" >> beam.FlatMap(_verify, store))
            counts.append(verified | "PairCounts" >> beam.FlatMap(routes.only("counts")))
            edges.append(verified | "NearEdges" >> beam.FlatMap(routes.only(NEAR_EDGE)))
        resolved = (edges
                    | "AllEdges" >> beam.Flatten()
                    | "EdgesToOneKey" >> beam.Map(lambda e: (None, e))
                    | "GatherEdges" >> beam.GroupByKey()
                    | "Components" >> beam.FlatMap(_components))
        counts.append(resolved | "ComponentCounts" >> beam.FlatMap(routes.only("counts")))
        removals = resolved | "Removals" >> beam.FlatMap(routes.only("removal"))
        return Duplicates(removals, counts | "DedupCounts" >> beam.Flatten())


def _partitions(element, groups: int, shards: int):
    _, notes = element
    notes = list(notes)
    for kind, index, count in (("exact", 1, groups), ("bands", 2, shards)):
        for partition, ranges in partition_ranges([(n[0], n[index]) for n in notes], count):
            yield (kind, partition), ranges


def _of_kind(kind: str):
    def select(element):
        (found, _), ranges = element
        if found == kind:
            yield from ranges
    return select


def _read_partition(ranges, store: SketchStore, kind: str) -> Iterator[bytes]:
    store.prepare()
    for location, start, end in ranges:
        yield read_range(work_paths(store.work_dir, location)[kind], start, end, files.open_read)


# --------------------------------------------------------------------------- earlier runs


def _old_entries(item, store: SketchStore, groups: int):
    """Exact and band entry files of one index part, as priority-0 members; yields its note."""
    store.prepare()
    part, path = item
    c = store.config
    bands = LshBands.for_threshold(c.threshold, c.num_perm, c.lsh_miss_probability)
    location = OLD_LOCATION | part
    exact, banded = PartitionedEntries(groups), PartitionedEntries(c.band_shards)
    batch: List[StoredSketch] = []
    total = 0
    for sketch in _read_index_part(path, None):
        batch.append(sketch)
        if len(batch) >= 4096:
            _old_batch(batch, location, c, bands, groups, exact, banded)
            total += len(batch)
            batch = []
    if batch:
        _old_batch(batch, location, c, bands, groups, exact, banded)
        total += len(batch)
    paths = work_paths(store.work_dir, location)
    with files.LazyOutput(paths["exact"]) as exact_file, files.LazyOutput(paths["bands"]) as band_file:
        yield "note", (location, exact.write(exact_file), banded.write(band_file))
    yield "counts", {"index_documents": total}


def _old_batch(batch: List[StoredSketch], location: int, c: DedupConfig, bands: LshBands, groups: int,
               exact: PartitionedEntries, banded: PartitionedEntries) -> None:
    refs = [reference(location, s.ordinal) for s in batch]
    if c.exact:
        by_group: Dict[int, list] = {}
        for s, ref in zip(batch, refs):
            by_group.setdefault(s.exact[0] % groups, []).append((s.exact, ref, s.id))
        for group, entries in by_group.items():
            exact.add(group, pack_exact(entries))
    if c.near:
        with_tokens = [k for k, s in enumerate(batch) if len(s.fingerprints)]
        if with_tokens:
            signatures = np.stack([np.frombuffer(batch[k].signature, dtype="<u4") for k in with_tokens])
            hashes = band_hashes(signatures, bands.bands, bands.rows)
            member_refs = np.repeat(np.array([refs[k] for k in with_tokens], dtype=np.uint64), bands.bands)
            for shard, blob in shard_band_entries(hashes.reshape(-1), member_refs, c.band_shards):
                banded.add(shard, blob)


# --------------------------------------------------------------------------- exact


def _exact_links(ranges, store: SketchStore):
    """One exact group: every copy is linked to the lowest (priority, id, reference) of its key."""
    by_key: Dict[tuple, list] = {}
    for blob in _read_partition(ranges, store, "exact"):
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


def _bucket_pairs(ranges, store: SketchStore):
    """One band shard: buckets of equal band hash -> candidate pairs, by the locations of
    their two documents."""
    limit = store.config.full_pairs_bucket_size
    entries = np.concatenate([unpack_pairs(b) for b in _read_partition(ranges, store, "bands")])
    entries = entries[np.lexsort((entries[:, 1], entries[:, 0]))]
    hashes = entries[:, 0]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], len(hashes)]
    by_locations: Dict[tuple, list] = {}
    for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
        members = [(0 if is_old(r) else 1, r) for r in entries[start:end, 1].tolist()]
        for left, right in bucket_pairs(members, limit):
            key = (location_of(left[1]), location_of(right[1]))
            by_locations.setdefault(key, []).append((left[1], right[1]))
    for locations, pairs in sorted(by_locations.items()):
        array = np.array(pairs, dtype=np.uint64)
        yield locations, pack_pairs(array[:, 0], array[:, 1])


def _verify(element, store: SketchStore):
    """Candidate pairs between two locations: both sides' fingerprints are read back from
    their sketch files (candidates only) and compared by exact Jaccard."""
    store.prepare()
    (left_location, right_location), blobs = element
    pairs = np.unique(np.concatenate([unpack_pairs(b) for b in blobs]), axis=0).tolist()
    yield "counts", {"candidate_pairs": len(pairs)}
    sketches = {}
    for location in {left_location, right_location}:
        wanted = {ordinal_of(ref) for pair in pairs for ref in pair if location_of(ref) == location}
        for sketch in store.read(location, wanted):
            sketches[reference(location, sketch.ordinal)] = sketch
    c = store.config
    for left, right in pairs:
        a, b = sketches[left], sketches[right]
        if c.exact and a.exact == b.exact:
            continue  # exact copies are linked by the exact step
        similarity = jaccard(fingerprint_array(a.fingerprints), fingerprint_array(b.fingerprints))
        if similarity >= c.threshold:
            yield NEAR_EDGE, (NEAR_EDGE, member(a.id, left), member(b.id, right), similarity)


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
        # An earlier run's id is stored in its public form already (see PublicIds).
        yield "removal", (location_of(ref), (ordinal_of(ref), reason, root[1], round(similarity, 6),
                                             root[0] == 0))
    counts["clusters"] = len(sizes)
    for size in sizes.values():
        counts[f"cluster_size.{size + 1}"] += 1
    yield "counts", dict(counts)
