"""Graph-neighbourhood signals for reranking: personalized PageRank from the anchors, path
specificity (a path through a hub counts less), neighbourhood overlap, and a global prominence prior.

Everything reads the live adjacency of :class:`KnowledgeGraph`, so incremental updates are seen at
once: PPR is computed locally by the push method, degrees are exact, and only the global PageRank
is a cached vector, refreshed lazily after changes (a new node gets the mean until then).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable

import numpy as np

from assistant.kg.graph import Hop, KnowledgeGraph
from assistant.traversal import SupportPath

PPR_ALPHA = 0.15  # teleport probability
PPR_EPSILON = 1e-3  # residual threshold of the push method; bounds the work per query
PPR_MAX_PUSHES = 3_000
HUB_FANOUT = 500  # a node this connected pushes to a sample of its neighbours (bounded time)


class GraphSignals:
    """Graph statistics shared by every query against one KG."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._pagerank: dict[str, float] | None = None
        self._log_rank: dict[str, float] | None = None
        self._stale = True
        self._lock = threading.Lock()

    # ---- global prominence ------------------------------------------------------------------
    def mark_changed(self) -> None:
        """Called after an update: the global PageRank is recomputed on next use (the other signals
        read the live adjacency)."""
        self._stale = True

    def pagerank(self, node_id: str) -> float:
        """Global PageRank scaled so that the average node scores 1."""
        with self._lock:
            if self._pagerank is None or self._stale:
                self._pagerank = self._compute_pagerank()
                self._stale = False
            return self._pagerank.get(node_id, 1.0)

    def _compute_pagerank(self, iterations: int = 30, damping: float = 0.85) -> dict[str, float]:
        from scipy.sparse import csr_matrix

        ids = list(self.kg.nodes)
        n = len(ids)
        if n == 0:
            return {}
        pos = {node_id: i for i, node_id in enumerate(ids)}
        src, dst = [], []
        for edge in self.kg.iter_edges():  # undirected: being credited on a film and crediting both count
            a, b = pos[edge.source], pos[edge.target]
            src += [a, b]
            dst += [b, a]
        deg = np.bincount(np.asarray(src, dtype=np.int64), minlength=n).astype(np.float64)
        weights = 1.0 / deg[src] if src else []
        walk = csr_matrix((weights, (dst, src)), shape=(n, n))
        rank = np.full(n, 1.0 / n)
        dangling = deg == 0
        for _ in range(iterations):
            rank = damping * (walk @ rank + rank[dangling].sum() / n) + (1 - damping) / n
        rank *= n
        return {node_id: float(rank[i]) for i, node_id in enumerate(ids)}

    def prominence(self, node_id: str) -> float:
        """log of the scaled PageRank: 0 for an average node, positive for well-connected ones."""
        logs = self._log_rank
        if logs is None or self._stale:  # answers sort thousands of nodes by it: no lock once computed
            self.pagerank(node_id)
            with self._lock:
                logs = self._log_rank = {n: math.log(max(r, 1e-6)) for n, r in (self._pagerank or {}).items()}
        return logs.get(node_id, 0.0)

    # ---- query-local signals ----------------------------------------------------------------
    def personalized_pagerank(self, seeds: Iterable[str]) -> dict[str, float]:
        """Approximate PPR from ``seeds`` (Andersen–Chung–Lang push), over the undirected graph."""
        seeds = [s for s in dict.fromkeys(seeds) if s in self.kg.nodes]
        if not seeds:
            return {}
        estimate: dict[str, float] = {}
        residual = {s: 1.0 / len(seeds) for s in seeds}
        queue = list(seeds)
        pushes = 0
        while queue and pushes < PPR_MAX_PUSHES:
            node = queue.pop()
            r = residual.get(node, 0.0)
            degree = self.kg.degree(node)
            if degree == 0 or r < PPR_EPSILON * degree:
                continue
            pushes += 1
            estimate[node] = estimate.get(node, 0.0) + PPR_ALPHA * r
            hops = self.kg.neighbors(node, direction="both")
            if len(hops) > HUB_FANOUT:
                hops = hops[:: len(hops) // HUB_FANOUT + 1]
            share = (1 - PPR_ALPHA) * r / len(hops)
            residual[node] = 0.0
            for hop in hops:
                before = residual.get(hop.node, 0.0)
                residual[hop.node] = before + share
                if before + share >= PPR_EPSILON * max(1, self.kg.degree(hop.node)) > before:
                    queue.append(hop.node)
        return estimate

    def path_specificity(self, path: SupportPath) -> float:
        """1 for a direct edge; each intermediate node divides by log2(1 + its degree), so a path
        through a hub ("Drama", a studio with 300 films) counts less than one through a niche node."""
        value = 1.0
        for hop in path.hops[:-1]:
            value /= math.log2(1 + max(1, self.kg.degree(hop.node)))
        return value

    def anchor_neighbourhood(self, anchors: list[str], cap: int = 300) -> set[str]:
        """The anchors and (up to ``cap`` of each one's) neighbours."""
        theirs: set[str] = set(anchors)
        for anchor in anchors:
            theirs.update(h.node for h in self.kg.neighbors(anchor, direction="both")[:cap])
        return theirs

    def neighbour_overlap(self, node_id: str, theirs: set[str], cap: int = 300,
                          hops: list[Hop] | None = None) -> float:
        """Jaccard overlap of the candidate's neighbours (``hops`` when the caller has them already)
        with the anchors' neighbourhood."""
        if not theirs:
            return 0.0
        hops = self.kg.neighbors(node_id, direction="both") if hops is None else hops
        mine = {h.node for h in hops[:cap]}
        if not mine:
            return 0.0
        return len(mine & theirs) / len(mine | theirs)
