"""CompGCN (PyKEEN's layer) + DistMult/ComplEx decoders: learns the tiny KG, exports, CLEP initialisation, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.kg import load_kg
from training.link_prediction import evaluate_filtered, load_link_predictor
from training.link_prediction.compgcn import CompGCNSettings, clep_table, train_compgcn

REPO = Path(__file__).resolve().parents[2]
TINY = dict(embedding_dim=16, epochs=60, batch_size=8, learning_rate=0.01, dropout=0.0, holdout=0.0, device="cpu")


@pytest.fixture(scope="module")
def tiny_kg(tiny_kg_session_dir):
    return load_kg(tiny_kg_session_dir)


@pytest.mark.parametrize("decoder", ["distmult", "complex"])
def test_compgcn_learns_the_tiny_kg_and_exports(tiny_kg, decoder, tmp_path):
    result = train_compgcn(tiny_kg, CompGCNSettings(decoder=decoder, **TINY), progress=False)
    p = result.predictor
    assert result.losses[-1] < result.losses[0]
    assert p.model == decoder and p.reciprocal and p.config["training"]["model"] == "compgcn"
    assert evaluate_filtered(p, result.split.train, result.split.known())["mrr"] > 0.5
    top = {node for node, _ in p.rank_tails("person:john-williams", "composed_music_for", k=3)}
    assert top == {"project:star-wars-1977", "project:jaws-1975", "project:jurassic-park-1993"}
    loaded = load_link_predictor(p.save(tmp_path / "lp-compgcn"))
    triples = list(zip(*result.split.train, strict=True))
    np.testing.assert_allclose(loaded.score(*triples), p.score(*triples), rtol=1e-5, atol=1e-6)


def test_settings_are_checked(tiny_kg, tmp_path):
    for bad in ({"decoder": "transe"}, {"layers": 0}, {"dropout": 1.0}, {"label_smoothing": 1.0}):
        with pytest.raises(ValueError):
            CompGCNSettings(**bad).validate()
    with pytest.raises(ValueError, match="no CLEP checkpoint"):
        train_compgcn(tiny_kg, CompGCNSettings(init_from=str(tmp_path / "none"), **TINY), progress=False)


@pytest.mark.slow
def test_clep_initialisation(tiny_kg, tmp_path, base_encoder):
    from training.clep import ClepSettings, load_clep, train_clep

    settings = ClepSettings(epochs=5, batch_size=16, embedding_dim=16, hidden_dim=32, output_dim=16, holdout=0.0,
                            device="cpu", cache_dir=tmp_path / "cache")
    path = train_clep(tiny_kg, settings, progress=False).clep.save(tmp_path / "clep")
    entities = sorted(tiny_kg.nodes)
    table, found = clep_table(str(path), entities)
    clep = load_clep(path)
    row = clep.entity_embeddings()[clep.entity_index["person:george-lucas"]]
    mine = table[entities.index("person:george-lucas")]
    assert found == len(entities)
    assert torch.nn.functional.cosine_similarity(mine, row, dim=0) > 0.999  # the same direction, rescaled
    result = train_compgcn(tiny_kg, CompGCNSettings(init_from=str(path), **{**TINY, "epochs": 3}), progress=False)
    assert result.predictor.config["training"]["init"].startswith("clep") and result.predictor.embedding_dim == 16


def test_cli_trains_compgcn(tiny_kg_session_dir, tmp_path):
    import os

    output = tmp_path / "lp-compgcn"
    env = {**os.environ, "KGQA_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "train", "lp", "--model", "compgcn", "--kg",
                          str(tiny_kg_session_dir), "--output", str(output), "--epochs", "2", "--embedding-dim", "8",
                          "--device", "cpu", "--calibration", "none"], capture_output=True, text=True, cwd=REPO,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"saved to {output.resolve()}" in out.stdout and "compgcn, dim 8" in out.stdout
    assert load_link_predictor(output).config["training"]["model"] == "compgcn"
    bad = subprocess.run([sys.executable, "-m", "assistant.cli", "train", "lp", "--init-from", str(tmp_path), "--kg",
                          str(tiny_kg_session_dir)], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert bad.returncode == 2 and "--init-from applies to --model compgcn" in bad.stderr
