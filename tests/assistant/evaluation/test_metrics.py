"""Per-question metrics and aggregates on hand-made rankings (exact numbers)."""

from __future__ import annotations

import pytest

from assistant.answer import RankedAnswer
from assistant.evaluation.metrics import Gold, QuestionScore, aggregate, is_correct, percentile, score_ranking


def ranked(*names: str) -> list[RankedAnswer]:
    """Answers best first; ``"id=name"`` sets the node id, else it is ``"n:<name>"``."""
    out = []
    for i, text in enumerate(names):
        node_id, _, name = text.rpartition("=") if "=" in text else (f"n:{text}", "", text)
        out.append(RankedAnswer(node_id, name, "thing", 1.0 - i / 10))
    return out


def test_top_answer_correct_single_gold():
    s = score_ranking(ranked("Jaws", "Alien", "Heat"), ["jaws"], k=10)
    assert s == QuestionScore(rank=1, hits1=1.0, hitsk=1.0, rr=1.0, precision=pytest.approx(1 / 3),
                              recall=1.0, f1=pytest.approx(0.5), predicted=3)


def test_gold_at_rank_three():
    s = score_ranking(ranked("Alien", "Heat", "Jurassic Park", "Jaws"), ["Jurassic Park"], k=10)
    assert (s.rank, s.hits1, s.hitsk) == (3, 0.0, 1.0)
    assert s.rr == pytest.approx(1 / 3)
    assert (s.precision, s.recall, s.f1) == (0.25, 1.0, pytest.approx(0.4))


def test_gold_beyond_k_counts_as_absent():
    s = score_ranking(ranked("Alien", "Heat", "Jaws"), ["Jaws"], k=2)
    assert s == QuestionScore(None, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2)


def test_multi_answer_set_f1():
    # gold {A, B, C, D}; predicted {A, X, C}: P = 2/3, R = 2/4, F1 = 2PR/(P+R) = 4/7
    s = score_ranking(ranked("A", "X", "C"), ["A", "B", "C", "D"], k=10)
    assert (s.rank, s.rr) == (1, 1.0)
    assert s.precision == pytest.approx(2 / 3) and s.recall == 0.5 and s.f1 == pytest.approx(4 / 7)


def test_normalisation_node_ids_and_duplicates():
    # accents, case and punctuation fold; a node id in the gold also matches; duplicates count once
    s = score_ranking(ranked("AMÉLIE!", "amelie", "project:jaws-1975=Jaws (film)"), ["Amelie", "PROJECT:JAWS-1975"])
    assert s.predicted == 2 and s.precision == 1.0 and s.recall == 1.0 and s.f1 == 1.0
    assert is_correct(ranked("E.T.")[0], ["et"])
    assert not is_correct(ranked("Jaws 2")[0], ["Jaws"])
    assert Gold.of(["Jaws", "jaws", "JAWS!"]).answers == ("Jaws",)


def test_empty_ranking_and_bad_k():
    assert score_ranking([], ["Jaws"]) == QuestionScore(None, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    with pytest.raises(ValueError, match="k must be at least 1"):
        score_ranking(ranked("Jaws"), ["Jaws"], k=0)


def test_percentile_interpolates():
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == pytest.approx(48.0)
    assert percentile([40.0, 10.0], 50) == 25.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0


def test_aggregate_means_and_latencies():
    scores = [
        score_ranking(ranked("Jaws"), ["Jaws"]),                # hits1 1, rr 1, f1 1
        score_ranking(ranked("Alien", "Jaws"), ["Jaws"]),       # hits1 0, rr 1/2, P 1/2, R 1, f1 2/3
        score_ranking(ranked("Alien", "Heat"), ["Jaws"]),       # all 0
        score_ranking([], ["Jaws"]),                            # unanswered
    ]
    agg = aggregate(scores, [10.0, 20.0, 30.0, 40.0], errors=1)
    assert agg.n == 4 and agg.errors == 1
    assert agg.hits1 == 0.25 and agg.hitsk == 0.5
    assert agg.mrr == pytest.approx(1.5 / 4)
    assert agg.precision == pytest.approx(1.5 / 4) and agg.recall == 0.5
    assert agg.f1 == pytest.approx((1 + 2 / 3) / 4)
    assert agg.answered == 0.75
    assert agg.latency_p50_ms == 25.0 and agg.latency_p95_ms == pytest.approx(38.5) and agg.latency_mean_ms == 25.0
    d = agg.to_dict()
    assert d["mrr"] == 0.375 and d["n"] == 4 and set(d) >= {"hits1", "hitsk", "f1", "latency_p95_ms"}


def test_aggregate_of_nothing_is_zero():
    agg = aggregate([], [])
    assert agg.n == 0 and agg.hits1 == 0.0 and agg.latency_p95_ms == 0.0
