"""The inference interface answering calls: a calibrated predictor trained on the film KG (tiny settings)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from assistant.kg import load_kg
from assistant.kg.graph import Edge
from tests.conftest import FILMS
from training.checkpoint import CheckpointError
from training.common import checkpoint_dir
from training.link_prediction import TrainSettings
from training.link_prediction.answering import train_for_answering
from training.link_prediction.inference import InferredEdges, load_inferred_edges

JAWS, SPIELBERG = "project:jaws-1975", "person:steven-spielberg"
SMALL = TrainSettings(embedding_dim=16, epochs=4, batch_size=2000, seed=0)


@pytest.fixture(scope="module")
def kg():
    return load_kg(FILMS)


@pytest.fixture(scope="module")
def answered(kg):
    return train_for_answering(kg, SMALL, progress=False, log=lambda *a: None)


@pytest.fixture(scope="module")
def folder(answered, tmp_path_factory):
    return answered.predictor.save(tmp_path_factory.mktemp("ckpt") / "lp-complex")


@pytest.fixture(scope="module")
def edges(folder):
    return load_inferred_edges(folder)


def test_the_final_model_knows_every_triple_and_the_calibration_came_from_a_holdout(answered, kg):
    assert answered.final.split.source == "all" and not answered.final.split.test
    assert answered.calibration["protocol"] == "hold-out then refit on all"
    assert answered.calibration["refit"] == {"mode": "warm", "epochs": 1}
    heldout = answered.calibration["heldout_triples"]
    assert 0.04 < heldout / len(answered.final.split.train) <= 0.05
    assert answered.calibration_run.split.test and not set(answered.calibration_run.split.test) & set(
        answered.calibration_run.split.train)  # model A never saw what the calibrator was fit on
    assert answered.calibration["positives"] > 100


def test_interface_basics(edges, kg):
    assert isinstance(edges, InferredEdges)
    assert edges.relations == set(kg.relations())
    [directors] = edges.tails([JAWS], "directed", inverse=True, k=5)
    assert len(directors) == 5 and len({n for n, _ in directors}) == 5
    probs = [p for _, p in directors]
    assert probs == sorted(probs, reverse=True) and all(0.0 <= p <= 1.0 for p in probs)


def test_known_answers_are_excluded(edges, kg):
    stated = set(kg.neighbor_ids(JAWS, "directed", inverse=True))
    assert SPIELBERG in stated
    n = edges.predictor.num_entities
    [every] = edges.tails([JAWS], "directed", inverse=True, k=n, exclude_known=False)
    assert stated <= {node for node, _ in every}
    [missing] = edges.tails([JAWS], "directed", inverse=True, k=n)
    assert not stated & {node for node, _ in missing}
    assert len(missing) == len(every) - len(stated)
    # the forward direction too: Spielberg's stated films are not proposed as films he directed
    [films] = edges.tails([SPIELBERG], "directed", k=n)
    assert not set(kg.neighbor_ids(SPIELBERG, "directed")) & {node for node, _ in films}


def test_the_live_kg_decides_what_is_known(folder, kg):
    [before] = load_inferred_edges(folder).tails([JAWS], "directed", inverse=True, k=3)
    newcomer = before[0][0]
    live = load_kg(FILMS)
    live.add_edge(Edge(newcomer, "directed", JAWS))
    [after] = load_inferred_edges(folder, kg=live).tails([JAWS], "directed", inverse=True, k=3)
    assert newcomer not in {node for node, _ in after}
    assert {node for node, _ in before[1:]} <= {node for node, _ in after}


def test_unknown_ids_never_raise(edges):
    assert edges.tails(["person:nobody", JAWS], "directed", inverse=True, k=3)[0] == []
    assert edges.tails([JAWS], "no_such_relation", k=3) == [[]]
    assert edges.tails([], "directed") == []
    p = edges.probability(["person:nobody", SPIELBERG, SPIELBERG], ["directed", "no_such_relation", "directed"],
                          [JAWS, JAWS, JAWS])
    assert math.isnan(p[0]) and math.isnan(p[1]) and 0.0 <= p[2] <= 1.0
    with pytest.raises(ValueError, match="differ in length"):
        edges.probability([SPIELBERG], ["directed"], [])


def test_probability_is_the_same_number_tails_gives_from_either_direction(edges):
    [directors] = edges.tails([JAWS], "directed", inverse=True, k=4, exclude_known=False)
    heads = [node for node, _ in directors]
    np.testing.assert_allclose(edges.probability(heads, ["directed"] * 4, [JAWS] * 4),
                               [p for _, p in directors], rtol=1e-6)
    [films] = edges.tails([heads[0]], "directed", k=edges.predictor.num_entities, exclude_known=False)
    assert dict(films)[JAWS] == pytest.approx(dict(directors)[heads[0]], rel=1e-6)


def test_load_by_kg_name_and_none_when_nothing_is_trained(answered, tmp_path):
    assert load_inferred_edges("no-such-kg") is None
    assert load_inferred_edges(tmp_path / "empty") is None
    answered.predictor.save(checkpoint_dir("films", "lp-complex"))
    found = load_inferred_edges("films")
    assert found is not None and found.path == checkpoint_dir("films", "lp-complex")


def test_damaged_or_uncalibrated_checkpoints(folder, tmp_path, answered):
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in folder.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "calibration": {"method": "magic"}}))
    with pytest.raises(CheckpointError, match="calibration"):
        load_inferred_edges(copy)
    (copy / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k != "calibration"}))
    with pytest.raises(CheckpointError, match="without calibrated probabilities"):
        load_inferred_edges(copy)
    (copy / "config.json").write_text("[]")
    with pytest.raises(CheckpointError, match="expected an object"):
        load_inferred_edges(copy)
