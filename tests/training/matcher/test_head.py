"""The matcher head: trained on precomputed embeddings, it must beat the untrained encoder it starts from."""

from __future__ import annotations

import json

import numpy as np

from assistant.kg import load_kg
from training.matcher.head import HeadSettings, MatcherHead, embed_examples, head_accuracy, save_head, train_head
from training.matcher.questions import QuestionGenerator


def test_head_learns_to_rank_the_right_reading_and_round_trips(tiny_kg_dir, base_encoder, tmp_path):
    kg = load_kg(tiny_kg_dir)
    train = QuestionGenerator(kg, seed=1).generate(300)
    held = QuestionGenerator(kg, seed=2).generate(120)
    rows, vectors = embed_examples(train + held, base_encoder.encode)
    head = train_head(train, rows, vectors, HeadSettings(epochs=20, batch_size=64))
    identity = MatcherHead.identity(vectors.shape[1])
    assert head_accuracy(head, held, rows, vectors) > head_accuracy(identity, held, rows, vectors)
    manifest = save_head(head, tmp_path / "matcher", "base", {"trained_on": {kg.name: 300}})
    assert json.loads((tmp_path / "matcher" / "matcher.json").read_text())["sha256"] == manifest["sha256"]
    again = MatcherHead.load(tmp_path / "matcher" / "head.safetensors")
    np.testing.assert_allclose(again.questions(vectors[:3]), head.questions(vectors[:3]), rtol=1e-5)
