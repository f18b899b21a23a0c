"""Every file the pipeline touches goes through Beam's FileSystems: local paths, `s3://`, `gs://`.

Compression is always handled by cleanse itself (gzip and zstd by extension), never by Beam's
guess from the name, so what is read and written is the same on every file system.
"""
from __future__ import annotations

import io
import json
import os
import posixpath
from typing import BinaryIO, Dict, Iterable, List, Optional

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

RAW = CompressionTypes.UNCOMPRESSED


def is_local(path: str) -> bool:
    return "://" not in path


def absolute(path: str) -> str:
    return os.path.abspath(path) if is_local(path) else path.rstrip("/")


def join(base: str, *parts: str) -> str:
    return os.path.join(base, *parts) if is_local(base) else posixpath.join(base, *parts)


def parent(path: str) -> str:
    return os.path.dirname(path) if is_local(path) else posixpath.dirname(path.rstrip("/"))


def basename(path: str) -> str:
    return os.path.basename(path) if is_local(path) else posixpath.basename(path.rstrip("/"))


def open_read(path: str) -> BinaryIO:
    return FileSystems.open(path, compression_type=RAW)


def open_write(path: str) -> BinaryIO:
    """A new file (folders are made as needed); on object stores it appears when closed."""
    return FileSystems.create(path, compression_type=RAW)


class LazyOutput:
    """A file created by its first write: empty files are never created, because object
    stores refuse an upload without any part (S3 answers CompleteMultipartUpload with
    MalformedXML). Readers use `open_read_or_empty` for files that may not exist."""

    def __init__(self, path: str):
        self.path = path
        self._handle: Optional[BinaryIO] = None

    @property
    def created(self) -> bool:
        return self._handle is not None

    def write(self, data: bytes) -> int:
        if self._handle is None:
            if not data:
                return 0
            self._handle = open_write(self.path)
        return self._handle.write(data)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> "LazyOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_read_or_empty(path: str) -> BinaryIO:
    return open_read(path) if exists(path) else io.BytesIO(b"")


def exists(path: str) -> bool:
    return FileSystems.exists(path)


def list_files(prefix: str) -> Dict[str, int]:
    """Every file under a folder or prefix, recursively -> its size in bytes."""
    pattern = join(prefix, "**")
    found = {}
    for result in FileSystems.match([pattern]):
        for meta in result.metadata_list:
            found[meta.path] = meta.size_in_bytes
    return found


def match(pattern: str) -> Dict[str, int]:
    """Files a glob (or a plain path) names -> sizes; nothing for a missing path."""
    try:
        results = FileSystems.match([pattern])
    except Exception:  # noqa: BLE001 - a missing bucket or folder matches nothing
        return {}
    return {m.path: m.size_in_bytes for r in results for m in r.metadata_list}


def delete(paths: Iterable[str]) -> None:
    paths = [p for p in paths if exists(p)]
    if paths:
        FileSystems.delete(paths)


def delete_tree(prefix: str) -> None:
    """A local folder, or every object under a prefix."""
    if is_local(prefix):
        if os.path.lexists(prefix):
            FileSystems.delete([prefix])
        return
    delete(sorted(list_files(prefix)))


def write_json(path: str, value) -> None:
    with open_write(path) as handle:
        handle.write(json.dumps(value, indent=1, sort_keys=True).encode("utf-8"))


def read_json(path: str) -> Optional[dict]:
    if not exists(path):
        return None
    with open_read(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


def rename_tree(source: str, destination: str, names: List[str]) -> None:
    """Move the named files (relative paths) from one prefix to another (object stores)."""
    if names:
        FileSystems.rename([join(source, n) for n in names], [join(destination, n) for n in names])
