"""What CLEP trains on: integer triples with reciprocal relations, one text per entity, and its cached embedding.

Each entity's text is ``"<name>: <description>"`` (just the name when it has no description). Texts are
deduplicated before encoding; ``text_ids`` maps every entity to its distinct text, which is what the loss
uses to stop two tails with the same description from acting as each other's negatives. The frozen
text encoder's embeddings of the distinct texts are cached on disk (keyed by the encoder and the texts),
so a second run on the same KG skips encoding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import kgqa_home
from assistant.kg import KnowledgeGraph, Node
from training.link_prediction.data import LinkSplit, Triple, split_kg


class NoDescriptionsError(ValueError):
    """The KG has no node descriptions, so there is no text to align the graph with."""


def entity_text(node: Node) -> str:
    """The text that stands for ``node`` on CLEP's text side."""
    description = node.description.strip()
    return f"{node.name}: {description}" if description else node.name


def default_cache_dir() -> Path:
    """Where frozen text embeddings are cached: ``$KGQA_HOME/cache/clep``."""
    return kgqa_home() / "cache" / "clep"


@dataclass
class ClepData:
    """Integer views of a KG for CLEP.

    Attributes:
        split: The link-prediction split (the benchmark's own, or a seeded hold-out).
        entity_ids: Node ids in row order.
        relation_ids: Relation names; relation ``i``'s reciprocal is row ``i + len(relation_ids)``.
        texts: Distinct entity texts.
        text_ids: ``(num_entities,)`` index into ``texts`` of each entity's text.
        train: ``(2 * n_train, 3)`` int64 ``(head, relation, tail)`` rows, reciprocals included.
    """

    split: LinkSplit
    entity_ids: list[str]
    relation_ids: list[str]
    texts: list[str]
    text_ids: np.ndarray
    train: np.ndarray

    @property
    def num_entities(self) -> int:
        return len(self.entity_ids)

    @property
    def num_relations(self) -> int:
        """Relations including reciprocals."""
        return 2 * len(self.relation_ids)

    def rows(self, triples: list[Triple], reciprocal: bool = False) -> np.ndarray:
        """``(n, 3)`` int64 rows of ``triples`` (with their reciprocals appended when asked)."""
        ent = {e: i for i, e in enumerate(self.entity_ids)}
        rel = {r: i for i, r in enumerate(self.relation_ids)}
        out = np.array([(ent[h], rel[r], ent[t]) for h, r, t in triples], dtype=np.int64).reshape(-1, 3)
        if reciprocal:
            out = np.concatenate([out, np.stack([out[:, 2], out[:, 1] + len(rel), out[:, 0]], 1)])
        return out


def build_data(kg: KnowledgeGraph, holdout: float = 0.1, seed: int = 0) -> ClepData:
    """Split ``kg`` and index its entities, relations and texts.

    Raises:
        NoDescriptionsError: No node has a description.
        ValueError: The KG has no edges.
    """
    if not any(n.description.strip() for n in kg.nodes.values()):
        raise NoDescriptionsError(
            f"KG {kg.name!r} has no node descriptions: CLEP aligns the graph with entity descriptions, "
            "so give nodes a 'description' (or use `kgqa train lp` for a graph-only model)")
    split = split_kg(kg, holdout=holdout, seed=seed)
    entity_ids = split.entities
    all_texts = [entity_text(kg.nodes[e]) for e in entity_ids]
    distinct = {t: i for i, t in enumerate(dict.fromkeys(all_texts))}
    text_ids = np.array([distinct[t] for t in all_texts], dtype=np.int64)
    data = ClepData(split, entity_ids, split.relations, list(distinct), text_ids, np.zeros((0, 3), np.int64))
    data.train = data.rows(split.train, reciprocal=True)
    return data


def cache_key(model_id: str, texts: list[str]) -> str:
    digest = hashlib.sha1(model_id.encode())
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()[:20]


def embed_texts(texts: list[str], encoder, cache_dir: Path | None = None, progress: bool = False) -> np.ndarray:
    """Frozen-encoder embeddings of ``texts`` (float32, L2-normalised), cached on disk.

    Args:
        texts: Texts to embed.
        encoder: Anything with ``model_id`` and ``encode(texts, progress=...)`` (the base SentenceEncoder).
        cache_dir: Cache folder; ``None`` uses :func:`default_cache_dir`.
        progress: Show the encoder's progress bar.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"{cache_key(encoder.model_id, texts)}.npy"
    if path.exists():
        try:
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached.astype(np.float32, copy=False)
        except (OSError, ValueError):
            pass  # a truncated cache file is simply recomputed
    vectors = np.asarray(encoder.encode(texts, progress=progress), dtype=np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)  # never leave a half-written cache behind
    return vectors
