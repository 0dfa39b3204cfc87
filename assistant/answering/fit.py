"""Fit the reading ranker on questions with known answers (``kgqa train ranker``).

For each question the pipeline runs as at answer time up to the ranking; a reading is right when
its first answer is a gold answer. Every (right, wrong) pair of readings of one question becomes a
training example ``x_right − x_wrong`` (and its mirror) for a logistic regression: the weights learn
what puts the right reading above the wrong ones *for the same question* (RankNet-style). Each
question set weighs the same however many pairs it brings. The softmax temperature is then fit on
held-out questions so that a reading's probability means what it says (expected calibration error
reported).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.ranker import DEFAULT_WEIGHTS, FEATURES, PRIOR_ONLY, ReadingRanker
from assistant.progress import Progress

MAX_PAIRS = 40  # pairs per question: hubs of wrong readings must not outweigh the rest


@dataclass
class QuestionReadings:
    """The feature matrix of one question's readings and which of them are right."""

    set_name: str
    question: str
    matrix: np.ndarray  # readings × FEATURES
    right: np.ndarray  # 1 where the reading's first answer is gold


def collect(understand: Callable, items: Sequence, set_name: str, is_gold: Callable[[object, str], bool],
            progress: bool = True) -> list[QuestionReadings]:
    """Run ``understand(question) -> (question, readings)`` on ``items`` (each with ``.question``)."""
    out = []
    with Progress(total=len(items), desc=f"readings ({set_name})", unit="q", enabled=progress) as bar:
        for item in items:
            bar.update(1)
            try:
                question, readings = understand(item.question)
            except Exception:  # noqa: BLE001 - a question the pipeline cannot read teaches nothing
                continue
            if not readings:
                continue
            right = intended_readings(item, readings) if hasattr(item, "path") else \
                right_readings(item, readings, is_gold)
            matrix = np.array([[r.features.get(f, 0.0) for f in FEATURES] for r in readings], dtype=np.float64)
            out.append(QuestionReadings(set_name, item.question, matrix, right))
    return out


def right_readings(item, readings: Sequence, is_gold: Callable[[object, str], bool], top: int = 50,
                   slack: float = 0.02) -> np.ndarray:
    """Which readings are right: the first answer is gold and the answer set matches the gold about as well
    as the best reading's does (answer-set F1 within ``slack``), so a vague reading whose first answer
    happens to be gold ("films connected to Pixar" for "composers of Pixar films") is not taught as right."""
    gold_size = max(1, len(item.answers))
    first, f1 = [], []
    for reading in readings:
        answers = list(reading.answers)[:top]
        hits = sum(1 for a in answers if is_gold(item, a))
        first.append(bool(answers) and is_gold(item, answers[0]))
        precision, recall = hits / max(1, len(answers)), min(1.0, hits / gold_size)
        f1.append(2 * precision * recall / (precision + recall) if hits else 0.0)
    best = max((f for f, ok in zip(f1, first, strict=True) if ok), default=0.0)
    return np.array([ok and f >= best - slack for f, ok in zip(f1, first, strict=True)], dtype=np.int8)


def intended_readings(item, readings: Sequence) -> np.ndarray:
    """For a generated question, whose reading is known: the right readings are that reading (its entity and
    path, or the entity itself, or the description), and paths from that entity with the same answers."""
    gold = set(item.answers)
    out = []
    for reading in readings:
        anchors = [b.link.node_id for b in reading.branches]
        if item.kind == "identity":
            ok = reading.kind == "identity" and anchors == [item.anchor]
        elif item.kind == "describe":
            ok = reading.kind == "describe" and bool(reading.answers) and next(iter(reading.answers)) in gold
        else:
            ok = reading.kind == "path" and anchors == [item.anchor] and set(reading.answers) == gold
        out.append(ok)
    return np.array(out, dtype=np.int8)


def _pairs(questions: Sequence[QuestionReadings], rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    xs, weights = [], []
    per_set: dict[str, int] = {}
    for q in questions:
        right, wrong = np.nonzero(q.right)[0], np.nonzero(q.right == 0)[0]
        if not len(right) or not len(wrong):
            continue
        pairs = [(a, b) for a in right for b in wrong]
        if len(pairs) > MAX_PAIRS:
            pairs = rng.sample(pairs, MAX_PAIRS)
        for a, b in pairs:
            xs.append(q.matrix[a] - q.matrix[b])
            weights.append(q.set_name)
            per_set[q.set_name] = per_set.get(q.set_name, 0) + 1
    if not xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    w = np.array([1.0 / per_set[s] for s in weights])
    return np.array(xs), w / w.mean()


MIN_SCALE = 0.25


def fit_ranker(train: Sequence[QuestionReadings], held_out: Sequence[QuestionReadings] = (), c: float = 0.3,
               seed: int = 0) -> ReadingRanker:
    """Pairwise logistic regression over standardised features, then a calibrated softmax temperature."""
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(seed)
    all_rows = np.concatenate([q.matrix for q in train]) if train else np.zeros((1, len(FEATURES)))
    mean = all_rows.mean(axis=0)
    # A rare feature (a describe reading, a filter that applied) has a tiny standard deviation; standardised by
    # it, a weight the L2 penalty barely notices becomes a contribution of 10-20 logits learnt from a handful of
    # rows. The floor makes a rare feature pay for its effect as if it were seen in ~7% of the rows.
    scale = np.maximum(all_rows.std(axis=0), MIN_SCALE)
    x, w = _pairs(train, rng)
    if not len(x):
        return ReadingRanker()
    xs = x / scale
    xs = np.concatenate([xs, -xs])
    ys = np.concatenate([np.ones(len(x)), np.zeros(len(x))])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    model.fit(xs, ys, sample_weight=np.concatenate([w, w]))
    weights = {f: float(v) for f, v in zip(FEATURES, model.coef_[0], strict=True) if abs(v) > 1e-9}
    means = {f: float(m) for f, m in zip(FEATURES, mean, strict=True)}
    scales = {f: float(s) for f, s in zip(FEATURES, scale, strict=True)}
    for name in PRIOR_ONLY:  # never seen in these questions (no link predictor was trained): keep the prior
        column = FEATURES.index(name)
        if not all_rows[:, column].any():
            weights[name], means[name], scales[name] = DEFAULT_WEIGHTS[name], 0.0, 1.0
    ranker = ReadingRanker(weights, means, scales)
    calibrate = held_out or train
    ranker.temperature = fit_temperature(ranker, calibrate)
    ranker.report = {"train": _metrics(ranker, train), "held_out": _metrics(ranker, held_out) if held_out else {},
                     "pairs": int(len(x)), "C": c,
                     "sets": sorted({q.set_name for q in train}), "temperature": ranker.temperature}
    return ranker


def scores_of(ranker: ReadingRanker, q: QuestionReadings) -> np.ndarray:
    w = np.array([ranker.weights.get(f, 0.0) for f in FEATURES])
    mu = np.array([ranker.mean.get(f, 0.0) for f in FEATURES])
    sd = np.array([ranker.scale.get(f, 1.0) or 1.0 for f in FEATURES])
    return ((q.matrix - mu) / sd) @ w


def _softmax(s: np.ndarray, t: float) -> np.ndarray:
    z = s / max(t, 1e-6)
    z = np.exp(z - z.max())
    return z / z.sum()


def fit_temperature(ranker: ReadingRanker, questions: Sequence[QuestionReadings]) -> float:
    """The softmax temperature that maximises the likelihood of the right readings."""
    from scipy.optimize import minimize_scalar

    usable = [q for q in questions if q.right.any()]
    if not usable:
        return 1.0
    scored = [(scores_of(ranker, q), q.right.astype(bool)) for q in usable]

    def nll(log_t: float) -> float:
        t = math.exp(log_t)
        return -sum(math.log(max(_softmax(s, t)[right].sum(), 1e-12)) for s, right in scored) / len(scored)

    result = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(math.exp(result.x))


def _metrics(ranker: ReadingRanker, questions: Sequence[QuestionReadings], bins: int = 10) -> dict:
    """Top-reading accuracy over all questions (no right reading counts as a miss) and calibration."""
    if not questions:
        return {}
    hits, confidences = [], []
    for q in questions:
        s = scores_of(ranker, q)
        best = int(np.argmax(s))
        hits.append(float(q.right[best]))
        confidences.append(float(_softmax(s, ranker.temperature)[best]))
    hits_a, conf_a = np.array(hits), np.array(confidences)
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        mask = (conf_a >= lo) & (conf_a < lo + 1 / bins)
        if mask.any():
            ece += mask.mean() * abs(hits_a[mask].mean() - conf_a[mask].mean())
    reachable = float(np.mean([q.right.any() for q in questions]))
    return {"questions": len(questions), "top1": round(float(hits_a.mean()), 4), "reachable": round(reachable, 4),
            "ece": round(float(ece), 4), "mean_confidence": round(float(conf_a.mean()), 4)}
