"""Explanations: KG paths rendered with relation verbalisations, and the answer sentence."""

from __future__ import annotations

from assistant.answer import Answer, EvidencePath
from assistant.kg.graph import KnowledgeGraph
from assistant.query import Query
from assistant.traversal import SupportPath


def render_path(kg: KnowledgeGraph, path: SupportPath) -> EvidencePath:
    """``Steven Spielberg —directed→ Jurassic Park (1993) —has genre→ Science Fiction``.

    Hops walked backwards are shown in the edge's own direction, so every arrow reads as a fact.
    """
    nodes = [path.anchor]
    relations, inverse = [], []
    text = kg.nodes[path.anchor].label
    for hop in path.hops:
        verb = kg.schema.verbalize(hop.edge.relation)
        character = (hop.edge.qualifiers or {}).get("character")
        if character:
            verb += f" (as {character})"
        label = kg.nodes[hop.node].label
        text += f" ←{verb}— {label}" if hop.inverse else f" —{verb}→ {label}"
        nodes.append(hop.node)
        relations.append(hop.edge.relation)
        inverse.append(hop.inverse)
    return EvidencePath(nodes, relations, inverse, text)


def summarize(kg: KnowledgeGraph, query: Query, answer: Answer, notes: list[str]) -> str:
    """One short sentence introducing the answers, with caveats."""
    if not answer.answers:
        if query.unknown:
            u = query.unknown[0]
            near = ", ".join(u["nearest"]) or "nothing close"
            return f"“{u['mention']}” is not in the graph. Nearest names: {near}."
        return "I found nothing in the graph for that."
    top = answer.answers[0]
    names = ", ".join(a.name for a in answer.answers[:3])
    if top.paths:
        anchors = ", ".join(dict.fromkeys(a.name for a in query.anchors))
        msg = f"{names} — found through the graph from {anchors}."
    else:
        msg = f"{names} — similar by description ({top.semantic:.2f}); no connecting KG path was found."
    if query.unknown:
        u = query.unknown[0]
        msg += f" (“{u['mention']}” is not in the graph; nearest: {', '.join(u['nearest'])}.)"
    for note in notes:
        msg += f" Note: {note}."
    return msg
