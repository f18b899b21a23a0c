import copy
import json
import re
from html.parser import HTMLParser

import pytest

from cleanse.cli import main
from cleanse.html_report import cluster_sizes, render_html, score_histograms, write_html

VOID = {"meta", "br", "rect", "line", "hr", "img", "input", "link"}
EVIL = '<script>alert("x")</script>&'


class Page(HTMLParser):
    """Checks that every element is closed in order and collects what tests look at."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.ids, self.classes = [], [], [], set(), []
        self.text = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed {self.stack}")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.classes.extend((attrs.get("class") or "").split())
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def count(self, tag):
        return sum(1 for t, _ in self.tags if t == tag)


def full_report():
    hist = {f"score_hist.hate.{i}": 1000 // (i + 1) for i in range(10)}
    hist.update({f"score_hist.sexual.{i}": 5 for i in range(10)})
    return {
        "totals": {"in": 1000, "clean": 880, "rejected": 120, "balanced": True,
                   "blank_lines_skipped": 3},
        "stages": {
            "input": {"in": 1000, "out": 990, "rejected": {"malformed_json": 10}, "counters": {},
                      "rejected_total": 10},
            "pii": {"in": 990, "out": 990, "rejected": {}, "counters": {},
                    "entities": {"EMAIL_ADDRESS": 41, "PERSON": 312}, "rejected_total": 0,
                    "busy_seconds": 12.5, "processes": 2},
            "toxicity": {"in": 990, "out": 950, "rejected": {"harmful.hate": 40},
                         "counters": {**hist, "lines_scored": 7000}, "rejected_total": 40},
            "dedup": {"in": 950, "out": 880, "rejected": {"near_duplicate": 70},
                      "counters": {"cluster_size.2": 50, "cluster_size.5": 4,
                                   "candidate_pairs": 321},
                      "rejected_total": 70},
        },
        "files": {"clean": 4, "rejected": 4},
        "timing": {"started_at": "2026-11-28T19:00:00+00:00", "seconds": 75.5},
        "inputs": ["/data/a.jsonl"],
        "output": "/data/out",
        "runner": {"engine": "direct", "workers": 2, "args": ["--direct_num_workers=2"]},
        "config": {"stages": ["pii", "toxicity", "dedup"], "toxicity": {"thresholds": {"hate": 0.8}}},
        "versions": {"python": "3.11.7", "cleanse": "0.1.0"},
    }


def test_page_is_well_formed_with_every_section():
    page = Page(render_html(full_report()))
    assert page.errors == []
    assert {"totals", "funnel", "pii", "toxicity", "dedup", "counters", "config"} <= page.ids
    text = " ".join(page.text)
    for expected in ("2026-11-28T19:00:00+00:00", "1 min 16 s", "/data/a.jsonl",
                     "engine direct, 2 workers,", "--direct_num_workers=2",
                     "python 3.11.7, cleanse 0.1.0",
                     "1,000 → 990", "malformed_json 10", "PERSON", "312", "hate (2,927 scored)",
                     "sexual (50 scored)", "54 clusters holding 120 documents",
                     "removes 66", "candidate_pairs", "lines_scored"):
        assert expected in text, expected


def test_page_is_self_contained():
    text = render_html(full_report())
    lowered = text.lower()
    for forbidden in ("<script", "http:", "https:", "src=", "@import", "url(", "<link"):
        assert forbidden not in lowered, forbidden
    assert "<style>" in text and text.count("<svg") == 5  # funnel, pii, 2 histograms, clusters


def test_funnel_draws_kept_and_each_rejection_reason():
    page = Page(render_html(full_report()))
    titles = []

    class Titles(HTMLParser):
        inside = False

        def handle_starttag(self, tag, attrs):
            self.inside = tag == "title"

        def handle_data(self, data):
            if self.inside:
                titles.append(data)
            self.inside = False

    Titles().feed(render_html(full_report()))
    for expected in ("kept: 990", "malformed_json: 10", "harmful.hate: 40", "near_duplicate: 70"):
        assert expected in titles
    assert page.count("table") >= 2
    cells = [c.strip() for c in page.text if c.strip()]
    pii_row = cells.index("pii", cells.index("processes"))
    assert cells[pii_row:pii_row + 8] == ["pii", "990", "990", "0", "—", "12.5", "79", "2"]


def test_every_value_is_escaped():
    report = full_report()
    report["inputs"] = [EVIL]
    report["output"] = EVIL
    report["runner"] = {"engine": EVIL, "workers": EVIL, "args": [EVIL]}
    report["timing"]["started_at"] = EVIL
    report["versions"][EVIL] = EVIL
    report["stages"][EVIL] = {"in": 1, "out": 0, "rejected": {EVIL: 1}, "counters": {EVIL: 2},
                              "rejected_total": 1}
    report["stages"]["pii"]["entities"][EVIL] = 3
    report["stages"]["toxicity"]["counters"][f"score_hist.{EVIL}.3"] = 9
    report["config"]["toxicity"]["label"] = EVIL
    text = render_html(report)
    assert "<script" not in text and 'alert("x")' not in text
    page = Page(text)
    assert page.errors == []
    assert sum(EVIL in chunk for chunk in page.text) >= 8  # shown, as text


def test_unbalanced_totals_are_shown_in_red():
    report = full_report()
    report["totals"].update({"clean": 879, "balanced": False})
    page = Page(render_html(report))
    assert "bad" in page.classes and "ok" not in page.classes
    assert "COUNTS DO NOT ADD UP" in " ".join(page.text) and "off by 1" in " ".join(page.text)
    assert "ok" in Page(render_html(full_report())).classes


def test_a_wrong_balanced_flag_cannot_hide_a_mismatch():
    report = full_report()
    report["totals"]["clean"] = 0  # the flag still says balanced
    assert "bad" in Page(render_html(report)).classes


def test_runs_without_toxicity_or_dedup_say_so():
    report = full_report()
    del report["stages"]["toxicity"], report["stages"]["dedup"]
    text = " ".join(Page(render_html(report)).text)
    assert "no toxicity stage in this run" in text
    assert "no dedup stage in this run" in text


def test_score_histograms_group_by_category_and_bin():
    counters = {"score_hist.hate.0": 7, "score_hist.hate.9": 2, "score_hist.self.harm.4": 1,
                "score_hist.hate.10": 5, "score_hist.hate.x": 1, "lines_scored": 3}
    assert score_histograms(counters) == {
        "hate": [7, 0, 0, 0, 0, 0, 0, 0, 0, 2],
        "self.harm": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]}


def test_histogram_draws_ten_bars_per_category_and_the_threshold():
    report = full_report()
    page = Page(render_html(report))
    start = [i for i, (t, a) in enumerate(page.tags) if a.get("id") == "toxicity"][0]
    end = [i for i, (t, a) in enumerate(page.tags) if a.get("id") == "dedup"][0]
    tags = page.tags[start:end]
    assert sum(1 for t, _ in tags if t == "rect") == 20
    dashed = [a for t, a in tags if t == "line" and a.get("stroke-dasharray")]
    assert len(dashed) == 1 and float(dashed[0]["x1"]) == pytest.approx(8 + 0.8 * 314)


def test_cluster_sizes_and_long_tails_are_bucketed():
    assert cluster_sizes({"cluster_size.2": 5, "cluster_size.10": 1, "cluster_size.x": 4,
                          "candidate_pairs": 9}) == {2: 5, 10: 1}
    report = full_report()
    report["stages"]["dedup"]["counters"] = {f"cluster_size.{k}": 1 for k in range(2, 40)}
    text = " ".join(Page(render_html(report)).text)
    for bucket in ("size 2", "size 3–4", "size 5–8", "size 33–64"):
        assert bucket in text
    assert "size 39" not in text


def test_missing_and_malformed_sections_do_not_crash():
    assert Page(render_html({})).errors == []
    weird = {"totals": {"in": "many"}, "stages": {"pii": {"in": None, "entities": {"X": "y"}},
                                                  "dedup": "oops"}, "inputs": "a.jsonl"}
    page = Page(render_html(weird))
    assert page.errors == [] and "bad" in page.classes


def test_report_of_a_real_run(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "hello"}\nnot json\n{"id": "b", "text": "bye"}\n')
    out = tmp_path / "out"
    assert main(["run", "--input", str(source), "--output", str(out), "--stages", "dedup"]) == 0
    report = json.loads((out / "report.json").read_text())
    target = tmp_path / "report.html"
    write_html(str(target), copy.deepcopy(report))
    page = Page(target.read_text(encoding="utf-8"))
    assert page.errors == [] and "ok" in page.classes
    text = " ".join(page.text)
    assert str(source) in text and "malformed_json 1" in text and "3 → 2" in text
    assert "no toxicity stage in this run" in text
    assert re.search(r"apache-beam \d", text)
