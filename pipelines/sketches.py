"""Compact dedup state: member references, packed shuffle entries, per-task sketch files.

No shuffle carries document text. A read task writes its surviving records to a work file and,
next to it, one sketch per record (id, exact key, MinHash signature, shingle fingerprints).
Only compact entries travel between workers:

- a *reference* names a document: `(location << 32) | ordinal`, where the location is the read
  task (or, with the high bit set, a part file of the dedup index of earlier runs) and the
  ordinal is the record's position in that task's work file;
- exact entries `(exact key, reference, id)` meet in groups of the exact key;
- band entries `(band hash, reference)` meet in band shards, where buckets give candidate pairs;
- fingerprints are read back from the sketch files only for the documents of candidate pairs.

A member key `(priority, id, reference)` orders documents the way the library does: earlier-run
documents (priority 0) first, then the lowest id; the reference breaks ties between repeated ids.
"""
from __future__ import annotations

import struct
from typing import BinaryIO, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import numpy as np

OLD_LOCATION = 1 << 31
ORDINAL_BITS = 32
ORDINAL_MASK = (1 << ORDINAL_BITS) - 1

Member = Tuple[int, str, int]  # (priority, id, reference)


def reference(location: int, ordinal: int) -> int:
    return (location << ORDINAL_BITS) | ordinal


def location_of(ref: int) -> int:
    return ref >> ORDINAL_BITS


def ordinal_of(ref: int) -> int:
    return ref & ORDINAL_MASK


def is_old(ref: int) -> bool:
    return bool(location_of(ref) & OLD_LOCATION)


def member(doc_id: str, ref: int) -> Member:
    return (0 if is_old(ref) else 1, doc_id, ref)


def split_exact_key(key: str) -> Tuple[int, int]:
    """The 128-bit hex exact key of `cleanse.dedup.exact_key` as two integers."""
    return int(key[:16], 16), int(key[16:32], 16)


# --------------------------------------------------------------------------- exact entries

_EXACT = struct.Struct("<QQQI")


def pack_exact(entries: Iterable[Tuple[Tuple[int, int], int, str]]) -> bytes:
    out = bytearray()
    for (hi, lo), ref, doc_id in entries:
        raw = doc_id.encode("utf-8")
        out += _EXACT.pack(hi, lo, ref, len(raw))
        out += raw
    return bytes(out)


def unpack_exact(blob: bytes) -> Iterator[Tuple[Tuple[int, int], int, str]]:
    offset, size = 0, _EXACT.size
    while offset < len(blob):
        hi, lo, ref, length = _EXACT.unpack_from(blob, offset)
        offset += size
        yield (hi, lo), ref, blob[offset:offset + length].decode("utf-8")
        offset += length


# --------------------------------------------------------------------------- band entries


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per (document, band) of a batch of signatures: shape (n, bands).

    Two documents share a bucket when a whole band of their signatures agrees; hashing the
    band (with its number) to 64 bits keeps the entry small. A collision can only add a
    candidate pair, and every pair is verified, so it never removes a document.
    """
    n = signatures.shape[0]
    sig = signatures[:, :bands * rows].astype(np.uint64).reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(np.arange(bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15),
                            (n, bands)).copy()
        for r in range(rows):
            h ^= sig[:, :, r]
            h *= np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(33)
        h *= np.uint64(0xC4CEB9FE1A85EC53)
        h ^= h >> np.uint64(29)
    return h


def shard_band_entries(flat_hashes: np.ndarray, member_refs: np.ndarray, shards: int):
    """Band entries of a batch as one (shard, packed entries) element per band shard: an
    element per shard and batch instead of one per band and document."""
    shard_of = (flat_hashes % np.uint64(shards)).astype(np.int64)
    order = np.argsort(shard_of, kind="stable")
    shard_of, flat_hashes, member_refs = shard_of[order], flat_hashes[order], member_refs[order]
    starts = np.flatnonzero(np.r_[True, shard_of[1:] != shard_of[:-1]])
    ends = np.r_[starts[1:], len(shard_of)]
    for start, end in zip(starts, ends):
        yield int(shard_of[start]), pack_pairs(flat_hashes[start:end], member_refs[start:end])


def pack_pairs(first: np.ndarray, second: np.ndarray) -> bytes:
    return np.stack([first.astype("<u8"), second.astype("<u8")], axis=1).tobytes()


def unpack_pairs(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8").reshape(-1, 2)


# --------------------------------------------------------------------------- work and sketch files


def work_paths(work_dir: str, location: int) -> Dict[str, str]:
    """A location's work files: for a read task its surviving records (output form),
    rejections and sketches; for both tasks and index parts, their exact and band entries."""
    if location & OLD_LOCATION:
        stem = f"{work_dir.rstrip('/')}/o{location & ~OLD_LOCATION:06d}"
    else:
        stem = f"{work_dir.rstrip('/')}/t{location:06d}"
    return {"records": stem + ".records.jsonl", "rejected": stem + ".rejected.jsonl",
            "sketches": stem + ".sketches", "exact": stem + ".exact", "bands": stem + ".bands"}


class PartitionedEntries:
    """Packed entries of one location, gathered by partition and written as one file in
    partition order; the offsets say where each partition's bytes are.

    This is the shuffle of dedup keys done through files: each partition's reader takes its
    byte range from every location's file, so no runner ever holds all entries in memory
    (the DirectRunner holds every GroupByKey's whole input). Memory here is bounded by one
    read task's entries.
    """

    def __init__(self, partitions: int):
        self._chunks: Dict[int, List[bytes]] = {}
        self._partitions = partitions

    def add(self, partition: int, blob: bytes) -> None:
        self._chunks.setdefault(partition, []).append(blob)

    def write(self, handle: BinaryIO) -> bytes:
        """Write the entries; returns the partition offsets (int64, partitions + 1) as bytes."""
        offsets = np.zeros(self._partitions + 1, dtype="<i8")
        position = 0
        for partition in range(self._partitions):
            offsets[partition] = position
            for blob in self._chunks.get(partition, ()):
                handle.write(blob)
                position += len(blob)
        offsets[self._partitions] = position
        self._chunks = {}
        return offsets.tobytes()


def partition_ranges(notes: Iterable[Tuple[int, bytes]], partitions: int
                     ) -> Iterator[Tuple[int, List[Tuple[int, int, int]]]]:
    """(location, offsets) of every location -> per partition, the non-empty (location,
    start, end) byte ranges its reader must read."""
    table = [(location, np.frombuffer(offsets, dtype="<i8")) for location, offsets in notes]
    for partition in range(partitions):
        ranges = [(location, int(o[partition]), int(o[partition + 1])) for location, o in table
                  if o[partition + 1] > o[partition]]
        if ranges:
            yield partition, ranges


def read_range(path: str, start: int, end: int, opener) -> bytes:
    with opener(path) as handle:
        handle.seek(start)
        return handle.read(end - start)


_SKETCH = struct.Struct("<IIQQQ")  # id length, fingerprint count, exact key (hi, lo), position


class SketchWriter:
    """Appends one sketch per work-file record, in the same order (ordinal = position)."""

    def __init__(self, handle: BinaryIO, num_perm: int):
        self._handle = handle
        self._num_perm = num_perm

    def write(self, doc_id: str, position: int, exact: Tuple[int, int], signature: np.ndarray,
              fingerprints: np.ndarray) -> None:
        raw_id = doc_id.encode("utf-8")
        self._handle.write(_SKETCH.pack(len(raw_id), len(fingerprints), exact[0], exact[1], position))
        self._handle.write(raw_id)
        self._handle.write(signature.astype("<u4", copy=False).tobytes())
        self._handle.write(fingerprints.astype("<u8", copy=False).tobytes())


class StoredSketch:
    __slots__ = ("ordinal", "id", "exact", "signature", "fingerprints", "position")

    def __init__(self, ordinal: int, doc_id: str, exact: Tuple[int, int],
                 signature: Optional[bytes], fingerprints: Optional[bytes], position: int = 0):
        self.ordinal = ordinal
        self.position = position
        self.id = doc_id
        self.exact = exact
        self.signature = signature
        self.fingerprints = fingerprints

    def exact_key(self) -> str:
        return f"{self.exact[0]:016x}{self.exact[1]:016x}"


def _headers(handle: BinaryIO) -> Iterator[Tuple[int, int, int, Tuple[int, int], int]]:
    """(ordinal, id length, fingerprint count, exact key, position) of each sketch; the
    caller reads or skips the body (id, signature, fingerprints) before taking the next."""
    ordinal = 0
    while True:
        header = handle.read(_SKETCH.size)
        if len(header) < _SKETCH.size:
            return
        id_length, count, hi, lo, position = _SKETCH.unpack(header)
        yield ordinal, id_length, count, (hi, lo), position
        ordinal += 1


def read_sketches(handle: BinaryIO, num_perm: int,
                  wanted: Optional[Set[int]] = None) -> Iterator[StoredSketch]:
    """Sketches of a sketch file, in order; with `wanted`, only those ordinals (the others
    are skipped without reading their fingerprints)."""
    signature_bytes = 4 * num_perm
    for ordinal, id_length, count, exact, position in _headers(handle):
        body = id_length + signature_bytes + 8 * count
        if wanted is None or ordinal in wanted:
            raw = handle.read(body)
            yield StoredSketch(ordinal, raw[:id_length].decode("utf-8"), exact,
                               raw[id_length:id_length + signature_bytes],
                               raw[id_length + signature_bytes:], position)
        else:
            handle.seek(body, 1)


def read_sketch_ids(handle: BinaryIO, num_perm: int) -> Iterator[Tuple[str, int]]:
    """Only the (id, position) of each sketch, in order."""
    for _, id_length, count, _, position in _headers(handle):
        yield handle.read(id_length).decode("utf-8"), position
        handle.seek(4 * num_perm + 8 * count, 1)


def fingerprint_array(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype="<u8")
