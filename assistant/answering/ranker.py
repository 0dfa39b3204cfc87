"""The reading ranker: which reading of the question the graph supports, as a probability.

Each reading gets features: the matcher's score (and its gap to the best reading), how well its
entities are linked, its kind and length, whether its answers are of the asked type, how much of
the question its entities explain, the dense similarity of a description reading, the labelled-
question classifier's probability when one was fit. A linear model scores them (weights fit by
pairwise logistic regression, ``kgqa train ranker``, stored as JSON beside this module), and a
softmax over the question's readings, with a temperature fit on held-out questions, turns scores
into calibrated probabilities. Each feature's contribution (weight × standardised value) is kept,
so ``kgqa ask --explain`` can show why a reading won.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.answering.generators.base import Question
from assistant.answering.generators.paths import _previous_relations
from assistant.answering.readings import KINDS, Reading

SHIPPED = Path(__file__).with_name("ranker.json")

FEATURES: tuple[str, ...] = (
    *(f"kind_{k}" for k in KINDS),
    "matcher",  # cosine of the masked question and the reading's verbalisation
    "matcher_gap",  # matcher minus the best matcher score among the question's readings (<= 0)
    "last_hop_gain",  # a path's matcher score minus that of the same path one hop shorter (what the hop adds)
    "longer_gain",  # the best one-hop-longer path's matcher score minus this one's (> 0: the question says more)
    "link",  # mean link score of the reading's entities
    "link_top",  # its entities are the best-scored candidates of their spans
    "link_exact", "link_partial", "link_fuzzy", "link_dense", "link_history", "link_character",
    "link_lower",  # a single lower-case word linked ("alien"): maybe just a word
    "link_capitalised",
    "hops_1", "hops_2", "hops_3",
    "answers_log",  # log(1 + number of answers)
    "type_match",  # +1 of the asked type, -1 of another type, 0 when the question asks for none
    "coverage",  # share of the question's content words inside the reading's entity mentions
    "explained",  # share of content words covered by the mentions of all well-linked entities
    "unexplained",  # log(1 + content words neither in the reading's mentions nor in its verbalisation)
    "bare",  # the question is only a name ("George Lucas", "who is X"), and the reading is its identity
    "bare_neighbourhood",  # the question is only a name, and the reading is its neighbourhood of one type
    "neighbourhood_extra",  # a neighbourhood reading of a question that says more than a name
    "count_cue",  # "how many" and a reading with a set of answers
    "similar_cue",  # "like", "similar to" and a similarity reading
    "describe_words",  # a description reading: content words no entity explains (log)
    "describe_recommend",  # a description reading and "recommend", "is there a movie about"
    "dense_top",  # a description reading's best cosine
    "describe_linked",  # a description reading whose best answer neighbours the words the question links
    "relaxed",  # a filter of the question had to be relaxed
    "filtered",  # a filter of the question narrowed the answers
    "classifier",  # the labelled-question classifier's probability of this path (0 without one)
    "history",  # the reading resolves a pronoun or ellipsis from the conversation
    "history_relation",  # "what else/other...": a history reading along the previous turn's relation (a prior)
    "inferred_probability",  # an inferred reading: the calibrated probability of its best predicted edge
)

DEFAULT_WEIGHTS: dict[str, float] = {
    "matcher": 6.0, "matcher_gap": 8.0, "link": 2.5, "link_top": 0.5, "link_lower": -0.6, "link_capitalised": 0.3,
    "hops_2": -0.4, "hops_3": -0.8, "type_match": 1.2, "coverage": 0.8, "bare": 1.5, "kind_identity": -1.5,
    "kind_similar": -2.0, "similar_cue": 3.0, "kind_describe": -3.5, "describe_words": 1.2,
    "describe_recommend": 1.5, "dense_top": 3.0, "relaxed": -0.5, "kind_intersection": 0.4, "kind_character": 0.5,
    "count_cue": 0.3, "classifier": 2.0, "history": -0.2, "explained": 0.0, "link_fuzzy": -0.3, "link_partial": -0.2,
    "kind_inferred": -1.0, "inferred_probability": 1.5, "history_relation": 4.0, "kind_refine": 8.0,
}
#: features a fit on data without them leaves at zero weight: their prior weights are kept (see fit_ranker). The
#: generated training questions have no conversations, so a follow-up that narrows or reorders the previous answers
#: ("only the ones from the 80s") is never seen there: its prior outweighs the readings of a history-linked entity
PRIOR_ONLY = ("kind_inferred", "inferred_probability", "history_relation", "kind_refine")


def reading_features(question: Question, reading: Reading, best_matcher: float, top_links: set[tuple]) -> dict:
    ctx = question.ctx
    f: dict[str, float] = {f"kind_{k}": float(reading.kind == k) for k in KINDS}
    branches = reading.branches
    links = [b.link for b in branches]
    f["matcher"] = reading.matcher if branches else 0.0
    f["matcher_gap"] = (reading.matcher - best_matcher) if branches else -0.5
    f["last_hop_gain"] = reading.features.get("last_hop_gain", 0.0)
    f["longer_gain"] = reading.features.get("longer_gain", 0.0)
    f["link"] = sum(lk.score for lk in links) / len(links) if links else 0.0
    f["link_top"] = float(bool(links) and all((lk.start, lk.end, lk.node_id or lk.character) in top_links
                                              for lk in links))
    for method in ("partial", "fuzzy", "dense", "history", "character"):
        f[f"link_{method}"] = float(any(lk.method == method for lk in links))
    f["link_exact"] = float(bool(links) and all(lk.method in ("exact", "normalised", "label") for lk in links))
    f["link_lower"] = float(any(lk.features.get("single_lower") for lk in links))
    f["link_capitalised"] = float(bool(links) and all(lk.features.get("capitalised") for lk in links))
    hops = max((len(b.steps) for b in branches), default=0)
    for n in (1, 2, 3):
        f[f"hops_{n}"] = float(hops == n)
    f["answers_log"] = math.log1p(len(reading.answers))
    if ctx.asked_type is None or reading.answer_type is None:
        f["type_match"] = 0.0
    else:
        f["type_match"] = 1.0 if reading.answer_type == ctx.asked_type else -1.0
    content = ctx.content or [""]
    inside = _words_in(question, links)
    f["coverage"] = len(inside) / len(content)
    strong = [lk for lk in question.links if lk.score >= 0.6]
    explained = _words_in(question, strong)
    f["explained"] = len(explained) / len(content)
    f["unexplained"] = 0.0 if describe_kind(reading) else math.log1p(_unexplained(question, reading, inside))
    bare = len(content) - len(inside) <= 0
    f["bare"] = float(reading.kind == "identity" and bare)
    f["bare_neighbourhood"] = float(reading.kind == "neighbourhood" and bare)
    f["neighbourhood_extra"] = float(reading.kind == "neighbourhood" and not bare)
    f["count_cue"] = float(ctx.count and reading.kind in ("path", "intersection"))
    f["similar_cue"] = float(ctx.similar_cue and reading.kind == "similar")
    describe = reading.kind == "describe"
    f["describe_words"] = math.log1p(max(0, len(content) - len(explained))) if describe else 0.0
    f["describe_recommend"] = float(describe and ctx.recommend)
    f["dense_top"] = reading.features.get("dense_top", 0.0) if describe else 0.0
    f["describe_linked"] = reading.features.get("describe_linked", 0.0) if describe else 0.0
    f["relaxed"] = reading.features.get("relaxed", 0.0)
    f["filtered"] = reading.features.get("filtered", 0.0)
    f["classifier"] = reading.features.get("classifier", 0.0)
    f["history"] = float(any(lk.method == "history" for lk in links))
    f["history_relation"] = float(f["history"] > 0 and ctx.other
                                  and bool(_relations(reading) & _previous_relations(question)))
    f["inferred_probability"] = reading.features.get("inferred_probability", 0.0)
    return f


def _relations(reading: Reading) -> set[str]:
    return {step.relation for b in reading.branches for step in b.steps}


def describe_kind(reading: Reading) -> bool:
    return reading.kind in ("describe", "refine")


def _stem(word: str) -> str:
    return word[:5]


def _unexplained(question: Question, reading: Reading, inside: set[int]) -> int:
    """Content words of the question that neither name the reading's entities nor (by a shared stem) appear in
    its verbalisation: "a space freighter's crew answers a distress call" read as just *space freighter*
    leaves seven words unexplained; "who directed Jaws" read as *the director of NE* leaves none."""
    words = set()
    for b in reading.branches:
        words |= {_stem(w) for w in b.text.lower().split()}
    stems = [_stem(w) for w in question.ctx.content]
    return sum(1 for i, w in enumerate(stems) if i not in inside and w not in words)


def _words_in(question: Question, links) -> set[int]:
    """Indexes of the question's content words that fall inside the links' mentions."""
    spans = [(lk.start, lk.end) for lk in links if lk.end > lk.start]
    if not spans:
        return set()
    return {i for i, at in question.content_positions() if any(s <= at < e for s, e in spans)}


@dataclass
class ReadingRanker:
    """score = Σ w_f (x_f − mean_f) / scale_f; P(reading) = softmax(score / temperature) over the question.

    Attributes:
        weights, mean, scale: The linear model over :data:`FEATURES`.
        temperature: Softmax temperature fit on held-out questions (calibration).
        report: How it was fit (question sets, held-out accuracy and calibration).
    """

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    mean: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    temperature: float = 1.0
    report: dict = field(default_factory=dict)

    def contributions(self, features: dict[str, float]) -> dict[str, float]:
        out = {}
        for name, w in self.weights.items():
            x = (features.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
            if w * x:
                out[name] = w * x
        return out

    def rank(self, question: Question, readings: list[Reading]) -> list[Reading]:
        """Score, order and attach probabilities to ``readings`` (best first)."""
        if not readings:
            return []
        best_matcher = max((r.matcher for r in readings if r.branches), default=0.0)
        top_links: dict[tuple[int, int], tuple[float, str]] = {}
        for lk in question.links:
            key = (lk.start, lk.end)
            if key not in top_links or top_links[key][0] < lk.score:
                top_links[key] = (lk.score, lk.node_id or lk.character)
        tops = {(s, e, node) for (s, e), (_, node) in top_links.items()}
        for reading in readings:
            reading.features.update(reading_features(question, reading, best_matcher, tops))
            reading.score = float(sum(self.contributions(reading.features).values()))
        scores = np.array([r.score for r in readings]) / max(self.temperature, 1e-6)
        scores = np.exp(scores - scores.max())
        probs = scores / scores.sum()
        for reading, p in zip(readings, probs, strict=True):
            reading.probability = float(p)
        return sorted(readings, key=lambda r: -r.score)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"format": "kgqa-reading-ranker/1", "features": list(FEATURES),
                                   "weights": self.weights, "mean": self.mean, "scale": self.scale,
                                   "temperature": self.temperature, "report": self.report}, indent=1) + "\n")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> ReadingRanker:
        path = Path(path) if path else SHIPPED
        if not path.exists():
            return cls()
        from assistant.kg.errors import KGQAError

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            weights = dict(data["weights"])
            for name in PRIOR_ONLY:  # a feature newer than the fit, or one its data never showed: the prior
                weights.setdefault(name, DEFAULT_WEIGHTS[name])
            return cls(weights, dict(data.get("mean", {})), dict(data.get("scale", {})),
                       float(data.get("temperature", 1.0)), data.get("report", {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KGQAError(f"{path}: not a reading-ranker file ({exc}); refit it with `kgqa train ranker`",
                            str(path)) from exc
