"""Dense search over the index: typed nearest nodes for a text."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from retrieval.encoders import Encoder
from retrieval.index import Index, RemoteIndex
from retrieval.store import ChromaStore


@dataclass(frozen=True, slots=True)
class DenseHit:
    node_id: str
    name: str
    type: str
    score: float
    encoder: str

    def to_dict(self) -> dict:
        return asdict(self)


class DenseSearcher:
    """Queries one encoder's collections: the target type's alone, or all of them merged."""

    def __init__(self, index: Index | RemoteIndex, encoder: Encoder, store: ChromaStore | None = None) -> None:
        self.index = index
        self.encoder = encoder
        self.store = store or index.open_store()
        entry = index.manifest().get("encoders", {}).get(encoder.name)
        if entry is None:
            raise KeyError(f"the index at {index.root} has no collections for encoder {encoder.name!r}; "
                           f"run `kgqa index --encoder {encoder.name}`")
        self.node_types: list[str] = entry["node_types"]

    def search(self, text: str, node_type: str | None = None, k: int = 10) -> list[DenseHit]:
        vector = self.encoder.encode([text])[0]
        return self.search_vector(vector, node_type, k)

    def search_vector(self, vector, node_type: str | None = None, k: int = 10) -> list[DenseHit]:
        if node_type is not None and node_type not in self.node_types:
            raise ValueError(f"unknown node type {node_type!r}; this KG has {', '.join(self.node_types)}")
        types = [node_type] if node_type else self.node_types
        hits = []
        for t in types:
            for h in self.store.query(self.store.collection(self.encoder.name, t), vector, k):
                hits.append(DenseHit(h.id, h.metadata.get("name", h.id), t, h.score, self.encoder.name))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]

    def similarities(self, vector: np.ndarray, ids_by_type: dict[str, list[str]]) -> dict[str, float]:
        """Cosine similarity of ``vector`` to given nodes' stored vectors (graph candidates that the
        nearest-neighbour search did not return still get a dense score)."""
        out: dict[str, float] = {}
        for node_type, ids in ids_by_type.items():
            if node_type not in self.node_types:
                continue
            for node_id, vec in self.store.vectors(self.store.collection(self.encoder.name, node_type), ids).items():
                out[node_id] = float(np.dot(vec, vector))
        return out

    def similar(self, node_id: str, node_type: str, target_type: str | None = None, k: int = 10) -> list[DenseHit]:
        """Nodes nearest to a node's own stored vector (the node itself excluded)."""
        vector = self.store.vector(self.store.collection(self.encoder.name, node_type), node_id)
        if vector is None:
            raise KeyError(f"{node_id!r} is not in the {node_type} collection of encoder {self.encoder.name!r}")
        hits = self.search_vector(vector, target_type or node_type, k + 1)
        return [h for h in hits if h.node_id != node_id][:k]
