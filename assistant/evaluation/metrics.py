"""Ranking and set metrics for one question, and their aggregates.

Matching: a predicted answer is correct when its name equals a gold answer after
:func:`assistant.kg.normalize.normalize_name` (so case, accents and punctuation do not matter), or when its
``node_id`` equals a gold answer (case-insensitively), so gold files may list names or node ids.

Per question, over the first ``k`` ranked answers:

* **Hits@1**: 1 if the top answer is correct.
* **Hits@k**: 1 if any of the first ``k`` answers is correct.
* **Reciprocal rank**: ``1 / rank`` of the first correct answer among the first ``k``; 0 if there is none
  (so the mean is MRR@k).
* **Answer-set precision / recall / F1**: the assistant's predicted *set* is taken to be every answer it
  returned, truncated to ``k`` (``Answer.answers[:k]``), de-duplicated by normalised name. We do not try to
  guess a score threshold: an assistant that answers a set question returns exactly that set, and one that
  pads its list with low-scoring guesses pays for it in precision. Precision is the share of predicted
  answers that are gold; recall is the share of gold answers that were predicted (duplicated gold answers
  count once). With no predicted answers precision, recall and F1 are all 0.

Aggregates are means over questions; latency percentiles use linear interpolation between order statistics
(numpy's default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from assistant.kg.normalize import normalize_name


class Ranked(Protocol):
    """What a ranked answer must offer to be scored (``assistant.answer.RankedAnswer`` does)."""

    node_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Gold:
    """Gold answers folded for matching: normalised names and case-folded raw strings (for node ids)."""

    answers: tuple[str, ...]
    keys: tuple[str, ...]
    ids: tuple[str, ...]

    @classmethod
    def of(cls, answers: Sequence[str]) -> Gold:
        """Fold ``answers``, dropping those that normalise to an already-seen key."""
        kept: list[str] = []
        keys: list[str] = []
        seen: set[str] = set()
        for answer in answers:
            key = normalize_name(answer) or answer.strip().casefold()
            if key in seen:
                continue
            seen.add(key)
            kept.append(answer)
            keys.append(key)
        return cls(tuple(kept), tuple(keys), tuple(a.strip().casefold() for a in kept))

    def match(self, answer: Ranked) -> int | None:
        """Index of the gold answer that ``answer`` matches, or ``None``."""
        name_key = normalize_name(answer.name)
        node_id = answer.node_id.casefold()
        for i, (key, gold_id) in enumerate(zip(self.keys, self.ids, strict=True)):
            if (name_key and name_key == key) or node_id == gold_id:
                return i
        return None


def is_correct(answer: Ranked, gold: Sequence[str]) -> bool:
    """Whether ``answer`` matches one of ``gold`` (normalised name, or node id)."""
    return Gold.of(gold).match(answer) is not None


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """The metrics of one question.

    Attributes:
        rank: 1-based rank of the first correct answer among the first ``k``, or ``None``.
        hits1: Hits@1 (0 or 1).
        hitsk: Hits@k (0 or 1).
        rr: Reciprocal rank (0 when no correct answer is in the first ``k``).
        precision: Answer-set precision.
        recall: Answer-set recall.
        f1: Answer-set F1.
        predicted: Size of the predicted set (distinct answers among the first ``k``).
    """

    rank: int | None
    hits1: float
    hitsk: float
    rr: float
    precision: float
    recall: float
    f1: float
    predicted: int

    def to_dict(self) -> dict:
        """A JSON-ready copy."""
        return asdict(self)


ZERO = QuestionScore(None, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
#: a question whose right reply is "not in this graph", answered with no answers
ABSTAINED = QuestionScore(1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0)


def score_ranking(ranked: Sequence[Ranked], gold: Sequence[str], k: int = 10) -> QuestionScore:
    """Score a ranked answer list against the gold answers.

    Args:
        ranked: Answers best first (``Answer.answers``).
        gold: Gold answer names or node ids.
        k: Cut-off for Hits@k, the reciprocal rank and the predicted set.

    Returns:
        The question's metrics (see the module docstring for the definitions).

    Raises:
        ValueError: ``k`` < 1.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    folded = Gold.of(gold)
    top = list(ranked)[:k]
    rank = next((i for i, a in enumerate(top, 1) if folded.match(a) is not None), None)

    seen: set[str] = set()
    correct = 0
    found: set[int] = set()
    for answer in top:
        key = normalize_name(answer.name) or answer.node_id.casefold()
        if key in seen:
            continue
        seen.add(key)
        hit = folded.match(answer)
        if hit is not None:
            correct += 1
            found.add(hit)
    predicted = len(seen)
    precision = correct / predicted if predicted else 0.0
    recall = len(found) / len(folded.answers) if folded.answers else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return QuestionScore(rank, float(rank == 1), float(rank is not None), 1.0 / rank if rank else 0.0,
                         precision, recall, f1, predicted)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation; 0.0 for no values.

    Args:
        values: Samples, in any order.
        q: Percentile in [0, 100].

    Returns:
        The interpolated percentile.
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Mean metrics over a group of questions.

    Attributes:
        n: Number of questions.
        hits1: Mean Hits@1.
        hitsk: Mean Hits@k.
        mrr: Mean reciprocal rank (@k).
        precision: Mean answer-set precision.
        recall: Mean answer-set recall.
        f1: Mean answer-set F1.
        answered: Share of questions that got at least one answer.
        errors: Questions whose ``ask`` raised.
        latency_p50_ms: Median latency of ``ask``.
        latency_p95_ms: 95th-percentile latency of ``ask``.
        latency_mean_ms: Mean latency of ``ask``.
    """

    n: int
    hits1: float
    hitsk: float
    mrr: float
    precision: float
    recall: float
    f1: float
    answered: float
    errors: int
    latency_p50_ms: float
    latency_p95_ms: float
    latency_mean_ms: float

    def to_dict(self, digits: int = 4) -> dict:
        """A JSON-ready copy, floats rounded to ``digits``."""
        return {k: round(v, digits) if isinstance(v, float) else v for k, v in asdict(self).items()}


def aggregate(scores: Sequence[QuestionScore], latencies_ms: Sequence[float], errors: int = 0) -> Aggregate:
    """Average per-question scores.

    Args:
        scores: One score per question.
        latencies_ms: One latency per question (same order, or at least the same questions).
        errors: How many of the questions failed with an exception.

    Returns:
        The group's means and latency percentiles; all zeros for an empty group.
    """
    n = len(scores)

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Aggregate(
        n=n,
        hits1=mean([s.hits1 for s in scores]),
        hitsk=mean([s.hitsk for s in scores]),
        mrr=mean([s.rr for s in scores]),
        precision=mean([s.precision for s in scores]),
        recall=mean([s.recall for s in scores]),
        f1=mean([s.f1 for s in scores]),
        answered=mean([float(s.predicted > 0) for s in scores]),
        errors=errors,
        latency_p50_ms=percentile(latencies_ms, 50),
        latency_p95_ms=percentile(latencies_ms, 95),
        latency_mean_ms=mean(list(latencies_ms)),
    )
