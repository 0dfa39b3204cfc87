"""Descriptions matched in meaning: "a movie about a robot who cleans up earth", "a stop-motion animator
who also does puppetry". Dense search of the vector index in the asked type (or the KG's main type)."""

from __future__ import annotations

from collections import Counter

from assistant.answering.filters import apply_filters
from assistant.answering.generators.base import Question
from assistant.answering.readings import Evidence, Reading

GRAPH_BONUS = 0.03  # cosine a linked neighbour is worth, per linked word (at most three)
MIN_FREE_WORDS = 3  # content words no entity explains: fewer is no description


class DenseGenerator:
    name = "describe"

    def __init__(self, k: int = 20) -> None:
        self.k = k
        self._main_type: str | None = None

    def main_type(self, question: Question) -> str | None:
        """The type most edges touch (films in the film KG): what a description usually describes."""
        if self._main_type is None:
            kg = question.services.kg
            counts: Counter = Counter()
            for i, edge in enumerate(kg.iter_edges()):
                counts[kg.nodes[edge.source].type] += 1
                counts[kg.nodes[edge.target].type] += 1
                if i > 50_000:
                    break
            self._main_type = counts.most_common(1)[0][0] if counts else ""
        return self._main_type or None

    def generate(self, question: Question) -> list[Reading]:
        search = question.services.dense
        if search is None:
            return []
        strong = {w for lk in question.links if lk.score >= 0.6 for w in lk.mention.lower().split()}
        free = [w for w in question.ctx.content if w not in strong]
        if len(free) < MIN_FREE_WORDS and not question.ctx.recommend:
            return []  # a name and a relation word or two: nothing to match in meaning
        target = question.ctx.asked_type or self.main_type(question)
        hits = search(question.ctx.text, target, self.k)
        if not hits:
            return []
        # the graph lends its evidence: a hit that is a neighbour of a word the question links ("robot", "earth")
        # rises above a hit that only reads alike
        kg = question.services.kg
        linked = {lk.node_id for lk in question.links if lk.node_id and lk.score >= 0.4}
        touching = {n: sum(1 for h in kg.neighbors(n, direction="both") if h.node in linked) for n, _ in hits}
        ranked = sorted(hits, key=lambda h: -(h[1] + GRAPH_BONUS * min(touching[h[0]], 3)))
        answers = {n: Evidence(count=touching[n], similarity=round(float(s), 4)) for n, s in ranked}
        reading = Reading("describe", [], answers, target)
        reading.features["dense_top"] = float(ranked[0][1])
        reading.features["dense_gap"] = float(hits[0][1] - hits[min(4, len(hits) - 1)][1])
        reading.features["describe_linked"] = min(touching[ranked[0][0]], 3) / 3
        apply_filters(question, reading)
        return [reading]
