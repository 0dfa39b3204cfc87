"""Features of a candidate answer, computed per question.

Each feature is a plain float so the reranker's score is a weighted sum whose terms can be shown
one by one (``kgqa ask --explain``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from assistant.kg.graph import KnowledgeGraph
from assistant.query import Query
from assistant.traversal import WILDCARD, satisfies
from retrieval.rerank.candidates import Candidate
from retrieval.rerank.graph_signals import GraphSignals

#: dense-similarity features, one per encoder the store may hold
ENCODER_FEATURES = {"base": "dense_base", "sbert-ft": "dense_sbert_ft", "clep": "dense_clep"}

FEATURES: tuple[str, ...] = (
    "main_reading",  # reached by the parser's main reading (relation path from the anchors)
    "alt_reading",  # reached only by a runner-up reading: 1 / its rank
    "neighbourhood",  # a neighbour of a bare entity ("George Lucas" -> his films)
    "log_paths",  # log(1 + number of supporting paths)
    "specificity",  # best path's specificity: through hubs counts less
    "anchor_link",  # share of the question's entities directly linked to the candidate
    "ppr",  # personalized PageRank from the question's entities, relative to the best candidate
    "overlap",  # Jaccard overlap of the candidate's and the entities' neighbourhoods
    "constraints",  # share of the question's constraints the candidate satisfies
    "type_match",  # of the asked type
    "prominence",  # log global PageRank (0 = average node)
    "prominence_asked",  # prominence when the question asks for good / best / famous
    "log_degree",  # log(1 + number of edges): credit counts
    *ENCODER_FEATURES.values(),
    "dense_max",  # best similarity over the encoders
    "dense_descriptive",  # best similarity when the question is a description (a plot, a profile), not a name
    "semantic_only",  # no KG path: only similar in meaning
    "lp",  # link-prediction score of (entity, relation, candidate), standardised over the candidates
    "lp_known",  # 1 when a link predictor scored the candidate
    "prior",  # 1 / (1 + rank) in the candidate generator's own order
)

#: the parser's qualifiers (``assistant.parsing.cues``) that ask for prominent answers
PROMINENCE_QUALIFIERS = frozenset({"good", "best", "popular"})

DESCRIPTIVE_WORDS = 5  # free text this long is a description to match in meaning, not a name

#: (head ids, relations, tail ids) -> scores; a :class:`LinkPredictor`'s ``score`` fits
LinkScorer = Callable[[list[str], list[str], list[str]], np.ndarray]


class FeatureExtractor:
    """Computes :data:`FEATURES` for the candidates of one question."""

    def __init__(self, kg: KnowledgeGraph, signals: GraphSignals | None = None,
                 link_scorer: LinkScorer | None = None) -> None:
        self.kg = kg
        self.signals = signals or GraphSignals(kg)
        self.link_scorer = link_scorer

    def anchor_ids(self, query: Query) -> list[str]:
        ids = [a.node_id for a in query.anchors if a.node_id in self.kg.nodes]
        ids += [c.node_id for c in query.constraints if c.node_id and c.node_id in self.kg.nodes]
        return list(dict.fromkeys(ids))

    def extract(self, query: Query, candidates: list[Candidate]) -> list[dict[str, float]]:
        anchors = self.anchor_ids(query)
        ppr = self.signals.personalized_pagerank(anchors) if anchors else {}
        best_ppr = max((ppr.get(c.node_id, 0.0) for c in candidates), default=0.0) or 1.0
        asked = not PROMINENCE_QUALIFIERS.isdisjoint(query.qualifiers)
        lp = self._link_scores(query, candidates)
        descriptive = len(query.free_text.split()) >= DESCRIPTIVE_WORDS
        around = self.signals.anchor_neighbourhood(anchors)
        rows = []
        for c in candidates:
            node = self.kg.nodes[c.node_id]
            hops = self.kg.neighbors(c.node_id, direction="both") if anchors else []
            linked = {h.node for h in hops}
            checks = [satisfies(self.kg, c.node_id, k) for k in query.constraints]
            prominence = self.signals.prominence(c.node_id)
            f = {
                "main_reading": float(c.reading == 0),
                "alt_reading": 1.0 / c.reading if c.reading else 0.0,
                "neighbourhood": float(c.neighbourhood),
                "log_paths": math.log1p(c.path_count),
                "specificity": max((self.signals.path_specificity(p) for p in c.paths), default=0.0),
                "anchor_link": sum(a in linked for a in anchors) / len(anchors) if anchors else 0.0,
                "ppr": ppr.get(c.node_id, 0.0) / best_ppr,
                "overlap": self.signals.neighbour_overlap(c.node_id, around, hops=hops),
                "constraints": sum(checks) / len(checks) if checks else 1.0,
                "type_match": float(query.target_type is None or node.type == query.target_type),
                "prominence": prominence,
                "prominence_asked": prominence if asked else 0.0,
                "log_degree": math.log1p(self.kg.degree(c.node_id)),
                "semantic_only": float(not c.paths),
                "lp": lp.get(c.node_id, 0.0),
                "lp_known": float(c.node_id in lp),
                "prior": 1.0 / (1 + c.prior_rank),
            }
            for name, feature in ENCODER_FEATURES.items():
                f[feature] = c.dense.get(name, 0.0)
            f["dense_max"] = max(c.dense.values(), default=0.0)
            f["dense_descriptive"] = f["dense_max"] if descriptive else 0.0
            rows.append(f)
        return rows

    def _link_scores(self, query: Query, candidates: list[Candidate]) -> dict[str, float]:
        """Mean standardised link-prediction score over the question's one-hop anchors:
        (anchor, r, candidate), or (candidate, r, anchor) for an inverse step."""
        if self.link_scorer is None or not candidates:
            return {}
        hops = [(a.node_id, a.path[0]) for a in query.anchors
                if len(a.path) == 1 and a.path[0].relation != WILDCARD]
        if not hops:
            return {}
        ids = [c.node_id for c in candidates]
        total = np.zeros(len(ids))
        used = 0
        for anchor, step in hops:
            heads, tails = ([anchor] * len(ids), ids) if not step.inverse else (ids, [anchor] * len(ids))
            try:
                scores = np.asarray(self.link_scorer(heads, [step.relation] * len(ids), tails), dtype=np.float64)
            except KeyError:  # an entity or relation the model never saw (e.g. added since training)
                continue
            total += (scores - scores.mean()) / (scores.std() + 1e-6)
            used += 1
        if not used:
            return {}
        total = np.clip(total / used, -3.0, 3.0)
        return {node_id: float(v) for node_id, v in zip(ids, total, strict=True)}
