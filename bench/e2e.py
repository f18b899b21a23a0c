"""End-to-end benchmark: the whole cleanse pipeline against the hand-written sequential script.

    python -m bench.e2e --docs 100000 --workers 1,2 --baseline-docs 5000 --seed 7
                        [--out bench/out/e2e] [--keep]

In one process run:
1. generates the labelled corpus (bench.corpus, with malformed lines) into --out, or reuses it
   when the same size, seed and generator source produced it before;
2. runs `python -m cleanse run` on it once per worker count, measuring wall seconds, docs/s,
   CPU seconds and peak memory of the whole process tree (RSS of the process and all its
   descendants, summed, sampled every 0.2 s), and each stage's busy seconds from report.json;
3. runs the sequential baseline (bench.sequential_baseline) and cleanse with each worker count
   on the same subset of the corpus (the first --baseline-docs documents, completed with the other
   members of their near-duplicate families so deduplication has something to find), so the
   cleanse/baseline throughput ratio is measured on identical documents in the same run;
4. scores the quality of both outputs on that subset, and of the full cleanse run, from the
   labels (bench/e2e_quality.py);
5. prints a throughput table, a quality table and the machine, and writes them to
   --out/e2e.md and --out/e2e.json.

Every run is a child process, so the figures include start-up (model loading, Beam pipeline
construction): that is what a user waits for. The machine is shared; compare the ratios, and
read the CPU seconds and load averages next to the wall seconds.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

from bench import e2e_quality
from bench.e2e_quality import RunOutcome

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = ("pii", "toxicity", "dedup")
# Cleanse rejection stages -> e2e_quality removal causes.
_CLEANSE_CAUSE = {"input": "input", "pii": "pii", "toxicity": "harm", "dedup": "duplicate",
                  "output": "error"}
_BASELINE_RUNNER = ("import json, sys\n"
                    "from bench.sequential_baseline import run\n"
                    "print(json.dumps(run(sys.argv[1], sys.argv[2])))\n")


# --------------------------------------------------------------------------- measuring


class ProcessTreeMonitor:
    """Samples a process and all its descendants: peak summed RSS and CPU seconds.

    CPU seconds are each process's own user+system time as last seen (children's times are
    not added from the parent, so nothing is counted twice); a process that lives less than
    one sampling interval is missed, which is noise next to minutes of work.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self._cpu: Dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "ProcessTreeMonitor":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        psutil = self._psutil
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        for process in processes:
            try:
                with process.oneshot():
                    rss += process.memory_info().rss
                    times = process.cpu_times()
            except psutil.Error:
                continue
            self._cpu[process.pid] = times.user + times.system
        self.peak_rss = max(self.peak_rss, rss)


def measure(command: List[str], log_path: str) -> Dict[str, object]:
    """Run a command (stdout kept, stderr to a log), sampling its process tree."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=log)
        with ProcessTreeMonitor(process.pid) as monitor:
            stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        with open(log_path, "rb") as log:
            tail = log.read()[-3000:].decode("utf-8", "replace")
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}:\n{tail}")
    return {"wall_seconds": round(wall, 2), "cpu_seconds": round(monitor.cpu_seconds, 2),
            "peak_mb": round(monitor.peak_rss / 2**20), "load_at_start": round(load, 2),
            "stdout": stdout.decode("utf-8", "replace")}


def run_cleanse(in_path: str, out_dir: str, workers: int, lines: int) -> Dict[str, object]:
    command = [sys.executable, "-m", "cleanse", "run", "--input", in_path, "--output", out_dir,
               "--workers", str(workers), "--quiet", "--overwrite"]
    result = measure(command, out_dir.rstrip("/") + ".log")
    result.pop("stdout")
    with open(os.path.join(out_dir, "report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    result.update({
        "system": "cleanse", "workers": workers, "input": os.path.basename(in_path),
        "lines": lines, "docs_per_s": round(lines / result["wall_seconds"], 2),
        "stage_seconds": {stage: report["stages"].get(stage, {}).get("busy_seconds")
                          for stage in STAGES},
        "engine": report["runner"].get("engine"), "balanced": report["totals"]["balanced"],
    })
    return result


def run_baseline(in_path: str, out_path: str, lines: int) -> Dict[str, object]:
    command = [sys.executable, "-c", _BASELINE_RUNNER, in_path, out_path]
    result = measure(command, out_path + ".log")
    counts = json.loads(result.pop("stdout").strip().splitlines()[-1])
    seconds = counts.pop("seconds")
    result.update({
        "system": "baseline", "workers": 1, "input": os.path.basename(in_path), "lines": lines,
        "docs_per_s": round(lines / result["wall_seconds"], 2),
        "stage_seconds": {stage: seconds.get(stage) for stage in STAGES},
        "counts": counts,
    })
    return result


# --------------------------------------------------------------------------- corpus


def _sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def prepare_corpus(out: str, docs: int, seed: int) -> Tuple[str, str]:
    """The corpus and its labels, regenerated only when size, seed or generator changed."""
    stem = os.path.join(out, f"corpus-n{docs}-s{seed}")
    corpus, labels, params_path = stem + ".jsonl", stem + ".labels.jsonl", stem + ".params.json"
    params = {"docs": docs, "seed": seed, "malformed": True,
              "generator_sha256": _sha256(os.path.join(REPO, "bench", "corpus.py"))}
    if os.path.exists(params_path) and os.path.exists(corpus) and os.path.exists(labels):
        with open(params_path, encoding="utf-8") as handle:
            if json.load(handle) == params:
                print(f"reusing {corpus}", file=sys.stderr)
                return corpus, labels
    print(f"generating {docs} documents into {corpus}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "bench.corpus", "--n", str(docs), "--seed", str(seed),
                    "--malformed", "--out", corpus, "--labels", labels],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    with open(params_path, "w", encoding="utf-8") as handle:
        json.dump(params, handle)
    return corpus, labels


def read_labels(path: str) -> List[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def write_subset(corpus: str, labels: List[dict], docs: int, path: str) -> List[dict]:
    """The first `docs` documents (with the malformed lines among them) plus the other members
    of their families, in corpus order; returns the subset's labels, renumbered."""
    chosen, families = set(), set()
    seen = 0
    for label in labels:
        if seen >= docs:
            break
        chosen.add(label["line"])
        if label["malformed"] is None:
            seen += 1
            if label["family"]:
                families.add(label["family"])
    chosen.update(label["line"] for label in labels if label["family"] in families)
    subset: List[dict] = []
    with open(corpus, "rb") as source, open(path, "wb") as sink:
        for number, line in enumerate(source, 1):
            if number in chosen:
                sink.write(line)
                subset.append(dict(labels[number - 1], line=len(subset) + 1))
    return subset


def line_offsets(path: str) -> List[int]:
    """Byte offset of each line: cleanse names id-less records `<file name>:<offset>`."""
    offsets, position = [], 0
    with open(path, "rb") as handle:
        for line in handle:
            offsets.append(position)
            position += len(line)
    return offsets


# --------------------------------------------------------------------------- outcomes


def same_outputs(out_dirs: List[str]) -> bool:
    """Whether every run wrote byte-identical clean/ and rejected/ files (worker counts must
    not change the result)."""
    def digest(out_dir: str) -> Dict[str, str]:
        found = {}
        for part in ("clean", "rejected"):
            folder = os.path.join(out_dir, part)
            for name in sorted(os.listdir(folder)):
                found[f"{part}/{name}"] = _sha256(os.path.join(folder, name))
        return found
    digests = [digest(d) for d in out_dirs]
    return all(d == digests[0] for d in digests[1:])


def cleanse_outcome(out_dir: str, in_path: str, labels: List[dict]) -> RunOutcome:
    from cleanse.records import find_outputs, load_records

    name = os.path.basename(in_path)
    offsets = line_offsets(in_path)
    # Lines rejected before their id could be read (invalid UTF-8, broken JSON) and records
    # without an id are named by position, the others by id.
    line_of = {f"{name}:{offset}": number for number, offset in enumerate(offsets, 1)}
    line_of.update((label["id"], label["line"]) for label in labels if label["id"] is not None)
    outcome = RunOutcome()
    for path in find_outputs(os.path.join(out_dir, "clean")):
        for record in load_records(path):
            outcome.survived[line_of[str(record["id"])]] = record["text"]
    # Rejections name their record by byte offset (ids there are pseudonyms).
    line_at = {offset: number for number, offset in enumerate(offsets, 1)}
    for path in find_outputs(os.path.join(out_dir, "rejected")):
        for record in load_records(path):
            outcome.removed[line_at[record["position"]]] = _CLEANSE_CAUSE[record["stage"]]
    outcome.add_missing(labels)
    return outcome


def _baseline_readable(line: bytes) -> Optional[dict]:
    """The record the baseline would process from this line (same rules), or None."""
    try:
        record = json.loads(line.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    text = record.get("text") if isinstance(record, dict) else None
    return record if isinstance(text, str) and text.strip() else None


def baseline_outcome(in_path: str, out_path: str, labels: List[dict]) -> RunOutcome:
    """Survivors from the baseline's output; removal causes re-derived with its own components.

    The baseline writes survivors only, in input order and with every field but the text kept,
    so output records are aligned to input lines by those fields. Why a readable document is
    missing is decided the way the script decides: scrubbed text that spaCy refuses -> error,
    profanity-check >= its threshold -> harm, otherwise it was a near-duplicate.
    """
    with open(in_path, "rb") as handle:
        records = [_baseline_readable(line) for line in handle]
    with open(out_path, encoding="utf-8") as handle:
        written = [json.loads(line) for line in handle]

    def key(record: dict) -> str:
        return json.dumps({k: v for k, v in record.items() if k != "text"}, sort_keys=True)

    outcome = RunOutcome()
    position = 0
    for record in written:
        wanted = key(record)
        while records[position] is None or key(records[position]) != wanted:
            position += 1
        outcome.survived[position + 1] = record["text"]
        position += 1

    removed = [i for i, record in enumerate(records)
               if i + 1 not in outcome.survived and record is not None]
    for i, record in enumerate(records):
        if record is None:
            outcome.removed[i + 1] = "input"
    for i, cause in zip(removed, _baseline_causes([records[i]["text"] for i in removed])):
        outcome.removed[i + 1] = cause
    outcome.add_missing(labels)
    return outcome


def _baseline_causes(texts: List[str]) -> List[str]:
    import logging

    from presidio_anonymizer import AnonymizerEngine
    from profanity_check import predict_prob

    from bench import sequential_baseline as baseline

    if not texts:
        return []
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    analyzer, anonymizer = baseline.build_analyzer(), AnonymizerEngine()
    causes = []
    for text in texts:
        try:
            results = analyzer.analyze(text=text, language="en")
        except ValueError:
            causes.append("error")
            continue
        scrubbed = anonymizer.anonymize(text=text, analyzer_results=results).text
        harmful = predict_prob([scrubbed])[0] >= baseline.HARM_THRESHOLD
        causes.append("harm" if harmful else "duplicate")
    return causes


# --------------------------------------------------------------------------- reporting


def machine() -> Dict[str, object]:
    import psutil

    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"logical_cores": os.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
            "cpu_model": model, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _rate(pair, digits: int = 1) -> str:
    hits, total = pair
    if not total:
        return "–"
    return f"{100 * hits / total:.{digits}f}% ({hits}/{total})"


def _num(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def throughput_table(runs: List[dict]) -> str:
    rows = ["| run | docs | workers | wall s | docs/s | ratio | vs | CPU s | cores used | "
            "docs/CPU s | peak MB | load | pii s | toxicity s | dedup s |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        stages = run["stage_seconds"]
        rows.append(
            f"| {run['label']} | {run['lines']} | {run['workers']} | {run['wall_seconds']:.1f} | "
            f"{run['docs_per_s']:.1f} | {_num(run.get('ratio'), 2)}× | {run.get('vs', '–')} | "
            f"{run['cpu_seconds']:.0f} | {run['cpu_seconds'] / run['wall_seconds']:.2f} | "
            f"{run['lines'] / max(run['cpu_seconds'], 0.01):.1f} | "
            f"{run['peak_mb']} | {run['load_at_start']:.1f} | "
            + " | ".join(_num(stages.get(s)) for s in STAGES) + " |")
    return "\n".join(rows)


def quality_table(scores: Dict[str, dict]) -> str:
    names = list(scores)
    rows = ["| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]

    def row(title: str, cells: List[str]) -> None:
        rows.append(f"| {title} | " + " | ".join(cells) + " |")

    def keys(section: str) -> List[str]:
        found = []
        for score in scores.values():
            found += [k for k in score[section] if k not in found and k != "total"]
        return sorted(found)

    for section, title in (("pii_leak", "PII leak rate"), ("over_redaction", "over-redaction"),
                           ("harmful_recall", "harmful recall")):
        row(f"**{title}**", [_rate(s[section]["total"]) for s in scores.values()])
        for kind in keys(section):
            row(f"  {kind}", [_rate(s[section].get(kind, (0, 0))) for s in scores.values()])
    row("**false-positive rate**", [""] * len(names))
    for group in keys("false_positive"):
        row(f"  {group}", [_rate(s["false_positive"].get(group, (0, 0)), 2)
                           for s in scores.values()])
    dedup = [s["dedup"] for s in scores.values()]
    row("**dedup (family labels)**", [""] * len(names))
    row("  precision", [_rate((d["correct_removals"], d["removals"])) for d in dedup])
    row("  recall", [_rate((d["correct_removals"], d["expected_removals"])) for d in dedup])
    row("  families wiped out", [f"{d['families_wiped_out']}/{d['families']}" for d in dedup])
    row("  unique docs lost as duplicates", [_rate(d["unique_lost"], 2) for d in dedup])
    row("malformed lines in output", [_rate(s["malformed_in_output"]) for s in scores.values()])
    row("removed, by cause", [", ".join(f"{k} {v}" for k, v in s["removed_by_cause"].items())
                              for s in scores.values()])
    return "\n".join(rows)


def headline(runs: List[dict]) -> str:
    """The acceptance ratios in one sentence, by wall time and by CPU time."""
    full = [run for run in runs if run["label"].startswith("cleanse full")]
    baseline = next(run for run in runs if run["system"] == "baseline")
    subsets = [run for run in runs if run["label"].startswith("cleanse subset")]
    parts = [f"{run['workers']} workers: {run['ratio']:.2f}× the wall time of {full[0]['workers']}"
             for run in full[1:]]
    for subset in subsets:
        cpu_ratio = baseline["cpu_seconds"] / max(subset["cpu_seconds"], 0.01)
        parts.append(f"cleanse ({subset['workers']}w) vs the sequential baseline on the same "
                     f"subset: {subset['ratio']:.2f}× by wall time, {cpu_ratio:.2f}× by CPU time")
    if len(subsets) > 1:
        parts.append("subset outputs identical across worker counts: "
                     + ("yes" if subsets[0].get("same_output_as_1st") else "NO"))
    return "Speed-up: " + "; ".join(parts) + "."


def machine_line(info: Dict[str, object]) -> str:
    return (f"{info['cpu_model']}, {info['logical_cores']} logical / {info['physical_cores']} "
            f"physical cores, {info['ram_gb']} GB RAM, Python {info['python']}, "
            f"load average at the end {info['load_average']}")


# --------------------------------------------------------------------------- main


def parse_workers(text: str) -> List[int]:
    try:
        workers = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--workers takes a list like 1,2 (got {text!r})")
    if not workers or workers[0] < 1:
        raise argparse.ArgumentTypeError("--workers needs positive worker counts")
    return workers


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size (documents)")
    parser.add_argument("--workers", type=parse_workers, default=[1, 2],
                        help="comma-separated worker counts for the full runs (default 1,2)")
    parser.add_argument("--baseline-docs", type=int, default=5000,
                        help="documents in the subset run by both cleanse and the baseline")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=os.path.join("bench", "out", "e2e"))
    parser.add_argument("--keep", action="store_true",
                        help="keep the pipeline outputs (the corpus is always kept for reuse)")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    info = machine()
    print(f"machine: {machine_line(info)}", file=sys.stderr)

    corpus, labels_path = prepare_corpus(out, args.docs, args.seed)
    labels = read_labels(labels_path)
    subset_path = os.path.join(out, f"subset-{args.baseline_docs}.jsonl")
    subset_labels = write_subset(corpus, labels, args.baseline_docs, subset_path)

    runs: List[dict] = []
    outputs: List[str] = []
    for workers in args.workers:
        target = os.path.join(out, f"cleanse-full-w{workers}")
        print(f"cleanse, {len(labels)} lines, {workers} worker(s)...", file=sys.stderr)
        run = run_cleanse(corpus, target, workers, len(labels))
        run["label"] = f"cleanse full, {workers}w"
        runs.append(run)
        outputs.append(target)
    single = runs[0]
    for run in runs:
        run["ratio"] = round(single["wall_seconds"] / run["wall_seconds"], 2)
        run["vs"] = f"cleanse {single['workers']}w"

    print(f"baseline, {len(subset_labels)} lines...", file=sys.stderr)
    baseline_out = os.path.join(out, "baseline-subset.jsonl")
    baseline = run_baseline(subset_path, baseline_out, len(subset_labels))
    baseline.update(label="sequential baseline, subset", ratio=1.0, vs="itself (anchor)")
    subset_runs, subset_dirs = [], []
    for workers in args.workers:
        print(f"cleanse, {len(subset_labels)} lines, {workers} worker(s)...", file=sys.stderr)
        subset_dir = os.path.join(out, f"cleanse-subset-w{workers}")
        on_subset = run_cleanse(subset_path, subset_dir, workers, len(subset_labels))
        on_subset.update(label=f"cleanse subset, {workers}w", vs="baseline",
                         ratio=round(baseline["wall_seconds"] / on_subset["wall_seconds"], 2))
        subset_runs.append(on_subset)
        subset_dirs.append(subset_dir)
    outputs += subset_dirs
    identical = same_outputs(subset_dirs)
    for run in subset_runs:
        run["same_output_as_1st"] = identical
    runs += [baseline, *subset_runs]
    outputs.append(baseline_out)

    print("scoring...", file=sys.stderr)
    scores = {
        f"cleanse, subset ({len(subset_labels)}, {args.workers[0]}w)": e2e_quality.score(
            subset_labels, cleanse_outcome(subset_dirs[0], subset_path, subset_labels)),
        f"baseline, subset ({len(subset_labels)})": e2e_quality.score(
            subset_labels, baseline_outcome(subset_path, baseline_out, subset_labels)),
        f"cleanse, full ({len(labels)}, {single['workers']}w)": e2e_quality.score(
            labels, cleanse_outcome(outputs[0], corpus, labels)),
    }

    info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    markdown = render(args, info, runs, scores, len(labels), len(subset_labels))
    print(markdown)
    with open(os.path.join(out, "e2e.md"), "w", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    with open(os.path.join(out, "e2e.json"), "w", encoding="utf-8") as handle:
        json.dump({"args": {k: v for k, v in vars(args).items()}, "machine": info,
                   "runs": runs, "quality": scores}, handle, indent=2)
        handle.write("\n")
    if not args.keep:
        for path in outputs:
            shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)
    return 0


def render(args, info, runs, scores, lines: int, subset_lines: int) -> str:
    command = (f"python -m bench.e2e --docs {args.docs} --workers "
               f"{','.join(map(str, args.workers))} --baseline-docs {args.baseline_docs} "
               f"--seed {args.seed}")
    return "\n".join([
        "## cleanse end-to-end benchmark",
        "",
        f"`{command}`",
        "",
        f"Machine: {machine_line(info)}.",
        "",
        "### Throughput",
        "",
        throughput_table(runs),
        "",
        headline(runs),
        "",
        f"Full runs: {lines} input lines (malformed ones included); subset: the first "
        f"{args.baseline_docs} documents plus the rest of their near-duplicate families "
        f"({subset_lines} lines). docs/s = input lines / wall seconds of the whole command, "
        "start-up included. ratio = anchor wall seconds / this run's. CPU s (user + system) and "
        "peak MB (summed RSS) cover the whole process tree; cores used = CPU s / wall s (below "
        "the worker count when other work competes for the cores); docs/CPU s is the throughput "
        "least disturbed by other work on a shared machine; stage seconds are busy wall time "
        "summed over worker processes (dedup: exact keys and sketching, not the candidate-pair "
        "verification; the baseline's are its own per-step timers); load = 1-minute load "
        "average when the run started (other work on the machine shows here).",
        "",
        "### Quality",
        "",
        quality_table(scores),
        "",
        "Leak rate: planted PII values (labelled template documents) still verbatim in surviving "
        "text. Over-redaction: planted non-PII tokens lost from surviving text. Harmful recall: "
        "removed, or harmful line gone. False positives: removed for anything but being a "
        "duplicate or malformed. The baseline's removal causes are re-derived with its own "
        "components. Dedup figures here use family labels (a removal is correct when a member "
        "of its family survives; a removal outside any family counts as wrong, though short "
        "phrase-bank texts can be true near-duplicates); the exact-Jaccard evaluation lives in "
        "bench/dedup_eval.py.",
    ])


if __name__ == "__main__":
    sys.exit(main())
