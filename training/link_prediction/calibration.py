"""Calibrated probabilities for predicted edges: P(edge is true) from a link predictor's scores.

**What is calibrated.** Inferred answers come from ``tails()``: for a query ``(h, r, ?)`` (or
``(?, r, t)``) the predictor's top-k entities that the graph does not already state. The calibration
examples are exactly those: for every query of a set of held-out edges, the model's top-k tails
with the edges it trained on excluded, labelled true when the held-out set holds that edge. Each
example has two features (:func:`edge_features`): by default the triple's score read both ways,
``score(h, r, t)`` and ``score(t, r^-1, h)``, which is the same for an edge whichever query found it
(so ``tails()`` and ``probability()`` agree); or the score and its log-softmax over every entity
(the model's own 1-vs-all probability, which depends on the query's direction).

**How.** Platt scaling (logistic regression on the two standardised features) or isotonic regression
(on their standardised sum), per relation where the held-out set gives at least ``min_examples``
positives and as many negatives, and one global model for the rest.

**On which edges.** The model that is calibrated must not have trained on the calibration edges; see
:func:`training.link_prediction.answering.train_for_answering` for the hold-out-then-refit protocol
and ``bench/calibration.py`` for the expected calibration error and the reliability diagram.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from training.link_prediction.data import Triple
from training.link_prediction.kge import KGEPredictor

METHODS = ("platt", "isotonic")
#: Fewest positives (and negatives) a relation needs for its own calibration model.
MIN_EXAMPLES = 30


FEATURES = ("scores", "softmax")


def direction_key(relation: str, inverse: bool) -> str:
    """The calibration key of a query direction: ``"r"`` for ``(h, r, ?)``, ``"r^-1"`` for ``(?, r, t)``."""
    return f"{relation}^-1" if inverse else relation


@dataclass
class CalibrationExamples:
    """Candidate edges with their features and labels.

    Attributes:
        keys: Calibration key per example (the relation; with ``"softmax"`` features, relation or ``relation^-1``).
        features: ``(n, 2)`` feature rows (see :func:`edge_features`).
        labels: 1 when the edge is a held-out true edge, else 0.
        kind: Which features: ``"scores"`` or ``"softmax"``.
    """

    keys: list[str]
    features: np.ndarray
    labels: np.ndarray
    kind: str = "scores"

    def __len__(self) -> int:
        return len(self.keys)


@torch.no_grad()
def query_scores(predictor: KGEPredictor, rows: torch.Tensor, relation_rows: torch.Tensor,
                 inverse: bool) -> torch.Tensor:
    """``(batch, num_entities)`` scores of every entity as the answer of ``(h, r, ?)`` or, with ``inverse``,
    of ``(?, r, h)`` (row-index tensors)."""
    if inverse:
        return predictor.score_all_heads(relation_rows, rows)
    return predictor.score_all_tails(rows, relation_rows)


@torch.no_grad()
def reverse_scores(predictor: KGEPredictor, heads: torch.Tensor, relations: torch.Tensor,
                   tails: torch.Tensor) -> torch.Tensor:
    """Score of each triple read the other way, ``(t, r^-1, h)`` (models without reciprocal rows: the same score)."""
    if not predictor.reciprocal:
        return predictor.score_rows(heads, relations, tails)
    return predictor.score_rows(tails, predictor.inverse_rows(relations), heads)


def edge_features(kind: str, forward: torch.Tensor, backward: torch.Tensor, log_softmax: torch.Tensor) -> np.ndarray:
    """Feature rows of candidate edges.

    ``"scores"``: ``[score(h, r, t), score(t, r^-1, h)]``, the triple read both ways. It is the same for an
    edge however it was found (as a tail of ``(h, r, ?)`` or a head of ``(?, r, t)``) and costs two dot
    products, so ``tails()`` and ``probability()`` agree on every edge. ``"softmax"``: ``[score, log-softmax
    of the score over every entity]`` of the query the candidate answers; it depends on the direction.
    """
    if kind == "scores":
        cols = [forward, backward]
    elif kind == "softmax":
        cols = [forward, log_softmax]
    else:
        raise ValueError(f"calibration features must be one of {FEATURES}, got {kind!r}")
    return torch.stack([c.to(torch.float64) for c in cols], dim=-1).cpu().numpy()


@torch.no_grad()
def candidate_examples(predictor: KGEPredictor, heldout: Sequence[Triple], trained: Sequence[Triple], k: int = 10,
                       batch_size: int = 256, kind: str = "scores") -> CalibrationExamples:
    """The top-k candidates of every held-out query, with their features and labels.

    Args:
        predictor: A model that did not train on ``heldout``.
        heldout: True edges the model never saw.
        trained: The edges it trained on (excluded from the candidates, as ``tails(exclude_known=True)`` does),
            plus any other stated edge that is neither a candidate nor a positive.
        k: Candidates per query (the ``k`` of ``tails``).
        batch_size: Queries scored at once.
        kind: The features (:func:`edge_features`).

    Returns:
        Candidates of the two queries of every held-out edge, ``(h, r, ?)`` and ``(?, r, t)`` (each query once).
    """
    ent, rel = predictor.entity_index, predictor.relation_index
    known: dict[tuple[int, int, bool], list[int]] = defaultdict(list)
    for h, r, t in trained:
        if h in ent and t in ent and r in rel:
            known[(ent[h], rel[r], False)].append(ent[t])
            known[(ent[t], rel[r], True)].append(ent[h])
    answers: dict[tuple[int, int, bool], set[int]] = defaultdict(set)
    for h, r, t in heldout:
        if h in ent and t in ent and r in rel:
            answers[(ent[h], rel[r], False)].add(ent[t])
            answers[(ent[t], rel[r], True)].add(ent[h])
    keys: list[str] = []
    feats: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    device = predictor.entity_embeddings.device
    for inverse in (False, True):
        queries = [q for q in answers if q[2] == inverse]
        for start in range(0, len(queries), batch_size):
            chunk = queries[start:start + batch_size]
            rows = torch.tensor([q[0] for q in chunk], device=device)
            rrows = torch.tensor([q[1] for q in chunk], device=device)
            s = query_scores(predictor, rows, rrows, inverse)
            allowed = predictor.answer_mask(rrows, inverse)
            if allowed is not None:  # a type-constrained model answers with its relation's types only
                s = s.masked_fill(~allowed, float("-inf"))
            logz = torch.logsumexp(s, dim=1, keepdim=True)
            for i, q in enumerate(chunk):
                if known.get(q):
                    s[i, known[q]] = float("-inf")
            top = torch.topk(s, min(k, s.shape[1]), dim=1)
            keep = torch.isfinite(top.values)
            qi = torch.arange(len(chunk), device=device)[:, None].expand_as(top.indices)[keep]
            cand, value = top.indices[keep], top.values[keep]
            anchor, r = rows[qi], rrows[qi]
            heads, tails = (cand, anchor) if inverse else (anchor, cand)
            forward = predictor.score_rows(heads, r, tails)
            backward = reverse_scores(predictor, heads, r, tails)
            feats.append(edge_features(kind, forward, backward, value - logz[qi, 0]))
            keys.extend(direction_key(predictor.relation_ids[chunk[j][1]], inverse and kind == "softmax")
                        for j in qi.tolist())
            labels.append(np.fromiter((c in answers[chunk[j]] for j, c in zip(qi.tolist(), cand.tolist(),
                                                                               strict=True)),
                                      dtype=np.float64, count=len(cand)))
    features = np.concatenate(feats) if feats else np.zeros((0, 2))
    return CalibrationExamples(keys, features, np.concatenate(labels) if labels else np.zeros(0), kind)


@dataclass
class _Model:
    """One fitted map from features to probability (Platt: standardised linear logit; isotonic: steps)."""

    method: str
    positives: int
    negatives: int
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    def predict(self, features: np.ndarray) -> np.ndarray:
        if self.method == "platt":
            z = (features - np.asarray(self.mean)) / np.asarray(self.scale)
            logit = z @ np.asarray(self.coef) + self.intercept
            return 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        # isotonic: one monotone map of the sum of the two (standardised) features
        return np.interp(_isotonic_input(features, self.mean, self.scale), np.asarray(self.x), np.asarray(self.y))

    def to_dict(self) -> dict:
        out = {"method": self.method, "positives": self.positives, "negatives": self.negatives}
        if self.method == "platt":
            out.update(mean=self.mean, scale=self.scale, coef=self.coef, intercept=self.intercept)
        else:
            out.update(mean=self.mean, scale=self.scale, x=self.x, y=self.y)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> _Model:
        if not isinstance(data, dict) or data.get("method") not in METHODS:
            raise ValueError("each calibration model must be an object with \"method\": \"platt\" or \"isotonic\"")
        model = cls(data["method"], int(data.get("positives", 0)), int(data.get("negatives", 0)))
        if model.method == "platt":
            model.mean = [float(v) for v in data["mean"]]
            model.scale = [float(v) for v in data["scale"]]
            model.coef = [float(v) for v in data["coef"]]
            model.intercept = float(data["intercept"])
            if not len(model.mean) == len(model.scale) == len(model.coef) == 2:
                raise ValueError("a Platt calibration model needs two means, scales and coefficients")
        else:
            model.mean = [float(v) for v in data["mean"]]
            model.scale = [float(v) for v in data["scale"]]
            model.x = [float(v) for v in data["x"]]
            model.y = [float(v) for v in data["y"]]
            if len(model.x) != len(model.y) or not model.x:
                raise ValueError("an isotonic calibration model needs as many x as y values (at least one)")
        return model


def _fit_one(method: str, features: np.ndarray, labels: np.ndarray) -> _Model:
    positives, negatives = int(labels.sum()), int(len(labels) - labels.sum())
    if positives == 0 or negatives == 0:  # nothing to separate: the observed rate, smoothed
        rate = (positives + 1) / (len(labels) + 2)
        return _Model("platt", positives, negatives, [0.0, 0.0], [1.0, 1.0], [0.0, 0.0],
                      math.log(rate / (1 - rate)))
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale == 0] = 1.0
        lr = LogisticRegression(C=1.0, max_iter=1000).fit((features - mean) / scale, labels)
        return _Model("platt", positives, negatives, mean.tolist(), scale.tolist(), lr.coef_[0].tolist(),
                      float(lr.intercept_[0]))
    from sklearn.isotonic import IsotonicRegression

    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
        _isotonic_input(features, mean.tolist(), scale.tolist()), labels)
    return _Model("isotonic", positives, negatives, mean.tolist(), scale.tolist(), x=iso.X_thresholds_.tolist(),
                  y=iso.y_thresholds_.tolist())


def _isotonic_input(features: np.ndarray, mean: list[float], scale: list[float]) -> np.ndarray:
    return ((features - np.asarray(mean)) / np.asarray(scale)).sum(axis=1)


@dataclass
class Calibrator:
    """Maps a candidate edge's ``(score, log-softmax)`` to P(edge is true), per relation direction.

    Attributes:
        method: ``"platt"`` or ``"isotonic"``.
        global_model: The model for relations without their own.
        per_key: Models of the relation directions with enough held-out examples.
        info: How it was fit (examples, hold-out, k), for ``config.json``.
    """

    method: str
    global_model: _Model
    per_key: dict[str, _Model] = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    features: str = "scores"

    @classmethod
    def fit(cls, examples: CalibrationExamples, method: str = "platt",
            min_examples: int = MIN_EXAMPLES) -> Calibrator:
        """Fit per relation direction where there are ``min_examples`` positives and negatives, globally otherwise.

        Raises:
            ValueError: An unknown method or no examples.
        """
        if method not in METHODS:
            raise ValueError(f"calibration method must be one of {METHODS}, got {method!r}")
        if not len(examples):
            raise ValueError("no calibration examples: the held-out edges gave no candidates")
        features, labels = examples.features, examples.labels
        calibrator = cls(method, _fit_one(method, features, labels), features=examples.kind)
        keys = np.asarray(examples.keys, dtype=object)
        for key in sorted(set(examples.keys)):
            mask = keys == key
            positives = labels[mask].sum()
            if positives >= min_examples and mask.sum() - positives >= min_examples:
                calibrator.per_key[key] = _fit_one(method, features[mask], labels[mask])
        calibrator.info = {"examples": len(examples), "positives": int(labels.sum()),
                           "per_relation": len(calibrator.per_key), "min_examples": min_examples}
        return calibrator

    def predict(self, keys: Sequence[str], features: np.ndarray) -> np.ndarray:
        """P(true) of each candidate from its feature row (:func:`edge_features` of ``self.features``)."""
        features = np.asarray(features, dtype=np.float64).reshape(-1, 2)
        out = np.empty(len(features))
        keys = np.asarray(list(keys), dtype=object)
        for key in set(keys.tolist()):
            mask = keys == key
            out[mask] = self.per_key.get(key, self.global_model).predict(features[mask])
        return out

    def predict_examples(self, examples: CalibrationExamples) -> np.ndarray:
        if examples.kind != self.features:
            raise ValueError(f"examples have {examples.kind!r} features, the calibrator takes {self.features!r}")
        return self.predict(examples.keys, examples.features)

    def to_dict(self) -> dict:
        return {"method": self.method, "features": self.features, "global": self.global_model.to_dict(),
                "per_relation": {k: m.to_dict() for k, m in self.per_key.items()}, "info": self.info}

    @classmethod
    def from_dict(cls, data: object) -> Calibrator:
        """Read :meth:`to_dict`'s output.

        Raises:
            ValueError: It is not a calibration object.
        """
        if not isinstance(data, dict) or data.get("method") not in METHODS:
            raise ValueError("\"calibration\" must be an object with \"method\": \"platt\" or \"isotonic\"")
        per = data.get("per_relation") or {}
        if not isinstance(per, dict):
            raise ValueError("\"calibration\".\"per_relation\" must be an object")
        kind = data.get("features", "softmax")  # the first calibrated checkpoints had only softmax features
        if kind not in FEATURES:
            raise ValueError(f"\"calibration\".\"features\" must be one of {FEATURES}")
        try:
            return cls(data["method"], _Model.from_dict(data.get("global")),
                       {str(k): _Model.from_dict(v) for k, v in per.items()}, dict(data.get("info") or {}), kind)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"incomplete calibration model ({type(exc).__name__}: {exc})") from None


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE: the mean over equal-width probability bins of |accuracy - confidence|, weighted by bin size."""
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    if not len(probs):
        return float("nan")
    which = np.minimum((probs * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(labels[mask].mean() - probs[mask].mean())
    return float(total / len(probs))


def reliability_table(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> list[dict]:
    """Per bin: count, mean predicted probability, observed rate of true edges."""
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    which = np.minimum((probs * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        rows.append({"low": b / bins, "high": (b + 1) / bins, "count": int(mask.sum()),
                     "confidence": float(probs[mask].mean()) if mask.any() else None,
                     "accuracy": float(labels[mask].mean()) if mask.any() else None})
    return rows
