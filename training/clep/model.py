"""The CLEP model: a graph tower g(head, relation), a text tower t(description) and the symmetric contrastive loss.

The graph tower embeds the head entity and the relation (reciprocal relations included, so heads are
predicted too), optionally refines entity states with one full-batch relational layer (R-GCN), and maps
``[e_h, e_r, e_h * e_r]`` through an MLP into the shared space; the elementwise product gives the MLP a
DistMult-like interaction term for free. The text tower maps frozen SBERT embeddings of the tail's text
through its own MLP. Both outputs are L2-normalised; logits are cosines scaled by ``e^τ`` (τ learnable,
clamped as in CLIP).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

MAX_LOGIT_SCALE = 100.0  # CLIP's clamp: e^τ above 100 makes training unstable


@dataclass
class ClepConfig:
    """Shape of a CLEP model.

    Attributes:
        num_entities: Rows of the entity table.
        num_relations: Rows of the relation table (reciprocals included).
        text_dim: Width of the frozen text embeddings.
        embedding_dim: Width of entity and relation embeddings.
        hidden_dim: Hidden width of both projection MLPs.
        output_dim: Width of the shared space.
        dropout: Dropout inside the MLPs.
        graph_layer: ``"none"`` or ``"rgcn"`` (one full-batch R-GCN layer over the training graph).
        num_bases: Basis matrices of the R-GCN layer.
        init_temperature: Initial ``1 / e^τ``.
        head_text: Add a linear map of the head entity's frozen text embedding to its graph state (a
            text-enhanced graph tower; the table is then a residual on top of what the text says).
    """

    num_entities: int
    num_relations: int
    text_dim: int
    embedding_dim: int = 256
    hidden_dim: int = 512
    output_dim: int = 256
    dropout: float = 0.1
    graph_layer: str = "none"
    num_bases: int = 8
    init_temperature: float = 0.07
    head_text: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _mlp(inp: int, hidden: int, out: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inp, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, out))


class ClepModel(nn.Module):
    """Graph and text towers projecting into one space."""

    def __init__(self, config: ClepConfig) -> None:
        super().__init__()
        if config.graph_layer not in ("none", "rgcn"):
            raise ValueError(f"graph_layer must be 'none' or 'rgcn', got {config.graph_layer!r}")
        self.config = config
        self.entity = nn.Embedding(config.num_entities, config.embedding_dim)
        self.relation = nn.Embedding(config.num_relations, config.embedding_dim)
        nn.init.normal_(self.entity.weight, std=config.embedding_dim ** -0.5)
        nn.init.normal_(self.relation.weight, std=config.embedding_dim ** -0.5)
        self.rgcn = None
        if config.graph_layer == "rgcn":
            from torch_geometric.nn import RGCNConv

            self.rgcn = RGCNConv(config.embedding_dim, config.embedding_dim, config.num_relations,
                                 num_bases=config.num_bases)
        self.graph_proj = _mlp(3 * config.embedding_dim, config.hidden_dim, config.output_dim, config.dropout)
        self.text_proj = _mlp(config.text_dim, config.hidden_dim, config.output_dim, config.dropout)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.init_temperature)))
        self.head_text = None
        if config.head_text:
            self.head_text = nn.Linear(config.text_dim, config.embedding_dim, bias=False)
            # each entity's frozen text embedding; saved with the weights so inference needs no encoder
            self.register_buffer("entity_text", torch.zeros(config.num_entities, config.text_dim))
        # the training graph for the R-GCN layer; set with set_graph (not a parameter, not saved)
        self.edge_index: Tensor | None = None
        self.edge_type: Tensor | None = None

    def set_graph(self, triples: Tensor) -> None:
        """Give the R-GCN layer its message-passing graph (``(n, 3)`` head, relation, tail rows)."""
        self.edge_index = triples[:, [0, 2]].t().contiguous()
        self.edge_type = triples[:, 1].contiguous()

    def entity_states(self) -> Tensor:
        """Entity vectors fed to the graph MLP: the table, refined by the R-GCN layer when there is one."""
        table = self.entity.weight
        if self.head_text is not None:
            table = table + self.head_text(self.entity_text)
        if self.rgcn is None:
            return table
        if self.edge_index is None:
            raise RuntimeError("the R-GCN layer needs the training graph: call set_graph first")
        return table + self.rgcn(table, self.edge_index, self.edge_type)

    def graph(self, heads: Tensor, relations: Tensor, states: Tensor | None = None) -> Tensor:
        """Normalised g(h, r) for index tensors ``heads`` and ``relations``."""
        if states is None and self.rgcn is None:  # only the batch's rows: no full-table pass per step
            e = self.entity(heads)
            if self.head_text is not None:
                e = e + self.head_text(self.entity_text[heads])
        else:
            e = (self.entity_states() if states is None else states)[heads]
        r = self.relation(relations)
        return F.normalize(self.graph_proj(torch.cat([e, r, e * r], dim=-1)), dim=-1)

    def text(self, features: Tensor) -> Tensor:
        """Normalised t(d) for frozen text embeddings ``features``."""
        return F.normalize(self.text_proj(features), dim=-1)

    def scale(self) -> Tensor:
        return self.logit_scale.exp().clamp(max=MAX_LOGIT_SCALE)


def contrastive_loss(graph: Tensor, text: Tensor, scale: Tensor, text_ids: Tensor,
                     query_ids: Tensor | None = None, extra_mask: Tensor | None = None) -> Tensor:
    """½(CE(M) + CE(Mᵀ)) over a batch, with false negatives masked out.

    Args:
        graph: ``(B, d)`` normalised graph vectors; row ``i`` matches text ``i``.
        text: ``(B, d)`` normalised text vectors.
        scale: The logit scale ``e^τ``.
        text_ids: ``(B,)`` id of each row's text; rows sharing a text (same tail, or tails with one
            description) are not negatives of each other.
        query_ids: ``(B,)`` optional id of each row's (head, relation); rows asking the same query have
            identical graph vectors, so they are not negatives of each other in ``Mᵀ`` either.
        extra_mask: ``(B, B)`` optional bool, True where ``(query i, text j)`` is known to be true.

    Returns:
        The scalar loss.
    """
    logits = scale * graph @ text.t()
    mask = text_ids[:, None] == text_ids[None, :]
    if query_ids is not None:
        mask |= query_ids[:, None] == query_ids[None, :]
    if extra_mask is not None:
        mask |= extra_mask
    mask.fill_diagonal_(False)
    logits = logits.masked_fill(mask, float("-inf"))
    labels = torch.arange(len(logits), device=logits.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))
