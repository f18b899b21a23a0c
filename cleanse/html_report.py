"""report.html: the run's report.json as one page a person can read, offline.

One self-contained file (inline CSS and inline SVG, no script, no fonts or images to fetch), so
it can be mailed, archived next to the data or opened on an air-gapped machine. Every value
from the report is data, possibly user-controlled (file names, config strings, reason codes),
and is escaped wherever it appears.
"""
from __future__ import annotations

import json
import math
import re
from html import escape
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

WIDTH = 760  # SVG user units; every chart scales to the page width
KEPT_COLOUR = "#3a7d44"
PALETTE = ("#c0392b", "#d68910", "#7d3c98", "#2471a3", "#a04000", "#117a65", "#b03a2e",
           "#5d6d7e", "#af601a", "#1f618d")
HIST_BINS = 10
_HIST_KEY = re.compile(r"score_hist\.(?P<category>.+)\.(?P<bin>\d+)$")
_CLUSTER_KEY = re.compile(r"cluster_size\.(?P<size>\d+)$")
_MAX_CLUSTER_ROWS = 16

CSS = """
:root { --ok: #3a7d44; --bad: #c0392b; --muted: #5f6b76; --line: #d9dee3; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2329;
       margin: 0 auto; max-width: 980px; padding: 24px 20px 60px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 12px 3px 0; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.n, th.n { text-align: right; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f5f7f9; padding: 12px; overflow-x: auto; border-radius: 4px; }
.check { padding: 10px 14px; border-radius: 4px; font-weight: 600; margin: 8px 0; }
.check.ok { background: #e8f3ea; color: var(--ok); border: 1px solid var(--ok); }
.check.bad { background: #fbeaea; color: var(--bad); border: 2px solid var(--bad); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.note { color: var(--muted); font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 28px; }
.charts figure { margin: 0; }
figcaption { font-weight: 600; font-size: 14px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2329; }
svg text.muted { fill: #5f6b76; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #2471a3; }
"""


def render_html(report: Dict[str, Any]) -> str:
    """The whole page for one report.json dict; tolerant of missing sections."""
    stages = _dict(report.get("stages"))
    sections = [
        _header(report),
        _totals(_dict(report.get("totals"))),
        _funnel(stages),
        _pii(stages),
        _toxicity(stages, _dict(_dict(report.get("config")).get("toxicity"))),
        _dedup(stages),
        _other_counters(stages),
        _config(report.get("config")),
    ]
    started = _dict(report.get("timing")).get("started_at")
    title = f"cleanse report{' — ' + str(started) if started else ''}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(sections) + "\n</body>\n</html>\n")


def write_html(path: str, report: Dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_html(report))


# ---- sections ---------------------------------------------------------------------------------

def _header(report: Dict[str, Any]) -> str:
    timing = _dict(report.get("timing"))
    totals = _dict(report.get("totals"))
    runner = _dict(report.get("runner"))
    inputs = [str(p) for p in _list(report.get("inputs"))]
    files = _dict(report.get("files"))
    seconds = timing.get("seconds")
    rate = ""
    if _is_number(seconds) and seconds > 0 and _is_number(totals.get("in")):
        rate = f" ({_n(totals['in'] / seconds)} records/s)"
    rows = [
        ("started", _e(timing.get("started_at", "unknown"))),
        ("duration", _e(_duration(seconds) + rate)),
        ("inputs", _inputs(inputs)),
        ("output", f"<code>{_e(report.get('output', ''))}</code> — {_n(files.get('clean', 0))} "
                   f"clean files, {_n(files.get('rejected', 0))} rejected files"),
        ("runner", _runner(runner)),
        ("stages", _e(" → ".join(str(s) for s in _dict(report.get("stages"))) or "none")),
        ("versions", _e(", ".join(f"{k} {v}" for k, v in _dict(report.get("versions")).items()))),
    ]
    meta = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (f"<header><h1>cleanse run report</h1>\n<p class=\"sub\">{_n(totals.get('in', 0))} "
            f"records read, {_n(totals.get('clean', 0))} clean, "
            f"{_n(totals.get('rejected', 0))} rejected</p>\n<dl class=\"meta\">{meta}</dl></header>")


def _runner(runner: Dict[str, Any]) -> str:
    parts = []
    if runner.get("engine"):
        parts.append(f"engine {_e(runner['engine'])}")
    if runner.get("workers"):
        parts.append(f"{_n(runner['workers'])} workers")
    args = " ".join(str(a) for a in _list(runner.get("args")))
    if args:
        parts.append(f"<code>{_e(args)}</code>")
    return ", ".join(parts) or "Beam defaults (DirectRunner, in-process)"


def _inputs(inputs: List[str]) -> str:
    if not inputs:
        return "none"
    shown = "<br>".join(f"<code>{_e(p)}</code>" for p in inputs[:5])
    if len(inputs) <= 5:
        return shown
    rest = "<br>".join(f"<code>{_e(p)}</code>" for p in inputs[5:])
    return (f"{shown}<details><summary>and {_n(len(inputs) - 5)} more</summary>{rest}"
            f"</details>")


def _totals(totals: Dict[str, Any]) -> str:
    read, clean, rejected = (totals.get(k) for k in ("in", "clean", "rejected"))
    numbers = all(_is_number(v) for v in (read, clean, rejected))
    # Recomputed here rather than trusting the flag: the page must not hide a mismatch.
    balanced = numbers and read == clean + rejected and totals.get("balanced", True) is not False
    if balanced:
        verdict = (f"<div class=\"check ok\">✓ balanced: in {_n(read)} = clean {_n(clean)} + "
                   f"rejected {_n(rejected)}</div>")
    else:
        detail = (f"in {_n(read)} ≠ clean {_n(clean)} + rejected {_n(rejected)}"
                  + (f" (off by {_n(read - clean - rejected)})" if numbers else ""))
        verdict = f"<div class=\"check bad\">✗ COUNTS DO NOT ADD UP: {_e(detail)}</div>"
    blank = totals.get("blank_lines_skipped")
    extra = (f"<p class=\"note\">{_n(blank)} blank lines skipped (not records).</p>"
             if _is_number(blank) and blank else "")
    return f"<section id=\"totals\"><h2>Totals check</h2>\n{verdict}\n{extra}</section>"


def _funnel(stages: Dict[str, Any]) -> str:
    if not stages:
        return ("<section id=\"funnel\"><h2>Stages</h2><p class=\"note\">no stage counts in this "
                "report.</p></section>")
    reasons = _reason_colours(stages)
    scale = max([_int(_dict(e).get("in")) for e in stages.values()] + [1])
    label_w, bar_w, row_h = 110, 420, 30
    rows = []
    for i, (name, raw) in enumerate(stages.items()):
        entry = _dict(raw)
        y = i * row_h + 4
        n_in, n_out = _int(entry.get("in")), _int(entry.get("out"))
        rows.append(f"<text x=\"0\" y=\"{y + 15}\">{_e(name)}</text>")
        # A stage's bar spans the records that entered it, so the stages read as a funnel.
        rows.append(f"<rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w * n_in / scale:.1f}\" "
                    f"height=\"20\" fill=\"#eef1f4\"/>")
        x = float(label_w)
        segments = [("kept", n_out, KEPT_COLOUR)]
        segments += [(r, _int(n), reasons[r]) for r, n in _dict(entry.get("rejected")).items()]
        for label, count, colour in segments:
            width = bar_w * count / scale
            if width <= 0:
                continue
            rows.append(f"<rect x=\"{x:.1f}\" y=\"{y}\" width=\"{width:.1f}\" height=\"20\" "
                        f"fill=\"{colour}\"><title>{_e(label)}: {_n(count)}</title></rect>")
            x += width
        rejected = _int(entry.get("rejected_total"))
        text = f"{_n(n_in)} → {_n(n_out)}" + (f"  (−{_n(rejected)})" if rejected else "")
        rows.append(f"<text x=\"{label_w + bar_w + 10}\" y=\"{y + 15}\">{_e(text)}</text>")
    height = len(stages) * row_h + 4
    svg = _svg(height, "records in and out of each stage", rows)
    return ("<section id=\"funnel\"><h2>Stages: records in → out</h2>\n"
            "<p class=\"note\">Bar length is records entering the stage; green is what it kept, "
            "other colours what it rejected, by reason.</p>\n"
            f"{svg}\n{_stage_table(stages, reasons)}</section>")


def _stage_table(stages: Dict[str, Any], reasons: Dict[str, str]) -> str:
    head = ("<tr><th>stage</th><th class=\"n\">in</th><th class=\"n\">out</th>"
            "<th class=\"n\">rejected</th><th>rejected by reason</th><th class=\"n\">busy s</th>"
            "<th class=\"n\" title=\"records per busy second of one process\">docs/s/process</th>"
            "<th class=\"n\">processes</th></tr>")
    body = []
    for name, raw in stages.items():
        entry = _dict(raw)
        by_reason = sorted(_dict(entry.get("rejected")).items(), key=lambda kv: -_int(kv[1]))
        reason_text = "<br>".join(
            f"<span class=\"swatch\" style=\"background:{reasons[r]}\"></span>{_e(r)} {_n(n)}"
            for r, n in by_reason) or "—"
        body.append(
            f"<tr><td>{_e(name)}</td><td class=\"n\">{_n(entry.get('in', 0))}</td>"
            f"<td class=\"n\">{_n(entry.get('out', 0))}</td>"
            f"<td class=\"n\">{_n(entry.get('rejected_total', 0))}</td><td>{reason_text}</td>"
            f"<td class=\"n\">{_n(entry.get('busy_seconds', '—'), 1)}</td>"
            f"<td class=\"n\">{_per_second(entry.get('in'), entry.get('busy_seconds'))}</td>"
            f"<td class=\"n\">{_n(entry.get('processes', '—'))}</td></tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _per_second(count: Any, busy_seconds: Any) -> str:
    # busy_seconds sums every process's time in the stage, so this is one process's speed.
    if _is_number(count) and _is_number(busy_seconds) and busy_seconds > 0:
        return _n(count / busy_seconds, 1 if count / busy_seconds < 10 else 0)
    return "—"


def _pii(stages: Dict[str, Any]) -> str:
    found = [(name, _dict(_dict(e).get("entities"))) for name, e in stages.items()
             if _dict(e).get("entities")]
    if not found:
        message = ("no PII stage in this run" if "pii" not in stages
                   else "the PII stage found no entities")
        return f"<section id=\"pii\"><h2>PII entities</h2><p class=\"note\">{message}.</p></section>"
    parts = []
    for name, entities in found:
        items = sorted(((str(k), _int(v)) for k, v in entities.items()), key=lambda kv: -kv[1])
        total = sum(v for _, v in items)
        caption = (f"{name}: {_n(total)} entities found" if len(found) > 1
                   else f"{_n(total)} entities found and anonymized")
        chart = _hbars(items, f"{name} entities by type", colour="#2471a3")
        parts.append(f"<h3>{_e(caption)}</h3>\n{chart}")
    return "<section id=\"pii\"><h2>PII entities by type</h2>\n" + "\n".join(parts) + "</section>"


def _toxicity(stages: Dict[str, Any], config: Dict[str, Any]) -> str:
    head = "<section id=\"toxicity\"><h2>Harm scores</h2>\n"
    if "toxicity" not in stages:
        return head + "<p class=\"note\">no toxicity stage in this run.</p></section>"
    histograms = score_histograms(_dict(_dict(stages["toxicity"]).get("counters")))
    if not histograms:
        return head + ("<p class=\"note\">the toxicity stage recorded no score histogram."
                       "</p></section>")
    thresholds = _dict(config.get("thresholds"))
    charts = []
    for category, bins in histograms.items():
        threshold = thresholds.get(category)
        charts.append(_histogram(category, bins, threshold if _is_number(threshold) else None))
    return (head + "<p class=\"note\">Documents per score tenth, per category. Bar height is on "
            "a log scale so the rare high scores stay visible; the numbers are exact. A dashed "
            "line marks a configured threshold.</p>\n<div class=\"charts\">"
            + "".join(charts) + "</div></section>")


def score_histograms(counters: Dict[str, Any]) -> Dict[str, List[int]]:
    """{category: [count per bin 0..9]} from `score_hist.<category>.<bin>` counters."""
    found: Dict[str, List[int]] = {}
    for key, value in counters.items():
        match = _HIST_KEY.match(str(key))
        if not match or int(match["bin"]) >= HIST_BINS:
            continue
        bins = found.setdefault(match["category"], [0] * HIST_BINS)
        bins[int(match["bin"])] += _int(value)
    return dict(sorted(found.items()))


def _histogram(category: str, bins: Sequence[int], threshold: Optional[float]) -> str:
    width, height, left, bottom, top = 330, 170, 8, 22, 18
    plot_h = height - bottom - top
    bar_w = (width - 2 * left) / HIST_BINS
    peak = math.log1p(max(bins) or 1)
    rows = []
    for i, count in enumerate(bins):
        x = left + i * bar_w
        h = plot_h * math.log1p(count) / peak if count else 0
        y = top + plot_h - h
        colour = PALETTE[0] if (threshold is not None and (i + 1) / HIST_BINS > threshold) \
            else "#7f8c8d"
        rows.append(f"<rect x=\"{x + 2:.1f}\" y=\"{y:.1f}\" width=\"{bar_w - 4:.1f}\" "
                    f"height=\"{h:.1f}\" fill=\"{colour}\"><title>score {i / 10:.1f}–"
                    f"{(i + 1) / 10:.1f}: {_n(count)}</title></rect>")
        rows.append(f"<text x=\"{x + bar_w / 2:.1f}\" y=\"{y - 4:.1f}\" text-anchor=\"middle\" "
                    f"font-size=\"10\">{_short(count)}</text>")
        rows.append(f"<text class=\"muted\" x=\"{x + bar_w / 2:.1f}\" y=\"{height - 6}\" "
                    f"text-anchor=\"middle\" font-size=\"10\">{i / 10:.1f}</text>")
    rows.append(f"<line x1=\"{left}\" x2=\"{width - left}\" y1=\"{top + plot_h}\" "
                f"y2=\"{top + plot_h}\" stroke=\"#95a5a6\"/>")
    if threshold is not None and 0 <= threshold <= 1:
        tx = left + threshold * (width - 2 * left)
        rows.append(f"<line x1=\"{tx:.1f}\" x2=\"{tx:.1f}\" y1=\"{top - 6}\" y2=\"{top + plot_h}\" "
                    f"stroke=\"{PALETTE[0]}\" stroke-dasharray=\"4 3\"/>")
    total = sum(bins)
    caption = f"{category} ({_n(total)} scored)"
    svg = _svg(height, f"{category} harm score histogram", rows, width=width)
    return f"<figure><figcaption>{_e(caption)}</figcaption>{svg}</figure>"


def _dedup(stages: Dict[str, Any]) -> str:
    head = "<section id=\"dedup\"><h2>Duplicate clusters</h2>\n"
    if "dedup" not in stages:
        return head + "<p class=\"note\">no dedup stage in this run.</p></section>"
    sizes = cluster_sizes(_dict(_dict(stages["dedup"]).get("counters")))
    if not sizes:
        return head + "<p class=\"note\">no duplicate clusters were found.</p></section>"
    clusters = sum(sizes.values())
    docs = sum(k * n for k, n in sizes.items())
    removable = sum((k - 1) * n for k, n in sizes.items())
    summary = (f"<p>{_n(clusters)} clusters holding {_n(docs)} documents; keeping one per "
               f"cluster removes {_n(removable)}.</p>")
    rows = [(label, n) for label, n in _bucket_sizes(sizes)]
    return (head + summary + _hbars(rows, "clusters by size", colour="#7d3c98",
                                    label_prefix="size ") + "</section>")


def cluster_sizes(counters: Dict[str, Any]) -> Dict[int, int]:
    """{cluster size: number of clusters} from `cluster_size.<k>` counters."""
    found: Dict[int, int] = {}
    for key, value in counters.items():
        match = _CLUSTER_KEY.match(str(key))
        if match and int(match["size"]) >= 1 and _int(value) > 0:
            found[int(match["size"])] = found.get(int(match["size"]), 0) + _int(value)
    return dict(sorted(found.items()))


def _bucket_sizes(sizes: Dict[int, int]) -> List[Tuple[str, int]]:
    if len(sizes) <= _MAX_CLUSTER_ROWS:
        return [(str(k), n) for k, n in sizes.items()]
    # Long tails (one cluster of 512, one of 37...) read better as powers-of-two ranges.
    buckets: Dict[Tuple[int, int], int] = {}
    for k, n in sizes.items():
        high = k if k <= 2 else 2 ** math.ceil(math.log2(k))
        low = k if k <= 2 else high // 2 + 1
        buckets[(low, high)] = buckets.get((low, high), 0) + n
    return [(str(lo) if lo == hi else f"{lo}–{hi}", n) for (lo, hi), n in sorted(buckets.items())]


def _other_counters(stages: Dict[str, Any]) -> str:
    rows = []
    for name, raw in stages.items():
        for key, value in sorted(_dict(_dict(raw).get("counters")).items()):
            if _HIST_KEY.match(str(key)) or _CLUSTER_KEY.match(str(key)):
                continue
            rows.append(f"<tr><td>{_e(name)}</td><td><code>{_e(key)}</code></td>"
                        f"<td class=\"n\">{_n(value)}</td></tr>")
    if not rows:
        return ""
    return ("<section id=\"counters\"><h2>Other counters</h2>\n<details><summary>"
            f"{_n(len(rows))} counters</summary><table><tr><th>stage</th><th>counter</th>"
            f"<th class=\"n\">value</th></tr>{''.join(rows)}</table></details></section>")


def _config(config: Any) -> str:
    text = json.dumps(config, indent=2, sort_keys=False, default=str, ensure_ascii=False)
    return ("<section id=\"config\"><h2>Effective configuration</h2>\n<details><summary>"
            f"show the configuration this run used</summary><pre>{_e(text)}</pre></details>"
            "</section>")


# ---- drawing helpers --------------------------------------------------------------------------

def _hbars(items: Iterable[Tuple[str, int]], label: str, colour: str,
           label_prefix: str = "") -> str:
    items = list(items)
    label_w, bar_w, row_h = 190, 440, 22
    scale = max([n for _, n in items] + [1])
    rows = []
    for i, (name, count) in enumerate(items):
        y = i * row_h + 2
        width = max(bar_w * count / scale, 1 if count else 0)
        rows.append(f"<text x=\"0\" y=\"{y + 13}\">{_e(label_prefix + name)}</text>")
        rows.append(f"<rect x=\"{label_w}\" y=\"{y}\" width=\"{width:.1f}\" height=\"16\" "
                    f"fill=\"{colour}\"><title>{_e(name)}: {_n(count)}</title></rect>")
        rows.append(f"<text x=\"{label_w + width + 6:.1f}\" y=\"{y + 13}\">{_n(count)}</text>")
    return _svg(len(items) * row_h + 4, label, rows)


def _svg(height: float, label: str, body: List[str], width: int = WIDTH) -> str:
    return (f"<svg viewBox=\"0 0 {width} {height:.0f}\" "
            f"width=\"{width}\" height=\"{height:.0f}\" role=\"img\" aria-label=\"{_e(label)}\">"
            + "".join(body) + "</svg>")


def _reason_colours(stages: Dict[str, Any]) -> Dict[str, str]:
    reasons = sorted({str(r) for e in stages.values() for r in _dict(_dict(e).get("rejected"))})
    return {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(reasons)}


# ---- value helpers: report values are data, never trusted to have the expected type ----------

def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int(value: Any) -> int:
    return int(value) if _is_number(value) and value > 0 else 0


def _n(value: Any, digits: int = 0) -> str:
    if not _is_number(value):
        return _e(value)
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}"


def _short(count: int) -> str:
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if count >= size:
            return f"{count / size:.2g}{suffix}" if count < 10 * size else \
                f"{count // size}{suffix}"
    return str(count)


def _duration(seconds: Any) -> str:
    if not _is_number(seconds):
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"
