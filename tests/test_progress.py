import fcntl
import io
import json
import multiprocessing
import os
import pickle
import re
import struct
import termios
import threading
import time

from cleanse.progress import ProgressMonitor, ProgressRecorder, read_progress

STEPS = ["read", "pii", "toxicity", "dedup", "written"]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _files(directory):
    return sorted(n for n in os.listdir(directory) if not n.startswith("."))


def test_recorder_writes_only_on_flush_or_after_interval(tmp_path):
    recorder = ProgressRecorder(str(tmp_path / "p"), "pii", min_interval=3600)
    recorder.add(5)
    recorder.add()
    assert not (tmp_path / "p").exists()
    recorder.flush()
    (name,) = _files(tmp_path / "p")
    assert re.fullmatch(rf"pii-{os.getpid()}-[0-9a-f]{{12}}\.json", name)
    assert json.loads((tmp_path / "p" / name).read_text()) == {"step": "pii", "count": 6}
    recorder.add(4)
    recorder.flush()
    assert _files(tmp_path / "p") == [name]  # one file per recorder, rewritten in place
    assert read_progress(str(tmp_path / "p")) == {"pii": 10}


def test_recorder_writes_by_itself_once_the_interval_passed(tmp_path):
    recorder = ProgressRecorder(str(tmp_path), "read", min_interval=0)
    recorder.add(3)
    assert read_progress(str(tmp_path)) == {"read": 3}


def test_unpickled_copy_starts_from_zero_with_its_own_file(tmp_path):
    recorder = ProgressRecorder(str(tmp_path), "pii", min_interval=3600)
    recorder.add(7)
    recorder.flush()
    copy = pickle.loads(pickle.dumps(recorder))
    assert copy.count == 0 and copy.step == "pii" and copy.min_interval == 3600
    copy.add(2)
    copy.flush()
    assert len(_files(tmp_path)) == 2
    assert read_progress(str(tmp_path)) == {"pii": 9}


def test_recorder_without_a_folder_only_counts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recorder = ProgressRecorder(None, "read", min_interval=0)
    recorder.add(3)
    recorder.flush()
    assert recorder.count == 3 and list(tmp_path.iterdir()) == []


def test_a_write_failure_does_not_raise(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    recorder = ProgressRecorder(str(blocker / "progress"), "read", min_interval=0)
    recorder.add(10)
    recorder.flush()
    assert recorder.count == 10


def _work(jobs):
    for recorder, n in jobs:
        for _ in range(n):
            recorder.add(1)
        recorder.flush()


def test_recorders_in_two_processes_sum_up_in_the_monitor(tmp_path):
    progress = str(tmp_path / "progress")
    stream = io.StringIO()
    context = multiprocessing.get_context("spawn")  # recorders reach the workers pickled
    workers = [context.Process(target=_work, args=([
        (ProgressRecorder(progress, "read", min_interval=0.01), n_read),
        (ProgressRecorder(progress, "pii", min_interval=0.01), n_pii)],))
        for n_read, n_pii in [(1500, 900), (1700, 1100)]]
    with ProgressMonitor(progress, STEPS, stream=stream, interval=0.01, log_every=3600):
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert [w.exitcode for w in workers] == [0, 0]
    assert read_progress(progress) == {"read": 3200, "pii": 2000}
    writers = {name.split("-")[1] for name in _files(progress)}
    assert writers == {str(w.pid) for w in workers}
    final = stream.getvalue().splitlines()[-1]
    assert "done in" in final
    assert "read 3,200 | pii 2,000 | toxicity - | dedup - | written -" in final


def test_readers_never_see_a_partial_file(tmp_path):
    recorder = ProgressRecorder(str(tmp_path), "read", min_interval=0)
    recorder.add(1)
    (name,) = _files(tmp_path)
    path = tmp_path / name
    stop = threading.Event()
    seen, errors = [], []

    def read_loop():
        while not stop.is_set():
            try:
                seen.append(json.loads(path.read_text())["count"])
            except ValueError as exc:
                errors.append(exc)

    reader = threading.Thread(target=read_loop)
    reader.start()
    for _ in range(3000):
        recorder.add(1)
    stop.set()
    reader.join()
    assert errors == []
    assert len(seen) > 10
    assert seen == sorted(seen) and seen[-1] <= 3001
    assert _files(tmp_path) == [name] and os.listdir(tmp_path) == [name]  # no temp left over


def test_terminal_shows_one_line_updated_in_place(tmp_path):
    clock = FakeClock()
    stream = Terminal()
    monitor = ProgressMonitor(str(tmp_path), STEPS, stream=stream, clock=clock)
    writer = ProgressRecorder(str(tmp_path), "read", min_interval=0)
    writer.add(120340)
    ProgressRecorder(str(tmp_path), "pii", min_interval=0).add(98100)
    monitor.tick()
    first = stream.getvalue()
    assert first.startswith("\r") and "\n" not in first
    assert "read 120,340 | pii 98,100 | toxicity - | dedup - | written -" in first
    clock.now += 10
    ProgressRecorder(str(tmp_path), "pii", min_interval=0).add(16500)
    monitor.tick()
    second = stream.getvalue()[len(first):]
    assert second.startswith("\r") and "(1,650 docs/s)" in second
    monitor.finish()
    tail = stream.getvalue().split("\r")[-1]
    assert tail.endswith("\n") and tail.startswith("done in 10.0 s: read 120,340 | pii 114,600")


def test_terminal_line_blanks_out_a_longer_previous_line(tmp_path):
    clock = FakeClock()
    stream = Terminal()
    monitor = ProgressMonitor(str(tmp_path), ["read"], stream=stream, clock=clock)
    ProgressRecorder(str(tmp_path), "read", min_interval=0).add(1_000_000)
    clock.now += 1
    monitor.tick()
    clock.now += 1
    monitor.tick()  # same count: the rate drops from 1,000,000/s to 500,000/s, a shorter line
    longer, shorter = stream.getvalue().split("\r")[1:]
    assert len(shorter) >= len(longer.rstrip())


def test_log_stream_gets_timestamped_lines_every_log_every_seconds(tmp_path):
    clock = FakeClock()
    stream = io.StringIO()
    monitor = ProgressMonitor(str(tmp_path), STEPS, stream=stream, log_every=30, clock=clock)
    ProgressRecorder(str(tmp_path), "read", min_interval=0).add(500)
    monitor.tick()
    clock.now += 29
    monitor.tick()
    assert stream.getvalue() == ""
    clock.now += 1
    monitor.tick()
    clock.now += 1
    monitor.tick()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ cleanse progress: read 500 \| pii - "
                        r"\| toxicity - \| dedup - \| written -  \(\d[\d,.]* docs/s\)", lines[0])
    assert "\r" not in stream.getvalue()
    monitor.finish(succeeded=False)
    assert "cleanse progress: stopped in 31.0 s: read 500" in stream.getvalue().splitlines()[-1]


def test_missing_or_empty_folder_and_foreign_files_do_not_crash(tmp_path):
    stream = io.StringIO()
    with ProgressMonitor(str(tmp_path / "never-created"), STEPS, stream=stream, interval=0.01):
        pass
    assert "read - | pii - | toxicity - | dedup - | written -" in stream.getvalue()
    assert read_progress(str(tmp_path)) == {}
    (tmp_path / "broken.json").write_text('{"step": "read", "cou')
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "bool.json").write_text('{"step": "read", "count": true}')
    (tmp_path / "other.json").write_text('{"step": "<script>alert(1)</script>", "count": 4}')
    (tmp_path / "notes.txt").write_text('{"step": "read", "count": 4}')
    (tmp_path / "ok.json").write_text('{"step": "read", "count": 2}')
    assert read_progress(str(tmp_path)) == {"read": 2, "<script>alert(1)</script>": 4}
    stream = io.StringIO()
    with ProgressMonitor(str(tmp_path), ["read"], stream=stream, interval=0.01):
        pass
    assert "read 2 " in stream.getvalue() and "script" not in stream.getvalue()


def test_monitor_survives_a_closed_stream(tmp_path):
    stream = io.StringIO()
    monitor = ProgressMonitor(str(tmp_path), ["read"], stream=stream, interval=0.01)
    with monitor:
        stream.close()
    assert not monitor._thread.is_alive()


def test_the_monitor_thread_refreshes_while_the_run_goes_on(tmp_path):
    stream = Terminal()
    recorder = ProgressRecorder(str(tmp_path), "read", min_interval=0)
    with ProgressMonitor(str(tmp_path), ["read", "pii"], stream=stream, interval=0.01):
        recorder.add(41)
        deadline = time.monotonic() + 5
        while "read 41 |" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "\rread 41 | pii -  (" in stream.getvalue()
        assert not stream.getvalue().endswith("\n")
    assert stream.getvalue().endswith("\n") and "done in" in stream.getvalue()


def test_terminal_line_is_cut_to_the_terminal_width(tmp_path):
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    with os.fdopen(follower, "w") as terminal, os.fdopen(leader, "rb", buffering=0) as screen:
        monitor = ProgressMonitor(str(tmp_path), STEPS, stream=terminal, clock=FakeClock())
        ProgressRecorder(str(tmp_path), "read", min_interval=0).add(123456)
        monitor.tick()
        shown = screen.read(4096).decode()
    assert shown == "\r" + "read 123,456 | pii - | toxicity - | ded"
