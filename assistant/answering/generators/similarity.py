"""Look-alikes: "movies like Alien", "someone similar to Phil Tippett".

The answers are nodes of the entity's own type that share its neighbours (genres, keywords,
people), each shared neighbour weighted by how specific it is (Adamic-Adar: 1 / log degree), blended
with the cosine of their stored vectors when the index has them.
"""

from __future__ import annotations

import math
from collections import defaultdict

from assistant.answering.generators.base import Question
from assistant.answering.generators.paths import _node_links
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.kg.verbalize import MASK, type_noun

HUB_DEGREE = 400  # neighbours with more edges say little about similarity and cost much


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
            top = sorted(scores.items(), key=lambda kv: -kv[1])[: self.k]
            best = top[0][1] or 1.0
            answers = {n: Evidence(count=1, similarity=round(s / best, 4)) for n, s in top}
            text = similar_text(node.type)
            score = float(question.services.matcher.vectors([text])[0] @ question.vector(link))
            out.append(Reading("similar", [Branch(link, (), (node.type,), text, score)], answers, node.type))
        return out
