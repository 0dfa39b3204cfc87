"""EGES on a tiny synthetic co-occurrence graph: trains, places cold-start items by side information, saves, loads."""

from __future__ import annotations

import json
import random

import networkx as nx
import numpy as np
import pytest

from assistant.cli import build_parser
from assistant.kg import load_kg
from training.eges import (
    EgesSettings,
    ItemGraph,
    embed_cold_start,
    evaluate_cold_start,
    film_kg_graph,
    load_eges,
    random_walks,
    similar_items,
    train_eges,
)

CLUSTERS = {"hero": (["Action"], ["superhero", "marvel", "comic book"]),
            "love": (["Romance"], ["paris", "wedding", "love triangle"]),
            "space": (["Sci-Fi"], ["spaceship", "alien", "space battle"])}
SETTINGS = EgesSettings(dim=16, walks_per_item=20, walk_length=8, window=2, epochs=4, batch_size=256,
                        learning_rate=0.02, max_pairs=None)


def synthetic(seed: int = 0) -> ItemGraph:
    """Three clusters of 10 items each: items co-occur within their cluster and share its genre and tags."""
    rng = random.Random(seed)
    graph = nx.Graph()
    side = {"genre": {}, "tag": {}}
    names = {}
    for cluster, (genres, tags) in CLUSTERS.items():
        members = [f"{cluster}-{i}" for i in range(10)]
        for m in members:
            names[m] = m
            side["genre"][m] = list(genres)
            side["tag"][m] = rng.sample(tags, 2)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if rng.random() < 0.5:
                    graph.add_edge(a, b, weight=rng.randint(1, 3))
        graph.add_edge(members[0], f"{cluster}-1", weight=1)
    graph.add_edge("hero-0", "love-0", weight=1)  # one link across clusters
    graph.add_edge("love-0", "space-0", weight=1)
    held = ["hero-9", "love-9", "space-9"]
    truth = {h: sorted(graph[h], key=lambda m: -graph[h][m]["weight"]) for h in held}
    graph.remove_nodes_from(held)
    return ItemGraph(graph, names, side, held, truth)


@pytest.fixture(scope="module")
def data():
    return synthetic()


@pytest.fixture(scope="module")
def model(data):
    return train_eges(data, SETTINGS, progress=False)


def test_walks_follow_edges(data):
    items = data.items
    walks = random_walks(data, items, SETTINGS)
    assert walks.shape == (len(items) * SETTINGS.walks_per_item, SETTINGS.walk_length)
    for walk in walks[:50]:
        for a, b in zip(walk[:-1], walk[1:], strict=True):
            assert data.graph.has_edge(items[a], items[b])


def test_training_lowers_the_loss_and_learns_weights_per_type(model):
    losses = model.config["losses"]
    assert losses[-1] < losses[0]
    assert set(model.config["type_weights"]) == {"genre", "tag"}
    assert all(0 < w < 1 for w in model.config["type_weights"].values())


def test_cold_start_item_lands_among_its_cluster(model):
    vector = embed_cold_start(model, {"genre": ["Action"], "tag": ["superhero", "marvel"]})
    top = [item for item, _ in similar_items(model, vector, k=5)]
    assert all(item.startswith("hero-") for item in top), top
    vector = embed_cold_start(model, {"tag": ["alien", "never-seen-tag"]})  # unknown values are ignored
    assert all(item.startswith("space-") for item, _ in similar_items(model, vector, k=5))


def test_cold_start_evaluation_on_held_out_items(model, data):
    metrics = evaluate_cold_start(model, data, k=5)
    assert metrics["evaluated"] == 3 and metrics["hits@5"] == 1.0, metrics
    assert model.config["cold_start"]["held_out"] == 3


def test_bad_side_information_is_refused(model):
    with pytest.raises(ValueError, match="unknown side-information type"):
        embed_cold_start(model, {"director": ["x"]})
    with pytest.raises(ValueError, match="none of the side information"):
        embed_cold_start(model, {"tag": ["nothing-known"]})


def test_save_and_load_round_trip(model, tmp_path):
    loaded = load_eges(model.save(tmp_path / "eges"))
    np.testing.assert_allclose(loaded.item_vectors(), model.item_vectors(), atol=1e-6)
    side = {"genre": ["Romance"], "tag": ["paris"]}
    np.testing.assert_allclose(embed_cold_start(loaded, side), embed_cold_start(model, side), atol=1e-6)
    with pytest.raises(ValueError, match="no EGES checkpoint"):
        load_eges(tmp_path / "missing")


def test_damaged_checkpoints_are_refused(model, tmp_path):
    from training.checkpoint import CheckpointError

    folder = model.save(tmp_path / "eges")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps([1, 2]))
    with pytest.raises(CheckpointError, match="eges/config.json: expected an object"):
        load_eges(folder)
    (folder / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k != "sha256"}))
    with pytest.raises(CheckpointError, match='records no "sha256"'):
        load_eges(folder)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "model.safetensors").write_bytes(b"\0" * 64)
    with pytest.raises(CheckpointError, match="does not match the SHA-256"):
        load_eges(folder)
    model.save(folder)  # a damaged checkpoint of ours is replaced
    assert load_eges(folder).items == model.items


def test_film_kg_item_graph_links_projects_by_shared_credits(tiny_kg_session_dir):
    data = film_kg_graph(load_kg(tiny_kg_session_dir), holdout=0)
    assert data.graph.has_edge("project:jaws-1975", "project:jurassic-park-1993")  # Spielberg, Williams
    assert data.graph["project:jaws-1975"]["project:jurassic-park-1993"]["weight"] == 2
    assert data.side_info["keyword"]["project:jaws-1975"] == ["shark"]
    assert data.side_info["genre"]["project:star-wars-1977"] == ["Science Fiction"]


def test_cli_registers_train_eges():
    args = build_parser().parse_args(["train", "eges", "--source", "movielens", "--epochs", "1"])
    assert args.source == "movielens" and args.epochs == 1 and callable(args.func)
