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


class _Renamed:
    """The base encoder under another name: a second encoder's collections, without a second model."""

    def __init__(self, inner, name):
        self.inner, self.name, self.dim, self.model_id, self.checkpoint = inner, name, inner.dim, inner.model_id, None

    def encode(self, texts, **kw):
        return self.inner.encode(texts, **kw)


def test_force_re_embeds_everything_and_repairs_a_damaged_store(tiny_kg_dir, tmp_path, base_encoder):
    import numpy as np

    kg = load_kg(tiny_kg_dir)
    root = tmp_path / "index"
    build_index(kg, root, base_encoder, progress=False)
    build_index(kg, root, _Renamed(base_encoder, "other"), progress=False)
    index = Index(root)
    store = index.open_store()  # damage Jaws' vector in the live version, keeping its text hash
    col = collection_name("base", "project")
    meta = store.metadata_of(col, ["project:jaws-1975"])["project:jaws-1975"]
    store.upsert(col, ["project:jaws-1975"], -np.asarray([store.vector(col, "project:jurassic-park-1993")]), [meta])
    assert DenseSearcher(index, base_encoder, store).search("shark", "project", k=1)[0].node_id != "project:jaws-1975"
    store.close()
    assert build_index(kg, root, base_encoder, progress=False).up_to_date  # a plain run cannot see the damage
    report = build_index(kg, root, base_encoder, progress=False, force=True)
    assert report.embedded == kg.num_nodes and not report.up_to_date
    index = Index(root)
    assert sorted(index.encoders()) == ["base", "other"]  # the other encoder's vectors were copied over
    store = index.open_store()
    assert DenseSearcher(index, base_encoder, store).search("shark", "project", k=1)[0].node_id == "project:jaws-1975"
    other = DenseSearcher(index, _Renamed(base_encoder, "other"), store).search("shark", "project", k=1)
    assert other[0].node_id == "project:jaws-1975"
    store.close()
    assert [p.name for p in root.iterdir() if p.name.startswith("v-")] == [index.current.name]


_KILLED_BUILD = """
import os, signal, sys, time
from retrieval.index import Index
index = Index(sys.argv[1])  # owns the staging folder (and its lock) while it lives
staging = index.stage()
print(staging, flush=True)
if sys.argv[2] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)  # as `kill -9` mid-build: nothing gets to clean up
time.sleep(60)  # a build still running in another process
"""


def test_a_killed_build_leaves_no_staging_folder_past_the_next_run(tiny_kg_dir, tmp_path, base_encoder):
    import subprocess
    import sys

    from tests.conftest import REPO

    kg = load_kg(tiny_kg_dir)
    root = tmp_path / "index"
    build_index(kg, root, base_encoder, progress=False)
    live = Index(root).current
    killed = subprocess.run([sys.executable, "-c", _KILLED_BUILD, str(root), "kill"], capture_output=True,
                            text=True, cwd=REPO)
    staging = root / killed.stdout.strip().rsplit("/", 1)[-1]
    assert killed.returncode == -9 and staging.is_dir()  # a full copy of the live version, left behind
    running = subprocess.Popen([sys.executable, "-c", _KILLED_BUILD, str(root), "run"], stdout=subprocess.PIPE,
                               text=True, cwd=REPO)
    try:
        busy = root / running.stdout.readline().strip().rsplit("/", 1)[-1]
        assert build_index(kg, root, base_encoder, progress=False).up_to_date  # the next run, with nothing to do
        assert not staging.exists() and not (root / f"{staging.name}.lock").exists()
        assert busy.is_dir()  # another process's build in progress is left alone
        assert Index(root).current == live
    finally:
        running.kill()
        running.wait()
    Index(root).clean_stale()
    assert not busy.exists()


def test_a_damaged_manifest_is_a_clear_error_and_force_rebuilds(tiny_kg_dir, tmp_path, base_encoder):
    from assistant.kg.errors import KGQAError

    kg = load_kg(tiny_kg_dir)
    root = tmp_path / "index"
    build_index(kg, root, base_encoder, progress=False)
    (Index(root).current / "manifest.json").write_text('{"encoders": ')
    with pytest.raises(KGQAError, match="manifest is damaged.*kgqa index --force") as info:
        build_index(kg, root, base_encoder, progress=False)
    assert info.value.file.endswith("manifest.json")
    assert build_index(kg, root, base_encoder, progress=False, force=True).embedded == kg.num_nodes
    assert Index(root).encoders() == ["base"]
    (root / "CURRENT").write_text("../../etc")  # a damaged pointer is no index, never a path outside it
    assert Index(root).current is None
