"""Bounded path search for explanations: the shortest KG paths (up to a hop limit) that connect an
answer to the question's entities, over the relation-labelled graph in both directions.

One breadth-first search from the entities serves every candidate of a question; nodes with more
than ``hub_degree`` edges are reached but not expanded, so the search stays small and fast and the
paths it returns go through specific nodes rather than through "Drama" or a big studio.
"""

from __future__ import annotations

from assistant.kg.graph import Hop, KnowledgeGraph
from assistant.traversal import SupportPath

HUB_DEGREE = 300


def connecting_paths(kg: KnowledgeGraph, sources: list[str], targets: list[str], max_hops: int = 3, k: int = 3,
                     hub_degree: int = HUB_DEGREE) -> dict[str, list[SupportPath]]:
    """Up to ``k`` shortest paths (at most ``max_hops`` edges) from any of ``sources`` to each target.

    Returns:
        target id -> paths, each an anchor and its hops ending at the target (targets with no path
        within the limit are absent).
    """
    if not sources or not targets or max_hops < 1:
        return {}
    # reached node -> up to k paths from a source, all of the node's shortest length
    reached: dict[str, list[SupportPath]] = {s: [SupportPath(s, ())] for s in sources if s in kg.nodes}
    frontier = list(reached)
    for _ in range(max_hops - 1):  # the last hop is checked from the target's side below
        level: dict[str, list[SupportPath]] = {}
        for node in frontier:
            if kg.degree(node) > hub_degree and node not in sources:
                continue
            for hop in kg.neighbors(node, direction="both"):
                if hop.node in reached:
                    continue
                paths = level.setdefault(hop.node, [])
                for p in reached[node]:
                    if len(paths) >= k:
                        break
                    paths.append(SupportPath(p.anchor, p.hops + (hop,)))
        reached.update(level)
        frontier = list(level)
    out: dict[str, list[SupportPath]] = {}
    for target in targets:
        if target in reached and reached[target][0].hops:
            out[target] = reached[target][:k]
            continue
        found: list[SupportPath] = []
        for hop in kg.neighbors(target, direction="both"):  # hop.node -> target is the final edge
            if hop.node not in reached or (kg.degree(hop.node) > hub_degree and hop.node not in sources):
                continue
            back = Hop(hop.edge, target, not hop.inverse)
            found += [SupportPath(p.anchor, p.hops + (back,)) for p in reached[hop.node]]
        if found:
            found.sort(key=lambda p: len(p.hops))
            out[target] = found[:k]
    return out
