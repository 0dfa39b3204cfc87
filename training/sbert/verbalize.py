"""KG facts as (anchor, positive) text pairs, the way a person would describe them.

Templates come from the relation schema (:class:`assistant.kg.schema.RelationSpec`), so every KG gets
pairs: ``The Exorcist`` → ``A 'Horror' film``; ``Charlton Heston`` → ``Voice actor in the film 'Alaska'``;
``volcano`` → ``A keyword of the film 'Volcano'``; ``Dark Summer`` → ``Description: …``; a person →
``Composer and conductor; skills: Film Scoring``. Relations missing from the schema (e.g. FB15k-237's
``/film/film/genre``) are read from their last path segment: ``Genre: 'Drama'`` / ``The genre of 'Alien'``.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.schema import RelationSpec, humanize_relation

#: Node types whose members are categories of their neighbours ("A 'Horror' film" reads better than
#: "Has genre 'Horror'").
CATEGORY_TYPES = ("genre",)
#: Node types that stand for skills (the "skills:" part of a person's profile).
SKILL_TYPES = ("skill",)


@dataclass(frozen=True, slots=True)
class Pair:
    """One training or evaluation pair.

    Attributes:
        anchor: Text of the node the pair is about (its label).
        positive: A sentence that describes the anchor node.
        anchor_id: Id of the anchor node.
        anchor_type: Node type of the anchor (hard negatives are mined within it).
        kind: ``"forward"``, ``"inverse"`` (an edge read from its target), ``"description"`` or ``"profile"``.
        relation: Relation of the edge (empty for descriptions and profiles).
        edge: Index of the edge in ``kg.edges`` (``-1`` for descriptions and profiles).
    """

    anchor: str
    positive: str
    anchor_id: str
    anchor_type: str
    kind: str
    relation: str = ""
    edge: int = -1


def kind_of(node: Node) -> str:
    """What a node is, in words: its ``kind`` attribute (``documentary``) or its type (``netflix genre``)."""
    return str(node.attr("kind") or node.type).replace("_", " ")


def short_relation(name: str) -> str:
    """The last segment of a path-like relation: ``/film/film/genre`` → ``genre``, ``has_skill`` → ``has skill``."""
    last = re.split(r"[/.]", name.strip("/."))[-1] or name
    return " ".join(last.replace("_", " ").split())


def _strip_note(text: str) -> str:
    """``"produced by (company)"`` → ``"produced by"``: schema notes in brackets are for relation detection."""
    return re.sub(r"\s*\([^)]*\)", "", text).strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def forward_text(spec: RelationSpec | None, relation: str, source: Node, target: Node) -> str:
    """Describe ``source`` by its edge to ``target``."""
    if spec is None:
        return f"{_cap(short_relation(relation))}: '{target.label}'"
    if target.type in CATEGORY_TYPES:
        return f"A '{target.name}' {kind_of(source)}"
    if spec.source_nouns:
        prep = "in" if spec.forward.endswith(" in") else "of"
        return f"{_cap(spec.source_nouns[0])} {prep} the {kind_of(target)} '{target.label}'"
    return f"{_cap(_strip_note(spec.forward))} '{target.label}'"


def inverse_text(spec: RelationSpec | None, relation: str, source: Node, target: Node) -> str:
    """Describe ``target`` by its edge from ``source``."""
    if spec is None:
        short = short_relation(relation)
        short = short[:-3] if short.endswith(" of") else short
        return f"The {short} of '{source.label}'"
    inverse = _strip_note(spec.inverse)
    if inverse.endswith(" of") and not inverse.startswith("with "):  # a noun ("keyword of"), not "with the voice of"
        return f"A {inverse} the {kind_of(source)} '{source.label}'"
    return f"{_cap(inverse)} '{source.label}'"


def schema_spec(kg: KnowledgeGraph, relation: str) -> RelationSpec | None:
    """The relation's spec when a person wrote it; ``None`` when the loader only humanised the name
    (triples files: ``/film/film/genre`` → ``film film genre``), which reads better from its last segment."""
    spec = kg.schema.relations.get(relation)
    if spec is None or (spec.forward == humanize_relation(relation) and spec.inverse == f"{spec.forward} (inverse)"):
        return None
    return spec


def edge_pairs(kg: KnowledgeGraph, idx: int, edge: Edge) -> list[Pair]:
    """Both readings of one edge: the source described by the target and the target by the source."""
    source, target = kg.nodes[edge.source], kg.nodes[edge.target]
    spec = schema_spec(kg, edge.relation)
    return [
        Pair(source.label, forward_text(spec, edge.relation, source, target), source.id, source.type,
             "forward", edge.relation, idx),
        Pair(target.label, inverse_text(spec, edge.relation, source, target), target.id, target.type,
             "inverse", edge.relation, idx),
    ]


def description_pairs(kg: KnowledgeGraph) -> list[Pair]:
    """``name`` → ``Description: …`` for every node that has a description."""
    return [Pair(n.label, f"Description: {n.description}", n.id, n.type, "description")
            for n in kg.nodes.values() if n.description.strip()]


def profile_pairs(kg: KnowledgeGraph, edges: Iterable[tuple[int, Edge]]) -> list[Pair]:
    """People → their roles and skills: ``Composer and producer; skills: Film Scoring, Orchestration``.

    Built only from ``edges`` (the training edges), so held-out facts do not leak into profiles.
    """
    roles: dict[str, Counter] = defaultdict(Counter)
    skills: dict[str, list[str]] = defaultdict(list)
    for _, edge in edges:
        spec = kg.schema.relations.get(edge.relation)
        target = kg.nodes[edge.target]
        if target.type in SKILL_TYPES:
            skills[edge.source].append(target.name)
        elif spec is not None and spec.source_nouns:
            roles[edge.source][spec.source_nouns[0]] += 1
    pairs = []
    for node_id in sorted(set(roles) | set(skills)):
        node = kg.nodes[node_id]
        parts = []
        if roles[node_id]:
            parts.append(_cap(" and ".join(noun for noun, _ in roles[node_id].most_common(3))))
        if skills[node_id]:
            parts.append("skills: " + ", ".join(dict.fromkeys(skills[node_id])))
        pairs.append(Pair(node.label, "; ".join(parts), node.id, node.type, "profile"))
    return pairs


def verbalize(kg: KnowledgeGraph, edges: Iterable[tuple[int, Edge]], max_per_anchor_relation: int = 10,
              seed: int = 0) -> list[Pair]:
    """Pairs of both readings of ``edges`` (``(index, edge)``), at most ``max_per_anchor_relation`` per
    anchor node, relation and direction (a genre with 300 films gets 10 "A genre of …" pairs, not 300:
    the rest say little and would flood the batches with one anchor)."""
    groups: dict[tuple[str, str, str], list[Pair]] = defaultdict(list)
    for idx, edge in edges:
        for pair in edge_pairs(kg, idx, edge):
            groups[(pair.anchor_id, pair.relation, pair.kind)].append(pair)
    rng = random.Random(seed)
    out: list[Pair] = []
    for key in sorted(groups):
        group = list(dict.fromkeys(groups[key]))
        if len(group) > max_per_anchor_relation:
            group = rng.sample(group, max_per_anchor_relation)
        out.extend(group)
    return out
