"""Calibrated probabilities for predicted edges: P(edge is true) from a link predictor's scores.

**What is calibrated.** Inferred answers come from ``tails()``: for a query ``(h, r, ?)`` (or
``(?, r, t)``) the predictor's top-k entities that the graph does not already state. The calibration
examples are exactly those: for every query of a set of held-out edges, the model's top-k tails
with the edges it trained on excluded, labelled true when the held-out set holds that edge. The
candidates are those ``tails()`` weighs (:func:`candidate_pool`: the best by score, and the best by the
graph's neighbourhood evidence). Features (:func:`edge_features`), by default: the triple's score read
both ways, ``score(h, r, t)`` and ``score(t, r^-1, h)``, and the two neighbourhood-evidence features of
:mod:`training.link_prediction.evidence` (read both ways too), so an edge gets the same probability
whichever query found it (``tails()`` and ``probability()`` agree).

**How.** Platt scaling (logistic regression on the standardised features) or isotonic regression
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


FEATURES = ("evidence", "scores", "softmax")
#: Default calibration features.
DEFAULT_FEATURES = "evidence"
FEATURE_WIDTH = {"evidence": 6, "scores": 2, "softmax": 2}


def direction_key(relation: str, inverse: bool) -> str:
    """The calibration key of a query direction: ``"r"`` for ``(h, r, ?)``, ``"r^-1"`` for ``(?, r, t)``."""
    return f"{relation}^-1" if inverse else relation


@dataclass
class CalibrationExamples:
    """Candidate edges with their features and labels.

    Attributes:
        keys: Calibration key per example (the relation; with ``"softmax"`` features, relation or ``relation^-1``).
        features: ``(n, d)`` feature rows (see :func:`edge_features`).
        labels: 1 when the edge is a held-out true edge, else 0.
        kind: Which features (:data:`FEATURES`).
        query: Index of the query each example answers (examples of a query are contiguous).
    """

    keys: list[str]
    features: np.ndarray
    labels: np.ndarray
    kind: str = DEFAULT_FEATURES
    query: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.keys)


@torch.no_grad()
def query_scores(predictor: KGEPredictor, rows: torch.Tensor, relation_rows: torch.Tensor,
                 inverse: bool) -> torch.Tensor:
    """``(batch, num_entities)`` scores of every entity as the answer of ``(h, r, ?)`` or, with ``inverse``,
    of ``(?, r, h)`` (row-index tensors); ``-inf`` for entities of a type the direction never has."""
    if inverse:
        scores = predictor.score_all_heads(relation_rows, rows)
    else:
        scores = predictor.score_all_tails(rows, relation_rows)
    allowed = predictor.answer_mask(relation_rows, inverse)
    return scores if allowed is None else scores.masked_fill(~allowed, float("-inf"))


@torch.no_grad()
def reverse_scores(predictor: KGEPredictor, heads: torch.Tensor, relations: torch.Tensor,
                   tails: torch.Tensor) -> torch.Tensor:
    """Score of each triple read the other way, ``(t, r^-1, h)`` (models without reciprocal rows: the same score)."""
    if not predictor.reciprocal:
        return predictor.score_rows(heads, relations, tails)
    return predictor.score_rows(tails, predictor.inverse_rows(relations), heads)


def edge_features(kind: str, forward: torch.Tensor, backward: torch.Tensor, log_softmax: torch.Tensor,
                  evidence: np.ndarray | None = None) -> np.ndarray:
    """Feature rows of candidate edges ``(h, r, t)``.

    ``"scores"``: ``[score(h, r, t), score(t, r^-1, h)]``, the triple read both ways: the same for an edge
    however it was found (as a tail of ``(h, r, ?)`` or a head of ``(?, r, t)``), so ``tails()`` and
    ``probability()`` agree on every edge. ``"evidence"`` (the default): those two and the log1p of the
    four neighbourhood features of :class:`~training.link_prediction.evidence.GraphEvidence` (also read both
    ways). ``"softmax"``: ``[score, log-softmax of the score over every entity]`` of the query the candidate
    answers; it depends on the direction.
    """
    if kind == "scores":
        cols = [forward, backward]
    elif kind == "softmax":
        cols = [forward, log_softmax]
    elif kind == "evidence":
        if evidence is None:
            raise ValueError("evidence features need the graph's neighbourhood evidence")
        graph = torch.from_numpy(np.log1p(np.asarray(evidence, dtype=np.float64)))
        cols = [forward, backward, *graph.T]
    else:
        raise ValueError(f"calibration features must be one of {FEATURES}, got {kind!r}")
    return torch.stack([c.detach().cpu().to(torch.float64) for c in cols], dim=-1).numpy()


def pool_size(k: int) -> int:
    """How many best-scoring candidates a query of ``k`` answers looks at (the calibrated probability also reads
    the edge the other way and the neighbourhood, so it is not monotone in this query's score alone)."""
    return max(4 * k, k + 20)


@torch.no_grad()
def candidate_pool_flat(predictor: KGEPredictor, evidence, kind: str, anchors: list[int], relation: int,
                        inverse: bool, k: int, exclude: tuple[np.ndarray, np.ndarray] | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates of the queries ``(anchor, relation, ?)`` (``(?, relation, anchor)`` with ``inverse``) and their
    feature rows: the :func:`pool_size` best by score, plus (evidence features) the ``2k`` best by the
    neighbourhood evidence, minus the stated answers ``exclude``. One matrix product for the scores, one batch
    of features for every pair.

    Args:
        exclude: ``(query positions, entity rows)`` of the answers not to propose.

    Returns:
        ``(query position, candidate entity row, feature row)`` arrays, grouped by query in order.
    """
    device = predictor.entity_embeddings.device
    rows = torch.tensor(anchors, dtype=torch.long, device=device)
    rrows = torch.full_like(rows, relation)
    scores = query_scores(predictor, rows, rrows, inverse)
    logz = torch.logsumexp(scores, dim=1)
    masked = scores.clone()
    if exclude is not None and len(exclude[0]):
        masked[torch.as_tensor(exclude[0], device=device), torch.as_tensor(exclude[1], device=device)] = -math.inf
    top = torch.topk(masked, min(pool_size(k), masked.shape[1]), dim=1)
    keep = torch.isfinite(top.values).cpu().numpy()
    which = np.nonzero(keep)[0]
    cand = top.indices.cpu().numpy()[keep]
    if kind == "evidence":
        spread = evidence.all_candidates(np.asarray(anchors), relation, inverse)
        spread[~np.isfinite(masked.cpu().numpy())] = 0.0  # stated, excluded or of another type
        kk = min(2 * k, spread.shape[1] - 1)
        best = np.argpartition(-spread, kk, axis=1)[:, :kk]  # the 2k largest, unordered: no full sort
        good = np.take_along_axis(spread, best, axis=1) > 0
        which = np.concatenate([which, np.nonzero(good)[0]])
        cand = np.concatenate([cand, best[good]])
        pairs = np.unique(which * masked.shape[1] + cand)  # one row per (query, candidate), grouped by query
        which, cand = pairs // masked.shape[1], pairs % masked.shape[1]
    if not len(cand):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros((0, FEATURE_WIDTH[kind]))
    w = torch.as_tensor(which, device=device)
    c = torch.as_tensor(cand, device=device)
    a = rows[w]
    r = torch.full_like(c, relation)
    h, t = (c, a) if inverse else (a, c)
    graph = evidence.pair_features(h.cpu().numpy(), relation, t.cpu().numpy()) if kind == "evidence" else None
    feats = edge_features(kind, predictor.score_rows(h, r, t), reverse_scores(predictor, h, r, t),
                          scores[w, c] - logz[w], graph)
    return which, cand, feats


def candidate_pool(predictor: KGEPredictor, evidence, kind: str, anchors: list[int], relation: int, inverse: bool,
                   k: int, exclude: list[list[int]] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`candidate_pool_flat` split per anchor: ``[(candidate entity rows, feature rows), ...]``;
    ``exclude`` is a list of stated answer rows per anchor."""
    flat = None
    if exclude:
        flat = (np.repeat(np.arange(len(exclude)), [len(e) for e in exclude]),
                np.asarray([c for e in exclude for c in e], dtype=np.int64))
    which, cand, feats = candidate_pool_flat(predictor, evidence, kind, anchors, relation, inverse, k, flat)
    bounds = np.searchsorted(which, np.arange(len(anchors) + 1))
    return [(cand[bounds[i]:bounds[i + 1]], feats[bounds[i]:bounds[i + 1]]) for i in range(len(anchors))]


def candidate_examples(predictor: KGEPredictor, heldout: Sequence[Triple], trained: Sequence[Triple], k: int = 10,
                       batch_size: int = 256, kind: str = DEFAULT_FEATURES) -> CalibrationExamples:
    """The candidates ``tails(k=k)`` would weigh for every held-out query, with features and labels.

    Args:
        predictor: A model that did not train on ``heldout``.
        heldout: True edges the model never saw.
        trained: The edges it trained on: excluded from the candidates (as ``tails(exclude_known=True)`` does)
            and, for evidence features, the graph the neighbourhood evidence is read from.
        k: The ``k`` of ``tails``.
        batch_size: Queries scored at once.
        kind: The features (:func:`edge_features`).

    Returns:
        Candidates of the two queries of every held-out edge, ``(h, r, ?)`` and ``(?, r, t)`` (each query once).
    """
    from training.link_prediction.evidence import GraphEvidence

    ent, rel = predictor.entity_index, predictor.relation_index
    known: dict[tuple[int, int, bool], list[int]] = defaultdict(list)
    rows = []
    for h, r, t in trained:
        if h in ent and t in ent and r in rel:
            known[(ent[h], rel[r], False)].append(ent[t])
            known[(ent[t], rel[r], True)].append(ent[h])
            rows.append((ent[h], rel[r], ent[t]))
    evidence = GraphEvidence(np.asarray(rows, dtype=np.int64), predictor.num_entities,
                             predictor.num_relations) if kind == "evidence" else None
    answers: dict[tuple[int, int, bool], set[int]] = defaultdict(set)
    for h, r, t in heldout:
        if h in ent and t in ent and r in rel:
            answers[(ent[h], rel[r], False)].add(ent[t])
            answers[(ent[t], rel[r], True)].add(ent[h])
    keys: list[str] = []
    feats: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    query_ids: list[np.ndarray] = []
    by_query: dict[tuple[int, bool], list[tuple[int, int, bool]]] = defaultdict(list)
    for q in answers:
        by_query[(q[1], q[2])].append(q)
    number = 0
    for (relation, inverse), queries in sorted(by_query.items()):
        key = direction_key(predictor.relation_ids[relation], inverse and kind == "softmax")
        for start in range(0, len(queries), batch_size):
            chunk = queries[start:start + batch_size]
            pools = candidate_pool(predictor, evidence, kind, [q[0] for q in chunk], relation, inverse, k,
                                   [known.get(q, []) for q in chunk])
            for q, (cand, f) in zip(chunk, pools, strict=True):
                keys.extend([key] * len(cand))
                feats.append(f)
                labels.append(np.fromiter((c in answers[q] for c in cand.tolist()), dtype=np.float64,
                                          count=len(cand)))
                query_ids.append(np.full(len(cand), number))
                number += 1
    width = FEATURE_WIDTH[kind]
    return CalibrationExamples(keys, np.concatenate(feats) if feats else np.zeros((0, width)),
                               np.concatenate(labels) if labels else np.zeros(0), kind,
                               np.concatenate(query_ids) if query_ids else np.zeros(0, dtype=np.int64))


def top_of_queries(examples: CalibrationExamples, probs: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices of the ``k`` most probable examples of each query: what ``tails(k)`` returns and users see."""
    order = np.lexsort((-probs, examples.query))
    picked, seen, last = [], 0, None
    for i in order:
        q = examples.query[i]
        seen = seen + 1 if q == last else 1
        last = q
        if seen <= k:
            picked.append(i)
    return np.asarray(picked, dtype=np.int64)


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
            if not len(model.mean) == len(model.scale) == len(model.coef) >= 1:
                raise ValueError("a Platt calibration model needs as many means, scales and coefficients")
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
        width = features.shape[1]
        return _Model("platt", positives, negatives, [0.0] * width, [1.0] * width, [0.0] * width,
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
    features: str = DEFAULT_FEATURES

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
        features = np.asarray(features, dtype=np.float64)
        features = features.reshape(len(features), -1) if features.size else features.reshape(0, 1)
        keys = list(keys)
        if keys and all(key == keys[0] for key in keys):  # one relation: one model, no grouping
            return self.per_key.get(keys[0], self.global_model).predict(features)
        out = np.empty(len(features))
        keys = np.asarray(keys, dtype=object)
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
