"""Beam transforms for exact and near-duplicate removal (the algorithm lives in cleanse.dedup).

Graph (every GroupByKey/CoGroupByKey is a shuffle; no step needs the corpus on one worker):

  docs -> exact key -> GroupByKey on a hash of the key (all copies meet in one group)
       -> per group: lowest id per exact key survives (exact_duplicate), and the survivors
          are sketched in batches (fingerprints + vectorized MinHash)
       -> LSH band keys, sent as one list per (batch, band shard) -> GroupByKey on the shard
          -> buckets -> candidate pairs (bucket_pairs: linear in the bucket size for
          boilerplate buckets) -> Distinct
       -> join the left document's fingerprints by id, then the right one's -> exact Jaccard
       -> verified edges -> connected components                        (near_duplicate)
       -> join the decisions back to the documents by id -> kept / rejected

Connected components run on ONE worker over the verified edges only (never documents or
signatures): memory is O(verified edges), about 200 bytes each in Python, i.e. ~2 GB for ten
million verified pairs. Everything else is keyed and spread over the workers.

Only single-output steps, GroupByKey/CoGroupByKey, Flatten and CombinePerKey are used, and
nothing is emitted from finish_bundle (so no BatchElements: batches are cut inside the
groups), because Beam's Dask runner merges tagged outputs and drops finish_bundle output.
Steps emit (kind, value) pairs that are split by kind afterwards.

Incremental runs: with `index_dir`, the kept documents of earlier runs (exact key, signature,
fingerprints; see cleanse.dedup "persistent index") join the exact groups and the LSH buckets
as priority-0 members. They always survive and are never paired with each other, so new
documents that duplicate them are removed with `duplicate_of` naming the earlier id. With
`index_out_dir`, earlier rows plus this run's kept documents are written there as Parquet
shards and manifest.json is written last (its step feeds `counts`, so every runner that
computes the counts has written the index); `cleanse.dedup.commit_index` swaps it in after
the run.
"""
from __future__ import annotations

import os
import time
import zlib
from collections import Counter
from typing import NamedTuple, Optional

import apache_beam as beam

from cleanse.config import DedupConfig
from cleanse.dedup import (
    LshBands, MinHashSigner, ShingleHasher, Sketch, bucket_pairs, check_index_manifest,
    exact_key, index_files, index_schema, jaccard, resolve_clusters, sketch_from_row, sketch_row,
    write_manifest,
)
from cleanse.document import Rejection

STAGE = "dedup"
NEW, OLD = 1, 0  # member priorities: earlier-run documents sort first and always survive
INDEX_SHARDS = 16


class DedupResult(NamedTuple):
    kept: beam.PCollection
    rejected: beam.PCollection
    counts: beam.PCollection


class Deduplicate(beam.PTransform):
    """Documents -> DedupResult(kept documents, Rejection records, dicts of counts).

    `shuffle_groups`: how many groups documents are spread over for exact dedup and sketching
    (each group is batched on one worker).
    """

    def __init__(self, config: DedupConfig, index_dir: Optional[str] = None,
                 index_out_dir: Optional[str] = None, shuffle_groups: int = 1024):
        super().__init__()
        config.validate(STAGE)
        if index_out_dir and os.path.isdir(index_out_dir) and os.listdir(index_out_dir):
            raise ValueError(f"dedup index output directory {index_out_dir} is not empty")
        self._config = config
        self._index_dir = index_dir
        self._index_out_dir = index_out_dir
        self._groups = shuffle_groups

    def expand(self, docs):
        c = self._config
        old_rows = self._read_index(docs.pipeline)
        counts = []

        keyed = [docs | "ExactKey" >> beam.Map(_keyed_by_exact_key, self._groups)]
        if old_rows is not None:
            keyed.append(old_rows | "OldExactKey" >> beam.Map(
                lambda r, groups: (_group_of(r["exact_key"], groups), (OLD, r["id"], r["exact_key"], None)),
                self._groups))
            counts.append(old_rows | "IndexIn" >> beam.Map(lambda _: {"index_documents": 1}))
        sketched = (keyed
                    | "FlattenExact" >> beam.Flatten()
                    | "GroupExact" >> beam.GroupByKey()
                    | "ExactAndSketch" >> beam.ParDo(_ExactAndSketch(c, bool(c.near or self._index_out_dir))))
        survivors = sketched | "Survivors" >> beam.FlatMap(_only("survivor"))
        exact_removed = sketched | "ExactRemoved" >> beam.FlatMap(_only("exact"))
        counts.append(sketched | "SketchCounts" >> beam.FlatMap(_only("counts")))

        near_removed = None
        if c.near:
            fingerprints = [survivors | "NewFingerprints" >> beam.Map(
                lambda s: ((NEW, s[0].id), s[1].fingerprints))]
            bands = [sketched | "NewBands" >> beam.FlatMap(_only("bands"))]
            if old_rows is not None:
                fingerprints.append(old_rows | "OldFingerprints" >> beam.Map(
                    lambda r: ((OLD, r["id"]), sketch_from_row(r).fingerprints)))
                bands.append(self._index_files(docs.pipeline, "BandFiles")
                             | "OldBands" >> beam.FlatMap(_old_band_lists, c))
            near_removed, near_counts = _near_stage(c, fingerprints | "AllFingerprints" >> beam.Flatten(),
                                                    bands | "AllBands" >> beam.Flatten())
            counts.append(near_counts)

        # Sketches ride along only when the index needs them: they are the bulk of the bytes.
        keep_sketch = bool(self._index_out_dir)
        joined = {"doc": survivors | "SurvivorById" >> beam.Map(
            lambda s, keep: (s[0].id, (s[0], s[1] if keep else None)), keep_sketch)}
        if near_removed is not None:
            joined["near"] = near_removed
        decided = (joined
                   | "JoinDecisions" >> beam.CoGroupByKey()
                   | "Decide" >> beam.FlatMap(_decide, keep_sketch))
        kept = decided | "Kept" >> beam.FlatMap(_only("kept"))
        rejected = ((decided | "NearRejected" >> beam.FlatMap(_only("rejected")),
                     _resolve_exact(exact_removed, near_removed))
                    | "AllRejected" >> beam.Flatten())

        counts.append(rejected | "ReasonCounts" >> beam.Map(lambda r: {r.reason + "s": 1}))
        counts.append(rejected
                      | "BySurvivor" >> beam.Map(lambda r: (r.details["duplicate_of"], 1))
                      | "ClusterSizes" >> beam.CombinePerKey(sum)
                      | "ClusterCounts" >> beam.Map(
                          lambda kv: {"clusters": 1, f"cluster_size.{kv[1] + 1}": 1}))
        if self._index_out_dir:
            new_rows = decided | "IndexRows" >> beam.FlatMap(_only("index"))
            counts.append(_write_index(self._index_out_dir, c, new_rows, old_rows))

        total = (counts
                 | "AllCounts" >> beam.Flatten()
                 | "OneKey" >> beam.Map(lambda d: (None, d))
                 | "SumCounts" >> beam.CombinePerKey(_SumCounts())
                 | "CountsOnly" >> beam.Values())
        return DedupResult(kept, rejected, total)

    def _read_index(self, pipeline):
        directory = self._index_dir
        if not (directory and os.path.isdir(directory) and os.listdir(directory)):
            return None  # first run: no index yet
        check_index_manifest(directory, self._config)  # fail at start-up, not after hours
        if not index_files(directory):
            return None
        return self._index_files(pipeline, "IndexFiles") | "ReadIndex" >> beam.FlatMap(_read_index_file)

    def _index_files(self, pipeline, label: str):
        return pipeline | label >> beam.Create(index_files(self._index_dir))


def _only(kind):
    def select(item):
        if item[0] == kind:
            yield item[1]
    return select


def _group_of(key: str, groups: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % groups


def _keyed_by_exact_key(doc, groups: int):
    key = exact_key(doc.text)
    return _group_of(key, groups), (NEW, doc.id, key, doc)


class _SumCounts(beam.CombineFn):
    """Counter dicts -> one dict, combined on the workers before anything is gathered."""

    def create_accumulator(self):
        return Counter()

    def add_input(self, accumulator, counts):
        accumulator.update(counts)
        return accumulator

    def merge_accumulators(self, accumulators):
        merged = Counter()
        for accumulator in accumulators:
            merged.update(accumulator)
        return merged

    def extract_output(self, accumulator):
        return dict(sorted(accumulator.items()))


# --------------------------------------------------------------------------- exact + sketch


class _ExactAndSketch(beam.DoFn):
    """One group of documents (all copies of an exact key land in the same group).

    Emits ("exact", (survivor id, removed id)) for exact copies, ("survivor", (document,
    sketch)) for the rest, sketched in batches so the MinHash work is vectorized, their
    ("bands", ...) lists, and one ("counts", {"busy_ms": ...}) per group.
    """

    def __init__(self, config: DedupConfig, sketch: bool):
        self._config = config
        self._sketch = sketch
        self._bands = LshBands.for_threshold(config.threshold, config.num_perm, config.lsh_miss_probability)

    def setup(self):
        self._hasher = ShingleHasher(self._config.ngram)
        self._signer = MinHashSigner(self._config.num_perm, self._config.seed)

    def process(self, group):
        _, members = group
        started = time.perf_counter()
        exact = self._config.exact
        heads = {}
        if exact:  # first pass: the lowest (priority, id) per key; only keys are held in memory
            for priority, doc_id, key, _ in members:
                head = heads.get(key)
                if head is None or (priority, doc_id) < head:
                    heads[key] = (priority, doc_id)
        self._busy = time.perf_counter() - started
        batch = []
        for priority, doc_id, key, doc in members:
            if priority == OLD:
                continue
            if exact and heads[key] != (NEW, doc_id):
                yield "exact", (heads[key][1], doc_id)
                continue
            batch.append((doc, key))
            if len(batch) >= self._config.batch_size:
                yield from self._timed_survivors(batch)
                batch = []
        if batch:
            yield from self._timed_survivors(batch)
        # Verification and clustering touch candidate pairs only and are left out.
        yield "counts", {"busy_ms": int(self._busy * 1000)}

    def _timed_survivors(self, batch) -> list:
        # Only the work is timed, not the yields: a runner may run the next fused steps
        # inside them.
        started = time.perf_counter()
        outputs = self._survivors(batch)
        self._busy += time.perf_counter() - started
        return outputs

    def _survivors(self, batch) -> list:
        if not self._sketch:
            return [("survivor", (doc, None)) for doc, _ in batch]
        fingerprints = self._hasher.fingerprints([doc.text for doc, _ in batch])
        signatures = self._signer.sign(fingerprints)
        sketches = [Sketch(doc.id, key, fps, sig)
                    for (doc, key), fps, sig in zip(batch, fingerprints, signatures)]
        outputs = [("survivor", (doc, sketch)) for (doc, _), sketch in zip(batch, sketches)]
        if self._config.near:
            members = [((NEW, sketch.id), sketch) for sketch in sketches]
            outputs += [("bands", item) for item in band_lists(members, self._bands, self._config.band_shards)]
        return outputs


def _resolve_exact(exact_removed, near_removed):
    """Exact copies name the final survivor: if their representative was itself removed as a
    near duplicate, they follow it to its cluster's survivor."""
    if near_removed is None:
        return exact_removed | "ExactRejections" >> beam.Map(
            lambda p: _rejection(p[1], "exact_duplicate", p[0], 1.0))
    return ({"copies": exact_removed, "near": near_removed}
            | "JoinExactToNear" >> beam.CoGroupByKey()
            | "ExactRejections" >> beam.FlatMap(_exact_rejections))


def _exact_rejections(element):
    survivor, groups = element
    near = list(groups["near"])
    final = near[0][0] if near else survivor
    for doc_id in groups["copies"]:
        yield _rejection(doc_id, "exact_duplicate", final, 1.0)


def _rejection(doc_id, reason, survivor, similarity):
    return Rejection(doc_id, STAGE, reason, {"duplicate_of": survivor, "similarity": round(similarity, 6)})


# --------------------------------------------------------------------------- near


def _near_stage(config: DedupConfig, fingerprints, band_entry_lists):
    """((priority, id), fingerprints) and (band shard, [(band key, member)]) lists ->
    ((removed id, (survivor id, similarity)), counts)."""
    pairs = (band_entry_lists
             | "GroupBandShards" >> beam.GroupByKey()
             | "BucketPairs" >> beam.FlatMap(_shard_pairs, config.full_pairs_bucket_size)
             | "DistinctPairs" >> beam.Distinct())

    with_left = ({"fps": fingerprints, "right": pairs}
                 | "JoinLeft" >> beam.CoGroupByKey()
                 | "ToRight" >> beam.FlatMap(_left_to_right))
    edges = ({"fps": fingerprints, "left": with_left}
             | "JoinRight" >> beam.CoGroupByKey()
             | "Verify" >> beam.FlatMap(_verify, config.threshold))

    removed = (edges
               | "EdgesToOneKey" >> beam.Map(lambda e: (None, e))
               | "GatherEdges" >> beam.GroupByKey()
               | "Components" >> beam.FlatMap(_components))
    counts = ((pairs | "CountCandidates" >> beam.Map(lambda _: {"candidate_pairs": 1}),
               edges | "CountVerified" >> beam.Map(lambda _: {"verified_pairs": 1}))
              | "NearCounts" >> beam.Flatten())
    return removed, counts


def band_lists(members, bands: LshBands, shards: int):
    """Band entries of a batch of members, as one (shard, [(band key, member key)]) list per
    band shard: a Beam element per shard and batch instead of one per band and document
    (25 per document at the defaults), which is where a per-element runner spends its time."""
    by_shard = {}
    for key, sketch in members:
        if len(sketch.fingerprints):  # no tokens: nothing to compare (exact dedup covers it)
            for band_key in bands.keys(sketch.signature):
                by_shard.setdefault(zlib.crc32(band_key) % shards, []).append((band_key, key))
    return sorted(by_shard.items())


def _old_band_lists(path: str, config: DedupConfig):
    bands = LshBands.for_threshold(config.threshold, config.num_perm, config.lsh_miss_probability)
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        members = [((OLD, row["id"]), sketch_from_row(row)) for row in batch.to_pylist()]
        yield from band_lists(members, bands, config.band_shards)


def _shard_pairs(element, limit: int):
    _, entry_lists = element
    buckets = {}
    for entries in entry_lists:
        for band_key, member in entries:
            buckets.setdefault(band_key, []).append(member)
    for members in buckets.values():
        if len(members) > 1:
            yield from bucket_pairs(members, limit)


def _left_to_right(element):
    left, groups = element
    fps = next(iter(groups["fps"]))
    for right in groups["right"]:
        yield right, (left, fps)


def _verify(element, threshold: float):
    right, groups = element
    fps_right = next(iter(groups["fps"]))
    for left, fps_left in groups["left"]:
        similarity = jaccard(fps_left, fps_right)
        if similarity >= threshold:
            yield left, right, similarity


def _components(element):
    _, edges = element
    for (_, doc_id), ((_, survivor), similarity) in sorted(resolve_clusters(edges).items()):
        yield doc_id, (survivor, similarity)


# --------------------------------------------------------------------------- decisions, index


def _decide(element, with_index: bool):
    doc_id, groups = element
    for doc, sketch in groups["doc"]:
        near = list(groups.get("near", ()))
        if near:
            survivor, similarity = near[0]
            yield "rejected", _rejection(doc_id, "near_duplicate", survivor, similarity)
            continue
        yield "kept", doc
        if with_index:
            yield "index", sketch_row(sketch)


def _read_index_file(path: str):
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        yield from batch.to_pylist()


def _write_index(directory: str, config: DedupConfig, new_rows, old_rows):
    """Index rows -> Parquet shards in `directory`, then manifest.json; yields a counts dict."""
    rows = [new_rows] if old_rows is None else [new_rows, old_rows]
    pipeline = new_rows.pipeline
    written = (rows
               | "AllIndexRows" >> beam.Flatten()
               | "KeyIndexShard" >> beam.Map(
                   lambda r: (zlib.crc32(r["id"].encode("utf-8")) % INDEX_SHARDS, r))
               | "GroupIndexShards" >> beam.GroupByKey()
               | "WriteIndexShard" >> beam.Map(_write_index_shard, directory))
    # A zero makes the manifest step run even when no row is written (an empty index).
    return ((written, pipeline | "IndexSentinel" >> beam.Create([0]))
            | "IndexWritten" >> beam.Flatten()
            | "IndexTotalKey" >> beam.Map(lambda n: (None, n))
            | "IndexTotal" >> beam.CombinePerKey(sum)
            | "WriteManifest" >> beam.Map(_finish_index, directory, config))


def _write_index_shard(item, directory: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    shard, rows = item
    os.makedirs(directory, exist_ok=True)
    schema = index_schema()
    count = 0
    chunk = []
    with pq.ParquetWriter(os.path.join(directory, f"part-{shard:05d}-of-{INDEX_SHARDS:05d}.parquet"),
                          schema) as writer:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= 4096:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                count += len(chunk)
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            count += len(chunk)
    return count


def _finish_index(item, directory: str, config: DedupConfig):
    _, total = item
    write_manifest(directory, config)
    return {"index_documents_written": total}
