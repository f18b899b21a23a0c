"""The scheduled-batch recipe of the README: dated outputs, one dedup index across batches."""
import json
import os

from cleanse import cli
from cleanse.records import PublicIds

FOX = ("The quick brown fox jumps over the lazy dog near the river bank on a sunny morning in May, "
       "while the farmer counts his sheep, the baker sells warm bread to the villagers, children "
       "run to school along the dusty road, and an old man on the bench reads yesterday's paper, "
       "complaining loudly about the price of coffee and the weather forecast for the weekend.")


def write_batch(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def rejected(out):
    folder = out / "rejected"
    return [json.loads(line) for name in sorted(os.listdir(folder))
            for line in (folder / name).read_text().splitlines()]


def test_later_batches_dedup_against_earlier_ones_and_failures_leave_no_trace(tmp_path, monkeypatch):
    index = tmp_path / "index"
    day1 = write_batch(tmp_path / "day1.jsonl", [
        {"id": "d1-1", "text": FOX},
        {"id": "d1-2", "text": "Register allocation by graph colouring is a classic compiler pass."}])
    day2 = write_batch(tmp_path / "day2.jsonl", [
        {"id": "d2-1", "text": FOX.upper() + "  "},               # same text, other case/space
        {"id": "d2-2", "text": FOX.replace("sunny", "cloudy")},  # near duplicate of day 1
        {"id": "d2-3", "text": "Query planners estimate cardinalities from column statistics."}])
    common = ["run", "--stages", "dedup", "--dedup-index", str(index), "--quiet"]

    assert cli.main(common + ["--input", day1, "--output", str(tmp_path / "2026-11-01")]) == 0
    assert cli.main(common + ["--input", day2, "--output", str(tmp_path / "2026-11-02")]) == 0
    removed = {r["id"]: r for r in rejected(tmp_path / "2026-11-02")}
    public = PublicIds()  # rejected/ shows ids as pseudonyms by default
    assert set(removed) == {public("d2-1"), public("d2-2")}
    assert all(r["duplicate_of"] == public("d1-1") for r in removed.values())

    index_before = snapshot(index)

    class Exploding:
        def process_batch(self, docs):
            raise RuntimeError("worker lost")

    monkeypatch.setattr("pipelines.process.build_stage", lambda name, config: Exploding())
    day3 = write_batch(tmp_path / "day3.jsonl", [{"id": "d3-1", "text": "Fresh text for day three."}])
    code = cli.main(common[:2] + ["toxicity,dedup"] + common[3:] +
                    ["--input", day3, "--output", str(tmp_path / "2026-11-03")])
    assert code == 1
    assert not (tmp_path / "2026-11-03").exists()
    assert snapshot(index) == index_before
    assert [p for p in os.listdir(tmp_path) if "cleanse-tmp" in p] == []
