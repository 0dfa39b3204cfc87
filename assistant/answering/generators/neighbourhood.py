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
                if hop.node == link.node_id:
                    continue  # a self-loop: the entity is not an answer about itself
                node_type = kg.nodes[hop.node].type
                ev = by_type[node_type].setdefault(hop.node, Evidence())
                ev.count += 1
                if len(ev.paths) < 3:
                    ev.paths.append(SupportPath(link.node_id, (hop,)))
            texts = [neighbourhood_text(t) for t in by_type]
            if not texts:
                continue
            scores = question.services.matcher.vectors(texts) @ question.vector(link)
            same_name = {lk.node_id for lk in question.links if (lk.start, lk.end) == (link.start, link.end)}
            for (node_type, answers), text, score in zip(by_type.items(), texts, scores, strict=True):
                if set(answers) <= same_name:
                    continue  # "films connected to Jaws (the franchise)" = Jaws (the film): the name restated
                reading = Reading("neighbourhood", [Branch(link, (), (node_type,), text, float(score))],
                                  dict(answers), node_type)
                apply_filters(question, reading)
                order_answers(question, reading)
                _mix_relations(reading)
                out.append(reading)
        return out


LEADING = 3  # the best-supported answers kept first, whatever their relation


def _mix_relations(reading: Reading) -> None:
    """After the best-supported few, the answers take turns by relation, so that a long list shows every way the
    entity is connected ("George Lucas": the films he directed, and the documentaries about him)."""
    items = list(reading.answers.items())
    if len(items) <= LEADING:
        return
    groups: dict[str, list] = {}
    for node_id, evidence in items[LEADING:]:
        relation = evidence.paths[0].hops[0].edge.relation if evidence.paths and evidence.paths[0].hops else ""
        groups.setdefault(relation, []).append((node_id, evidence))
    mixed = items[:LEADING]
    queues = list(groups.values())
    while queues:
        mixed += [q.pop(0) for q in queues]
        queues = [q for q in queues if q]
    reading.answers = dict(mixed)
