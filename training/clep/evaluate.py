"""Cross-space link prediction: rank every entity's text vector against g(h, r), filtered MR / MRR / Hits@k.

The ranking itself is :func:`training.link_prediction.evaluation.evaluate_filtered`; this module only
adapts a CLEP model to the predictor interface it expects (``score_all_tails`` / ``score_all_heads``).
Head prediction ``(?, r, t)`` is tail prediction with the reciprocal relation: g(t, r⁻¹) against texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch import Tensor

from training.link_prediction.base import UnknownIdError
from training.link_prediction.data import Triple
from training.link_prediction.evaluation import evaluate_filtered


class CrossSpaceRanker:
    """Scores ``cos(g(h, r), t(d(e)))`` for every entity ``e``.

    Args:
        model: A trained :class:`~training.clep.model.ClepModel` (put in eval mode here).
        entity_ids: Node ids in row order.
        relation_ids: Relation names (without reciprocals).
        entity_text_vectors: ``(num_entities, d)`` normalised text-tower vectors of each entity.
        states: Entity states to feed the graph tower (``None``: the model computes them).
    """

    def __init__(self, model, entity_ids: Sequence[str], relation_ids: Sequence[str],
                 entity_text_vectors: Tensor, states: Tensor | None = None) -> None:
        self.model = model.eval()
        self.entity_ids = list(entity_ids)
        self.relation_ids = list(relation_ids)
        self.entity_index = {e: i for i, e in enumerate(self.entity_ids)}
        self.relation_index = {r: i for i, r in enumerate(self.relation_ids)}
        self.entity_embeddings = entity_text_vectors  # the name evaluate_filtered reads the device from
        with torch.no_grad():
            self.states = model.entity_states() if states is None else states

    @property
    def num_entities(self) -> int:
        return len(self.entity_ids)

    def entity_rows(self, ids: Iterable[str]) -> Tensor:
        try:
            return torch.as_tensor([self.entity_index[i] for i in ids], dtype=torch.long)
        except KeyError as exc:
            raise UnknownIdError(f"entity {exc.args[0]!r} is unknown to this CLEP model") from None

    def relation_rows(self, ids: Iterable[str]) -> Tensor:
        try:
            return torch.as_tensor([self.relation_index[r] for r in ids], dtype=torch.long)
        except KeyError as exc:
            raise UnknownIdError(f"relation {exc.args[0]!r} is unknown to this CLEP model") from None

    @torch.no_grad()
    def score_all_tails(self, heads: Tensor, relations: Tensor) -> Tensor:
        return self.model.graph(heads, relations, self.states) @ self.entity_embeddings.t()

    @torch.no_grad()
    def score_all_heads(self, relations: Tensor, tails: Tensor) -> Tensor:
        return self.score_all_tails(tails, relations + len(self.relation_ids))


def evaluate_cross_space(ranker: CrossSpaceRanker, test: Sequence[Triple], known: Iterable[Triple],
                         batch_size: int = 512, sample: int | None = None, seed: int = 0) -> dict:
    """Filtered metrics of ``ranker`` on ``test`` (optionally a seeded sample of it, for quick validation)."""
    test = list(test)
    if sample is not None and len(test) > sample:
        rows = np.random.default_rng(seed).choice(len(test), sample, replace=False)
        test = [test[i] for i in sorted(rows)]
    return evaluate_filtered(ranker, test, known, batch_size)
