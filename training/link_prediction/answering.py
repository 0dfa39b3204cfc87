"""The predictor answering uses: trained on all of a KG's triples, with probabilities calibrated on held-out edges.

**Protocol (hold out, calibrate, refit).** Calibration must be fit on edges the model did not train
on, yet the predictor answering uses should know every stated edge. So:

1. a seeded ``calibration_holdout`` share (5%) of the KG's distinct triples is held out (keeping in
   training any triple whose head, tail or relation would otherwise be unseen);
2. model A trains on the other 95% with the final settings;
3. A's top-k candidates for every held-out query (its training edges excluded, as ``tails()`` does at
   answer time) are labelled true when the held-out set holds them, and the calibrator is fit on them
   (:mod:`training.link_prediction.calibration`);
4. model B, trained on 100% of the triples, is saved with A's calibrator. By default B continues A
   (a warm start: A's matrices and Adagrad state, a quarter of the epochs on all triples), which costs
   1.25 trainings instead of 2; ``refit="scratch"`` trains B from a random start with A's settings.

Why not cross-fitting: K folds cost K + 1 trainings instead of 2, and the calibrator is only as good as
the number of held-out positives, which 5% of a KG gives in plenty (800 on the film KG, 6,400 on the
MetaQA KB). Why not keep A as the final model: then 5% of the stated facts would be unknown to the
predictor that proposes missing ones. The risk of the refit is that B's scores are distributed
differently from A's; ``bench/calibration.py`` measures it: the ECE of A's calibrator applied to a
warm and to a scratch refit on edges none of them saw, next to the ECE on A itself.

With ``evaluate`` > 0 (an evaluation run) the model trains on the rest, is scored on the held-out
share by filtered ranking, and is calibrated on that same held-out share (it never trained on it);
there is no refit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from assistant.kg import KnowledgeGraph
from training.link_prediction.calibration import (
    DEFAULT_FEATURES,
    Calibrator,
    candidate_examples,
    expected_calibration_error,
)
from training.link_prediction.data import split_kg
from training.link_prediction.kge import KGEPredictor
from training.link_prediction.train import TrainResult, TrainSettings, train_kge

#: Share of the triples held out to fit the calibration on.
CALIBRATION_HOLDOUT = 0.05


@dataclass
class AnsweringResult:
    """What :func:`train_for_answering` produced.

    Attributes:
        predictor: The final predictor (trained on all triples unless ``evaluate``), calibration in its config.
        calibrator: The fitted calibrator (``None`` when the KG was too small to hold edges out).
        final: The final model's training run.
        calibration_run: The run of model A (``None`` when ``evaluate`` reused the final model).
        calibration: How the calibration went (examples, positives, in-sample ECE, protocol).
        seconds: Wall time of everything.
    """

    predictor: KGEPredictor
    calibrator: Calibrator | None
    final: TrainResult
    calibration_run: TrainResult | None
    calibration: dict = field(default_factory=dict)
    seconds: float = 0.0


def train_for_answering(kg: KnowledgeGraph, settings: TrainSettings | None = None, *,
                        calibration_holdout: float = CALIBRATION_HOLDOUT, method: str = "platt", k: int = 10,
                        features: str = DEFAULT_FEATURES, refit: str = "warm", refit_epochs: int | None = None,
                        evaluate: float = 0.0, progress: bool = True, log=print,
                        trainer=None) -> AnsweringResult:
    """Train and calibrate the link predictor answering uses (see the module docstring for the protocol).

    Args:
        kg: The KG (a benchmark KG's own split is ignored: every edge counts alike).
        settings: Training settings (their ``holdout`` is ignored).
        calibration_holdout: Share of triples held out for the calibration fit.
        method: ``"platt"`` or ``"isotonic"``.
        k: Candidates per held-out query in the calibration set (the ``k`` of ``tails()``).
        features: Calibration features, ``"evidence"`` (default), ``"scores"`` or ``"softmax"`` (see
            :func:`training.link_prediction.calibration.edge_features`).
        refit: ``"warm"``: model B continues model A (its matrices and optimizer state) on all triples for
            ``refit_epochs`` (default a quarter of the epochs, at least 1); ``"scratch"``: B trains from a
            random start for the full epochs. Only the 1-vs-all loop can warm-start; others refit from scratch.
        refit_epochs: Epochs of a warm refit.
        evaluate: Hold this share out for evaluation instead, calibrate on it and do not refit.
        progress: Show training progress.
        log: Where progress sentences go.
        trainer: ``(kg, settings, progress, split) -> TrainResult``; default :func:`train_kge`
            (the CompGCN trainer has the same signature).

    Raises:
        ValueError: Invalid settings or a KG without edges.
    """
    settings = settings or TrainSettings()
    train = trainer or train_kge
    started = time.perf_counter()
    share = evaluate if evaluate > 0 else calibration_holdout
    split = split_kg(kg, share, settings.seed, own_split=False)
    if not split.test:  # every held-out edge had an endpoint seen nowhere else: nothing to calibrate on
        log(f"{kg.name}: too few edges to hold any out for calibration; training on all "
            f"{len(split.train):,} triples without calibrated probabilities (answering will not use it)")
        final = train(kg, replace(settings, holdout=0.0), progress, split_kg(kg, 0.0, settings.seed, own_split=False))
        return AnsweringResult(final.predictor, None, final, None, {"protocol": "none: too few edges"},
                               time.perf_counter() - started)
    log(f"{kg.name}: calibration hold-out {len(split.test):,} of {len(split.train) + len(split.test):,} triples "
        f"({share:.0%}, seed {settings.seed}); training model A on the other {len(split.train):,}")
    first = train(kg, replace(settings, holdout=share), progress, split)
    examples = candidate_examples(first.predictor, split.test, split.train, k, kind=features)
    calibrator = Calibrator.fit(examples, method)
    in_sample = expected_calibration_error(calibrator.predict_examples(examples), examples.labels)
    calibration = {"protocol": "evaluation hold-out, no refit" if evaluate > 0 else "hold-out then refit on all",
                   "holdout": share, "seed": settings.seed, "k": k, "method": method,
                   "features": features, "heldout_triples": len(split.test), "examples": len(examples),
                   "positives": int(examples.labels.sum()), "in_sample_ece": round(in_sample, 4),
                   "calibration_model_metrics": {k: first.metrics.get(k) for k in ("mrr", "hits@1", "hits@10")}}
    log(f"calibration ({method}): {len(examples):,} candidates of {len(split.test):,} held-out edges, "
        f"{calibration['positives']:,} true; {calibrator.info['per_relation']} relation directions with their own "
        f"model; in-sample ECE {in_sample:.4f}")
    if evaluate > 0:
        final, calibration_run = first, None
    else:
        all_split = split_kg(kg, 0.0, settings.seed, own_split=False)
        warm = refit == "warm" and first.loop_state is not None
        epochs = (refit_epochs or max(1, round(settings.epochs / 4))) if warm else settings.epochs
        log(f"refitting on all {len(all_split.train):,} triples (model B, "
            f"{'warm start from A' if warm else 'from scratch'}, {epochs} epochs)")
        b_settings = replace(settings, holdout=0.0, epochs=epochs)
        final = (train(kg, b_settings, progress, all_split, warm_start=first) if warm
                 else train(kg, b_settings, progress, all_split))
        calibration_run = first
        calibration["refit"] = {"mode": "warm" if warm else "scratch", "epochs": epochs}
    predictor = final.predictor
    predictor.config["calibration"] = {**calibrator.to_dict(), "info": {**calibrator.info, **calibration}}
    return AnsweringResult(predictor, calibrator, final, calibration_run, calibration,
                           time.perf_counter() - started)
