"""Answering by traversal: walk each anchor's relation path over the KG and apply the constraints.

Kept separate from ranking so the reranker and the explanations reuse it: every answer carries
the concrete KG paths (anchor, hops) that reach it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.kg.graph import Hop, KnowledgeGraph
from assistant.kg.normalize import normalize_name
from assistant.query import Anchor, Constraint, PathStep, Query

WILDCARD = "*"
MAX_FRONTIER = 20_000
PATHS_KEPT = 3


@dataclass(slots=True)
class SupportPath:
    anchor: str
    hops: tuple[Hop, ...]


@dataclass(slots=True)
class TraversalAnswer:
    node_id: str
    paths: list[SupportPath] = field(default_factory=list)
    path_count: int = 0  # all supporting paths, not only the kept ones
    anchors: set[str] = field(default_factory=set)
    score: float | None = None  # set when something other than path counts ranked it


def walk(kg: KnowledgeGraph, start: str, steps: tuple[PathStep, ...], end_type: str | None = None,
         keep: int = PATHS_KEPT) -> dict[str, tuple[int, list[tuple[Hop, ...]]]]:
    """Follow ``steps`` from ``start``; ``node -> (number of paths, up to `keep` paths)``."""
    frontier: dict[str, tuple[int, list[tuple[Hop, ...]]]] = {start: (1, [()])}
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        nxt: dict[str, tuple[int, list[tuple[Hop, ...]]]] = {}
        relation = None if step.relation == WILDCARD else step.relation
        direction = "in" if step.inverse else "out"
        for node, (count, paths) in frontier.items():
            for hop in kg.neighbors(node, relation, direction):
                if last and end_type and kg.nodes[hop.node].type != end_type:
                    continue
                c, kept = nxt.get(hop.node, (0, []))
                kept = kept + [p + (hop,) for p in paths[: max(0, keep - len(kept))]]
                nxt[hop.node] = (c + count, kept)
            if len(nxt) > MAX_FRONTIER:
                break
        if i > 0:
            nxt.pop(start, None)  # "films sharing a director with Jaws" excludes Jaws itself
        frontier = nxt
    return frontier


def character_credits(kg: KnowledgeGraph, character: str) -> dict[str, tuple[int, list[tuple[Hop, ...]]]]:
    """People credited with playing or voicing ``character``, each with the credit as its path."""
    key = normalize_name(character)
    found: dict[str, tuple[int, list[tuple[Hop, ...]]]] = {}
    for edge in kg.iter_edges():
        quals = edge.qualifiers
        if quals and quals.get("character") and normalize_name(str(quals["character"])) == key:
            count, paths = found.get(edge.source, (0, []))
            found[edge.source] = (count + 1, (paths + [(Hop(edge, edge.source, True),)])[:PATHS_KEPT])
    return found


def satisfies(kg: KnowledgeGraph, node_id: str, constraint: Constraint) -> bool:
    node = kg.nodes[node_id]
    if constraint.kind == "character":
        return True  # applied as an anchor in :func:`execute`
    if constraint.kind == "project_kind":
        return node.attr("kind") == constraint.value
    if constraint.kind in ("year", "decade"):
        year = node.attr("year")
        if year is None:
            years = [kg.nodes[h.node].name for h in kg.neighbors(node_id, "released_in")] + \
                    [kg.nodes[h.node].name for h in kg.neighbors(node_id, "release_year")]
            year = int(years[0]) if years and years[0].isdigit() else None
        if year is None:
            return False
        start = int(constraint.value)
        return year == start if constraint.kind == "year" else start <= int(year) < start + 10
    return True


def execute(kg: KnowledgeGraph, query: Query) -> tuple[list[TraversalAnswer], list[str]]:
    """Answers reachable from the query's anchors, intersected across anchors, then filtered.

    Returns the answers (most supported first) and notes on constraints that had to be relaxed
    because they would have left no answer.
    """
    notes: list[str] = []
    per_anchor: list[tuple[Anchor, dict]] = []
    for constraint in query.constraints:
        if constraint.kind == "character":
            reach = character_credits(kg, constraint.value)
            if reach:  # the credit edge's project is the "anchor" its path starts from
                reach = {n: (c, [p for p in paths]) for n, (c, paths) in reach.items()}
                per_anchor.append((Anchor(constraint.value, "", constraint.value, "character", 1.0), reach))
    for anchor in query.anchors:
        if anchor.path:
            end_type = query.target_type if anchor.path[-1].relation == WILDCARD else None
            per_anchor.append((anchor, walk(kg, anchor.node_id, anchor.path, end_type)))
    if not per_anchor:
        return [], notes
    main, main_reach = per_anchor[0]
    candidates = set(main_reach)
    for anchor, reach in per_anchor[1:]:
        narrowed = candidates & set(reach)
        if narrowed:
            candidates = narrowed
        else:
            notes.append(f"no answer also fits {anchor.name!r}; that condition was relaxed")
    if query.target_type:
        typed = {c for c in candidates if kg.nodes[c].type == query.target_type}
        candidates = typed or candidates
    for constraint in query.constraints:
        kept = {c for c in candidates if satisfies(kg, c, constraint)}
        if kept:
            candidates = kept
        elif candidates:
            notes.append(f"no answer is a {constraint.value} {constraint.kind.replace('_', ' ')}; relaxed")
    answers: dict[str, TraversalAnswer] = {}
    for anchor, reach in per_anchor:
        for node_id in candidates & set(reach):
            count, paths = reach[node_id]
            ans = answers.setdefault(node_id, TraversalAnswer(node_id))
            ans.path_count += count
            ans.anchors.add(anchor.node_id)
            ans.paths.extend(SupportPath(anchor.node_id or p[0].edge.target, p) for p in paths)
    ranked = sorted(answers.values(), key=lambda a: (-len(a.anchors), -a.path_count, -kg.degree(a.node_id),
                                                     a.node_id))
    return ranked, notes
