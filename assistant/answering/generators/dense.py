"""Descriptions matched in meaning: "a movie about a robot who cleans up earth", "a stop-motion animator
who also does puppetry". Dense search of the vector index in the asked type (or the KG's main type)."""

from __future__ import annotations

from collections import Counter

from assistant.answering.filters import apply_filters
from assistant.answering.generators.base import Question
from assistant.answering.readings import Evidence, Reading

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
        answers = {n: Evidence(count=0, similarity=round(float(s), 4)) for n, s in hits}
        reading = Reading("describe", [], answers, target)
        reading.features["dense_top"] = float(hits[0][1])
        reading.features["dense_gap"] = float(hits[0][1] - hits[min(4, len(hits) - 1)][1])
        apply_filters(question, reading)
        return [reading]
