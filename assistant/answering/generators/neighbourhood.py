"""A bare entity's neighbourhood: "George Lucas" asked for as projects gives his films, whatever the
relation (directed, wrote, produced, is the subject of). One reading per answer type, the nodes one
hop away (two when none is one hop away), ordered by how many edges join them to the entity."""

from __future__ import annotations

from collections import defaultdict

from assistant.answering.filters import apply_filters, order_answers
from assistant.answering.generators.base import Question
from assistant.answering.generators.paths import _node_links
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.kg.verbalize import MASK, type_noun
from assistant.traversal import SupportPath

HUB_DEGREE = 500  # a hub's neighbourhood is no answer to anything


def neighbourhood_text(node_type: str | None) -> str:
    return f"{type_noun(node_type, plural=True)} connected to {MASK}"


class NeighbourhoodGenerator:
    name = "neighbourhood"

    def __init__(self, links: int = 2) -> None:
        self.max_links = links

    def generate(self, question: Question) -> list[Reading]:
        kg = question.services.kg
        out: list[Reading] = []
        for link in _node_links(question.links, self.max_links):
            if kg.degree(link.node_id) > HUB_DEGREE:
                continue
            by_type: dict[str, dict[str, Evidence]] = defaultdict(dict)
            for hop in kg.neighbors(link.node_id, direction="both"):
                node_type = kg.nodes[hop.node].type
                ev = by_type[node_type].setdefault(hop.node, Evidence())
                ev.count += 1
                if len(ev.paths) < 3:
                    ev.paths.append(SupportPath(link.node_id, (hop,)))
            texts = [neighbourhood_text(t) for t in by_type]
            if not texts:
                continue
            scores = question.services.matcher.vectors(texts) @ question.vector(link)
            for (node_type, answers), text, score in zip(by_type.items(), texts, scores, strict=True):
                reading = Reading("neighbourhood", [Branch(link, (), (node_type,), text, float(score))],
                                  dict(answers), node_type)
                apply_filters(question, reading)
                order_answers(question, reading)
                out.append(reading)
        return out
