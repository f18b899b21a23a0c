"""Live progress for long runs, on every local runner.

Worker processes (DirectRunner multi-processing, a Dask LocalCluster) cannot print to the user's
terminal and Beam metrics are not reported by every runner, so progress goes through a shared
folder: each worker-side `ProgressRecorder` keeps its running total in its own small JSON file,
replaced atomically, and the CLI's `ProgressMonitor` sums the files per step and shows the
totals. Only step names the CLI chose and integers are ever printed: never document text.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Callable, Deque, Dict, List, Optional, TextIO, Tuple

_SUFFIX = ".json"


class ProgressRecorder:
    """Counts what one worker did for one step; cheap enough to call per document.

    Create it where the work happens (``DoFn.setup``, or inside the function for a plain
    ``Map``). It holds no open file; the file is written at most every `min_interval` seconds
    and on `flush()`. Each instance owns one file named after its process and a random tag, so
    any number of processes and threads can record the same step without locks.
    With `progress_dir` None it only counts, so pipeline code needs no "is progress on?" branch.
    """

    def __init__(self, progress_dir: Optional[str], step: str, min_interval: float = 1.0):
        self.progress_dir = progress_dir
        self.step = step
        self.min_interval = min_interval
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._path: Optional[str] = None
        self._count = 0
        self._written = 0
        self._last_write = time.monotonic()

    def __getstate__(self):
        # A copy unpickled in another process starts from zero with its own file: carrying the
        # total over would count the same documents twice.
        return {"progress_dir": self.progress_dir, "step": self.step,
                "min_interval": self.min_interval}

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        self._reset()

    @property
    def count(self) -> int:
        return self._count

    def add(self, n: int = 1) -> None:
        if os.getpid() != self._pid:
            self._reset()  # a forked child: the parent's total stays in the parent's file
        self._count += n
        if time.monotonic() - self._last_write >= self.min_interval:
            self.flush()

    def flush(self) -> None:
        """Write the running total now, if it changed since the last write."""
        if self._count == self._written or self.progress_dir is None:
            return
        self._last_write = time.monotonic()
        try:
            self._write()
        except OSError:
            return  # progress is best effort: a full or vanished folder must not fail the run
        self._written = self._count

    def _write(self) -> None:
        if self._path is None:
            os.makedirs(self.progress_dir, exist_ok=True)
            name = f"{_safe(self.step)}-{self._pid}-{uuid.uuid4().hex[:12]}{_SUFFIX}"
            self._path = os.path.join(self.progress_dir, name)
        # Readers must never see a half-written file: write aside, then rename over.
        tmp = os.path.join(self.progress_dir, f".{os.path.basename(self._path)}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"step": self.step, "count": self._count}, handle)
        os.replace(tmp, self._path)


def _safe(step: str) -> str:
    return "".join(c if c.isalnum() or c in "_." else "_" for c in step) or "step"


def read_progress(progress_dir: str) -> Dict[str, int]:
    """Total count per step over every recorder file in `progress_dir` (empty if missing)."""
    try:
        names = os.listdir(progress_dir)
    except OSError:
        return {}
    totals: Dict[str, int] = {}
    for name in names:
        if name.startswith(".") or not name.endswith(_SUFFIX):
            continue
        try:
            with open(os.path.join(progress_dir, name), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue  # removed under us, or not one of ours
        if not isinstance(data, dict):
            continue
        step, count = data.get("step"), data.get("count")
        if isinstance(step, str) and isinstance(count, int) and not isinstance(count, bool):
            totals[step] = totals.get(step, 0) + count
    return totals


class ProgressMonitor:
    """Shows per-step totals while a run goes on; use as a context manager around the run.

    On a terminal: one line rewritten in place every `interval` seconds. Otherwise (a log file,
    CI): one timestamped line every `log_every` seconds. Always one final line on exit.
    The docs/s figure is the recent rate of the furthest step that has started, which is the
    step the run is waiting on.
    """

    RATE_WINDOW = 10.0  # seconds of history behind the docs/s figure

    def __init__(self, progress_dir: str, steps: List[str], stream: Optional[TextIO] = None,
                 interval: float = 1.0, log_every: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self.progress_dir = progress_dir
        self.steps = list(steps)
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.log_every = log_every
        self._clock = clock
        self._tty = _isatty(self.stream)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._history: Deque[Tuple[float, str, int]] = deque()
        self._started = clock()
        self._last_log = self._started
        self._line_width = 0

    def __enter__(self) -> "ProgressMonitor":
        self._started = self._last_log = self._clock()
        self._thread = threading.Thread(target=self._loop, name="cleanse-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.finish(succeeded=exc_type is None)

    def _loop(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            started = time.perf_counter()
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a display problem must never break the run
                pass
            # Thousands of recorder files (one per Dask partition) take a while to read: keep
            # the monitor's own share of a core small rather than refresh on the dot.
            wait = max(self.interval, 20 * (time.perf_counter() - started))

    def counts(self) -> Dict[str, int]:
        found = read_progress(self.progress_dir)
        return {step: found[step] for step in self.steps if step in found}

    def tick(self) -> None:
        """Read the files once and show the state (the thread calls this every `interval`)."""
        now = self._clock()
        line = self.format_line(self.counts(), now)
        if self._tty:
            self._emit("\r" + self._pad(self._fit(line)))
        elif now - self._last_log >= self.log_every:
            self._last_log = now
            self._emit(f"{_timestamp()} cleanse progress: {line}\n")

    def finish(self, succeeded: bool = True) -> None:
        now = self._clock()
        counts = self.counts()
        elapsed = max(now - self._started, 1e-9)
        frontier = _frontier(self.steps, counts)
        rate = counts[frontier] / elapsed if frontier else 0.0
        verb = "done" if succeeded else "stopped"
        line = (f"{verb} in {_duration(elapsed)}: {self._steps_text(counts)}"
                f"  ({_rate(rate)} docs/s average)")
        if self._tty:
            self._emit("\r" + self._pad(line) + "\n")
        else:
            self._emit(f"{_timestamp()} cleanse progress: {line}\n")

    def format_line(self, counts: Dict[str, int], now: float) -> str:
        return f"{self._steps_text(counts)}  ({_rate(self._recent_rate(counts, now))} docs/s)"

    def _steps_text(self, counts: Dict[str, int]) -> str:
        return " | ".join(f"{step} {counts[step]:,}" if step in counts else f"{step} -"
                          for step in self.steps)

    def _recent_rate(self, counts: Dict[str, int], now: float) -> float:
        frontier = _frontier(self.steps, counts)
        if frontier is None:
            return 0.0
        self._history.append((now, frontier, counts[frontier]))
        while self._history and now - self._history[0][0] > self.RATE_WINDOW:
            self._history.popleft()
        # Measure from the oldest sample of the same step: when the frontier moves on, the
        # previous step's history says nothing about the new one.
        same = [(t, c) for t, s, c in self._history if s == frontier]
        t0, c0 = same[0]
        if now - t0 > 0:
            return (counts[frontier] - c0) / (now - t0)
        return counts[frontier] / max(now - self._started, 1e-9)

    def _fit(self, line: str) -> str:
        # A line that wraps can no longer be rewritten with "\r": every refresh would add one.
        columns = _columns(self.stream)
        return line[:columns - 1] if columns and len(line) >= columns else line

    def _pad(self, line: str) -> str:
        # "\r" only moves the cursor: blank out what a longer previous line left behind.
        padded = line.ljust(self._line_width)
        self._line_width = len(line)
        return padded

    def _emit(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stream: the run matters more than its progress line


def _frontier(steps: List[str], counts: Dict[str, int]) -> Optional[str]:
    started = [step for step in steps if counts.get(step)]
    return started[-1] if started else None


def _columns(stream: TextIO) -> Optional[int]:
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError):
        return None


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
