"""Reading raw input into `Document`s and writing them back, without Beam.

Every input line or row becomes exactly one `Document` or one input-stage `Rejection`, so a run
can always account for what it read: ``in == clean + rejected``. Rejections carry the source
and position but never the offending text, which may be exactly the PII we exist to remove.
"""
from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
import os
import posixpath
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from .config import InputConfig
from .document import Document, Rejection

FORMATS = ("jsonl", "jsonl.gz", "jsonl.zst", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
    ".jsonl.gz": "jsonl.gz", ".json.gz": "jsonl.gz", ".ndjson.gz": "jsonl.gz",
    ".jsonl.zst": "jsonl.zst", ".json.zst": "jsonl.zst", ".ndjson.zst": "jsonl.zst",
    ".parquet": "parquet",
}


class InputFormatError(ValueError):
    """An input path whose format cannot be told from its name."""


def detect_format(path: str) -> str:
    lower = path.lower()
    for ext in sorted(_EXTENSIONS, key=len, reverse=True):
        if lower.endswith(ext):
            return _EXTENSIONS[ext]
    raise InputFormatError(
        f"cannot tell the format of {path}: use one of the extensions "
        f"{', '.join(sorted(_EXTENSIONS))}")


def _absolute(path: str) -> str:
    """A local path made absolute; an object-store URL (`s3://b/k`) without its scheme."""
    if "://" in path:
        return "/" + path.split("://", 1)[1]
    return os.path.abspath(path)


def source_names(paths: List[str]) -> Dict[str, str]:
    """Short, stable names for input files: their paths relative to the inputs' common folder.

    Used in generated ids and rejection details, so they must not depend on where the
    working directory happens to be.
    """
    absolute = [_absolute(p) for p in paths]
    if len(absolute) == 1:
        return {paths[0]: posixpath.basename(absolute[0])}
    root = posixpath.commonpath([posixpath.dirname(p) for p in absolute])
    return {p: posixpath.relpath(a, root) for p, a in zip(paths, absolute)}


# --------------------------------------------------------------------------- reading


class ReadFailure:
    """Stands in for the rest of a file that could not be read (corrupt archive, bad Parquet)."""

    def __init__(self, error: BaseException):
        # Only the class: messages of decoders quote the bytes they choked on.
        self.error = type(error).__name__


# A raw input unit: (source name, position, payload). The position is the byte offset of the
# line in the (uncompressed) JSONL stream, or the 0-based row for Parquet: stable however the
# file is split between workers. The payload is the line's bytes, a decoded Parquet row, or a
# ReadFailure.
RawRecord = Tuple[str, int, Union[bytes, Dict[str, Any], ReadFailure]]


@dataclass(frozen=True)
class ReadTask:
    """One unit of reading: a whole file, or a byte range of a plain JSONL file."""

    path: str
    source: str
    start: int = 0
    end: Optional[int] = None  # None: to the end of the file


def plan_reads(paths: List[str], split_bytes: int,
               sizes: Optional[Dict[str, int]] = None) -> List[ReadTask]:
    """Cut inputs into read tasks; only uncompressed JSONL can be split.

    `sizes` (path -> bytes) comes from whatever file system holds the inputs; local files are
    asked directly when it is not given.
    """
    names = source_names(paths)
    tasks: List[ReadTask] = []
    for path in paths:
        size = sizes[path] if sizes is not None else os.path.getsize(path)
        if detect_format(path) != "jsonl" or size <= split_bytes:
            tasks.append(ReadTask(path, names[path]))
            continue
        for start in range(0, size, split_bytes):
            tasks.append(ReadTask(path, names[path], start, min(start + split_bytes, size)))
    return tasks


Opener = Callable[[str], BinaryIO]


def read_raw(task: ReadTask, opener: Opener = lambda path: open(path, "rb")) -> Iterator[RawRecord]:
    """Every line or row of one task; a file that breaks midway ends in one ReadFailure.

    `opener` opens a path as a binary, seekable stream: plain `open` for local files, a
    file system's own (Beam's FileSystems.open) for object stores.
    """
    position = task.start - 1
    try:
        if detect_format(task.path) == "parquet":
            rows: Iterable[Tuple[int, Any]] = enumerate(_read_parquet_rows(task.path, opener))
        else:
            rows = _read_lines(task, opener)
        for position, payload in rows:
            yield task.source, position, payload
    except Exception as exc:  # noqa: BLE001 - any decoder error makes the rest unreadable
        # Placed just past the last record read, so it sorts after it.
        yield task.source, position + 1, ReadFailure(exc)


def _read_lines(task: ReadTask, opener: Opener) -> Iterator[Tuple[int, bytes]]:
    """Lines that start inside [start, end): a line belongs to the range holding its first byte."""
    with _decompressed(opener(task.path), detect_format(task.path)) as handle:
        position = 0
        if task.start:
            handle.seek(task.start - 1)
            position = task.start - 1 + len(handle.readline())
        for line in handle:
            if task.end is not None and position >= task.end:
                return
            yield position, line
            position += len(line)


def _decompressed(raw: BinaryIO, fmt: str) -> BinaryIO:
    if fmt == "jsonl.gz":
        return gzip.GzipFile(fileobj=_Closing(raw), mode="rb")
    if fmt == "jsonl.zst":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return raw


class _Closing(io.RawIOBase):
    """A stream whose close() closes the wrapped one (GzipFile leaves its fileobj open)."""

    def __init__(self, raw: BinaryIO):
        super().__init__()
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _read_parquet_rows(path: str, opener: Opener) -> Iterator[Dict[str, Any]]:
    import pyarrow.parquet as pq

    with opener(path) as handle:
        for batch in pq.ParquetFile(handle).iter_batches(batch_size=1024):
            yield from batch.to_pylist()


def parse_raw(raw: RawRecord, config: InputConfig) -> Union[Document, Rejection, None]:
    """One raw line or row -> a Document, an input Rejection, or None for a blank JSONL line."""
    source, position, payload = raw
    where = {"source": source, "position": position}
    fallback_id = f"{source}:{position}"
    if isinstance(payload, ReadFailure):
        return Rejection(fallback_id, "input", "unreadable_file", {**where, "error": payload.error})
    if isinstance(payload, bytes):
        if position == 0 and payload.startswith(_UTF8_BOM):
            payload = payload[len(_UTF8_BOM):]
        if not payload.strip():
            return None
        try:
            line = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Rejection(fallback_id, "input", "invalid_utf8",
                             {**where, "error": type(exc).__name__, "byte_offset": exc.start})
        try:
            record = json.loads(line, parse_constant=_refuse_constant)
        except _NonFiniteNumber:
            return Rejection(fallback_id, "input", "malformed_json",
                             {**where, "error": "ValueError",
                              "message": "NaN and Infinity are not JSON numbers"})
        except json.JSONDecodeError as exc:
            return Rejection(fallback_id, "input", "malformed_json",
                             {**where, "error": type(exc).__name__, "message": exc.msg,
                              "column": exc.colno})
        except RecursionError:
            return Rejection(fallback_id, "input", "malformed_json",
                             {**where, "error": "RecursionError", "message": "nested too deeply"})
    else:
        record = payload
    if not isinstance(record, dict):
        return Rejection(fallback_id, "input", "not_an_object",
                         {**where, "json_type": type(record).__name__})
    doc_id = _record_id(record.get(config.id_field), fallback_id)
    if config.text_field not in record:
        return Rejection(doc_id, "input", "missing_text", {**where, "field": config.text_field})
    text = record[config.text_field]
    if not isinstance(text, str):
        return Rejection(doc_id, "input", "text_not_string",
                         {**where, "field": config.text_field, "json_type": type(text).__name__})
    if not text.strip():
        return Rejection(doc_id, "input", "empty_text", {**where})
    if len(text) > config.max_chars:
        return Rejection(doc_id, "input", "too_large",
                         {**where, "chars": len(text), "limit": config.max_chars})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # JSON escapes can smuggle lone surrogates that no UTF-8 writer can emit.
        return Rejection(doc_id, "input", "invalid_unicode",
                         {**where, "error": type(exc).__name__, "char_offset": exc.start})
    return Document(doc_id, text, record)


_UTF8_BOM = b"\xef\xbb\xbf"


class _NonFiniteNumber(ValueError):
    pass


def _refuse_constant(name: str):
    # Python's json accepts NaN/Infinity; written back they would make clean/ invalid JSON.
    raise _NonFiniteNumber(name)


def _record_id(value: Any, fallback: str) -> str:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return fallback


# --------------------------------------------------------------------------- writing


class PublicIds:
    """How ids are shown where nothing that could be PII may appear (rejected/, the dedup
    index): kept, or replaced by a stable pseudonym, the same for the same id in every run.

    Ids in real corpora are often user-derived (an e-mail address, a phone number). The
    pseudonym is an HMAC-SHA256 keyed by `key` when one is given (set pii.hash_key_env), so it
    cannot be reversed by hashing guesses; without a key it is a plain SHA-256.
    """

    PREFIX = "h:"

    def __init__(self, mode: str = "hash", key: Optional[str] = None):
        self._mode = mode
        self._key = key.encode("utf-8") if key else None

    def __call__(self, doc_id: str) -> str:
        if self._mode == "keep":
            return doc_id
        raw = doc_id.encode("utf-8")
        digest = (hmac.new(self._key, raw, hashlib.sha256) if self._key else hashlib.sha256(raw)).hexdigest()
        return self.PREFIX + digest[:20]


def rejection_line(rejection: Rejection, public: PublicIds, survivor_is_public: bool = False) -> bytes:
    """A rejected/ line with its ids shown as `public` says (`duplicate_of` too, unless it
    already came from the index, where ids are stored in their public form)."""
    record = rejection.to_json_dict()
    record["id"] = public(record["id"])
    if "duplicate_of" in record and not survivor_is_public:
        record["duplicate_of"] = public(record["duplicate_of"])
    return json_line(record)


def output_record(doc: Document, config: InputConfig) -> Dict[str, Any]:
    record = dict(doc.record)
    record[config.text_field] = doc.text
    record.update(doc.annotations)
    if config.id_field not in record:
        record[config.id_field] = doc.id
    return record


class RecordWriter:
    """Writes records one at a time to an open binary stream, in any supported format.

    Memory stays bounded whatever the number of records: JSONL is streamed (through gzip or
    zstd), Parquet is written in row groups of `parquet_rows`. The bytes depend only on the
    records, so two runs write identical files.
    """

    def __init__(self, handle: BinaryIO, fmt: str, parquet_rows: int = 2048):
        self.count = 0
        self._fmt = fmt
        self._raw = handle
        self._rows: List[Dict[str, Any]] = []
        self._parquet_rows = parquet_rows
        self._parquet = None
        if fmt == "jsonl.gz":
            # mtime=0 keeps the gzip header, and so the file, identical between runs.
            self._stream = gzip.GzipFile(fileobj=handle, mode="wb", mtime=0)
        elif fmt == "jsonl.zst":
            import zstandard

            self._stream = zstandard.ZstdCompressor().stream_writer(handle, closefd=False)
        else:
            self._stream = handle

    def write(self, record: Dict[str, Any]) -> None:
        if self._fmt == "parquet":
            self._rows.append(record)
            if len(self._rows) >= self._parquet_rows:
                self._flush_rows()
        else:
            self._stream.write(json_line(record))
        self.count += 1

    def write_line(self, line: bytes) -> None:
        """A record already serialized by `json_line` (no parse and dump again for JSONL)."""
        if self._fmt == "parquet":
            self.write(json.loads(line))
        else:
            self._stream.write(line)
            self.count += 1

    def _flush_rows(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            table = pa.Table.from_pylist(self._rows)
            self._parquet = pq.ParquetWriter(self._raw, table.schema)
        else:
            table = pa.Table.from_pylist(self._rows, schema=self._parquet.schema)
        self._parquet.write_table(table)
        self._rows = []

    def close(self) -> None:
        """Finish the format's framing; the caller closes the stream it opened."""
        if self._fmt == "parquet":
            if self._rows or self._parquet is None:
                self._flush_rows()
            self._parquet.close()
        elif self._stream is not self._raw:
            self._stream.close()


def json_line(record: Dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, default=str).encode("utf-8") + b"\n"


def write_records(path: str, records: Iterable[Dict[str, Any]], fmt: str) -> int:
    """Write records to one local file in the given format; returns how many were written."""
    with open(path, "wb") as handle:
        writer = RecordWriter(handle, fmt)
        for record in records:
            writer.write(record)
        writer.close()
    return writer.count


def load_records(path: str) -> List[Dict[str, Any]]:
    """Read back every record of one output file (any supported format)."""
    fmt = detect_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with _decompressed(open(path, "rb"), fmt) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def find_outputs(directory: str) -> List[str]:
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                  if name.startswith("part-"))
