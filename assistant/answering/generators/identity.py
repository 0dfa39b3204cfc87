"""The entity itself: "who is George Lucas", "Jaws", "tell me about Pixar"."""

from __future__ import annotations

from assistant.answering.generators.base import Question
from assistant.answering.generators.paths import _node_links
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.kg.verbalize import MASK
from assistant.traversal import SupportPath


class IdentityGenerator:
    name = "identity"

    def __init__(self, links: int = 4) -> None:
        self.max_links = links

    def generate(self, question: Question) -> list[Reading]:
        links = _node_links(question.links, self.max_links)
        if not links:
            return []
        vectors = question.services.matcher.vectors([MASK])
        out = []
        for link in links:
            node = question.services.kg.nodes[link.node_id]
            score = float(vectors[0] @ question.vector(link))
            out.append(Reading("identity", [Branch(link, (), (node.type,), MASK, score)],
                               {node.id: Evidence([SupportPath(node.id, ())], 1)}, node.type))
        return out
