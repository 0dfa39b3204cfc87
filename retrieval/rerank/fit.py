"""Fit the reranker's weights on question sets by pairwise logistic regression.

For every training question the assistant's candidate generators run as at question time; each
(correct, wrong) candidate pair of one question becomes a training example ``x_correct − x_wrong``
(and its mirror), so the weights learn what puts a right answer above a wrong one *for the same
question* (a RankNet-style linear ranker). Features are standardised first so that the weights, and
the contributions shown by ``kgqa ask --explain``, are comparable.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from assistant.evaluation.datasets import QAItem
from assistant.evaluation.metrics import Gold
from retrieval.rerank.features import FEATURES
from retrieval.rerank.model import Reranker

MAX_PAIRS_PER_QUESTION = 40


@dataclass
class QuestionRows:
    """Feature matrix and labels of one question's candidates (generator order kept)."""

    set_name: str
    item_id: str
    matrix: np.ndarray  # candidates × FEATURES
    labels: np.ndarray  # 1 for a gold answer


def collect(bot, items: Sequence[QAItem], set_name: str, progress: bool = True) -> list[QuestionRows]:
    """Run the candidate generators and the feature extractor of ``bot`` (an ``Assistant``) on ``items``."""
    out: list[QuestionRows] = []
    for item in tqdm(items, desc=f"candidates ({set_name})", unit="q", disable=not progress):
        query = bot.parse(item.question)
        if query.error or query.clarification:
            continue
        candidates, _ = bot.candidates(query)
        if not candidates:
            continue
        rows = bot.features.extract(query, candidates)
        gold = Gold.of(item.answers)
        labels = np.array([gold.match(_Named(c.node_id, bot.kg.nodes[c.node_id].name)) is not None
                           for c in candidates], dtype=np.int8)
        matrix = np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float64)
        out.append(QuestionRows(set_name, item.id, matrix, labels))
    return out


@dataclass(slots=True)
class _Named:
    node_id: str
    name: str


def ranking_metrics(questions: Sequence[QuestionRows], scores: Sequence[np.ndarray]) -> dict[str, float]:
    """Hits@1 and MRR of the first correct candidate (questions without one count as misses)."""
    hits1, rr = [], []
    for q, s in zip(questions, scores, strict=True):
        order = np.lexsort((np.arange(len(s)), -s))  # ties keep the generator's order
        ranks = np.nonzero(q.labels[order])[0]
        hits1.append(float(len(ranks) > 0 and ranks[0] == 0))
        rr.append(1.0 / (ranks[0] + 1) if len(ranks) else 0.0)
    n = max(1, len(questions))
    return {"questions": len(questions), "hits@1": sum(hits1) / n, "mrr": sum(rr) / n}


def fit(questions: Sequence[QuestionRows], c: float = 1.0, seed: int = 0) -> Reranker:
    """Pairwise logistic regression over standardised features.

    Every question set weighs the same in the loss however many pairs it brings, so a large
    benchmark (MetaQA) does not drown the KG's own questions.
    """
    from sklearn.linear_model import LogisticRegression

    stacked = np.vstack([q.matrix for q in questions])
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    rng = random.Random(seed)
    diffs, sets = [], []
    for q in questions:
        pos = np.nonzero(q.labels)[0]
        neg = np.nonzero(q.labels == 0)[0]
        if not len(pos) or not len(neg):
            continue  # nothing to order
        pairs = [(p, n) for p in pos for n in neg]
        if len(pairs) > MAX_PAIRS_PER_QUESTION:
            pairs = rng.sample(pairs, MAX_PAIRS_PER_QUESTION)
        z = (q.matrix - mean) / scale
        diffs += [z[p] - z[n] for p, n in pairs]
        sets += [q.set_name] * len(pairs)
    if not diffs:
        raise ValueError("no question had both a correct and a wrong candidate: nothing to fit")
    x = np.array(diffs)
    x = np.vstack([x, -x])
    y = np.r_[np.ones(len(diffs)), np.zeros(len(diffs))]
    sizes = {name: sets.count(name) for name in set(sets)}
    weight = np.array([len(sets) / (len(sizes) * sizes[name]) for name in sets])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    model.fit(x, y, sample_weight=np.r_[weight, weight])
    weights = {f: float(w) for f, w in zip(FEATURES, model.coef_[0], strict=True)}
    return Reranker(weights, {f: float(m) for f, m in zip(FEATURES, mean, strict=True)},
                    {f: float(s) for f, s in zip(FEATURES, scale, strict=True)},
                    {"pairs": len(diffs), "C": c, "fit": time.strftime("%Y-%m-%d")})


def evaluate(reranker: Reranker | None, questions: Sequence[QuestionRows]) -> dict[str, float]:
    """Metrics of a reranker (``None``: the generators' own order) on collected questions."""
    if reranker is None:
        scores = [-np.arange(len(q.labels), dtype=np.float64) for q in questions]
    else:
        scores = [reranker.score_matrix(q.matrix) for q in questions]
    return ranking_metrics(questions, scores)


def select_c(questions: Sequence[QuestionRows], grid: Sequence[float] = (0.01, 0.1, 1.0), folds: int = 5,
             seed: int = 0, tolerance: float = 0.002) -> tuple[float, dict[float, float]]:
    """Choose the regularisation by cross-validation over the training questions, so that no test
    question is looked at: the MRR of the held-out folds, averaged per question set (each set weighs
    the same, as in :func:`fit`); the strongest regularisation within ``tolerance`` of the best wins."""
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    parts = [order[i::folds] for i in range(folds)]
    scores: dict[float, float] = {}
    for c in grid:
        per_set: dict[str, list[float]] = {}
        for part in parts:
            held = set(part)
            train = [q for i, q in enumerate(questions) if i not in held]
            try:
                model = fit(train, c=c, seed=seed)
            except ValueError:  # a fold with nothing to order
                continue
            for i in part:
                q = questions[i]
                per_set.setdefault(q.set_name, []).append(ranking_metrics([q], [model.score_matrix(q.matrix)])["mrr"])
        scores[c] = float(np.mean([np.mean(v) for v in per_set.values()])) if per_set else 0.0
    best = max(scores.values())
    return min(c for c in grid if scores[c] >= best - tolerance), scores
