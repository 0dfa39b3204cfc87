"""A trained GraphSAGE model as an encoder the indexer can use (``encode_nodes`` gives graph-side vectors).

``kgqa index --encoder graphsage-text --checkpoint DIR`` (or ``graphsage-free``) fills that encoder's
Chroma collections with GraphSAGE node vectors. The text variant is inductive: a node added after
training embeds from its text and its ``layers``-hop neighbourhood (a ``k_hop_subgraph``), and a
free-text query embeds as a node with no neighbours. The no-text variant only knows its training nodes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from assistant.kg import KnowledgeGraph
from training.graphsage.model import SageLinkModel


class SageNodeEncoder:
    """Encoder interface (``name``, ``dim``, ``model_id``, ``checkpoint``, ``encode``, ``encode_nodes``).

    Args:
        model: The trained model.
        config: Its checkpoint config (settings, node ids).
        train_pairs: ``(2, P)`` training pairs (the graph the free variant's vectors come from).
        checkpoint: The checkpoint folder.
        text_encoder: Sentence encoder for the text variant (loaded on first use when ``None``).
    """

    def __init__(self, model: SageLinkModel, config: dict, train_pairs: torch.Tensor, checkpoint: Path | None = None,
                 text_encoder=None) -> None:
        self.model = model.eval()
        self.config = config
        self.variant = config["settings"]["variant"]
        self.name = f"graphsage-{self.variant}"
        self.dim = int(config["settings"]["dim"])
        self.node_ids: list[str] = list(config["node_ids"])
        self.row = {n: i for i, n in enumerate(self.node_ids)}
        self.train_pairs = train_pairs
        self._checkpoint = checkpoint
        self._text_encoder = text_encoder
        self._free_vectors: np.ndarray | None = None

    @property
    def model_id(self) -> str:
        return f"{self.name}:{self._checkpoint or 'memory'}"

    @property
    def checkpoint(self) -> str | None:
        return str(self._checkpoint) if self._checkpoint else None

    def _sentences(self):
        if self._text_encoder is None:
            from training.text_encoder import load_text_encoder as load_encoder

            self._text_encoder = load_encoder(self.config["settings"].get("text_encoder", "base"))
        return self._text_encoder

    @torch.no_grad()
    def encode(self, texts: list[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Query vectors: the text variant embeds each text as a node without neighbours.

        Raises:
            ValueError: The no-text variant, which has no text side.
        """
        if self.variant != "text":
            raise ValueError("graphsage-free has no text side: search it with a node's vector "
                             "(similar nodes), or use graphsage-text")
        x = torch.from_numpy(self._sentences().encode(texts, batch_size=batch_size, progress=progress))
        z = self.model(torch.empty(2, 0, dtype=torch.long), x)
        return torch.nn.functional.normalize(z, dim=-1).numpy().astype(np.float32)

    @torch.no_grad()
    def encode_nodes(self, kg: KnowledgeGraph, ids: list[str], texts: list[str]) -> np.ndarray:
        """L2-normalised GraphSAGE vectors of nodes ``ids`` of ``kg``.

        Args:
            kg: The (possibly updated) knowledge graph the nodes belong to.
            ids: Node ids to embed.
            texts: Their index texts (used by the text variant for these nodes).

        Raises:
            ValueError: The no-text variant was asked for a node it was not trained on.
        """
        if not ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.variant != "text":
            unknown = [n for n in ids if n not in self.row]
            if unknown:
                raise ValueError(f"graphsage-free is transductive: {len(unknown)} node(s) it was not trained on "
                                 f"(e.g. {unknown[0]!r}); retrain it or use graphsage-text")
            if self._free_vectors is None:
                edges = torch.cat([self.train_pairs, self.train_pairs.flip(0)], dim=1)
                z = self.model(edges)
                self._free_vectors = torch.nn.functional.normalize(z, dim=-1).numpy().astype(np.float32)
            return self._free_vectors[[self.row[n] for n in ids]]
        return self._encode_inductive(kg, ids, texts)

    def _encode_inductive(self, kg: KnowledgeGraph, ids: list[str], texts: list[str]) -> np.ndarray:
        from torch_geometric.utils import k_hop_subgraph

        from assistant.kg.node_text import node_text

        node_ids = sorted(kg.nodes)
        row = {n: i for i, n in enumerate(node_ids)}
        pairs = [(row[e.source], row[e.target]) for e in kg.iter_edges()
                 if e.source != e.target and e.source in row and e.target in row]
        edges = torch.tensor(pairs, dtype=torch.long).reshape(-1, 2).T
        edges = torch.cat([edges, edges.flip(0)], dim=1)
        targets = torch.tensor([row[n] for n in ids], dtype=torch.long)
        subset, sub_edges, mapping, _ = k_hop_subgraph(targets, len(self.model.convs), edges, relabel_nodes=True,
                                                       num_nodes=len(node_ids))
        given = dict(zip(ids, texts, strict=True))
        by_name = self.config["settings"].get("text_source") == "name"
        text_of = lambda n: kg.nodes[n].name if by_name else given.get(n) or node_text(kg, kg.nodes[n])  # noqa: E731
        sub_texts = [text_of(node_ids[i]) for i in subset.tolist()]
        x = torch.from_numpy(self._sentences().encode(sub_texts))
        z = self.model(sub_edges, x)[mapping]
        return torch.nn.functional.normalize(z, dim=-1).numpy().astype(np.float32)


def load_sage_encoder(name: str, path: Path | None, device: str | None = None) -> SageNodeEncoder:
    """``retrieval.encoders`` loader for ``graphsage-free`` / ``graphsage-text`` checkpoints."""
    from training.graphsage.train import load_sage
    from training.text_encoder import EncoderUnavailable

    if path is None:
        raise EncoderUnavailable(f"encoder {name!r} needs a checkpoint folder (train it with `kgqa train sage`)")
    try:
        model, config, pairs = load_sage(path)
    except ValueError as exc:
        raise EncoderUnavailable(str(exc)) from None
    encoder = SageNodeEncoder(model, config, pairs, Path(path))
    if encoder.name != name:
        raise EncoderUnavailable(f"{path} holds a {encoder.name} model, not {name}")
    return encoder
