"""Index building: typed collections, no work when unchanged, crash safety."""

from __future__ import annotations

import json

import pytest

from assistant.kg import Edge, Node, load_kg
from retrieval.index import Index
from retrieval.indexer import build_index
from retrieval.search import DenseSearcher
from retrieval.store import ChromaStore, collection_name


def test_build_search_and_rerun_does_no_work(tiny_kg_dir, tmp_path, base_encoder):
    kg = load_kg(tiny_kg_dir)
    root = tmp_path / "index"
    first = build_index(kg, root, base_encoder, progress=False)
    assert first.embedded == kg.num_nodes and not first.up_to_date
    again = build_index(kg, root, base_encoder, progress=False)
    assert again.up_to_date and again.embedded == 0
    store = Index(root).open_store()
    assert sorted(store.collections()) == sorted(collection_name("base", t) for t in kg.node_types())
    hits = DenseSearcher(Index(root), base_encoder, store).search("Steven Spielberg", "project", k=3)
    assert {h.type for h in hits} == {"project"}
    assert hits[0].node_id in {"project:jaws-1975", "project:jurassic-park-1993"}
    store.close()


def test_only_changed_nodes_are_re_embedded(tiny_kg_dir, tmp_path, base_encoder):
    kg = load_kg(tiny_kg_dir)
    root = tmp_path / "index"
    build_index(kg, root, base_encoder, progress=False)
    kg.add_node(Node("keyword:island", "keyword", "island"))
    kg.add_edge(Edge("project:jurassic-park-1993", "has_keyword", "keyword:island"))
    kg.remove_node("genre:horror")
    report = build_index(kg, root, base_encoder, progress=False)
    # island, Jurassic Park (its facts changed), Jaws (lost its genre) -- nothing else
    assert report.embedded == 3 and report.deleted == 1
    store = Index(root).open_store()
    assert "genre:horror" not in store.metadata(collection_name("base", "genre"))
    store.close()


class _FailingEncoder:
    """Wraps the real encoder and fails part-way, as a crash or Ctrl-C would."""

    def __init__(self, inner, fail_with):
        self.inner, self.fail_with = inner, fail_with
        self.name, self.dim, self.model_id = inner.name, inner.dim, inner.model_id + "-v2"

    def encode(self, texts, **_):
        raise self.fail_with


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failed_build_leaves_previous_index_usable(tiny_kg_dir, tmp_path, base_encoder, error):
    kg = load_kg(tiny_kg_dir)
    root = tmp_path / "index"
    build_index(kg, root, base_encoder, progress=False)
    before = Index(root).current
    manifest = json.loads((before / "manifest.json").read_text())
    with pytest.raises(type(error)):
        build_index(kg, root, _FailingEncoder(base_encoder, error), progress=False)
    index = Index(root)
    assert index.current == before
    assert index.manifest() == manifest
    assert [p.name for p in root.glob("v-*")] == [before.name]  # staging removed
    store = index.open_store()
    hits = DenseSearcher(index, base_encoder, store).search("shark", "project", k=1)
    assert hits[0].node_id == "project:jaws-1975"
    store.close()


def test_store_batches_and_deletes(tmp_path):
    import numpy as np

    store = ChromaStore.persistent(tmp_path / "db")
    ids = [f"n{i}" for i in range(5200)]
    vectors = np.random.default_rng(0).normal(size=(5200, 8)).astype("float32")
    store.upsert("base__thing", ids, vectors, [{"hash": "h"}] * 5200)  # > one Chroma batch
    assert store.count("base__thing") == 5200
    store.delete("base__thing", ids[:5100])
    assert set(store.metadata("base__thing")) == set(ids[5100:])
    store.close()
