"""Gold specs of the held-out sets, evaluated over a KG: every ``answers`` list is derived from its ``gold``.

A spec is one JSON object of one of these forms (they nest):

* ``{"topic": ID | [ID, ...], "path": [STEP, ...], "filter": FILTER}``: walk ``path`` from the topic node(s);
  the answers are every node reached, minus the topic nodes themselves. ``filter`` is optional.
* ``{"from": SPEC, "path": [STEP, ...], "filter": FILTER}``: walk ``path`` from the answer set of another spec
  (the people credited on any Pixar film: ``from`` Pixar's films, one step over the credit relations). With
  ``"min_count": N`` only the nodes reached from at least ``N`` distinct start nodes are kept (directors of three
  or more science-fiction films); with ``"top": K`` the ``K`` best-supported ones, ties included (the composer of
  the most Spielberg films).
* ``{"ids": [ID, ...]}``: explicit answer node ids (each must exist in the KG).
* ``{"and": [SPEC, ...]}`` / ``{"or": [SPEC, ...]}``: intersection / union of the answer sets.
* ``{"minus": [SPEC, SPEC]}``: the first answer set without the second.
* ``{"count": SPEC}``: the single answer is the number of answers of ``SPEC``, as a string (``"7"``).
* ``{"similar_to": ID, "relation_min": {RELATION: N, ...}, "filter": FILTER}``: nodes that share at least ``N``
  targets of every listed out-relation with ``ID`` (e.g. a genre and two keywords), ``ID`` itself excluded.
* ``{"character": [NAME, ...], "relations": [REL, ...], "project": ID | [ID, ...]}``: the people credited with one of
  these character names (edge qualifier ``character``, compared after name normalisation) on ``relations``
  (default ``acted_in``, ``voiced_in``, ``puppeteered``), on the given projects only when ``project`` is set.
* ``{"absent": [NAME, ...], "types": [TYPE, ...]}``: an abstention question; no node (of these types, when given)
  may have any of these names (checked), and the answer list is empty.

Any spec may also carry ``"rule"``: a sentence for the human reader saying why this set is the right one.

``STEP`` is ``{"relation": R, "inverse": false}``: follow ``R`` from source to target (``true`` walks it backwards;
``R`` may be a list of relations, any of which may be followed). Optional keys: ``"qualifier": {"character": "Han
Solo"}`` keeps only edges whose qualifiers match (case-insensitive, after name normalisation); ``"both": true``
walks the edge either way, for a symmetric relation (spouse, sibling) that the KG stores in one direction per pair;
``"filter": FILTER`` keeps only the nodes of that step that pass it ("X's mom": ``parents`` filtered to ``gender``
``female``, then the next step).

``FILTER`` keeps answers that satisfy every key given: ``"type"`` (node type or list of them), ``"attr"``
(``{"kind": "film"}``, ``{"year": [1980, 1989]}`` for an inclusive range), ``"has"`` (a STEP plus ``"target"``: the
answer has that edge to that node), ``"not_ids"`` (drop these ids).

This module only reads the KG (``assistant.kg``); it never asks the assistant anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assistant.kg import KnowledgeGraph, normalize_name
from assistant.kg.errors import KGQAError


class GoldError(KGQAError, ValueError):
    """A gold spec that does not fit the KG or the spec grammar, with the question id."""


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _need_node(kg: KnowledgeGraph, node_id: str, where: str) -> None:
    if node_id not in kg.nodes:
        raise GoldError(f"{where}: node {node_id!r} is not in the KG {kg.name!r}")


def _qualifier_ok(qualifiers: dict | None, wanted: dict | None) -> bool:
    if not wanted:
        return True
    have = qualifiers or {}
    return all(normalize_name(str(have.get(k, ""))) == normalize_name(str(v)) for k, v in wanted.items())


def step(kg: KnowledgeGraph, frontier: Iterable[str], spec: dict, where: str) -> set[str]:
    """Every node one ``spec`` step away from ``frontier``."""
    relations = _as_list(spec.get("relation"))
    if not relations or not all(isinstance(r, str) for r in relations):
        raise GoldError(f"{where}: a path step needs a 'relation' string (or list of them), got {spec!r}")
    for relation in relations:
        if relation not in kg.schema.relations and relation not in set(kg.relations()):
            raise GoldError(f"{where}: relation {relation!r} is not in the KG {kg.name!r}")
    direction = "both" if spec.get("both", False) else ("in" if spec.get("inverse", False) else "out")
    wanted = spec.get("qualifier")
    out: set[str] = set()
    for node in frontier:
        for relation in relations:
            for hop in kg.neighbors(node, relation, direction):
                if _qualifier_ok(hop.edge.qualifiers, wanted):
                    out.add(hop.node)
    return apply_filter(kg, out, spec.get("filter"), where)


def walk(kg: KnowledgeGraph, topics: Iterable[str], path: list[dict], where: str = "gold") -> set[str]:
    """The nodes reached from ``topics`` along ``path`` (a set at every step)."""
    frontier = set(topics)
    for s in path:
        frontier = step(kg, frontier, s, where)
    return frontier


def _in_range(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, list) and len(wanted) == 2 and all(isinstance(w, int | float) for w in wanted):
        return isinstance(value, int | float) and wanted[0] <= value <= wanted[1]
    if isinstance(wanted, str) and isinstance(value, str):
        return normalize_name(value) == normalize_name(wanted)
    return value == wanted


def apply_filter(kg: KnowledgeGraph, nodes: set[str], spec: dict | None, where: str) -> set[str]:
    """Keep the nodes that satisfy every condition of a FILTER."""
    if not spec:
        return nodes
    unknown = set(spec) - {"type", "attr", "has", "not_ids"}
    if unknown:
        raise GoldError(f"{where}: unknown filter key(s) {sorted(unknown)}")
    kept = set(nodes)
    if "type" in spec:
        types = set(_as_list(spec["type"]))
        kept = {n for n in kept if kg.nodes[n].type in types}
    for key, wanted in (spec.get("attr") or {}).items():
        kept = {n for n in kept if _in_range(kg.nodes[n].attr(key), wanted)}
    for has in _as_list(spec.get("has") or []):
        target = has.get("target")
        _need_node(kg, target, where)
        kept = {n for n in kept if target in step(kg, [n], has, where)}
    for node_id in spec.get("not_ids") or []:
        kept.discard(node_id)
    return kept


def _similar(kg: KnowledgeGraph, spec: dict, where: str) -> set[str]:
    anchor = spec["similar_to"]
    _need_node(kg, anchor, where)
    minimum: dict[str, int] = spec.get("relation_min") or {}
    if not minimum:
        raise GoldError(f"{where}: 'similar_to' needs 'relation_min', e.g. {{'has_genre': 1}}")
    candidates: set[str] | None = None
    for relation, n in minimum.items():
        mine = {h.node for h in kg.neighbors(anchor, relation, "out")}
        counts: dict[str, int] = {}
        for target in mine:
            for hop in kg.neighbors(target, relation, "in"):
                counts[hop.node] = counts.get(hop.node, 0) + 1
        passing = {node for node, c in counts.items() if c >= n}
        candidates = passing if candidates is None else candidates & passing
    return apply_filter(kg, (candidates or set()) - {anchor}, spec.get("filter"), where)


def _walk_from(kg: KnowledgeGraph, spec: dict, where: str) -> set[str]:
    start = answer_ids(kg, spec["from"], where)
    path = spec.get("path") or []
    if "min_count" not in spec and "top" not in spec:
        return apply_filter(kg, walk(kg, start, path, where), spec.get("filter"), where)
    support: dict[str, int] = {}
    for node in start:
        for reached in walk(kg, [node], path, where):
            support[reached] = support.get(reached, 0) + 1
    kept = apply_filter(kg, set(support), spec.get("filter"), where)
    if "min_count" in spec:
        kept = {n for n in kept if support[n] >= spec["min_count"]}
    if "top" in spec and kept:
        ranked = sorted((support[n] for n in kept), reverse=True)
        floor = ranked[min(spec["top"], len(ranked)) - 1]  # the K-th best support; ties with it are kept
        kept = {n for n in kept if support[n] >= floor}
    return kept


CHARACTER_RELATIONS = ("acted_in", "voiced_in", "puppeteered")


def _credited_as(kg: KnowledgeGraph, spec: dict, where: str) -> set[str]:
    names = {normalize_name(n) for n in _as_list(spec["character"])}
    relations = set(_as_list(spec.get("relations") or CHARACTER_RELATIONS))
    projects = set(_as_list(spec["project"])) if spec.get("project") else None
    for node_id in projects or ():
        _need_node(kg, node_id, where)
    found = {e.source for e in kg.iter_edges()
             if e.relation in relations and (projects is None or e.target in projects)
             and normalize_name(str((e.qualifiers or {}).get("character", ""))) in names}
    if not found:
        raise GoldError(f"{where}: nobody is credited as {sorted(names)}")
    return found


def answer_ids(kg: KnowledgeGraph, spec: dict, where: str = "gold") -> set[str]:
    """The answer node ids of a spec (for ``count`` see :func:`answers_of`)."""
    if not isinstance(spec, dict):
        raise GoldError(f"{where}: expected a gold object, got {spec!r}")
    if "ids" in spec:
        for node_id in spec["ids"]:
            _need_node(kg, node_id, where)
        return apply_filter(kg, set(spec["ids"]), spec.get("filter"), where)
    if "and" in spec:
        parts = [answer_ids(kg, s, where) for s in spec["and"]]
        return set.intersection(*parts) if parts else set()
    if "or" in spec:
        return set().union(*(answer_ids(kg, s, where) for s in spec["or"]))
    if "minus" in spec:
        first, second = spec["minus"]
        return answer_ids(kg, first, where) - answer_ids(kg, second, where)
    if "from" in spec:
        return _walk_from(kg, spec, where)
    if "similar_to" in spec:
        return _similar(kg, spec, where)
    if "character" in spec:
        return apply_filter(kg, _credited_as(kg, spec, where), spec.get("filter"), where)
    if "topic" in spec:
        topics = _as_list(spec["topic"])
        for node_id in topics:
            _need_node(kg, node_id, where)
        path = spec.get("path") or []
        reached = walk(kg, topics, path, where) - set(topics)
        return apply_filter(kg, reached, spec.get("filter"), where)
    raise GoldError(f"{where}: a gold spec needs one of topic/from/ids/and/or/minus/similar_to/character/count/absent, "
                    f"got keys {sorted(spec)}")


def answers_of(kg: KnowledgeGraph, spec: dict, where: str = "gold") -> list[str]:
    """The ``answers`` list of a question: sorted node ids, a count as a string, or ``[]`` for an abstention.

    Raises:
        GoldError: The spec names a node or relation the KG lacks, an abstention names a node the KG has,
            or the spec is malformed.
    """
    if "absent" in spec:
        types = set(_as_list(spec["types"])) if spec.get("types") else None
        present = [name for name in spec["absent"]
                   if any(types is None or n.type in types for n in kg.find(name))]
        if present:
            raise GoldError(f"{where}: abstention question names {present}, which the KG has")
        return []
    if "count" in spec:
        return [str(len(answer_ids(kg, spec["count"], where)))]
    return sorted(answer_ids(kg, spec, where))
