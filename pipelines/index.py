"""The dedup index of earlier runs, on any Beam file system.

An index is a folder (or prefix) of Parquet part files, one row per published document (id,
exact key, MinHash signature, shingle fingerprints), and `manifest.json`, which names the
sketch parameters and every part that belongs to the index, with the run and the output it
came from. A part not named in the manifest does not exist for readers: a run writes its new
parts first (under names no other run uses) and makes them part of the index by replacing the
manifest, one write that is atomic on local disk (rename) and on object stores (one PUT).

Re-running a batch into the same output with `--overwrite` drops the parts that came from the
output being replaced, so the batch is deduplicated against the index as it was before that
output was published, not against itself.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from cleanse.config import DedupConfig
from cleanse.dedup import INDEX_MANIFEST, check_manifest_parameters, index_manifest
from cleanse.errors import SetupError

from . import files

PART_PREFIX = "rows-"


@dataclass
class IndexState:
    """What one run reads and will publish: the manifest as found, the parts it dedups
    against, and the parts it drops because they came from the output it replaces."""

    directory: str
    manifest: Dict[str, object]
    read_parts: List[Dict[str, object]] = field(default_factory=list)
    dropped_parts: List[Dict[str, object]] = field(default_factory=list)

    def part_paths(self) -> List[str]:
        return [files.join(self.directory, p["file"]) for p in self.read_parts]


def load(directory: str, config: DedupConfig, replacing: Optional[Dict[str, str]] = None) -> IndexState:
    """The index at `directory` (empty when there is none yet), checked against the config.

    `replacing`: {"output": path, "run": id} of an earlier output this run overwrites; its
    parts are left out of what this run reads and out of the manifest it publishes.
    """
    manifest_path = files.join(directory, INDEX_MANIFEST)
    manifest = files.read_json(manifest_path)
    if manifest is None:
        if files.is_local(directory) and os.path.isdir(directory) and os.listdir(directory):
            raise SetupError(f"{directory} is not a dedup index (no {INDEX_MANIFEST}): name an "
                             f"empty or missing folder to start a new index")
        return IndexState(directory, {**index_manifest(config), "parts": []})
    check_manifest_parameters(directory, manifest, config)
    parts = manifest.get("parts")
    if parts is None:  # an index written by the library or an older cleanse: every .parquet
        parts = [{"file": files.basename(p)} for p in sorted(files.list_files(directory))
                 if p.endswith(".parquet")]
    state = IndexState(directory, {**manifest, "parts": parts})
    for part in parts:
        if replacing and part.get("output") == replacing["output"] and part.get("run") == replacing["run"]:
            state.dropped_parts.append(part)
        else:
            state.read_parts.append(part)
    return state


def new_part_name(run_id: str, task_index: int) -> str:
    return f"{PART_PREFIX}{run_id}-{task_index:06d}.parquet"


def publish(state: IndexState, run_id: str, output: str, new_parts: Dict[str, int]) -> Dict[str, object]:
    """Name this run's parts (file -> rows) in a new manifest, written last."""
    parts = state.read_parts + [{"file": name, "run": run_id, "output": output, "rows": rows}
                                for name, rows in sorted(new_parts.items())]
    manifest = {**state.manifest, "parts": parts}
    path = files.join(state.directory, INDEX_MANIFEST)
    if files.is_local(path):
        temporary = f"{path}.{run_id}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    else:
        files.write_json(path, manifest)
    return manifest


def unlisted_parts(directory: str, manifest: Dict[str, object]) -> List[str]:
    """Part files no manifest names: left by runs that died, or dropped by a re-run."""
    listed = {p["file"] for p in manifest.get("parts", [])}
    return [p for p in files.list_files(directory)
            if files.basename(p).startswith(PART_PREFIX) and files.basename(p) not in listed]
