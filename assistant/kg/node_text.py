"""What a node looks like to a text encoder: name, type, description and key graph facts."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from assistant.kg.graph import KnowledgeGraph, Node

MAX_NAMES_PER_RELATION = 5
MAX_FACTS = 8


def node_facts(kg: KnowledgeGraph, node_id: str) -> list[str]:
    """Verbalised neighbour facts, e.g. ``"directed by: George Lucas"``; small relations first."""
    groups: dict[str, list[str]] = defaultdict(list)
    for hop in kg.neighbors(node_id, direction="both"):
        verb = kg.schema.verbalize(hop.edge.relation, inverse=hop.inverse)
        groups[verb].append(kg.nodes[hop.node].label)
    ordered = sorted(groups.items(), key=lambda item: (len(item[1]), item[0]))
    facts = []
    for verb, names in ordered[:MAX_FACTS]:
        shown = list(dict.fromkeys(names))[:MAX_NAMES_PER_RELATION]
        more = len(set(names)) - len(shown)
        facts.append(f"{verb}: {', '.join(shown)}" + (f" and {more} more" if more > 0 else ""))
    return facts


def node_text(kg: KnowledgeGraph, node: Node) -> str:
    """The text embedded for ``node``."""
    kind = node.attr("kind") or node.type
    head = f"{node.label} ({kind})"
    parts = [head]
    if node.aliases:
        parts.append("also known as " + ", ".join(node.aliases[:3]))
    if node.description:
        parts.append(node.description)
    facts = node_facts(kg, node.id)
    if facts:
        parts.append(". ".join(facts))
    return ". ".join(p.rstrip(".") for p in parts) + "."


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
