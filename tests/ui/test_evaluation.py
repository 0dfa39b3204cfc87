"""The evaluation tab's upload checks and run (real assistant on the tiny KG)."""

from __future__ import annotations

import json

import pytest

from ui.evaluation import EvalLimits, UploadError, failure_rows, metrics_rows, run_evaluation, validate_upload


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_upload_checks_say_what_to_fix(tmp_path):
    with pytest.raises(UploadError, match="Upload a question file first"):
        validate_upload(None)
    big = tmp_path / "big.jsonl"
    big.write_text("x" * 2000)
    with pytest.raises(UploadError, match=r"big.jsonl is 0.0 MB; the limit is 0.0 MB"):
        validate_upload(big, EvalLimits(max_bytes=1000))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "who directed Jaws", "answers": ["Steven Spielberg"]}\n{oops\n')
    with pytest.raises(UploadError, match=r"Cannot read bad.jsonl: .*\(line 2\)"):
        validate_upload(bad)
    many = _write(tmp_path / "many.jsonl", [{"question": f"q{i}", "answers": ["a"]} for i in range(4)])
    with pytest.raises(UploadError, match="has 4 questions; the limit here is 3"):
        validate_upload(many, EvalLimits(max_questions=3))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(UploadError, match="no questions"):
        validate_upload(empty)


def test_metaqa_lines_are_accepted(tmp_path):
    qa = tmp_path / "qa_dev.txt"
    qa.write_text("who directed [Jaws]\tSteven Spielberg\nwhat films did [George Lucas] direct\tStar Wars\n")
    items = validate_upload(qa)
    assert [i.question for i in items] == ["who directed Jaws", "what films did George Lucas direct"]


@pytest.mark.slow
def test_run_reports_progress_metrics_and_failures(tiny_bot, tmp_path):
    upload = _write(tmp_path / "set.jsonl", [
        {"question": "who directed Jaws", "answers": ["Steven Spielberg"], "type": "credit"},
        {"question": "who composed the music for Star Wars", "answers": ["John Williams"], "type": "credit"},
        {"question": "who directed Jaws", "answers": ["George Lucas"], "type": "wrong-on-purpose"},
    ])
    seen = []
    report = run_evaluation(tiny_bot, validate_upload(upload), EvalLimits(batch=2),
                            progress=lambda done, _total: seen.append(done))
    assert seen == [0, 2, 3]
    rows = {r[0]: r for r in metrics_rows(report)}
    assert rows["all"][1] == 3 and rows["credit"][2] == 1.0 and rows["wrong-on-purpose"][2] == 0.0
    failures = failure_rows(report)
    assert len(failures) == 1 and failures[0][2] == "George Lucas" and "Steven Spielberg" in failures[0][3]
