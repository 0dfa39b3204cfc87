"""``evaluate`` and ``EvalReport`` with a scripted assistant: exact numbers, threads, errors, renderings."""

from __future__ import annotations

import json
import threading
import time

import pytest

from assistant.answer import Answer, RankedAnswer
from assistant.evaluation import EvalReport, QAItem, evaluate
from assistant.query import Query


class ScriptedAssistant:
    """Answers each question with a fixed ranked list of names; raises for ``"boom"``."""

    def __init__(self, script: dict[str, list[str]], delay_s: float = 0.0) -> None:
        self.script = script
        self.delay_s = delay_s
        self.threads: set[str] = set()
        self.ks: list[int] = []
        self.asked: list[str] = []

    def ask(self, question: str, k: int = 10, node_type: str | None = None) -> Answer:
        self.threads.add(threading.current_thread().name)
        self.ks.append(k)
        self.asked.append(question)
        time.sleep(self.delay_s)
        if question == "boom":
            raise RuntimeError("parser exploded")
        names = self.script[question]
        answers = [RankedAnswer(f"n:{n.lower()}", n, "thing", 1.0 - i / 10) for i, n in enumerate(names)]
        return Answer(question, Query(text=question, target_type="thing", free_text=question), answers,
                      f"{len(answers)} answers")


ITEMS = [
    QAItem("q1", "who directed Jaws", ["Steven Spielberg"], "movie_to_director", "Jaws"),
    QAItem("q2", "films by Spielberg", ["Jaws", "Jurassic Park"], "director_to_movie", "Spielberg"),
    QAItem("q3", "who directed Alien", ["Ridley Scott"], "movie_to_director", "Alien"),
    QAItem("q4", "boom", ["x"], None, None),
]
SCRIPT = {
    "who directed Jaws": ["Steven Spielberg", "George Lucas"],
    "films by Spielberg": ["Duel", "Jaws", "Jurassic Park", "Hook"],
    "who directed Alien": ["James Cameron", "Ridley Scott | Jr."],
}


@pytest.fixture
def report() -> EvalReport:
    return evaluate(ScriptedAssistant(SCRIPT), ITEMS, k=3, progress=False, meta={"dataset": "scripted"})


def test_exact_metrics_overall_and_per_type(report):
    assert [r.item.id for r in report.results] == ["q1", "q2", "q3", "q4"]
    overall = report.overall
    assert overall.n == 4 and overall.errors == 1
    assert overall.hits1 == 0.25  # q1 only
    assert overall.hitsk == 0.5  # q1, q2 (Hook is cut at k=3, Ridley Scott | Jr. is another name)
    assert overall.mrr == pytest.approx((1 + 1 / 2) / 4)
    # q1: P 1/2 R 1 F1 2/3; q2 (top 3): P 2/3 R 1 F1 4/5; q3, q4: 0
    assert overall.f1 == pytest.approx((2 / 3 + 4 / 5) / 4)
    assert overall.answered == 0.75
    per_type = report.per_type
    assert list(per_type) == ["director_to_movie", "movie_to_director", "untyped"]
    assert per_type["movie_to_director"].n == 2 and per_type["movie_to_director"].hits1 == 0.5
    assert per_type["director_to_movie"].mrr == 0.5 and per_type["untyped"].errors == 1
    assert all(r.latency_ms >= 0 for r in report.results)


def test_failures_carry_question_gold_top3_query_and_message(report):
    failures = report.to_dict()["failures"]
    assert [f["id"] for f in failures] == ["q2", "q3", "q4"]
    q2 = failures[0]
    assert q2["question"] == "films by Spielberg" and q2["gold"] == ["Jaws", "Jurassic Park"]
    assert [p["name"] for p in q2["predicted"]] == ["Duel", "Jaws", "Jurassic Park"]
    assert q2["rank"] == 2 and q2["query"]["target_type"] == "thing" and q2["message"] == "4 answers"
    q4 = failures[2]
    assert q4["error"] == "RuntimeError: parser exploded" and q4["query"] is None and q4["predicted"] == []


def test_to_dict_is_json_and_complete(report):
    d = json.loads(json.dumps(report.to_dict(include_questions=True)))
    assert d["k"] == 3 and d["n"] == 4 and d["meta"] == {"dataset": "scripted"} and d["failures_total"] == 3
    assert d["overall"]["hits1"] == 0.25 and set(d["per_type"]) == {"director_to_movie", "movie_to_director",
                                                                    "untyped"}
    assert [q["id"] for q in d["questions"]] == ["q1", "q2", "q3", "q4"]
    assert d["questions"][0]["score"]["rank"] == 1 and len(d["questions"][1]["predicted"]) == 3
    assert len(report.to_dict(max_failures=1)["failures"]) == 1


def test_text_and_markdown_renderings(report, tmp_path):
    text = report.to_text()
    assert "Hits@1" in text and "Hits@3" in text and "movie_to_director" in text and "0.250" in text
    md_path, png_path = report.write_report(tmp_path / "out" / "report.md")
    assert png_path == tmp_path / "out" / "report.png"
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = md_path.read_text()
    assert md.startswith("# KGQA evaluation")
    assert "## Overall" in md and "## Per question type" in md and "## Failures (3 of 3 shown)" in md
    assert "![Hits@1, Hits@3 and MRR per question type](report.png)" in md
    assert "| movie_to_director | 2 |" in md
    assert "Ridley Scott \\| Jr." in md  # pipes escaped inside tables and lists
    assert "RuntimeError: parser exploded" in md and '"target_type": "thing"' in md
    assert "## Failures (1 of 3 shown)" in report.to_markdown(max_failures=1)


def test_threads_keep_order_and_run_concurrently():
    items = [QAItem(f"q{i}", "who directed Jaws", ["Steven Spielberg"], "t") for i in range(12)]
    bot = ScriptedAssistant(SCRIPT, delay_s=0.02)
    started = time.perf_counter()
    report = evaluate(bot, items, k=5, workers=4, progress=False)
    assert time.perf_counter() - started < 12 * 0.02  # overlap, not serial
    assert [r.item.id for r in report.results] == [f"q{i}" for i in range(12)]
    assert len(bot.threads) > 1 and set(bot.ks) == {5}
    assert report.overall.hits1 == 1.0 and report.workers == 4 and report.failures == []
    assert "None: every top answer was gold." in report.to_markdown()


def test_bad_arguments():
    with pytest.raises(ValueError, match="workers"):
        evaluate(ScriptedAssistant(SCRIPT), ITEMS, workers=0, progress=False)
    with pytest.raises(ValueError, match="k must be"):
        evaluate(ScriptedAssistant(SCRIPT), ITEMS, k=0, progress=False)


def test_empty_question_set_still_reports(tmp_path):
    report = evaluate(ScriptedAssistant(SCRIPT), [], progress=False)
    assert report.overall.n == 0 and report.per_type == {}
    md, png = report.write_report(tmp_path / "empty.md")
    assert md.exists() and png.exists()


def test_warmup_asks_the_first_question_once_unscored():
    bot = ScriptedAssistant(SCRIPT)
    evaluate(bot, ITEMS[:2], progress=False)
    assert bot.asked == ["who directed Jaws", "who directed Jaws", "films by Spielberg"]
    cold = ScriptedAssistant(SCRIPT)
    evaluate(cold, ITEMS[:2], progress=False, warmup=False)
    assert cold.asked == ["who directed Jaws", "films by Spielberg"]
    boom_first = evaluate(ScriptedAssistant(SCRIPT), [ITEMS[3], ITEMS[0]], progress=False)
    assert boom_first.results[0].error == "RuntimeError: parser exploded" and boom_first.results[1].score.hits1 == 1
