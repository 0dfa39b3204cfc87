"""Calibration: Platt and isotonic maps recover known probabilities, per relation where there is data; ECE by hand."""

from __future__ import annotations

import numpy as np
import pytest

from training.link_prediction.calibration import (
    CalibrationExamples,
    Calibrator,
    expected_calibration_error,
    reliability_table,
)


def _synthetic(n: int, seed: int, keys: tuple[str, ...] = ("a",), slope: dict | None = None) -> CalibrationExamples:
    """Labels drawn from a known logistic function of the first feature, whose slope depends on the key."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(keys, size=n)
    x = rng.normal(size=(n, 2))
    s = np.array([(slope or {}).get(k, 2.0) for k in chosen])
    p = 1 / (1 + np.exp(-(s * x[:, 0] - 1.0)))
    return CalibrationExamples(chosen.tolist(), x, (rng.random(n) < p).astype(float), "scores")


def test_ece_by_hand():
    probs = np.array([0.1, 0.1, 0.9, 0.9])
    labels = np.array([0, 1, 1, 1])
    # bin of 0.1: rate 0.5 vs 0.1 -> 0.4; bin of 0.9: rate 1.0 vs 0.9 -> 0.1; weighted: (2*0.4 + 2*0.1) / 4
    assert expected_calibration_error(probs, labels) == pytest.approx(0.25)
    assert expected_calibration_error(labels.astype(float), labels) == 0.0
    rows = reliability_table(probs, labels, bins=10)
    assert [r["count"] for r in rows if r["count"]] == [2, 2] and rows[1]["accuracy"] == 0.5


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibrated_on_one_sample_is_calibrated_on_another(method):
    calibrator = Calibrator.fit(_synthetic(20_000, 0), method)
    test = _synthetic(20_000, 1)
    probs = calibrator.predict_examples(test)
    assert expected_calibration_error(probs, test.labels) < 0.02
    raw = 1 / (1 + np.exp(-test.features[:, 0]))  # an uncalibrated squashing of the same score
    assert expected_calibration_error(raw, test.labels) > 0.1


def test_relations_with_enough_data_get_their_own_model():
    slopes = {"steep": 6.0, "flat": 0.5, "rare": 2.0}
    train = _synthetic(30_000, 0, ("steep", "flat"), slopes)
    rare = _synthetic(40, 2, ("rare",), slopes)
    examples = CalibrationExamples(train.keys + rare.keys, np.vstack([train.features, rare.features]),
                                   np.concatenate([train.labels, rare.labels]), "scores")
    calibrator = Calibrator.fit(examples, "platt", min_examples=30)
    assert set(calibrator.per_key) == {"steep", "flat"}  # "rare" has < 30 positives: the global model
    for key in ("steep", "flat"):
        test = _synthetic(20_000, 3, (key,), slopes)
        assert expected_calibration_error(calibrator.predict_examples(test), test.labels) < 0.03
    global_only = Calibrator.fit(examples, "platt", min_examples=10**9)
    steep = _synthetic(20_000, 3, ("steep",), slopes)
    assert expected_calibration_error(global_only.predict_examples(steep), steep.labels) > \
        expected_calibration_error(calibrator.predict_examples(steep), steep.labels)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_round_trip_through_json(method):
    import json

    calibrator = Calibrator.fit(_synthetic(5_000, 0, ("a", "b")), method, min_examples=30)
    again = Calibrator.from_dict(json.loads(json.dumps(calibrator.to_dict())))
    test = _synthetic(1_000, 1, ("a", "b", "unseen"))
    np.testing.assert_allclose(again.predict_examples(test), calibrator.predict_examples(test))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="method"):
        Calibrator.fit(_synthetic(100, 0), "magic")
    with pytest.raises(ValueError, match="no calibration examples"):
        Calibrator.fit(CalibrationExamples([], np.zeros((0, 2)), np.zeros(0)))
    for bad in (None, [], {"method": "platt"}, {"method": "platt", "global": {"method": "platt", "mean": [0]}},
                {"method": "platt", "per_relation": [], "global": {}}, {"method": "isotonic", "features": "x"}):
        with pytest.raises(ValueError):
            Calibrator.from_dict(bad)
    # one class only: the observed rate, smoothed, not a crash
    only_false = CalibrationExamples(["a"] * 50, np.zeros((50, 2)), np.zeros(50))
    assert 0 < Calibrator.fit(only_false).predict(["a"], np.zeros((1, 2)))[0] < 0.05
