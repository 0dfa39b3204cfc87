"""Sparse adjacency per relation (scipy CSR over integer node indices) and walks that count with it.

Answering walks dozens of relation paths per question, many of them through hubs (a genre, a language, a
year with thousands of films). Counting the paths that reach each node is a sparse vector-matrix product
per step, done in numpy; the concrete KG paths behind an answer are recovered afterwards, and only for the
answers someone looks at (:meth:`CountedWalk.paths`). Python-level walks building an object per edge cost
50-100x more on the MetaQA KB (43k nodes, 135k edges) and grow with the hubs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from assistant.kg.graph import Hop, KnowledgeGraph

WILDCARD = "*"


class RelationMatrices:
    """``matrix(relation, inverse)``: a CSR matrix whose row ``i`` lists the nodes one such edge from node ``i``.

    Built lazily per (relation, direction) and rebuilt when the KG changes (:attr:`KnowledgeGraph.version`).
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.version = self.kg.version
        self.ids: list[str] = list(self.kg.nodes)
        self.index: dict[str, int] = {node_id: i for i, node_id in enumerate(self.ids)}
        types = sorted({n.type for n in self.kg.nodes.values()})
        self.type_codes: dict[str, int] = {t: i for i, t in enumerate(types)}
        self.types = np.array([self.type_codes[self.kg.nodes[i].type] for i in self.ids], dtype=np.int32)
        self._matrices: dict[tuple[str | None, bool], sparse.csr_matrix] = {}
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]] | None = None

    def fresh(self) -> RelationMatrices:
        with self._lock:
            if self.version != self.kg.version:
                self._reset()
        return self

    def _edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
        """Every edge as (source index, target index, relation code), read from the KG once: a KG with hundreds
        of relations would otherwise be scanned once per relation and direction."""
        if self._arrays is None:
            codes: dict[str, int] = {}
            sources, targets, relations = [], [], []
            index = self.index
            for edge in self.kg.edges:
                if edge is None:
                    continue
                sources.append(index[edge.source])
                targets.append(index[edge.target])
                relations.append(codes.setdefault(edge.relation, len(codes)))
            self._arrays = (np.array(sources, dtype=np.int64), np.array(targets, dtype=np.int64),
                            np.array(relations, dtype=np.int64), codes)
        return self._arrays

    def matrix(self, relation: str | None, inverse: bool) -> sparse.csr_matrix:
        key = (relation, inverse)
        found = self._matrices.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._matrices:
                sources, targets, relations, codes = self._edge_arrays()
                if relation is not None:
                    keep = relations == codes.get(relation, -1)
                    sources, targets = sources[keep], targets[keep]
                rows, cols = (targets, sources) if inverse else (sources, targets)
                n = len(self.ids)
                data = np.ones(len(rows), dtype=np.float64)
                self._matrices[key] = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
            return self._matrices[key]


_MATRICES: dict[int, RelationMatrices] = {}
_MATRICES_LOCK = threading.Lock()


def relation_matrices(kg: KnowledgeGraph) -> RelationMatrices:
    """The (cached, per KG object) matrices of ``kg``."""
    with _MATRICES_LOCK:
        found = _MATRICES.get(id(kg))
        if found is None or found.kg is not kg:
            found = _MATRICES[id(kg)] = RelationMatrices(kg)
    return found.fresh()


def _expand(matrix: sparse.csr_matrix, rows: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step: the nodes reached from ``rows`` (weighted by ``counts``) and how many paths reach each."""
    starts, ends = matrix.indptr[rows], matrix.indptr[rows + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    # positions of every touched edge in `indices`, without a Python loop over the frontier
    block_starts = np.cumsum(lengths) - lengths
    positions = np.repeat(starts - block_starts, lengths) + np.arange(total)
    reached = matrix.indices[positions]
    weights = np.repeat(counts, lengths)
    nodes, inverse = np.unique(reached, return_inverse=True)
    return nodes, np.bincount(inverse, weights=weights, minlength=len(nodes))


@dataclass
class CountedWalk:
    """The nodes a relation path reaches from ``start``, with how many KG paths reach each.

    Attributes:
        counts: node id -> number of paths, most supported first (ties by id); the ``limit`` best when one
            was given.
        reached: How many nodes the walk reached (``len(counts)`` unless limited).
        edges_touched: Edges the walk went through (its cost).
    """

    kg: KnowledgeGraph
    start: str
    steps: tuple
    counts: dict[str, int]
    reached: int
    edges_touched: int
    _frontiers: list[tuple[np.ndarray, np.ndarray]]
    _levels: dict[int, dict[str, float]] | None = None

    def _level(self, i: int) -> dict[str, float]:
        """The nodes before step ``i`` with their path counts (built on first use: most walks never need it)."""
        if self._levels is None:
            self._levels = {}
        if i not in self._levels:
            ids = relation_matrices(self.kg).ids
            rows, counts = self._frontiers[i]
            self._levels[i] = {ids[r]: c for r, c in zip(rows.tolist(), counts.tolist(), strict=True)}
        return self._levels[i]

    def __len__(self) -> int:
        return len(self.counts)

    def __iter__(self) -> Iterator[str]:
        return iter(self.counts)

    def paths(self, node_id: str, keep: int = 3) -> list[tuple[Hop, ...]]:
        """Up to ``keep`` concrete KG paths from the start to ``node_id`` (best-supported middles first)."""
        out: list[tuple[Hop, ...]] = []
        if node_id not in self.counts:
            return out

        def back(level: int, node: str, suffix: tuple[Hop, ...]) -> None:
            if len(out) >= keep:
                return
            if level < 0:
                out.append(suffix)
                return
            step = self.steps[level]
            relation = None if step.relation == WILDCARD else step.relation
            previous = self._level(level)  # nodes before this step, with their path counts
            options = []
            for idx in self.kg.edge_ids(node, relation, inverse=not step.inverse):
                edge = self.kg.edges[idx]
                before = edge.target if step.inverse else edge.source
                if before in previous:
                    options.append((-previous[before], before, edge))
            options.sort(key=lambda o: (o[0], o[1]))
            for _, before, edge in options:
                back(level - 1, before, (Hop(edge, node, step.inverse), *suffix))
                if len(out) >= keep:
                    return

        back(len(self.steps) - 1, node_id, ())
        return out


def count_walk(kg: KnowledgeGraph, start: str, steps: Sequence, end_type: str | None = None,
               limit: int | None = None) -> CountedWalk:
    """Follow ``steps`` (each with ``relation`` and ``inverse``) from ``start``, counting paths per node;
    with ``limit``, only the ``limit`` most supported nodes are returned (``reached`` says how many there were).

    Later steps never return to ``start`` ("films sharing a director with Jaws" excludes Jaws itself).
    """
    m = relation_matrices(kg)
    steps = tuple(steps)
    begin = m.index[start]
    rows, counts = np.array([begin], dtype=np.int64), np.array([1.0])
    frontiers: list[tuple[np.ndarray, np.ndarray]] = []
    touched = 0
    for i, step in enumerate(steps):
        frontiers.append((rows, counts))
        matrix = m.matrix(None if step.relation == WILDCARD else step.relation, step.inverse)
        touched += int((matrix.indptr[rows + 1] - matrix.indptr[rows]).sum())
        rows, counts = _expand(matrix, rows, counts)
        keep = np.ones(len(rows), dtype=bool)
        if i > 0:
            keep &= rows != begin
        if i == len(steps) - 1 and end_type is not None:
            code = m.type_codes.get(end_type, -1)
            keep &= m.types[rows] == code
        rows, counts = rows[keep], counts[keep]
        if not len(rows):
            break
    if limit is not None and len(rows) > limit:
        best = np.argpartition(-counts, limit - 1)[:limit]
        reached, rows, counts = len(rows), rows[best], counts[best]
    else:
        reached = len(rows)
    ids = m.ids
    order = np.argsort(-counts, kind="stable")  # ties keep the KG's node order: deterministic
    result = {ids[r]: int(c) for r, c in zip(rows[order].tolist(), counts[order].tolist(), strict=True)}
    return CountedWalk(kg, start, steps, result, reached, touched, frontiers)
