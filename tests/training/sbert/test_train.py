"""A few real optimizer steps write a loadable model, a stage, the curve and the run's record."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from retrieval.encoders import EncoderUnavailable, load_encoder
from training.sbert.affinity import list_stages

#: the shared fixture trains for a few steps (about 15 s on a free 2-core CPU)
pytestmark = pytest.mark.slow



def test_run_writes_loadable_model_stage_and_metrics(tiny_run, base_encoder):
    out, report = tiny_run
    assert report.steps == 4 and report.stages == ["step-4"]
    assert (out / "model.safetensors").exists() and not (out / "pytorch_model.bin").exists()
    assert not out.with_name(out.name + ".partial").exists()
    encoder = load_encoder("sbert-ft", out)
    assert encoder.model.max_seq_length == 128  # trained on short texts, but indexes like the base model
    vec = encoder.encode(["George Lucas"])
    assert vec.shape == (1, 384) and np.isclose(np.linalg.norm(vec), 1.0, atol=1e-4)
    assert not np.allclose(vec, base_encoder.encode(["George Lucas"]), atol=1e-4)  # the weights moved
    stage = load_encoder("sbert-ft", out / "stages" / "step-4")
    assert np.allclose(stage.encode(["George Lucas"]), vec, atol=1e-5)
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert rows[0]["step"] == "0" and rows[-1]["step"] == "4" and len(rows) >= 3
    assert all(0.0 <= float(r["cosine_mrr@10"]) <= 1.0 for r in rows)
    record = json.loads((out / "training.json").read_text())
    assert record["settings"]["max_steps"] == 4 and record["pairs_per_s"] > 0
    assert set(record["base_metrics"]) == set(record["final_metrics"]) >= {"cosine_mrr@10", "cosine_ndcg@10"}
    assert list(list_stages(out)) == ["base", "step-4"]


def test_corrupt_checkpoint_is_a_clear_error(tiny_run, tmp_path):
    out, _ = tiny_run
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in out.iterdir():
        if f.is_file():
            (broken / f.name).write_bytes(f.read_bytes())
    for d in ("1_Pooling", "2_Normalize"):
        (broken / d).mkdir()
        (broken / d / "config.json").write_bytes((out / d / "config.json").read_bytes())
    (broken / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes()[:1000])
    with pytest.raises(EncoderUnavailable, match="missing or corrupt"):
        load_encoder("sbert-ft", broken)
    with pytest.raises(EncoderUnavailable, match="no checkpoint"):
        load_encoder("sbert-ft", tmp_path / "nothing-here")


def test_interrupted_run_leaves_the_previous_checkpoint(tiny_kg, tmp_path, monkeypatch, capsys):
    from sentence_transformers.sentence_transformer.trainer import SentenceTransformerTrainer

    from training.sbert.train import SBertSettings, train_sbert

    out = tmp_path / "sbert-ft"
    out.mkdir()
    (out / "model.safetensors").write_text("the previous run's weights")
    (out / "config_sentence_transformers.json").write_text('{"__version__": {"sentence_transformers": "6"}}')

    def ctrl_c(self, *args, **kwargs):  # what the user's Ctrl-C raises inside the training loop
        raise KeyboardInterrupt

    monkeypatch.setattr(SentenceTransformerTrainer, "train", ctrl_c)
    settings = SBertSettings(max_steps=2, batch_size=4, holdout=0.0, hard_negatives=False, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        train_sbert(tiny_kg, out, settings, progress=False)
    assert (out / "model.safetensors").read_text() == "the previous run's weights"
    assert f"{out} was left as it was" in capsys.readouterr().out


def test_retrained_checkpoint_changes_the_model_id(tiny_run, tmp_path):
    """An index must re-embed when `kgqa train sbert` rewrites the same folder."""
    import os
    import shutil

    from retrieval.encoders import SentenceEncoder

    out, _ = tiny_run
    copy = tmp_path / "sbert-ft"
    shutil.copytree(out, copy)
    before = SentenceEncoder("sbert-ft", copy).model_id
    weights = copy / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 1_000_000_000))
    assert SentenceEncoder("sbert-ft", copy).model_id != before


def test_a_folder_that_is_not_a_checkpoint_is_never_replaced(tiny_kg, tmp_path):
    from training.checkpoint import CheckpointError
    from training.sbert.train import SBertSettings, train_sbert

    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("keep me")
    with pytest.raises(CheckpointError, match="refusing to replace"):
        train_sbert(tiny_kg, out, SBertSettings(max_steps=1, batch_size=4, device="cpu"), progress=False)
    assert [p.name for p in out.iterdir()] == ["todo.txt"]
