"""Quality scoring of the end-to-end benchmark, on hand-made labels and outputs."""
from bench.e2e_quality import (RunOutcome, benign_group, dedup_scores, false_positives,
                               harmful_recall, malformed_passed, over_redaction, pii_leaks,
                               score)


def label(line, **fields):
    base = {"line": line, "id": f"doc-{line}", "malformed": None, "source": "template:email",
            "pii_labelled": True, "pii": {}, "keep": {}, "harm": None, "harm_mode": None,
            "harm_line": None, "hard_benign": None, "family": None, "family_role": None,
            "edits": [], "jaccard_to_base": None}
    base.update(fields)
    return base


def test_leaks_count_planted_values_still_verbatim_in_survivors_only():
    labels = [
        label(1, pii={"EMAIL_ADDRESS": ["ann@example.org"], "PERSON": ["Ann Lee"]}),
        label(2, pii={"EMAIL_ADDRESS": ["bob@example.org"]}),
        label(3, pii={"EMAIL_ADDRESS": ["cy@example.org"]}),  # removed: not counted
        label(4, pii={"PERSON": ["Dee Ray"]}, pii_labelled=False),  # real text: not counted
    ]
    run = RunOutcome(survived={1: "mail <EMAIL_ADDRESS> from Ann Lee", 2: "bob@example.org",
                               4: "Dee Ray"},
                     removed={3: "harm"})
    assert pii_leaks(labels, run) == {"EMAIL_ADDRESS": (1, 2), "PERSON": (1, 1)}


def test_over_redaction_counts_keep_tokens_lost_from_survivors():
    labels = [label(1, keep={"version": ["3.2.1"], "year": ["2019"]}),
              label(2, keep={"year": ["2021"]}),
              label(3, keep={"year": ["1999"]})]
    run = RunOutcome(survived={1: "release 3.2.1 of <DATE_TIME>", 2: "in 2021"},
                     removed={3: "duplicate"})
    assert over_redaction(labels, run) == {"version": (0, 1), "year": (1, 2)}


def test_harmful_doc_is_caught_when_removed_or_its_line_is_gone():
    line = "I will hurt you"
    labels = [label(1, harm="threat", harm_line=line), label(2, harm="threat", harm_line=line),
              label(3, harm="hate", harm_line="they are vermin")]
    run = RunOutcome(survived={2: "intro\nsomething else", 3: "we say they are vermin"},
                     removed={1: "harm"})
    assert harmful_recall(labels, run) == {"hate": (0, 1), "threat": (2, 2)}


def test_false_positives_ignore_duplicate_and_input_removals():
    labels = [label(1, hard_benign="medical"), label(2, hard_benign="news"),
              label(3, source="real:man"), label(4, source="real:man"),
              label(5), label(6), label(7, harm="insult", harm_line="x")]
    run = RunOutcome(survived={2: "t", 4: "t", 6: "t"},
                     removed={1: "harm", 3: "duplicate", 5: "pii", 7: "harm"})
    assert false_positives(labels, run) == {"hard_benign": (1, 2), "real_benign": (0, 2),
                                            "template_benign": (1, 2)}
    assert benign_group(labels[6]) is None


def test_dedup_scores_from_family_labels():
    labels = [label(1, family="f1"), label(2, family="f1"), label(3, family="f1"),
              label(4, family="f2"), label(5, family="f2"),
              label(6, family="f3"), label(7, family="f3"),
              label(8), label(9)]
    run = RunOutcome(
        survived={1: "a", 4: "b", 8: "c"},
        removed={2: "duplicate", 3: "duplicate",   # correct: 1 survives
                 5: "harm",                         # f2 never reached dedup twice
                 6: "duplicate", 7: "duplicate",    # f3 wiped out: both wrong
                 9: "duplicate"})                   # a unique doc lost
    scores = dedup_scores(labels, run)
    assert scores["removals"] == 5 and scores["correct_removals"] == 2
    # f1 contributes 2, f2 0 (one member reached dedup), f3 1
    assert scores["expected_removals"] == 3
    assert scores["precision"] == 2 / 5 and scores["recall"] == 2 / 3
    assert scores["families_wiped_out"] == 1
    assert scores["unique_lost"] == (1, 2)


def test_malformed_lines_in_output_and_missing_lines_are_reported():
    labels = [label(1, malformed="invalid_utf8", pii_labelled=False),
              label(2, malformed="broken_json", id=None, pii_labelled=False),
              label(3)]
    run = RunOutcome(survived={1: "caf\ufffd au lait"}, removed={2: "input"})
    run.add_missing(labels)
    assert malformed_passed(labels, run) == (1, 2)
    result = score(labels, run)
    assert result["removed_by_cause"] == {"input": 1, "missing": 1}
    assert result["false_positive"] == {"template_benign": (1, 1)}


def test_subset_keeps_whole_families_and_outcomes_map_idless_records(tmp_path):
    import json

    from bench.e2e import cleanse_outcome, write_subset

    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": "a", "text": "one"}, "{broken", {"text": "no id"}, {"id": "c", "text": "two"},
            {"id": "d", "text": "far copy"}]
    corpus.write_bytes(b"".join((r if isinstance(r, str) else json.dumps(r)).encode() + b"\n"
                                for r in rows))
    labels = [label(1, id="a", family="f"), label(2, id=None, malformed="broken_json"),
              label(3, id=None), label(4, id="c"), label(5, id="d", family="f")]
    subset_path = tmp_path / "subset.jsonl"
    subset = write_subset(str(corpus), labels, 2, str(subset_path))
    assert [lab["id"] for lab in subset] == ["a", None, None, "d"]
    assert [lab["line"] for lab in subset] == [1, 2, 3, 4]
    lines = subset_path.read_bytes().splitlines(keepends=True)
    assert json.loads(lines[3])["id"] == "d"

    out = tmp_path / "out"
    (out / "clean").mkdir(parents=True)
    (out / "rejected").mkdir()
    no_id = f"subset.jsonl:{len(lines[0]) + len(lines[1])}"
    (out / "clean" / "part-00000-of-00001.jsonl").write_text(
        json.dumps({"id": "a", "text": "one"}) + "\n" + json.dumps({"id": no_id, "text": "x"}) + "\n")
    # Rejections carry pseudonymous ids; they are matched by their byte offset.
    (out / "rejected" / "part-00000-of-00001.jsonl").write_text(
        json.dumps({"id": "h:1", "stage": "input", "reason": "malformed_json",
                    "position": len(lines[0])}) + "\n"
        + json.dumps({"id": "h:2", "stage": "dedup", "reason": "near_duplicate",
                      "position": sum(len(line) for line in lines[:3])}) + "\n")
    outcome = cleanse_outcome(str(out), str(subset_path), subset)
    assert outcome.survived == {1: "one", 3: "x"}
    assert outcome.removed == {2: "input", 4: "duplicate"}
