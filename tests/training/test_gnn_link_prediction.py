"""R-GCN encoder + DistMult decoder: learns the tiny KG, exports a loadable DistMult predictor, CLEP initialisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from assistant.kg import load_kg
from training.link_prediction import evaluate_filtered, load_link_predictor
from training.link_prediction.gnn import GNNSettings, clep_initial_embeddings, train_gnn

TINY = dict(embedding_dim=16, epochs=60, batch_size=16, dropout=0.0, learning_rate=0.02)


@pytest.fixture(scope="module")
def tiny_kg(tiny_kg_session_dir):
    return load_kg(tiny_kg_session_dir)


@pytest.fixture(scope="module")
def trained(tiny_kg):
    return train_gnn(tiny_kg, GNNSettings(**TINY), progress=False)


def test_rgcn_distmult_learns_the_tiny_kg(trained):
    assert trained.losses[-1] < trained.losses[0]
    p = trained.predictor
    assert evaluate_filtered(p, trained.split.train, trained.split.known())["mrr"] > 0.6
    top = [node for node, _ in p.rank_tails("person:john-williams", "composed_music_for", k=3)]
    assert set(top) == {"project:star-wars-1977", "project:jaws-1975", "project:jurassic-park-1993"}
    assert p.config["training"]["encoder"] == "rgcn" and p.config["training"]["init"] == "random"


def test_export_saves_and_loads_as_a_link_predictor(trained, tmp_path):
    loaded = load_link_predictor(trained.predictor.save(tmp_path / "lp-rgcn"))
    triples = trained.split.train[:5]
    np.testing.assert_allclose(loaded.score(*zip(*triples, strict=True)),
                               trained.predictor.score(*zip(*triples, strict=True)), rtol=1e-6)
    assert loaded.config["training"]["decoder"] == "distmult"


def test_missing_clep_checkpoint_is_a_clear_error(tiny_kg, tmp_path):
    with pytest.raises(ValueError, match="no CLEP checkpoint"):
        train_gnn(tiny_kg, GNNSettings(init_from=str(tmp_path / "none"), **TINY), progress=False)


@pytest.mark.slow
def test_clep_initialisation_copies_clep_entity_rows(tiny_kg, tmp_path, base_encoder):
    from training.clep import ClepSettings, load_clep, train_clep

    settings = ClepSettings(epochs=5, batch_size=16, embedding_dim=16, hidden_dim=32, output_dim=16, holdout=0.0,
                            device="cpu", cache_dir=tmp_path / "cache")
    path = train_clep(tiny_kg, settings, progress=False).clep.save(tmp_path / "clep")
    clep = load_clep(path)
    entities = sorted(tiny_kg.nodes)
    init, found = clep_initial_embeddings(path, entities)
    assert found == len(entities) and init.shape == (len(entities), 16)
    row = clep.entity_index["person:george-lucas"]
    assert torch.equal(init[entities.index("person:george-lucas")], clep.entity_embeddings()[row])
    result = train_gnn(tiny_kg, GNNSettings(init_from=str(path), **{**TINY, "epochs": 5}), progress=False)
    assert result.init.startswith("clep") and result.predictor.embedding_dim == 16
