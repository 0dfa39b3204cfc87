"""Link prediction: PyKEEN training on our triples, the exported torch scorer, checkpoints, evaluation, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.cli import build_parser
from assistant.kg import load_kg
from tests.conftest import FILMS, TINY_EDGES
from training.checkpoint import file_sha256
from training.link_prediction import (
    MODELS,
    CheckpointError,
    KGEPredictor,
    TrainSettings,
    UnknownIdError,
    default_output_dir,
    evaluate_filtered,
    load_link_predictor,
    split_kg,
    train_kge,
)
from training.link_prediction.evaluation import expected_random_mrr, filtered_ranks

REPO = Path(__file__).resolve().parents[2]
TINY = dict(embedding_dim=16, epochs=40, device="cpu", seed=0)


@pytest.fixture(scope="module")
def tiny_kg(tiny_kg_session_dir):
    return load_kg(tiny_kg_session_dir)


@pytest.fixture(scope="module")
def trained(tiny_kg):
    return train_kge(tiny_kg, TrainSettings(model="distmult", **TINY), progress=False)


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    return trained.predictor.save(tmp_path_factory.mktemp("lp") / "lp-distmult")


MERGED = sorted(m for m in MODELS if not MODELS[m].reciprocal)
RECIPROCAL = sorted(m for m in MODELS if MODELS[m].reciprocal)


def _random_predictor(model: str, num_entities: int = 7, num_relations: int = 3, dim: int = 4) -> KGEPredictor:
    gen = torch.Generator().manual_seed(1)
    spec = MODELS[model]
    width = 2 * dim if spec.is_complex else dim
    entities, relations = [f"e{i}" for i in range(num_entities)], [f"r{i}" for i in range(num_relations)]
    rows = 2 * num_relations if spec.reciprocal else num_relations
    extras = {name: torch.randn((dim, dim, dim) if name == "core" else (dim,), generator=gen) for name in spec.extras}
    return KGEPredictor(model, entities, relations, torch.randn(num_entities, width, generator=gen),
                        torch.randn(rows, width, generator=gen), extras=extras)


# ---- training ------------------------------------------------------------------------------
def test_distmult_learns_the_tiny_kg(trained, tiny_kg):
    assert trained.device == "cpu"
    assert trained.losses[-1] < trained.losses[0]
    assert trained.predictor.num_entities == tiny_kg.num_nodes
    assert sorted(trained.predictor.relation_ids) == tiny_kg.relations()
    # Everything was trained on (the two held-out triples had unseen endpoints), so rank the training facts.
    assert trained.split.test == [] and trained.split.moved_to_train == 2
    metrics = evaluate_filtered(trained.predictor, trained.split.train, trained.split.known())
    assert metrics["mrr"] > 0.5, metrics
    top = [node for node, _ in trained.predictor.rank_tails("person:steven-spielberg", "directed", k=2)]
    assert set(top) == {"project:jaws-1975", "project:jurassic-park-1993"}


@pytest.mark.parametrize("model", MERGED)
def test_exported_scores_equal_pykeen_scores(tiny_kg, model):
    """PyKEEN's loop: our plain-torch score is the mean of PyKEEN's forward and reciprocal scores."""
    result = train_kge(tiny_kg, TrainSettings(model=model, loop="pykeen", **{**TINY, "epochs": 5}), progress=False)
    p, triples = result.predictor, list(TINY_EDGES)
    hrt = torch.tensor([[p.entity_index[h], p.relation_index[r], p.entity_index[t]] for h, r, t in triples])
    with torch.no_grad():
        forward = result.model.predict_hrt(hrt).squeeze(-1)
        inverse = result.model.predict_h(hrt[:, 1:])[torch.arange(len(triples)), hrt[:, 0]]
    np.testing.assert_allclose(p.score(*zip(*triples, strict=True)), ((forward + inverse) / 2).numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model", RECIPROCAL)
def test_reciprocal_models_export_pykeens_scores_and_learn_the_tiny_kg(tiny_kg, model, tmp_path):
    """RotatE/TuckER keep both relation directions: tails score as PyKEEN's forward triples, heads via r^-1."""
    settings = TrainSettings(model=model, label_smoothing=0.1, batch_size=16, **{**TINY, "epochs": 60})
    result = train_kge(tiny_kg, settings, progress=False)
    p, triples = result.predictor, list(TINY_EDGES)
    assert p.relation_embeddings.shape[0] == 2 * p.num_relations
    hrt = torch.tensor([[p.entity_index[h], p.relation_index[r], p.entity_index[t]] for h, r, t in triples])
    result.model.eval()
    with torch.no_grad():
        forward = result.model.predict_hrt(hrt).squeeze(-1)
        heads = result.model.predict_h(hrt[:, 1:])
    np.testing.assert_allclose(p.score(*zip(*triples, strict=True)), forward.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(p.score_all_heads(hrt[:, 1], hrt[:, 2]).numpy(), heads.numpy(), rtol=1e-4, atol=1e-4)
    assert result.losses[-1] < result.losses[0]
    assert evaluate_filtered(p, result.split.train, result.split.known())["mrr"] > 0.6
    top = [node for node, _ in p.rank_tails("person:john-williams", "composed_music_for", k=3)]
    assert set(top) == {"project:star-wars-1977", "project:jaws-1975", "project:jurassic-park-1993"}
    loaded = load_link_predictor(p.save(tmp_path / model))
    assert loaded.model == model and set(loaded.extras) == set(p.extras)
    np.testing.assert_array_equal(loaded.score(*zip(*triples, strict=True)), p.score(*zip(*triples, strict=True)))


def test_n3_label_smoothing_and_time_budget_are_recorded(tiny_kg):
    settings = TrainSettings(model="complex", regularizer_weight=0.05, label_smoothing=0.1, max_minutes=1e-4,
                             **TINY)
    result = train_kge(tiny_kg, settings, progress=False)
    training = result.predictor.config["training"]
    assert training["stopped_by_time"] and result.steps < 40
    assert training["regularizer_weight"] == 0.05 and training["label_smoothing"] == 0.1
    with pytest.raises(ValueError, match="no N3 regularizer"):
        TrainSettings(model="tucker", regularizer_weight=0.1).validate()
    with pytest.raises(ValueError, match="label-smoothing"):
        TrainSettings(label_smoothing=1.0).validate()


def test_training_is_reproducible_with_a_seed(tiny_kg, trained):
    again = train_kge(tiny_kg, TrainSettings(model="distmult", **TINY), progress=False)
    assert torch.equal(again.predictor.entity_embeddings, trained.predictor.entity_embeddings)


def test_max_steps_stops_mid_epoch(tiny_kg):
    result = train_kge(tiny_kg, TrainSettings(model="distmult", max_steps=6, batch_size=8, **TINY),
                       progress=False)
    per_epoch = result.predictor.config["training"]["batches_per_epoch"]
    assert per_epoch > 3 and result.steps == 6 and result.epochs_run == 2


def test_invalid_settings_are_refused(tiny_kg):
    for bad in ({"model": "transe"}, {"epochs": 0}, {"max_steps": 0}, {"holdout": 0.9}, {"device": "tpu"}):
        with pytest.raises(ValueError):
            train_kge(tiny_kg, TrainSettings(**{**TINY, **bad}), progress=False)


# ---- splits and evaluation -----------------------------------------------------------------
def test_holdout_split_is_seeded_disjoint_and_keeps_test_nodes_seen():
    kg = load_kg(FILMS)
    a, b, c = split_kg(kg, 0.1, seed=0), split_kg(kg, 0.1, seed=0), split_kg(kg, 0.1, seed=1)
    assert a.test == b.test and a.test != c.test
    assert not set(a.test) & set(a.train)
    assert len(a.train) + len(a.test) == kg.num_edges - a.info["duplicates_dropped"]
    seen = {x for h, _, t in a.train for x in (h, t)}
    assert all(h in seen and t in seen for h, _, t in a.test)
    assert 0.08 < len(a.test) / (len(a.train) + len(a.test)) <= 0.1


def test_benchmark_split_comes_from_the_kg(tmp_path):
    """A train/valid/test triples folder is evaluated on its own test split."""
    triples = [(f"n{i}", "linked_to", f"n{(i + 1) % 12}") for i in range(12)] + \
              [(f"n{i}", "same_group", f"n{(i + 4) % 12}") for i in range(12)]
    folder = tmp_path / "bench"
    folder.mkdir()
    for name, part in (("train", triples[:20]), ("valid", triples[20:22]), ("test", triples[22:])):
        (folder / f"{name}.txt").write_text("".join("\t".join(t) + "\n" for t in part))
    kg = load_kg(folder)
    split = split_kg(kg)
    assert (split.source, len(split.train), len(split.valid), split.test) == ("benchmark", 20, 2, triples[22:])
    result = train_kge(kg, TrainSettings(**{**TINY, "epochs": 2}), progress=False)
    assert result.metrics["split"] == "test" and result.metrics["test_triples"] == 2


def test_filtered_ranks_by_hand():
    # DistMult in 1-D: score(h, r, t) = h * r * t with entities 3, 2, 1, 1 and r = 1.
    p = KGEPredictor("distmult", ["a", "b", "c", "d"], ["r"], torch.tensor([[3.0], [2.0], [1.0], [1.0]]),
                     torch.tensor([[1.0]]))
    # Tails of (c, r, ?) score 3, 2, 1, 1: "c" ties with "d" -> rank 3.5; filtering out the known
    # (c, r, a) moves it to 2.5. Heads of (?, r, c) score the same way.
    ranks = filtered_ranks(p, [("c", "r", "c")], [("c", "r", "c"), ("c", "r", "a")])
    assert ranks["tail"].tolist() == [2.5] and ranks["head"].tolist() == [3.5]
    metrics = evaluate_filtered(p, [("c", "r", "c")], [("c", "r", "c"), ("c", "r", "a")])
    assert metrics["mr"] == 3.0 and metrics["hits@3"] == 0.5 and metrics["count"] == 2
    assert expected_random_mrr(1) == 1.0 and expected_random_mrr(5800) < 0.002


# ---- scoring -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", sorted(MODELS))
def test_all_tails_and_all_heads_agree_with_score(model):
    p = _random_predictor(model)
    n = p.num_entities
    tails = p.score_all_tails(p.entity_rows(["e2"]), p.relation_rows(["r1"]))[0].numpy()
    heads = p.score_all_heads(p.relation_rows(["r1"]), p.entity_rows(["e2"]))[0].numpy()
    np.testing.assert_allclose(tails, p.score(["e2"] * n, ["r1"] * n, p.entity_ids), rtol=1e-5, atol=1e-5)
    if MODELS[model].reciprocal:  # heads of (?, r, t) are the tails of (t, r^-1, ?)
        rows = torch.arange(n)
        inverse = p.score_rows(p.entity_rows(["e2"] * n), p.inverse_rows(p.relation_rows(["r1"] * n)), rows)
        np.testing.assert_allclose(heads, inverse.numpy(), rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_allclose(heads, p.score(p.entity_ids, ["r1"] * n, ["e2"] * n), rtol=1e-5, atol=1e-6)
    if model == "complex":  # ComplEx is not symmetric
        assert not np.allclose(tails, heads)


def test_complex_score_is_the_real_part_of_the_trilinear_product():
    p = _random_predictor("complex")
    c = lambda x: torch.complex(*x.chunk(2, dim=-1))  # noqa: E731
    h, r, t = c(p.entity_embeddings[0]), c(p.relation_embeddings[1]), c(p.entity_embeddings[2])
    expected = torch.real((h * r * torch.conj(t)).sum()).item()
    assert p.score(["e0"], ["r1"], ["e2"])[0] == pytest.approx(expected, rel=1e-5)


def test_rank_tails_returns_known_nodes_best_first(trained, tiny_kg):
    p = trained.predictor
    ranked = p.rank_tails("person:john-williams", "composed_music_for", k=5)
    assert len(ranked) == 5 and all(node in tiny_kg.nodes for node, _ in ranked)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(float(p.score(["person:john-williams"], ["composed_music_for"],
                                                    [ranked[0][0]])[0]), rel=1e-5)
    assert len(p.rank_tails("person:john-williams", "composed_music_for", k=100)) == tiny_kg.num_nodes
    excluded = p.rank_tails("person:john-williams", "composed_music_for", k=3, exclude=[ranked[0][0]])
    assert ranked[0][0] not in [node for node, _ in excluded]
    heads = p.rank_heads("directed", "project:star-wars-1977", k=3)
    assert len(heads) == 3 and all(node in tiny_kg.nodes for node, _ in heads)
    with pytest.raises(ValueError, match="k must be at least 1"):
        p.rank_tails("person:john-williams", "composed_music_for", k=0)


def test_unknown_ids_give_clear_errors(trained):
    p = trained.predictor
    with pytest.raises(UnknownIdError, match="unknown node id 'person:nobody'") as info:
        p.score(["person:nobody"], ["directed"], ["project:jaws-1975"])
    assert isinstance(info.value, KeyError)
    with pytest.raises(KeyError, match="unknown relation 'married_to'; known relations: about, "):
        p.rank_tails("person:george-lucas", "married_to")
    with pytest.raises(KeyError, match="'project:nothing'"):
        p.rank_heads("directed", "project:nothing")
    with pytest.raises(ValueError, match="differ in length"):
        p.score(["person:george-lucas"], ["directed", "directed"], ["project:jaws-1975"])
    with pytest.raises(ValueError, match="sequences"):
        p.score("person:george-lucas", "directed", "project:jaws-1975")
    assert p.score([], [], []).shape == (0,)


# ---- checkpoints ---------------------------------------------------------------------------
def test_save_load_round_trip_gives_identical_scores(trained, saved):
    assert sorted(path.name for path in saved.iterdir()) == ["config.json", "embeddings.safetensors"]
    loaded = load_link_predictor(saved)
    assert isinstance(loaded, KGEPredictor) and loaded.model == "distmult" and loaded.embedding_dim == 16
    assert loaded.entity_ids == trained.predictor.entity_ids
    triples = trained.split.train
    heads, relations, tails = (list(x) for x in zip(*triples, strict=True))
    assert np.array_equal(loaded.score(heads, relations, tails), trained.predictor.score(heads, relations, tails))
    ranked, expected = (p.rank_tails("person:george-lucas", "directed", 4) for p in (loaded, trained.predictor))
    assert [n for n, _ in ranked] == [n for n, _ in expected]  # the same order; scores to float rounding
    np.testing.assert_allclose([s for _, s in ranked], [s for _, s in expected], rtol=1e-5)
    config = json.loads((saved / "config.json").read_text())
    assert config["training"]["seed"] == 0 and config["training"]["loss"] == "crossentropy"
    assert config["kg"]["name"] == "tiny" and config["num_entities"] == 16 and "metrics" in config


def test_save_replaces_an_old_checkpoint_and_refuses_other_folders(trained, tmp_path):
    target = trained.predictor.save(tmp_path / "ckpt")
    trained.predictor.save(target)  # replacing our own checkpoint is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]  # no temp or backup folders left
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing to replace"):
        trained.predictor.save(other)
    assert [p.name for p in other.iterdir()] == ["todo.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "notes"]  # the staged files were cleaned up


def _copy(saved: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    folder.mkdir()
    for path in saved.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_corrupt_checkpoints_give_clear_errors(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    weights, config_path = folder / "embeddings.safetensors", folder / "config.json"
    config = json.loads(config_path.read_text())

    weights.write_bytes(weights.read_bytes()[:100])  # truncated
    with pytest.raises(CheckpointError, match="corrupt checkpoint .*SHA-256"):
        load_link_predictor(folder)
    config_path.write_text(json.dumps({k: v for k, v in config.items() if k != "sha256"}))
    with pytest.raises(CheckpointError, match='records no "sha256"'):  # never loaded unchecked
        load_link_predictor(folder)
    config_path.write_text(json.dumps([config]))
    with pytest.raises(CheckpointError, match=r"copy/config.json: expected an object .* found list"):
        load_link_predictor(folder)
    config_path.write_text(json.dumps({**config, "weights": "../elsewhere.safetensors"}))
    with pytest.raises(CheckpointError, match="must name a file inside"):
        load_link_predictor(folder)
    config_path.write_text(json.dumps(config))
    weights.unlink()
    with pytest.raises(CheckpointError, match="embeddings.safetensors is missing"):
        load_link_predictor(folder)
    config_path.write_text("{not json")
    with pytest.raises(CheckpointError, match="invalid JSON"):
        load_link_predictor(folder)
    config_path.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(CheckpointError, match="not a link-predictor checkpoint"):
        load_link_predictor(folder)
    config_path.unlink()
    with pytest.raises(CheckpointError, match="config.json is missing"):
        load_link_predictor(folder)
    with pytest.raises(CheckpointError, match="folder not found"):
        load_link_predictor(tmp_path / "absent")


def test_checkpoint_with_mismatched_ids_is_refused(saved, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = _copy(saved, tmp_path)
    tensors = load_file(str(folder / "embeddings.safetensors"))
    save_file(tensors, str(folder / "embeddings.safetensors"),
              metadata={"entity_ids": json.dumps(["only-one"]), "relation_ids": json.dumps(["r"])})
    config = json.loads((folder / "config.json").read_text())
    config["sha256"] = file_sha256(folder / "embeddings.safetensors")  # a consistent but wrong checkpoint
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="16 entity rows for 1 ids"):
        KGEPredictor.load(folder)


# ---- CLI -----------------------------------------------------------------------------------
def _run_cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYSTOW_HOME": str(tmp_path / "pystow"), "KGQA_HOME": str(tmp_path / "home")}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def test_cli_trains_evaluates_and_saves(tiny_kg_session_dir, tmp_path):
    output = tmp_path / "out" / "lp"
    out = _run_cli("train", "lp", "--kg", str(tiny_kg_session_dir), "--output", str(output), "--epochs", "2",
                   "--device", "cpu", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"saved to {output.resolve()}" in out.stdout
    assert "tiny: 16 nodes, 18 edges -> final model on 18 triples (all triples" in out.stdout, out.stdout
    assert "2 steps (2 epochs)" in out.stdout and "too few edges to hold any out for calibration" in out.stdout
    assert load_link_predictor(output).config["training"]["epochs"] == 2

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me")
    out = _run_cli("train", "lp", "--kg", str(tiny_kg_session_dir), "--output", str(notes), "--epochs", "1",
                   tmp_path=tmp_path)
    assert out.returncode == 2 and "refusing to replace" in out.stderr and "Training" not in out.stderr


def test_cli_ctrl_c_leaves_the_previous_checkpoint_untouched(trained, tiny_kg_session_dir, tmp_path):
    output = trained.predictor.save(tmp_path / "lp")
    before = {p.name: p.read_bytes() for p in output.iterdir()}
    env = {**os.environ, "PYSTOW_HOME": str(tmp_path / "pystow"), "KGQA_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "train", "lp", "--kg", str(tiny_kg_session_dir),
                             "--output", str(output), "--epochs", "1000000", "--device", "cpu"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env)
    try:
        seen, deadline = b"", time.monotonic() + 120
        while b"1-vs-all:" not in seen and time.monotonic() < deadline and proc.poll() is None:
            seen += proc.stderr.read1(4096)
        assert b"1-vs-all:" in seen, seen.decode(errors="replace")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr.decode(errors="replace")
    assert f"interrupted; nothing was written to {output}" in stderr.decode()
    assert {p.name: p.read_bytes() for p in output.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("pystow")) == ["lp"]


def test_cli_model_choices_match_the_registry(tmp_path, monkeypatch):
    parser = build_parser()
    for name in MODELS:
        assert parser.parse_args(["train", "lp", "--model", name]).model == name
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "lp", "--model", "transe"])
    monkeypatch.setenv("KGQA_HOME", str(tmp_path))
    assert default_output_dir("films", "complex") == tmp_path / "checkpoints" / "films" / "lp-complex"


@pytest.mark.slow
def test_distmult_on_the_film_kg_beats_random_by_far():
    kg = load_kg(FILMS)
    result = train_kge(kg, TrainSettings(model="distmult", epochs=8, device="cpu"), progress=False)
    metrics = result.metrics
    assert metrics["test_triples"] > 1000
    assert metrics["mrr"] > 0.15 and metrics["mrr"] > 50 * metrics["random_mrr"], metrics
    assert metrics["hits@10"] > 0.3, metrics
