"""Fitting the reranker: pairwise logistic regression learns which feature separates right from wrong."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.rerank import FEATURES, Reranker
from retrieval.rerank.fit import QuestionRows, evaluate, fit


def _questions(n: int = 60, seed: int = 0) -> list[QuestionRows]:
    """Candidates in a random generator order; only ``specificity`` tells the right one apart."""
    rng = np.random.default_rng(seed)
    col = FEATURES.index("specificity")
    out = []
    for i in range(n):
        matrix = rng.normal(size=(8, len(FEATURES)))
        labels = np.zeros(8, dtype=np.int8)
        right = rng.integers(8)
        labels[right] = 1
        matrix[right, col] += 3.0
        out.append(QuestionRows("synthetic", str(i), matrix, labels))
    return out


def test_fit_learns_the_informative_feature_and_beats_the_generator_order():
    train, held = _questions(seed=0), _questions(seed=1)
    reranker = fit(train)
    assert max(reranker.weights, key=lambda f: abs(reranker.weights[f])) == "specificity"
    assert reranker.weights["specificity"] > 0
    assert evaluate(reranker, held)["hits@1"] > evaluate(None, held)["hits@1"] + 0.4


def test_fit_needs_a_question_with_both_labels():
    rows = QuestionRows("x", "1", np.zeros((3, len(FEATURES))), np.ones(3, dtype=np.int8))
    with pytest.raises(ValueError, match="nothing to fit"):
        fit([rows])


def test_contributions_sum_to_the_score_and_survive_a_round_trip(tmp_path):
    reranker = Reranker({"log_paths": 2.0, "dense_base": -0.5}, {"log_paths": 1.0}, {"log_paths": 0.5})
    features = {"log_paths": 2.0, "dense_base": 0.4}
    score, parts = reranker.score(features)
    assert parts == {"log_paths": pytest.approx(4.0), "dense_base": pytest.approx(-0.2)}
    assert score == pytest.approx(sum(parts.values()))
    again = Reranker.load(reranker.save(tmp_path / "r.json"))
    assert again.score(features) == (score, parts)


def test_a_broken_weights_file_gets_an_actionable_error(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="kgqa train reranker"):
        Reranker.load(path)
