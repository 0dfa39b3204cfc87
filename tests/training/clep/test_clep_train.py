"""CLEP end to end on the tiny film KG: training, checkpoints, the ``clep`` encoder, the index, linking, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.kg import Edge, KnowledgeGraph, Node, load_kg
from assistant.kg.errors import KGQAError
from training.clep import ClepCheckpointError, ClepSettings, NoDescriptionsError, load_clep, train_clep
from training.clep.linking import link_mention


@pytest.fixture(scope="session")
def trained(tiny_kg_session_dir, tmp_path_factory, base_encoder):
    """A CLEP model trained to convergence on the tiny KG's triples, and its saved checkpoint."""
    kg = load_kg(tiny_kg_session_dir)
    cache = tmp_path_factory.mktemp("clep-cache")
    settings = ClepSettings(epochs=150, batch_size=16, embedding_dim=32, hidden_dim=64, output_dim=32,
                            learning_rate=5e-3, holdout=0.0, dropout=0.0, device="cpu", cache_dir=cache)
    result = train_clep(kg, settings, progress=False)
    path = result.clep.save(tmp_path_factory.mktemp("clep") / "ckpt")
    return kg, result, path


def test_training_reduces_the_loss(trained):
    _, result, _ = trained
    assert all(np.isfinite(result.losses))
    assert np.mean(result.losses[-10:]) < 0.5 * np.mean(result.losses[:10])


def test_reciprocal_relations_and_text_cache(trained, tiny_kg_session_dir):
    kg, result, _ = trained
    data = result.data
    assert data.num_relations == 2 * len(kg.relations())
    assert len(data.train) == 2 * len(data.split.train)  # every triple also as (tail, r⁻¹, head)


def test_save_load_round_trip_gives_identical_vectors(trained):
    kg, result, path = trained
    assert {p.name for p in path.iterdir()} >= {"model.safetensors", "config.json", "entities.json", "relations.json"}
    loaded = load_clep(path)
    assert loaded.entity_ids == json.loads((path / "entities.json").read_text())
    heads, rels = ["person:george-lucas", "project:jaws-1975"], ["directed", "has_genre"]
    np.testing.assert_array_equal(loaded.graph_vectors(heads, rels), result.clep.graph_vectors(heads, rels))
    np.testing.assert_array_equal(loaded.graph_vectors(heads, rels, inverse=True),
                                  result.clep.graph_vectors(heads, rels, inverse=True))
    texts = ["a shark movie", "George Lucas"]
    np.testing.assert_allclose(loaded.text_vectors(texts), result.clep.text_vectors(texts), atol=1e-6)
    assert np.array_equal(loaded.entity_embeddings().numpy(), result.clep.entity_embeddings().numpy())
    assert loaded.entity_embeddings().shape == (kg.num_nodes, 32)


def test_graph_side_predicts_the_true_tail(trained):
    kg, result, _ = trained
    clep = result.clep
    g = clep.graph_vectors(["person:john-williams"], ["has_skill"])[0]
    scores = clep.entity_text_vectors() @ g
    assert clep.entity_ids[int(np.argmax(scores))] == "skill:film-scoring"


def test_corrupt_or_missing_checkpoint_is_a_clear_error(trained, tmp_path):
    _, _, path = trained
    with pytest.raises(ClepCheckpointError, match="not a CLEP checkpoint"):
        load_clep(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in path.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    raw = bytearray((broken / "model.safetensors").read_bytes())
    raw[-10:] = b"\x00" * 10
    (broken / "model.safetensors").write_bytes(bytes(raw))
    with pytest.raises(ClepCheckpointError, match="does not match the SHA-256"):
        load_clep(broken)


def test_checkpoint_config_must_be_an_object_with_a_hash(trained, tmp_path):
    _, _, path = trained
    folder = tmp_path / "copy"
    folder.mkdir()
    for f in path.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps([config]))  # a list, not an object
    with pytest.raises(ClepCheckpointError, match=r"copy/config.json: expected an object .* found list") as err:
        load_clep(folder)
    assert isinstance(err.value, KGQAError) and err.value.file.endswith("config.json")
    (folder / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k != "sha256"}))
    with pytest.raises(ClepCheckpointError, match='records no "sha256"'):  # refused, never loaded unchecked
        load_clep(folder)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "entities.json").write_text(json.dumps({"not": "a list"}))
    with pytest.raises(ClepCheckpointError, match="entities.json: expected a list"):
        load_clep(folder)


def test_kg_without_descriptions_is_refused():
    kg = KnowledgeGraph(name="bare")
    kg.add_node(Node("a", "t", "A"))
    kg.add_node(Node("b", "t", "B"))
    kg.add_edge(Edge("a", "r", "b"))
    with pytest.raises(NoDescriptionsError, match="no node descriptions"):
        train_clep(kg, ClepSettings(epochs=1, device="cpu"), progress=False)


def test_encoder_plugs_into_the_registry_and_the_index(trained, tmp_path):
    from retrieval.encoders import load_encoder
    from retrieval.index import Index
    from retrieval.indexer import build_index
    from retrieval.store import collection_name

    kg, result, path = trained
    encoder = load_encoder("clep", path)
    assert encoder.name == "clep" and encoder.dim == 32 and encoder.checkpoint == str(path)
    q = encoder.encode(["George Lucas"])
    assert q.shape == (1, 32) and np.allclose(np.linalg.norm(q, axis=1), 1, atol=1e-5)
    report = build_index(kg, tmp_path / "index", encoder, progress=False)
    assert report.embedded == kg.num_nodes
    store = Index(tmp_path / "index").open_store()
    assert sorted(store.collections()) == sorted(collection_name("clep", t) for t in kg.node_types())
    store.close()
    # graph-side vectors for known nodes, the text tower for an unseen one (cold start)
    vectors = encoder.encode_nodes(kg, ["person:george-lucas", "person:new-face"], ["x", "A new director."])
    expected, _ = result.clep.entity_vectors(["person:george-lucas"])
    np.testing.assert_allclose(vectors[0], expected[0], atol=1e-6)
    np.testing.assert_allclose(vectors[1], encoder.encode(["A new director."])[0], atol=1e-6)


def test_zero_shot_linking_finds_the_entity_of_its_own_text(trained):
    kg, result, _ = trained
    hits = link_mention(result.clep, "Phil Tippett: Stop-motion animator and visual effects artist.", k=3)
    assert len(hits) == 3 and hits[0][1] >= hits[1][1] >= hits[2][1]
    assert all(node_id in kg.nodes for node_id, _ in hits)
    assert hits[0][0] == "person:phil-tippett"
    assert link_mention(result.clep, "   ", k=3) == []
    for space in ("graph", "text"):
        assert link_mention(result.clep, "Phil Tippett: Stop-motion animator and visual effects artist.", 1,
                            space)[0][0] == "person:phil-tippett"
    with pytest.raises(ValueError, match="space"):
        link_mention(result.clep, "Jaws", 1, space="names")


def test_cli_trains_evaluates_and_saves(tiny_kg_session_dir, tmp_path, capsys, base_encoder):
    from assistant.cli import main

    out = tmp_path / "ckpt"
    code = main(["train", "clep", "--kg", str(tiny_kg_session_dir), "--output", str(out), "--epochs", "2",
                 "--batch-size", "8", "--device", "cpu", "--quiet", "--cache-dir", str(tmp_path / "cache")])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"saved to {out.resolve()}" in printed
    assert load_clep(out).config["training"]["epochs"] == 2


def test_throughput_measure(tiny_kg_session_dir, base_encoder):
    from training.clep.throughput import measure

    result = measure(load_kg(tiny_kg_session_dir), steps=2, batch_size=8, device="cpu")
    assert result["model"] == "clep" and result["unit"] == "triples/s"
    assert result["items"] == 16 and result["seconds"] > 0 and result["items_per_s"] > 0
