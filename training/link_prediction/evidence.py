"""Neighbourhood evidence for a predicted edge: does the candidate do ``r`` to entities like this one?

A KGE score blurs the strongest signal for a missing credit: "who shot X?" is most often answered by
the cinematographer of the films most like X (same director, same cast). Four features make that explicit
for a triple ``(h, r, t)``, read both ways so that they are the same however the edge was found:

- ``tail side``: ``sum over t' in tails_r(h) of sim(t, t')``, how much ``t`` resembles what ``h`` already
  does ``r`` to (h directed films like t);
- ``head side``: ``sum over h' in heads_r(t) of sim(h, h')``, how much ``h`` resembles what already does
  ``r`` to ``t``;
- as priors, how many ``r`` edges ``h`` has and how many ``t`` has (a prolific director directed this
  one too more likely than someone who never directed);

where ``sim`` is the Adamic-Adar similarity of two entities over the stated graph (every relation, both
directions; a shared neighbour ``p`` counts ``1 / log(2 + degree(p))``, and neighbours of more than
``hub_degree`` edges count nothing, so "English" or "Drama" neither dominate nor make it slow). It is
item-based collaborative filtering over the KG, computed with sparse matrix products (scipy):
``sim(x, .) = A @ (w * A[x])``. For the query ``(?, r, x)`` the tail-side feature of every head at once is
``R_r @ sim(x, .)``, and for ``(h, r, ?)`` the head-side feature of every tail is ``R_r^T @ sim(h, .)``, so
they also propose candidates the KGE's top list misses.

The graph is the one the model was trained on (saved with it as its known triples), so features of
held-out calibration edges never see the edge itself.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse

#: Neighbours with more edges than this lend no similarity (and are not expanded).
HUB_DEGREE = 500


class GraphEvidence:
    """Sparse adjacency of a predictor's training graph and the two neighbourhood features.

    Args:
        rows: ``(n, 3)`` (head row, relation row, tail row) of the stated triples.
        num_entities: Entity rows.
        num_relations: Relations (forward rows only).
        hub_degree: See :data:`HUB_DEGREE`.
    """

    def __init__(self, rows: torch.Tensor | np.ndarray, num_entities: int, num_relations: int,
                 hub_degree: int = HUB_DEGREE) -> None:
        rows = np.asarray(rows.numpy() if isinstance(rows, torch.Tensor) else rows, dtype=np.int64).reshape(-1, 3)
        n = num_entities
        h, r, t = rows[:, 0], rows[:, 1], rows[:, 2]
        ones = np.ones(len(rows), dtype=np.float32)
        adjacency = sparse.coo_matrix((np.concatenate([ones, ones]), (np.concatenate([h, t]), np.concatenate([t, h]))),
                                      shape=(n, n)).tocsr()
        adjacency.data[:] = 1.0  # parallel edges count once
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
        weight = np.where(degree > hub_degree, 0.0, 1.0 / np.log(2.0 + degree)).astype(np.float32)
        self.adjacency = adjacency
        self.weighted = (adjacency @ sparse.diags(weight)).tocsr()  # A[x] * w: a row of shared-neighbour weights
        self.by_relation: list[sparse.csr_matrix] = []
        for rel in range(num_relations):
            mask = r == rel
            m = sparse.coo_matrix((ones[mask], (h[mask], t[mask])), shape=(n, n)).tocsr()
            m.data[:] = 1.0
            self.by_relation.append(m)
        self.by_relation_t = [m.T.tocsr() for m in self.by_relation]
        #: per relation: how many r-tails each entity has (as a head) and how many r-heads (as a tail)
        self.out_degree = [np.asarray(m.sum(axis=1)).ravel() for m in self.by_relation]
        self.in_degree = [np.asarray(m.sum(axis=0)).ravel() for m in self.by_relation]

    def similarity(self, anchors: np.ndarray) -> sparse.csr_matrix:
        """``(n, len(anchors))``: Adamic-Adar similarity of every entity to each anchor."""
        return (self.adjacency @ self.weighted[anchors].T).tocsr()

    def all_candidates(self, anchors: np.ndarray, relation: int, inverse: bool) -> np.ndarray:
        """``(len(anchors), n)`` dense: the evidence of every entity as the answer to each anchor's query.

        ``inverse`` (``(?, r, x)``, candidates are heads): the tail-side feature; else (``(h, r, ?)``): the
        head-side feature.
        """
        sim = self.similarity(np.asarray(anchors, dtype=np.int64))
        spread = self.by_relation[relation] if inverse else self.by_relation_t[relation]
        return np.asarray((spread @ sim).T.todense(), dtype=np.float64)

    def pair_features(self, heads: np.ndarray, relation: np.ndarray | int, tails: np.ndarray) -> np.ndarray:
        """``(len(heads), 4)``: ``[tail side, head side, r-tails of h, r-heads of t]`` of each triple ``(h, r, t)``
        (the last two: how much ``h`` does ``r`` at all, and how many things already do ``r`` to ``t``)."""
        heads, tails = np.asarray(heads, dtype=np.int64), np.asarray(tails, dtype=np.int64)
        relations = np.broadcast_to(np.asarray(relation, dtype=np.int64), heads.shape)
        out = np.zeros((len(heads), 4))
        for rel in np.unique(relations):
            idx = np.nonzero(relations == rel)[0]
            forward, backward = self.by_relation[rel], self.by_relation_t[rel]
            # each distinct head / tail once (a query's candidates share their anchor)
            uh, ih = np.unique(heads[idx], return_inverse=True)
            ut, it = np.unique(tails[idx], return_inverse=True)
            # tail side: rows of sim(t, .) summed over h's r-tails = A_w[t] . (A @ 1[tails_r(h)])
            profile_h = (forward[uh] @ self.adjacency).tocsr()[ih]  # per h, neighbours of its r-tails
            tail_side = np.asarray(self.weighted[ut].tocsr()[it].multiply(profile_h).sum(axis=1)).ravel()
            profile_t = (backward[ut] @ self.adjacency).tocsr()[it]  # per t, neighbours of its r-heads
            head_side = np.asarray(self.weighted[uh].tocsr()[ih].multiply(profile_t).sum(axis=1)).ravel()
            out[idx, 0], out[idx, 1] = tail_side, head_side
            out[idx, 2], out[idx, 3] = self.out_degree[rel][heads[idx]], self.in_degree[rel][tails[idx]]
        return out
