"""A real ``Assistant`` on the tiny film KG: ``evaluate``, the report files, and ``kgqa eval`` itself."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answering.ranker import FEATURES
from assistant.cli import main
from assistant.evaluation import evaluate, load_questions

REPO = Path(__file__).resolve().parents[3]
QUESTIONS = [
    {"id": "shark", "question": "shark", "answers": ["shark"], "type": "keyword"},
    {"id": "dino", "question": "dinosaur", "answers": ["keyword:dinosaur"], "type": "keyword"},
    {"id": "score", "question": "who composed the music for [Star Wars]", "answers": ["John Williams"],
     "type": "movie_to_composer"},
    {"id": "doc", "question": "a documentary about the making of Star Wars", "answers": ["Empire of Dreams"],
     "type": "topic_to_movie"},
]


@pytest.fixture(scope="module")
def questions_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("questions") / "tiny.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eval-index")


@pytest.fixture(scope="module")
def tiny_assistant(tiny_kg_session_dir, tiny_index_dir, base_encoder):
    from assistant.api import Assistant

    return Assistant.from_path(tiny_kg_session_dir, tiny_index_dir, progress=False)


@pytest.mark.slow
def test_evaluate_real_assistant_and_write_report(tiny_assistant, questions_file, tmp_path):
    items = load_questions(questions_file, strip_brackets=True)
    assert items[2].question == "who composed the music for Star Wars" and items[2].topic == "Star Wars"
    report = evaluate(tiny_assistant, items, k=5, workers=2, progress=False)

    assert [r.item.id for r in report.results] == ["shark", "dino", "score", "doc"]
    assert report.overall.n == 4 and report.overall.errors == 0
    assert set(report.per_type) == {"keyword", "movie_to_composer", "topic_to_movie"}
    assert report.per_type["keyword"].n == 2
    for agg in [report.overall, *report.per_type.values()]:
        for value in (agg.hits1, agg.hitsk, agg.mrr, agg.precision, agg.recall, agg.f1):
            assert 0.0 <= value <= 1.0
        assert agg.hits1 <= agg.hitsk and agg.latency_p50_ms <= agg.latency_p95_ms
    assert all(0 < len(r.predicted) <= 5 and r.query is not None for r in report.results)
    assert all(r.latency_ms > 0 for r in report.results)

    d = json.loads(json.dumps(report.to_dict()))
    assert d["n"] == 4 and d["k"] == 5 and d["failures_total"] == len(d["failures"])
    for failure in d["failures"]:
        assert set(failure) >= {"question", "gold", "predicted", "query", "message"}
        assert len(failure["predicted"]) <= 3 and failure["query"]["text"] == failure["question"]

    md, png = report.write_report(tmp_path / "report.md")
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5000
    text = md.read_text()
    assert "](report.png)" in text and "| keyword | 2 |" in text


@pytest.mark.slow
def test_cli_eval_text_with_seeded_limit(tiny_assistant, tiny_kg_session_dir, tiny_index_dir, questions_file,
                                         tmp_path, capsys):
    out_md = tmp_path / "r" / "eval.md"
    argv = ["eval", str(questions_file), "--kg", str(tiny_kg_session_dir), "--index-dir", str(tiny_index_dir),
            "-k", "3", "--limit", "2", "--seed", "7", "--report", str(out_md)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 questions, k=3" in printed and "Hits@3" in printed
    assert f"report: {out_md} (plot: {out_md.with_suffix('.png')})" in printed
    assert out_md.exists() and out_md.with_suffix(".png").exists()

    assert main(argv + ["--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv + ["--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    ids = [f["id"] for f in first["failures"]]
    assert first["n"] == 2 and first["meta"]["questions_in_file"] == 4
    assert ids == [f["id"] for f in again["failures"]]  # same seed, same sample
    sample = {i.id for i in random.Random(7).sample(load_questions(questions_file), 2)}
    assert set(ids) <= sample


def test_cli_eval_reports_malformed_file(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x"}\n', encoding="utf-8")
    assert main(["eval", str(bad)]) == 2
    assert f"{bad}:1: expected a non-empty list" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_eval_json_subprocess(tiny_assistant, tiny_kg_session_dir, tiny_index_dir, questions_file, tmp_path):
    # reuses the index (and the parser fitted into it) that ``tiny_assistant`` built, so the child only loads
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "KGQA_HOME": str(tmp_path / "home")}
    out_md = tmp_path / "sub" / "report.md"
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "eval", str(questions_file), "--kg", str(tiny_kg_session_dir),
         "--index-dir", str(tiny_index_dir), "-k", "5", "--strip-brackets", "--workers", "2", "--json",
         "--report", str(out_md)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["n"] == 4 and data["k"] == 5 and data["workers"] == 2
    assert set(data["overall"]) >= {"hits1", "hitsk", "mrr", "f1", "latency_p50_ms", "latency_p95_ms"}
    assert set(data["per_type"]) == {"keyword", "movie_to_composer", "topic_to_movie"}
    assert data["report"] == {"markdown": str(out_md), "plot": str(out_md.with_suffix(".png"))}
    assert out_md.exists() and out_md.with_suffix(".png").exists()


@pytest.mark.slow
def test_cli_ask_explain_shows_the_readings_and_why_one_won(tiny_assistant, tiny_kg_session_dir, tiny_index_dir,
                                                           capsys):
    assert main(["ask", "who composed the music for Star Wars", "--kg", str(tiny_kg_session_dir),
                 "--index-dir", str(tiny_index_dir), "--explain", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "John Williams" in out.splitlines()[1]
    assert "readings considered" in out and "the composer of Star Wars (1977)" in out
    terms = re.findall(r"(\w+) ([+-]\d+\.\d\d)", out.split("why the best reading won:")[1].splitlines()[0])
    assert len(terms) >= 3 and {name for name, _ in terms} <= set(FEATURES)  # the fitted weights' terms
    assert [abs(float(v)) for _, v in terms] == sorted((abs(float(v)) for _, v in terms), reverse=True)
    assert main(["ask", "who composed the music for Star Wars", "--kg", str(tiny_kg_session_dir),
                 "--index-dir", str(tiny_index_dir), "--json"]) == 0
    top = json.loads(capsys.readouterr().out)["answers"][0]
    assert 0 < top["confidence"] <= 1 and top["inferred"] is False
    assert "graph" in top["sources"] and top["paths"] and "composer" in top["explanation"]
