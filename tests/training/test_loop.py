"""The 1-vs-all loop: N3 by hand, it learns the tiny KG, type-constrained answers, warm starts."""

from __future__ import annotations

import pytest
import torch

from assistant.kg import load_kg
from training.link_prediction import TrainSettings, evaluate_filtered, load_link_predictor, train_kge
from training.link_prediction.kge import MODELS
from training.link_prediction.loop import n3_penalty, training_examples

TINY = dict(embedding_dim=16, epochs=60, batch_size=8, device="cpu", seed=0, holdout=0.0)


@pytest.fixture(scope="module")
def tiny_kg(tiny_kg_session_dir):
    return load_kg(tiny_kg_session_dir)


def test_n3_is_the_cubed_modulus_averaged_over_the_batch():
    h = torch.tensor([[3.0, 0.0, 4.0, 1.0]])  # ComplEx [re | im]: moduli 5 and 1
    r = torch.zeros(1, 4)
    t = torch.tensor([[0.0, 2.0, 0.0, 0.0]])  # moduli 0 and 2
    assert float(n3_penalty(MODELS["complex"], h, r, t)) == pytest.approx(125 + 1 + 8, rel=1e-4)
    x = torch.tensor([[-2.0, 1.0], [1.0, 0.0]])
    assert float(n3_penalty(MODELS["distmult"], x)) == pytest.approx((8 + 1 + 1) / 2)


def test_examples_include_reciprocals():
    triples = torch.tensor([[0, 1, 2]])
    assert training_examples(triples, num_relations=3).tolist() == [[0, 1, 2], [2, 4, 0]]


@pytest.mark.parametrize("candidates", ["all", "type"])
def test_complex_n3_learns_the_tiny_kg(tiny_kg, candidates, tmp_path):
    result = train_kge(tiny_kg, TrainSettings(candidates=candidates, **TINY), progress=False)
    p = result.predictor
    assert result.losses[-1] < result.losses[0] and p.reciprocal
    assert p.config["training"]["training_loop"] == "1vsall" and p.config["training"]["candidates"] == candidates
    assert evaluate_filtered(p, result.split.train, result.split.known())["mrr"] > 0.6
    top = {node for node, _ in p.rank_tails("person:john-williams", "composed_music_for", k=3)}
    assert top == {"project:star-wars-1977", "project:jaws-1975", "project:jurassic-park-1993"}
    loaded = load_link_predictor(p.save(tmp_path / "lp"))
    triples = list(zip(*result.split.train, strict=True))
    torch.testing.assert_close(torch.from_numpy(loaded.score(*triples)), torch.from_numpy(p.score(*triples)))
    if candidates == "type":  # only people direct, only projects are directed
        mask = loaded.answer_mask(torch.tensor([loaded.relation_index["directed"]]))[0]
        allowed = {loaded.entity_ids[i] for i in mask.nonzero()[:, 0].tolist()}
        assert allowed == {n.id for n in tiny_kg.nodes.values() if n.type == "project"}
        inverse = loaded.answer_mask(torch.tensor([loaded.relation_index["directed"]]), inverse=True)[0]
        assert {loaded.entity_ids[i] for i in inverse.nonzero()[:, 0].tolist()} == \
            {n.id for n in tiny_kg.nodes.values() if n.type == "person"}
    else:
        assert loaded.answer_mask(torch.tensor([0])) is None


def test_a_warm_start_continues_the_run(tiny_kg):
    first = train_kge(tiny_kg, TrainSettings(**{**TINY, "epochs": 10}), progress=False)
    warm = train_kge(tiny_kg, TrainSettings(**{**TINY, "epochs": 1}), progress=False, split=first.split,
                     warm_start=first)
    cold = train_kge(tiny_kg, TrainSettings(**{**TINY, "epochs": 1}), progress=False, split=first.split)
    assert warm.losses[0] < first.losses[0] and warm.losses[0] < cold.losses[0]
    assert warm.predictor.config["training"]["warm_start"] is True
    # the optimizer state came along: one more epoch moves the embeddings far less than a fresh Adagrad would
    moved = (warm.predictor.entity_embeddings - first.predictor.entity_embeddings).norm()
    assert moved < first.predictor.entity_embeddings.norm()
    with pytest.raises(ValueError, match="warm start"):
        train_kge(tiny_kg, TrainSettings(model="rotate", loop="pykeen", **{**TINY, "epochs": 1}), progress=False,
                  warm_start=first)


def test_loop_settings_are_checked():
    for bad in ({"loop": "fast"}, {"optimizer": "sgd"}, {"candidates": "some"}, {"model": "rotate", "loop": "1vsall"},
                {"init_scale": 0.0}, {"eval_every": -1}):
        with pytest.raises(ValueError):
            TrainSettings(**bad).validate()
    assert TrainSettings().resolved_learning_rate() == 0.1 and TrainSettings().resolved_regularizer_weight() == 0.05
    assert TrainSettings(model="tucker").resolved_regularizer_weight() == 0.0
    assert TrainSettings().resolved_candidates(5_800) == "all" and TrainSettings().resolved_candidates(43_000) == "type"
