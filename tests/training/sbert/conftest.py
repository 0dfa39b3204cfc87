"""A tiny fine-tuning run shared by the sbert tests (a few optimizer steps on the tiny film KG)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_kg(tiny_kg_session_dir):
    from assistant.kg import load_kg

    return load_kg(tiny_kg_session_dir)


@pytest.fixture(scope="session")
def tiny_run(tiny_kg, tmp_path_factory, base_encoder):
    """``(output folder, report)`` of a 4-step run on the tiny KG (CPU, batch 4, 20% of edges held out)."""
    from training.sbert.train import SBertSettings, train_sbert

    out = tmp_path_factory.mktemp("sbert") / "sbert-ft"
    settings = SBertSettings(epochs=1, batch_size=4, max_steps=4, learning_rate=2e-4, holdout=0.2,
                             device="cpu", evals_per_epoch=2)
    return out, train_sbert(tiny_kg, out, settings, progress=False)
