"""GraphSAGE without and with text features on a tiny two-community graph: trains, saves, loads, separates."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from assistant.cli import build_parser
from assistant.kg import Edge, KnowledgeGraph, Node
from training.graphsage import SageNodeEncoder, SageSettings, build_graph, load_sage, train_sage
from training.graphsage.embedder import load_sage_encoder

GROUPS = {"ocean": ["whale", "shark", "dolphin", "octopus", "seal", "coral reef", "jellyfish", "sea turtle"],
          "space": ["rocket", "astronaut", "comet", "galaxy", "satellite", "nebula", "moon landing", "space station"]}


def two_communities(seed: int = 0) -> KnowledgeGraph:
    """Two dense groups of 8 keyword nodes (sea animals, space words) joined by one edge."""
    rng = random.Random(seed)
    kg = KnowledgeGraph(name="two-communities")
    for group, names in GROUPS.items():
        for name in names:
            kg.add_node(Node(id=f"keyword:{group}-{name.replace(' ', '-')}", type="keyword", name=name))
        ids = [f"keyword:{group}-{n.replace(' ', '-')}" for n in names]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if rng.random() < 0.7:
                    kg.add_edge(Edge(a, "related_to", b))
    kg.add_edge(Edge("keyword:ocean-whale", "related_to", "keyword:space-rocket"))
    return kg


def _separation(vectors: np.ndarray, node_ids: list[str]) -> float:
    """Mean cosine within communities minus mean cosine across them."""
    group = np.array([n.split(":")[1].split("-")[0] == "ocean" for n in node_ids])
    sims = vectors @ vectors.T
    same = sims[group[:, None] == group[None, :]].mean()
    return float(same - sims[group[:, None] != group[None, :]].mean())


@pytest.fixture(scope="module")
def kg():
    return two_communities()


@pytest.fixture(scope="module")
def free(kg):
    return train_sage(kg, SageSettings(variant="free", dim=16, epochs=60, holdout=0.15), progress=False)


@pytest.fixture(scope="module")
def text(kg, base_encoder):
    return train_sage(kg, SageSettings(variant="text", dim=16, epochs=60, holdout=0.15), encoder=base_encoder,
                      progress=False)


def test_split_holds_out_edges_but_keeps_every_node_connected(kg):
    graph = build_graph(kg, holdout=0.15, seed=0)
    assert graph.test_pairs.shape[1] > 0
    train = {tuple(p) for p in graph.train_pairs.T.tolist()}
    assert not train & {tuple(p) for p in graph.test_pairs.T.tolist()}
    assert set(graph.train_pairs.flatten().tolist()) == set(range(graph.num_nodes))
    assert build_graph(kg, 0.15, 0).test_pairs.equal(graph.test_pairs)


@pytest.mark.parametrize("variant", ["free", "text"])
def test_both_variants_learn_the_communities(variant, free, text):
    result = {"free": free, "text": text}[variant]
    assert result.losses[-1] < result.losses[0]
    assert 0 <= result.metrics["auc"] <= 1 and 0 < result.metrics["mrr"] <= 1
    vectors, ids = result.embeddings(), result.graph.node_ids
    assert _separation(vectors, ids) > 0.2
    # every held-out pair (all inside a community) outscores the typical pair across the communities
    ocean = np.array([n.startswith("keyword:ocean") for n in ids])
    cross = (vectors[ocean] @ vectors[~ocean].T).ravel()
    held = [float(vectors[u] @ vectors[v]) for u, v in result.graph.test_pairs.T.tolist()]
    assert min(held) > np.median(cross), (held, np.median(cross))


def test_save_load_gives_the_same_vectors_and_an_index_encoder(free, kg, tmp_path):
    folder = free.save(tmp_path / "sage-free")
    model, config, pairs = load_sage(folder)
    encoder = load_sage_encoder("graphsage-free", folder)
    ids = free.graph.node_ids[:5]
    np.testing.assert_allclose(encoder.encode_nodes(kg, ids, ids), free.embeddings()[:5], atol=1e-6)
    assert encoder.dim == 16 and encoder.name == "graphsage-free"
    with pytest.raises(ValueError, match="transductive"):
        encoder.encode_nodes(kg, ["keyword:new"], ["new"])
    with pytest.raises(ValueError, match="no text side"):
        encoder.encode(["whale"])


def test_text_variant_embeds_an_unseen_node_from_text_and_neighbours(text, kg, base_encoder):
    encoder = SageNodeEncoder(text.model, {"settings": {"variant": "text", "dim": 16}, "node_ids": text.graph.node_ids},
                              text.graph.train_pairs, text_encoder=base_encoder)
    grown = two_communities()
    grown.add_node(Node(id="keyword:new-manta-ray", type="keyword", name="manta ray"))
    for other in ("keyword:ocean-shark", "keyword:ocean-seal", "keyword:ocean-coral-reef"):
        grown.add_edge(Edge("keyword:new-manta-ray", "related_to", other))
    ids = text.graph.node_ids
    vectors = encoder.encode_nodes(grown, ["keyword:new-manta-ray", *ids], ["manta ray", *ids])
    sims = vectors[1:] @ vectors[0]
    ocean = np.array([n.startswith("keyword:ocean") for n in ids])
    assert sims[ocean].mean() > sims[~ocean].mean() + 0.1
    query = encoder.encode(["deep sea creatures"])[0]  # a text query: a node without neighbours
    assert np.isclose(np.linalg.norm(query), 1.0, atol=1e-5)


def test_invalid_settings_and_cli():
    with pytest.raises(ValueError, match="variant"):
        SageSettings(variant="gat").validate()
    args = build_parser().parse_args(["train", "sage", "--variant", "text", "--epochs", "3"])
    assert args.variant == "text" and args.epochs == 3 and callable(args.func)
    assert torch.is_tensor(build_graph(two_communities(), 0.0).test_pairs)


def test_damaged_graphsage_checkpoint_is_refused(free, tmp_path):
    import json

    from training.checkpoint import CheckpointError

    folder = free.save(tmp_path / "sage-free")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps("a string"))
    with pytest.raises(CheckpointError, match="sage-free/config.json: expected an object"):
        load_sage(folder)
    (folder / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k != "sha256"}))
    with pytest.raises(CheckpointError, match='records no "sha256"'):
        load_sage(folder)
