"""Embed every node of a KG into the index; re-running without changes does no work."""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.node_text import node_text, text_hash
from assistant.progress import Progress
from retrieval.encoders import Encoder
from retrieval.index import Index, IndexMissing, RemoteIndex
from retrieval.store import ChromaStore

CHUNK = 512


@dataclass
class IndexReport:
    encoder: str
    path: str
    nodes: int
    embedded: int
    deleted: int
    seconds: float
    up_to_date: bool

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.up_to_date:
            return f"index up to date ({self.nodes} nodes, encoder {self.encoder}) at {self.path}"
        rate = self.embedded / self.seconds if self.seconds else 0.0
        return (f"indexed {self.embedded} of {self.nodes} nodes, removed {self.deleted} "
                f"(encoder {self.encoder}, {self.seconds:.1f}s, {rate:.0f} nodes/s) at {self.path}")


def node_texts(kg: KnowledgeGraph) -> dict[str, dict[str, str]]:
    """``{node type: {node id: text}}`` for every node."""
    out: dict[str, dict[str, str]] = {}
    for node in kg.nodes.values():
        out.setdefault(node.type, {})[node.id] = node_text(kg, node)
    return out


def fingerprint(texts: dict[str, dict[str, str]], model_id: str) -> str:
    digest = hashlib.sha256(model_id.encode())
    for node_type in sorted(texts):
        for node_id in sorted(texts[node_type]):
            digest.update(f"{node_type}\0{node_id}\0{texts[node_type][node_id]}\n".encode())
    return digest.hexdigest()


def sync_collections(
    store: ChromaStore,
    kg: KnowledgeGraph,
    texts: dict[str, dict[str, str]],
    encoder: Encoder,
    progress: bool = True,
    force: bool = False,
) -> tuple[int, int]:
    """Bring the encoder's collections in line with ``texts``: embed new or changed nodes (every node with
    ``force``), delete the removed ones. Returns ``(embedded, deleted)``."""
    plan: list[tuple[str, list[str], list[str]]] = []
    deleted = 0
    prefix = store.collection(encoder.name, "")
    wanted = {store.collection(encoder.name, t) for t in texts}
    for name in store.collections():
        if name.startswith(prefix) and name not in wanted:
            deleted += store.count(name)
            store.drop(name)
    for node_type, by_id in texts.items():
        col = store.collection(encoder.name, node_type)
        stored = store.metadata(col)
        # The hash covers the model too: new weights must re-embed everything.
        changed = [i for i, t in by_id.items()
                   if force or stored.get(i, {}).get("hash") != text_hash(encoder.model_id + t)]
        stale = [i for i in stored if i not in by_id]
        store.delete(col, stale)
        deleted += len(stale)
        if changed:
            plan.append((col, changed, [by_id[i] for i in changed]))
    total = sum(len(ids) for _, ids, _ in plan)
    # listed by assistant.progress.running() even when not shown: the chat's start-up page reports it
    with Progress(total=total, desc=f"embedding ({encoder.name})", unit="node", enabled=progress and total > 0) as bar:
        for col, ids, docs in plan:
            for start in range(0, len(ids), CHUNK):
                _embed(store, kg, col, ids[start:start + CHUNK], docs[start:start + CHUNK], encoder)
                bar.update(len(ids[start:start + CHUNK]))
    return total, deleted


def encode_nodes(encoder: Encoder, kg: KnowledgeGraph, ids: list[str], texts: list[str]) -> np.ndarray:
    """Node vectors: the encoder's own ``encode_nodes`` when it has one (graph-side embeddings), else its
    embedding of each node's text."""
    if hasattr(encoder, "encode_nodes"):
        return np.asarray(encoder.encode_nodes(kg, ids, texts), dtype=np.float32)
    return encoder.encode(texts)


def _embed(store: ChromaStore, kg: KnowledgeGraph, col: str, ids: list[str], docs: list[str],
           encoder: Encoder) -> None:
    vectors = encode_nodes(encoder, kg, ids, docs)
    metas = [{"name": kg.nodes[i].name, "type": kg.nodes[i].type, "hash": text_hash(encoder.model_id + d)}
             for i, d in zip(ids, docs, strict=True)]
    store.upsert(col, ids, np.asarray(vectors), metas)


def update_index(index: Index | RemoteIndex, kg: KnowledgeGraph, touched: set[str], removed: dict[str, str],
                 encoder: Encoder, store: ChromaStore | None = None) -> int:
    """Re-embed only ``touched`` nodes whose text changed and delete ``removed`` ones, in the live index;
    returns how many nodes were embedded.

    Used by incremental KG updates; the manifest's fingerprint is cleared so that the next full
    build re-checks every node's text hash (and embeds nothing that is already current).
    """
    store = store or index.open_store()
    by_type: dict[str, list[str]] = {}
    for node_id in sorted(touched):
        by_type.setdefault(kg.nodes[node_id].type, []).append(node_id)
    plan: list[tuple[str, str, str]] = []  # (collection, node id, text) of nodes whose text changed
    for node_type, ids in by_type.items():
        col = store.collection(encoder.name, node_type)
        texts = {i: node_text(kg, kg.nodes[i]) for i in ids}
        stored = store.metadata_of(col, ids)
        # a neighbour's text may not change (its fact lists are capped): skip it
        plan += [(col, i, texts[i]) for i in ids
                 if stored.get(i, {}).get("hash") != text_hash(encoder.model_id + texts[i])]
    if plan:  # one encoder call for every type: small batches are dominated by per-call overhead
        vectors = encode_nodes(encoder, kg, [i for _, i, _ in plan], [text for _, _, text in plan])
        for col in dict.fromkeys(c for c, _, _ in plan):
            rows = [j for j, (c, _, _) in enumerate(plan) if c == col]
            ids = [plan[j][1] for j in rows]
            metas = [{"name": kg.nodes[i].name, "type": kg.nodes[i].type,
                      "hash": text_hash(encoder.model_id + plan[j][2])} for i, j in zip(ids, rows, strict=True)]
            store.upsert(col, ids, np.asarray(vectors[rows]), metas)
    embedded = len(plan)
    for node_id, node_type in removed.items():
        store.delete(store.collection(encoder.name, node_type), [node_id])
    manifest = index.manifest()
    entry = manifest.get("encoders", {}).get(encoder.name)
    if entry is not None:
        entry["fingerprint"] = None
        entry["node_types"] = sorted(set(entry["node_types"]) | set(by_type))
        if isinstance(index, RemoteIndex):
            store.write_manifest(manifest)
        else:
            index.write_manifest(manifest)
    return embedded


def _entry(kg: KnowledgeGraph, texts: dict, encoder: Encoder, fp: str) -> dict:
    return {"fingerprint": fp, "model": encoder.model_id, "checkpoint": encoder.checkpoint, "dim": encoder.dim,
            "nodes": kg.num_nodes,
            "node_types": sorted(texts), "built": time.strftime("%Y-%m-%dT%H:%M:%S")}


def copy_collections(source: ChromaStore, target: ChromaStore, names: list[str]) -> int:
    """Copy whole collections (vectors and metadata) from one store into another; returns the vectors copied."""
    copied = 0
    for name in names:
        for ids, embeddings, metadatas in source.items(name):
            target.upsert(name, ids, embeddings, metadatas)
            copied += len(ids)
    return copied


def _fresh_staging(index: Index, manifest: dict, encoder: Encoder, progress: bool) -> tuple[Path, ChromaStore, dict]:
    """For ``--force``: an empty staging store into which the *other* encoders' collections are copied through
    Chroma's API (so that damaged files of the live version are not copied along); an encoder whose
    collections cannot be read is dropped from the manifest with a warning."""
    staging = index.stage(copy=False)
    store = ChromaStore.persistent(staging)
    others = {name: entry for name, entry in manifest.get("encoders", {}).items() if name != encoder.name}
    if not others or index.current is None:
        return staging, store, {**manifest, "encoders": {}}
    kept: dict = {}
    old = ChromaStore.persistent(index.current)
    try:
        names = old.collections()
        for name, entry in others.items():
            prefix = old.collection(name, "")
            try:
                copy_collections(old, store, [c for c in names if c.startswith(prefix)])
                kept[name] = entry
            except Exception as exc:  # noqa: BLE001 -- a damaged store is why --force exists: say what is lost
                print(f"warning: encoder {name!r} could not be copied from the old index ({exc}); "
                      f"rebuild it with `kgqa index --encoder {name}`", file=sys.stderr)
                for col in store.collections():
                    if col.startswith(prefix):
                        store.drop(col)
    finally:
        old.close()
    if progress:
        print(f"--force: re-embedding every node with {encoder.name!r}; kept {', '.join(kept) or 'no'} other "
              "encoder(s)", file=sys.stderr)
    return staging, store, {**manifest, "encoders": kept}


def build_index(
    kg: KnowledgeGraph, root: str | Path | RemoteIndex, encoder: Encoder, progress: bool = True,
    force: bool = False,
) -> IndexReport:
    """Build or refresh the index of ``kg`` at ``root`` (a folder, or a :class:`RemoteIndex`).

    In a folder the work happens in a staging copy; the live index changes only when the build
    completes, so an error, Ctrl-C or ``kill -9`` leaves the previous index usable (and the next run
    removes the staging folder). ``force`` re-embeds every node with ``encoder`` into a fresh store (other
    encoders' vectors are copied over), so it also repairs a damaged index.
    """
    index = root if isinstance(root, (Index, RemoteIndex)) else Index(root)
    started = time.perf_counter()
    texts = node_texts(kg)
    fp = fingerprint(texts, encoder.model_id)
    try:
        manifest = index.manifest()
    except IndexMissing:
        if not force:
            raise
        manifest = {"encoders": {}}  # a damaged manifest: --force starts over
    entry = manifest.get("encoders", {}).get(encoder.name, {})
    if not force and entry.get("fingerprint") == fp:
        if isinstance(index, Index):
            index.clean_stale()  # an interrupted earlier build's copy must not outlive this run
        return IndexReport(encoder.name, str(index.root), kg.num_nodes, 0, 0,
                           time.perf_counter() - started, True)
    if isinstance(index, RemoteIndex):
        store = index.open_store()
        embedded, deleted = sync_collections(store, kg, texts, encoder, progress, force=force)
        manifest.setdefault("encoders", {})[encoder.name] = _entry(kg, texts, encoder, fp)
        manifest["kg"] = kg.name
        store.write_manifest(manifest)
        return IndexReport(encoder.name, index.url, kg.num_nodes, embedded, deleted,
                           time.perf_counter() - started, False)
    if force:
        staging, store, manifest = _fresh_staging(index, manifest, encoder, progress)
    else:
        staging = index.stage()
        store = ChromaStore.persistent(staging)
    try:
        embedded, deleted = sync_collections(store, kg, texts, encoder, progress)
        store.close()
        manifest.setdefault("encoders", {})[encoder.name] = _entry(kg, texts, encoder, fp)
        manifest["kg"] = kg.name
        index.publish(staging, manifest)
    except BaseException:
        store.close()
        index.discard(staging)
        raise
    return IndexReport(encoder.name, str(index.root), kg.num_nodes, embedded, deleted,
                       time.perf_counter() - started, False)
