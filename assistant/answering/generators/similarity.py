"""Look-alikes: "movies like Alien", "someone similar to Phil Tippett".

The answers are nodes of the entity's own type that share its neighbours (genres, keywords,
people), each shared neighbour weighted by how specific it is (Adamic-Adar: 1 / log degree), blended
with the cosine of their stored vectors when the index has them.
"""

from __future__ import annotations

import math
from collections import defaultdict

from assistant.answering.filters import apply_filters
from assistant.answering.generators.base import Question
from assistant.answering.generators.paths import _node_links
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.kg.verbalize import MASK, type_noun

HUB_DEGREE = 400  # neighbours with more edges say little about similarity and cost much
OTHER_KIND = 0.8  # a look-alike of another kind (a series for a film) counts this much of its similarity


def similar_text(node_type: str | None) -> str:
    return f"{type_noun(node_type, plural=True)} similar to {MASK}"


class SimilarityGenerator:
    name = "similar"

    def __init__(self, links: int = 2, k: int = 20) -> None:
        self.max_links = links
        self.k = k

    def generate(self, question: Question) -> list[Reading]:
        if not (question.ctx.similar_cue or question.ctx.recommend):
            return []  # "like", "similar", "recommend": the operator is asked for in words; else it costs for nothing
        kg = question.services.kg
        out = []
        for link in _node_links(question.links, self.max_links):
            node = kg.nodes[link.node_id]
            scores: dict[str, float] = defaultdict(float)
            for hop in kg.neighbors(node.id, direction="both"):
                degree = kg.degree(hop.node)
                if degree > HUB_DEGREE or degree < 2:
                    continue
                weight = 1.0 / math.log(1 + degree)
                for other in kg.neighbors(hop.node, direction="both"):
                    if other.node != node.id and kg.nodes[other.node].type == node.type:
                        scores[other.node] += weight
            if question.services.neighbours is not None:
                best = max(scores.values(), default=1.0) or 1.0
                for other, cosine in question.services.neighbours(node.id, self.k):
                    if other != node.id:
                        scores[other] = scores.get(other, 0.0) / best + cosine
            if not scores:
                continue
            kind = node.attr("kind")
            if kind and not question.ctx.kind:  # a film's look-alikes are films first, a series' series
                scores = {n: sc * (1.0 if kg.nodes[n].attr("kind") == kind else OTHER_KIND) for n, sc in scores.items()}
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])
            best = ranked[0][1] or 1.0
            text = similar_text(node.type)
            score = float(question.services.matcher.vectors([text])[0] @ question.vector(link))
            reading = Reading("similar", [Branch(link, (), (node.type,), text, score)],
                              {n: Evidence(count=1, similarity=round(s / best, 4)) for n, s in ranked[: 10 * self.k]},
                              node.type)
            apply_filters(question, reading)  # "movies like Alien": films, not a series that shares its genres
            reading.answers = dict(list(reading.answers.items())[: self.k])
            out.append(reading)
        return out
