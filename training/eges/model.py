"""EGES (Wang et al., 2018, "Billion-scale commodity embedding for e-commerce recommendation in Alibaba").

An item's vector is a weighted sum of its own embedding and one embedding per side-information type
(a type with several values, e.g. tags, averages their embeddings). The weights are learned per item
and per type, ``softmax(a_i)`` over the types the item has (the paper uses ``exp(a_ij) / sum_j exp(a_ij)``).
Trained as skip-gram with negative sampling over random walks; the context side has its own table.

A cold-start item has no own embedding and no learned weights: its vector is the side-information
part only, each type weighted by the mean of the learned (renormalised) weights over known items.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class EgesSettings:
    """Everything that decides an EGES training run.

    Attributes:
        dim: Embedding width.
        walks_per_item: Random walks started from every item.
        walk_length: Items per walk.
        window: Skip-gram window (items on each side).
        negatives: Negative items per positive pair (drawn by frequency^0.75).
        epochs: Passes over the skip-gram pairs.
        batch_size: Pairs per optimizer step.
        learning_rate: Adam learning rate.
        max_pairs: Cap on skip-gram pairs per epoch (a seeded sample), for the CPU budget.
        seed: Seed of walks, sampling and weights.
    """

    dim: int = 64
    walks_per_item: int = 10
    walk_length: int = 10
    window: int = 3
    negatives: int = 5
    epochs: int = 3
    batch_size: int = 2048
    learning_rate: float = 0.01
    max_pairs: int | None = 2_000_000
    seed: int = 0

    def validate(self) -> None:
        """Raise ``ValueError`` on a setting that cannot work."""
        for name in ("dim", "walks_per_item", "walk_length", "window", "negatives", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.walk_length < 2:
            raise ValueError("walk-length must be at least 2")
        if not self.learning_rate > 0:
            raise ValueError(f"learning-rate must be positive, got {self.learning_rate}")


class EGES(nn.Module):
    """Item and side-information embeddings with per-item weights over them.

    Args:
        num_items: Items with an own embedding.
        vocab_sizes: Number of values of each side-information type, in a fixed type order.
        side_index: One ``(num_items, max values)`` long tensor per type: value rows, ``-1`` padding.
        dim: Embedding width.
    """

    def __init__(self, num_items: int, vocab_sizes: list[int], side_index: list[torch.Tensor], dim: int = 64) -> None:
        super().__init__()
        self.item = nn.Embedding(num_items, dim)
        self.side = nn.ModuleList(nn.Embedding(n + 1, dim, padding_idx=n) for n in vocab_sizes)  # last row: padding
        self.context = nn.Embedding(num_items, dim)
        self.weights = nn.Embedding(num_items, 1 + len(vocab_sizes))  # a_ij: own embedding, then each type
        for table in (self.item, *self.side):
            nn.init.normal_(table.weight, std=0.1)
        nn.init.zeros_(self.context.weight)
        nn.init.zeros_(self.weights.weight)
        with torch.no_grad():
            for table in self.side:
                table.weight[-1].zero_()
        for t, index in enumerate(side_index):
            self.register_buffer(f"side_index_{t}", torch.where(index < 0, vocab_sizes[t], index))

    @property
    def num_types(self) -> int:
        return len(self.side)

    def side_vectors(self, t: int, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean embedding of each row of value indices (padding = the type's last row) and whether any."""
        pad = self.side[t].num_embeddings - 1
        present = (index != pad).float()
        count = present.sum(-1, keepdim=True)
        vectors = self.side[t](index).sum(-2) / count.clamp_min(1)
        return vectors, count.squeeze(-1) > 0

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        """The aggregated vectors ``H`` of item rows ``items``."""
        parts = [self.item(items)]
        masks = [torch.ones(items.shape, dtype=torch.bool, device=items.device)]
        for t in range(self.num_types):
            vec, has = self.side_vectors(t, getattr(self, f"side_index_{t}")[items])
            parts.append(vec)
            masks.append(has)
        stacked = torch.stack(parts, dim=-2)  # (..., 1 + types, dim)
        logits = self.weights(items).masked_fill(~torch.stack(masks, dim=-1), float("-inf"))
        return (torch.softmax(logits, dim=-1).unsqueeze(-1) * stacked).sum(-2)

    @torch.no_grad()
    def type_weights(self) -> torch.Tensor:
        """Mean softmax weight of each side-information type over items that have it (own embedding excluded)."""
        weights = []
        for t in range(self.num_types):
            index = getattr(self, f"side_index_{t}")
            _, has = self.side_vectors(t, index)
            w = torch.softmax(self.weights.weight, dim=-1)[:, 1 + t]
            weights.append(w[has].mean() if has.any() else torch.tensor(0.0))
        return torch.stack(weights)

    @torch.no_grad()
    def cold_start(self, side_rows: list[list[int]]) -> torch.Tensor:
        """The side-information-only vector of a new item: ``side_rows[t]`` are its value rows of type ``t``."""
        type_w = self.type_weights()
        parts, weights = [], []
        for t, rows in enumerate(side_rows):
            if rows:
                parts.append(self.side[t].weight[torch.tensor(rows)].mean(0))
                weights.append(type_w[t])
        if not parts:
            raise ValueError("a cold-start item needs at least one known side-information value")
        w = torch.stack(weights)
        return (torch.stack(parts) * (w / w.sum()).unsqueeze(-1)).sum(0)
