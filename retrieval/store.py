"""The vector store: one small interface, two Chroma backends (embedded folder or server).

Collections are named ``{encoder}__{node type}``: one per encoder and node type, because a
``where`` filter costs about 15x an unfiltered query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import set_offline

BATCH = 5000  # Chroma rejects larger batches


@dataclass(frozen=True, slots=True)
class StoreHit:
    id: str
    score: float  # cosine similarity
    metadata: dict


def collection_name(encoder: str, node_type: str) -> str:
    """Chroma-safe name: ``[a-zA-Z0-9._-]``, 3-512 chars, alphanumeric at both ends."""
    raw = f"{encoder}__{node_type}"
    safe = re.sub(r"[^a-zA-Z0-9._-]", "-", raw).strip("-._")
    return safe if len(safe) >= 3 else f"c-{safe}-x"


class VectorStore(Protocol):
    def upsert(self, collection: str, ids: list[str], embeddings: np.ndarray, metadatas: list[dict]) -> None: ...
    def delete(self, collection: str, ids: list[str]) -> None: ...
    def query(self, collection: str, embedding: np.ndarray, k: int) -> list[StoreHit]: ...
    def metadata_of(self, collection: str, ids: list[str]) -> dict[str, dict]: ...
    def vector(self, collection: str, item_id: str) -> np.ndarray | None: ...
    def vectors(self, collection: str, ids: list[str]) -> dict[str, np.ndarray]: ...
    def metadata(self, collection: str) -> dict[str, dict]: ...
    def items(self, collection: str) -> Iterator[tuple[list[str], np.ndarray, list[dict]]]: ...
    def collections(self) -> list[str]: ...
    def count(self, collection: str) -> int: ...
    def collection(self, encoder: str, node_type: str) -> str: ...
    def read_manifest(self) -> dict: ...
    def write_manifest(self, manifest: dict) -> None: ...


class ChromaStore:
    """Chroma behind :class:`VectorStore`. Never lets Chroma embed: ``embedding_function=None``.

    ``namespace`` prefixes every collection, so several KGs can share one Chroma server.
    """

    MANIFEST = "kgqa_manifest"

    def __init__(self, client, namespace: str = "") -> None:
        self.client = client
        self.namespace = namespace
        self._cols: dict[str, object] = {}

    def collection(self, encoder: str, node_type: str) -> str:
        """This store's collection for an encoder and a node type."""
        return collection_name(self.namespace + encoder, node_type)

    def read_manifest(self) -> dict:
        """The index manifest kept in the store itself (server backend)."""
        name = collection_name(self.namespace + self.MANIFEST, "index")
        if name not in self.collections():
            return {"encoders": {}}
        meta = self._col(name).metadata or {}
        return json.loads(meta.get("manifest", '{"encoders": {}}'))

    def write_manifest(self, manifest: dict) -> None:
        name = collection_name(self.namespace + self.MANIFEST, "index")
        col = self._col(name, create=True)
        col.modify(metadata={"manifest": json.dumps(manifest)})

    @classmethod
    def persistent(cls, path: str | Path) -> ChromaStore:
        set_offline()
        import chromadb
        from chromadb.config import Settings

        return cls(chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False)))

    @classmethod
    def http(cls, url: str, namespace: str = "") -> ChromaStore:
        set_offline()
        from urllib.parse import urlparse

        import chromadb
        from chromadb.config import Settings

        parsed = urlparse(url if "://" in url else f"http://{url}")
        return cls(chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                       ssl=parsed.scheme == "https",
                                       settings=Settings(anonymized_telemetry=False)), namespace)

    def _col(self, name: str, create: bool = False):
        col = self._cols.get(name)
        if col is None:
            if create:
                col = self.client.get_or_create_collection(
                    name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )
            else:
                col = self.client.get_collection(name, embedding_function=None)
            self._cols[name] = col
        return col

    def upsert(self, collection: str, ids: list[str], embeddings: np.ndarray, metadatas: list[dict]) -> None:
        col = self._col(collection, create=True)
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            col.upsert(ids=ids[start:end], embeddings=embeddings[start:end], metadatas=metadatas[start:end])

    def delete(self, collection: str, ids: list[str]) -> None:
        if not ids or collection not in self.collections():
            return
        col = self._col(collection)
        for start in range(0, len(ids), BATCH):
            col.delete(ids=ids[start:start + BATCH])

    def query(self, collection: str, embedding: np.ndarray, k: int) -> list[StoreHit]:
        col = self._col(collection)
        n = min(k, self.count(collection))
        if n <= 0:
            return []
        res = col.query(query_embeddings=np.asarray(embedding, dtype=np.float32).reshape(1, -1),
                        n_results=n, include=["metadatas", "distances"])
        return [StoreHit(i, 1.0 - float(d), m or {})
                for i, d, m in zip(res["ids"][0], res["distances"][0], res["metadatas"][0], strict=True)]

    def metadata_of(self, collection: str, ids: list[str]) -> dict[str, dict]:
        """Stored metadata of some items (missing ones are absent)."""
        if not ids or collection not in self.collections():
            return {}
        res = self._col(collection).get(ids=ids, include=["metadatas"])
        return dict(zip(res["ids"], res["metadatas"], strict=True))

    def vector(self, collection: str, item_id: str) -> np.ndarray | None:
        """The stored embedding of one item, or ``None``."""
        res = self._col(collection).get(ids=[item_id], include=["embeddings"])
        embeddings = res.get("embeddings")
        return None if embeddings is None or len(embeddings) == 0 else np.asarray(embeddings[0], dtype=np.float32)

    def vectors(self, collection: str, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings of some items, in one call (missing ones are absent)."""
        if not ids or collection not in self.collections():
            return {}
        res = self._col(collection).get(ids=ids, include=["embeddings"])
        embeddings = res.get("embeddings")
        if embeddings is None:
            return {}
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(res["ids"], embeddings, strict=True)}

    def metadata(self, collection: str) -> dict[str, dict]:
        if collection not in self.collections():
            return {}
        col, out, offset = self._col(collection), {}, 0
        while True:
            res = col.get(include=["metadatas"], limit=BATCH, offset=offset)
            out.update(zip(res["ids"], res["metadatas"], strict=True))
            if len(res["ids"]) < BATCH:
                return out
            offset += BATCH

    def items(self, collection: str) -> Iterator[tuple[list[str], np.ndarray, list[dict]]]:
        """Every stored item of a collection, ``BATCH`` at a time: ``(ids, embeddings, metadatas)``."""
        col, offset = self._col(collection), 0
        while True:
            res = col.get(include=["embeddings", "metadatas"], limit=BATCH, offset=offset)
            if not res["ids"]:
                return
            yield list(res["ids"]), np.asarray(res["embeddings"], dtype=np.float32), list(res["metadatas"])
            if len(res["ids"]) < BATCH:
                return
            offset += BATCH

    def collections(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def count(self, collection: str) -> int:
        return self._col(collection).count()

    def drop(self, collection: str) -> None:
        if collection in self.collections():
            self.client.delete_collection(collection)
        self._cols.pop(collection, None)

    def close(self) -> None:
        """Release the embedded database files (needed before moving or deleting the folder)."""
        self._cols.clear()
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
