"""Explanations: KG paths rendered with relation verbalisations, and the answer sentence."""

from __future__ import annotations

from assistant.answer import Answer, EvidencePath
from assistant.kg.graph import KnowledgeGraph
from assistant.query import Query
from assistant.traversal import SupportPath


def render_path(kg: KnowledgeGraph, path: SupportPath) -> EvidencePath:
    """``Steven Spielberg —directed→ Jurassic Park (1993) —has genre→ Science Fiction``.

    The path is read from the answer back to the question's anchor, and every arrow points the
    way its edge does, so each hop reads as a fact of the KG. ``nodes`` runs answer -> anchor.
    """
    if not path.hops:  # the answer is the anchor itself
        return EvidencePath([path.anchor], [], [], kg.nodes[path.anchor].label)
    nodes = [path.hops[-1].node]
    relations, inverse = [], []
    text = kg.nodes[nodes[0]].label
    previous = [path.anchor] + [hop.node for hop in path.hops[:-1]]
    for hop, before in zip(reversed(path.hops), reversed(previous), strict=True):
        verb = kg.schema.verbalize(hop.edge.relation)
        character = (hop.edge.qualifiers or {}).get("character")
        if character:
            verb += f" (as {character})"
        label = kg.nodes[before].label
        # walking back from hop.node to `before`: forward if hop.node is the edge's source
        forward = hop.edge.source == hop.node
        text += f" —{verb}→ {label}" if forward else f" ←{verb}— {label}"
        nodes.append(before)
        relations.append(hop.edge.relation)
        inverse.append(not forward)
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
    primary = [a for a in answer.answers if "graph:alternative-reading" not in a.sources] or answer.answers
    names = ", ".join(a.name for a in primary[:3])
    linked = {a.node_id: a for a in query.anchors}
    if top.node_id in linked and not linked[top.node_id].path:
        a = linked[top.node_id]
        how = "exact name" if a.method == "exact" else f"{a.method} match of “{a.mention}”"
        msg = f"{kg.nodes[top.node_id].label} ({top.type}), found by {how}."
    elif top.paths:
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
