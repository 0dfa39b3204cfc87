"""GraphSAGE link model (PyG ``SAGEConv``): node vectors whose dot product says whether two nodes are linked.

Two inputs, as in the seed experiments:

* ``"free"`` (experiment I): a learnable embedding per node, no text. Transductive: only the nodes
  seen in training have a vector.
* ``"text"`` (experiment II): each node's SBERT text embedding is the input feature and the layers
  learn a transformation of it and of the neighbours' features. Inductive: a node never seen in
  training embeds from its text and its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

VARIANTS = ("free", "text")


@dataclass
class SageSettings:
    """Everything that decides a GraphSAGE training run.

    Attributes:
        variant: ``"free"`` (learnable node embeddings) or ``"text"`` (SBERT features).
        dim: Width of the hidden layer and of the output vectors (the seed uses 128).
        layers: ``SAGEConv`` layers (neighbourhood radius).
        epochs: Full-batch passes (one optimizer step each).
        learning_rate: Adam learning rate.
        dropout: Dropout between layers.
        negatives: Negative (random) edges per positive edge.
        holdout: Share of the graph's edges held out for evaluation.
        seed: Seed of the split, the weights and the negatives.
        device: ``"cpu"`` or ``"cuda"``.
        eval_queries: Held-out edges ranked for MRR (a seeded sample; ``AUC`` uses them all).
        text_encoder: Sentence encoder name for the text variant (``retrieval.encoders.load_encoder``).
        text_source: ``"index"`` (the node's full index text) or ``"name"`` (its name only: about 5x
            cheaper to encode on a CPU, for large graphs).
    """

    variant: str = "free"
    dim: int = 128
    layers: int = 2
    epochs: int = 100
    learning_rate: float = 0.01
    dropout: float = 0.2
    negatives: int = 1
    holdout: float = 0.1
    seed: int = 0
    device: str = "cpu"
    eval_queries: int = 2000
    text_encoder: str = "base"
    text_source: str = "index"

    def validate(self) -> None:
        """Raise ``ValueError`` on a setting that cannot work."""
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        for name in ("dim", "layers", "epochs", "negatives", "eval_queries"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.holdout <= 0.5:
            raise ValueError(f"holdout must be between 0 and 0.5, got {self.holdout}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.text_source not in ("index", "name"):
            raise ValueError(f"text-source must be 'index' or 'name', got {self.text_source!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning-rate must be positive, got {self.learning_rate}")


class SageLinkModel(nn.Module):
    """``SAGEConv`` layers over either learnable node embeddings or given input features.

    Args:
        num_nodes: Nodes with a learnable embedding (``free`` variant); ignored when ``in_dim`` is set.
        dim: Hidden and output width.
        layers: Number of ``SAGEConv`` layers.
        in_dim: Width of the input features (``text`` variant); ``None`` for learnable embeddings.
        dropout: Dropout between layers.
    """

    def __init__(self, num_nodes: int, dim: int = 128, layers: int = 2, in_dim: int | None = None,
                 dropout: float = 0.2) -> None:
        from torch_geometric.nn import SAGEConv

        super().__init__()
        self.embedding = nn.Embedding(num_nodes, dim) if in_dim is None else None
        if self.embedding is not None:
            nn.init.normal_(self.embedding.weight, std=0.1)
        widths = [in_dim or dim] + [dim] * layers
        self.convs = nn.ModuleList(SAGEConv(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True))
        self.dropout = nn.Dropout(dropout)

    def forward(self, edge_index: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """Node vectors ``(num_nodes, dim)`` from the graph ``edge_index`` (both directions listed).

        Args:
            edge_index: ``(2, E)`` message-passing edges.
            x: Input features (``text`` variant); ``None`` uses the learnable embeddings.
        """
        if x is None:
            if self.embedding is None:
                raise ValueError("this GraphSAGE model reads text features: pass x")
            x = self.embedding.weight
        for i, conv in enumerate(self.convs):
            x = conv(x, edge_index)
            if i < len(self.convs) - 1:
                x = self.dropout(torch.relu(x))
        return x

    @staticmethod
    def score(z: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """Logits of node pairs ``(2, P)``: the dot product of their vectors."""
        return (z[pairs[0]] * z[pairs[1]]).sum(-1)
