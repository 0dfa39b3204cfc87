"""Traversal: which relation paths exist from a node (:func:`discover_paths`), walking one
(:func:`walk`, every answer with the concrete KG paths that reach it) and the filters answers must
satisfy. The answering pipeline and the matcher's training both stand on it."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.kg.graph import Hop, KnowledgeGraph
from assistant.query import Constraint, PathStep

WILDCARD = "*"
MAX_FRONTIER = 20_000
PATHS_KEPT = 3


@dataclass(slots=True)
class SupportPath:
    anchor: str
    hops: tuple[Hop, ...]


def walk(kg: KnowledgeGraph, start: str, steps: tuple[PathStep, ...], end_type: str | None = None,
         keep: int = PATHS_KEPT) -> dict[str, tuple[int, list[tuple[Hop, ...]]]]:
    """Follow ``steps`` from ``start``; ``node -> (number of paths, up to `keep` paths)``.

    Edges are read by index and a :class:`Hop` is built only for the (at most ``keep``) paths kept per node,
    so that a step through a hub of thousands of edges costs a dictionary update per edge.
    """
    counts: dict[str, int] = {start: 1}
    paths: dict[str, list[tuple[Hop, ...]]] = {start: [()]}
    edges, nodes = kg.edges, kg.nodes
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        relation = None if step.relation == WILDCARD else step.relation
        inverse = step.inverse
        next_counts: dict[str, int] = {}
        next_paths: dict[str, list[tuple[Hop, ...]]] = {}
        for node, count in counts.items():
            node_paths = paths[node]
            for idx in kg.edge_ids(node, relation, inverse):
                edge = edges[idx]
                target = edge.source if inverse else edge.target
                if last and end_type and nodes[target].type != end_type:
                    continue
                seen = next_counts.get(target)
                if seen is None:
                    next_counts[target] = count
                    hop = Hop(edge, target, inverse)
                    next_paths[target] = [p + (hop,) for p in node_paths[:keep]]
                    continue
                next_counts[target] = seen + count
                kept = next_paths[target]
                if len(kept) < keep:
                    hop = Hop(edge, target, inverse)
                    kept.extend(p + (hop,) for p in node_paths[: keep - len(kept)])
            if len(next_counts) > MAX_FRONTIER:
                break
        if i > 0:  # "films sharing a director with Jaws" excludes Jaws itself
            next_counts.pop(start, None)
            next_paths.pop(start, None)
        counts, paths = next_counts, next_paths
    return {node: (count, paths[node]) for node, count in counts.items()}


def satisfies(kg: KnowledgeGraph, node_id: str, constraint: Constraint) -> bool:
    node = kg.nodes[node_id]
    if constraint.kind == "character":
        return True  # a character is a link of its own (assistant.answering.generators.character)
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


@dataclass(slots=True)
class PathReach:
    """A relation path that exists from a node, found by :func:`discover_paths`.

    Attributes:
        steps: The path, from the start node outwards.
        types: The commonest node type reached after each step (over the sampled frontier).
        sample: End nodes seen while discovering it (all of them when ``complete``).
        complete: Whether no frontier along the way was cut to its sample.
    """

    steps: tuple[PathStep, ...]
    types: tuple[str, ...]
    sample: list[str]
    complete: bool


def discover_paths(kg: KnowledgeGraph, start: str, max_hops: int = 3, frontier_cap: int = 40,
                   max_paths: int = 600) -> list[PathReach]:
    """Every relation path of up to ``max_hops`` steps, in both directions, that exists from ``start``.

    Frontiers are cut to ``frontier_cap`` nodes (hubs are sampled, not expanded whole), so discovery
    costs O(hops × paths × cap) whatever the degrees; :func:`walk` then executes the paths worth it.
    Multi-hop paths never end at ``start`` itself ("films sharing a director with Jaws" excludes Jaws).
    """
    found: list[PathReach] = []
    level: list[tuple[tuple[PathStep, ...], tuple[str, ...], list[str], bool]] = [((), (), [start], True)]
    for hop in range(max_hops):
        next_level = []
        for steps, types, frontier, complete in level:
            cut = len(frontier) > frontier_cap
            sample = frontier[:frontier_cap]
            options: dict[PathStep, None] = {}
            for node in sample:
                out, inc = kg.relations_at(node)
                for rel in out:
                    options.setdefault(PathStep(rel, False))
                for rel in inc:
                    options.setdefault(PathStep(rel, True))
            for step in options:
                reached: dict[str, None] = {}
                edges = kg.edges
                for node in sample:
                    # a hub's thousands of edges are not read: the next frontier is a sample of `frontier_cap`
                    # nodes anyway, so `frontier_cap` edges per node are enough to take it
                    ids = kg.edge_ids(node, step.relation, step.inverse)
                    if len(ids) > frontier_cap:
                        ids, cut = ids[:frontier_cap], True
                    for idx in ids:
                        edge = edges[idx]
                        reached.setdefault(edge.source if step.inverse else edge.target)  # type: ignore[union-attr]
                if hop > 0:
                    reached.pop(start, None)
                if not reached:
                    continue
                ends = list(reached)
                counts: dict[str, int] = {}
                for other in ends[:frontier_cap]:
                    t = kg.nodes[other].type
                    counts[t] = counts.get(t, 0) + 1
                end_type = max(counts, key=counts.get)
                item = (steps + (step,), types + (end_type,), ends, complete and not cut)
                found.append(PathReach(*item))
                next_level.append(item)
                if len(found) >= max_paths:
                    return found
        level = next_level
    return found
