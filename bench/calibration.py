"""Calibration of inferred edges on held-out edges: expected calibration error and a reliability diagram.

    python bench/calibration.py                          # the film KG, the defaults of `kgqa train lp`
    python bench/calibration.py --kg ../shared/data/metaqa/kb_partial.txt.gz --epochs 10

Protocol (all splits seeded, over the KG's distinct triples):

- **test**: 5% held out from everything below; only ever used to measure.
- **calibration**: another 5% of the triples; model A (the default ComplEx-N3 recipe) trains on the
  remaining 90%, and each calibrator is fit on A's top-k candidates of the calibration edges' queries.
- **A on test**: A's candidates of the test queries (training and calibration edges excluded: they are
  stated), labelled by the test set, scored with the calibrator: ECE of the model the calibrator was fit on.
- **refit on test**: model B trains on training + calibration edges (95%: what `kgqa train lp` does
  after calibrating, on everything) and *A's* calibrator scores B's test candidates: the ECE of the
  protocol ``kgqa train lp`` ships, on edges none of the models saw. Two refits: from scratch (A's
  settings), and warm (A continued on the 95% for a quarter of the epochs: the default).

Prints one table (ECE over 15 equal-width bins, Brier score, log-loss, per method and feature set, and
the uncalibrated softmax probability for reference), over the candidates ``tails(k)`` returns (the k
most probable of each query's pool) and, in the last column, over the whole pool it weighs; writes the
reliability diagram of the shipped calibrator (A and the refits) to ``bench/results/calibration-<kg>.png``
and appends a record to ``bench/results/calibration.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG, set_offline  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def metrics(probs, labels) -> dict:
    import numpy as np

    from training.link_prediction.calibration import expected_calibration_error

    p = np.clip(probs, 1e-7, 1 - 1e-7)
    return {"ece": expected_calibration_error(probs, labels), "brier": float(np.mean((probs - labels) ** 2)),
            "log_loss": float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p))),
            "examples": len(labels), "positives": int(labels.sum()), "mean_p": float(np.mean(probs)),
            "rate": float(np.mean(labels))}


def plot(curves: dict[str, tuple], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from training.link_prediction.calibration import reliability_table

    fig, (ax, hist) = plt.subplots(2, 1, figsize=(5.5, 6.5), height_ratios=[3, 1], sharex=True)
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect")
    for (label, (probs, labels, ece)), marker in zip(curves.items(), "os^", strict=False):
        rows = [r for r in reliability_table(probs, labels) if r["count"]]
        ax.plot([r["confidence"] for r in rows], [r["accuracy"] for r in rows], marker=marker,
                label=f"{label} (ECE {ece:.3f})")
        hist.hist(probs, bins=15, range=(0, 1), alpha=0.5, label=label)
    ax.set_ylabel("share of candidates that are true")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    hist.set_yscale("log")
    hist.set_xlabel("calibrated probability")
    hist.set_ylabel("candidates")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kg", type=Path, default=DEFAULT_KG)
    parser.add_argument("--epochs", type=int, default=None, help="default: the `kgqa train lp` default")
    parser.add_argument("--embedding-dim", type=int, default=None)
    parser.add_argument("-k", type=int, default=10, help="candidates per query (the k of tails())")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, help="default: bench/results/calibration-<kg>.png")
    parser.add_argument("--records", type=Path, default=RESULTS / "calibration.jsonl")
    args = parser.parse_args(argv)
    set_offline()

    import numpy as np

    from assistant.kg import load_kg
    from training.link_prediction import TrainSettings, train_kge
    from training.link_prediction.calibration import Calibrator, candidate_examples, top_of_queries
    from training.link_prediction.data import LinkSplit, kg_triples, split_triples

    load_before = os.getloadavg()
    kg = load_kg(args.kg)
    settings = TrainSettings()
    if args.epochs:
        settings = replace(settings, epochs=args.epochs)
    if args.embedding_dim:
        settings = replace(settings, embedding_dim=args.embedding_dim)
    triples = kg_triples(kg)
    entities, relations = sorted(kg.nodes), sorted({r for _, r, _ in triples})
    outer = split_triples(triples, entities, relations, 0.05, args.seed + 1)
    inner = split_triples(outer.train, entities, relations, 0.05 / 0.95, args.seed)
    train, cal, test = inner.train, inner.test, outer.test
    print(f"{kg.name}: {len(triples):,} triples -> train {len(train):,} / calibration {len(cal):,} / "
          f"test {len(test):,}; {settings.model} dim {settings.embedding_dim}, {settings.epochs} epochs", flush=True)
    started = time.perf_counter()
    run_a = train_kge(kg, replace(settings, holdout=0.05), progress=True,
                      split=LinkSplit(train, [], cal, "holdout", entities, relations))
    model_a = run_a.predictor
    refit_split = LinkSplit(train + cal, [], test, "holdout", entities, relations)
    model_b = train_kge(kg, replace(settings, holdout=0.05), progress=True, split=refit_split).predictor
    warm_epochs = max(1, round(settings.epochs / 4))
    model_w = train_kge(kg, replace(settings, holdout=0.05, epochs=warm_epochs), progress=True, split=refit_split,
                        warm_start=run_a).predictor
    train_seconds = time.perf_counter() - started

    rows, curves, fitted = [], {}, {}
    for kind in ("evidence", "scores", "softmax"):
        fit_examples = candidate_examples(model_a, cal, train, args.k, kind=kind)
        on_a = candidate_examples(model_a, test, train + cal, args.k, kind=kind)
        on_b = candidate_examples(model_b, test, train + cal, args.k, kind=kind)
        on_w = candidate_examples(model_w, test, train + cal, args.k, kind=kind)
        scored = (("A", on_a), ("scratch refit", on_b), (f"warm refit ({warm_epochs} ep.)", on_w))
        if kind == "softmax":  # reference: the model's own 1-vs-all probability, uncalibrated
            for name, ex in scored:
                probs = np.exp(ex.features[:, 1])
                shown = top_of_queries(ex, probs, args.k)
                rows.append({"method": "none (softmax probability)", "features": "", "model": name,
                             **metrics(probs[shown], ex.labels[shown])})
        for method in ("platt", "isotonic"):
            calibrator = Calibrator.fit(fit_examples, method)
            fitted[(method, kind)] = calibrator
            for name, ex in scored:
                probs = calibrator.predict_examples(ex)
                shown = top_of_queries(ex, probs, args.k)  # what tails(k) returns
                rows.append({"method": method, "features": kind, "model": name,
                             **metrics(probs[shown], ex.labels[shown]),
                             "all_candidates_ece": metrics(probs, ex.labels)["ece"],
                             "per_relation": calibrator.info["per_relation"]})
                probs, labels = probs[shown], ex.labels[shown]
                if method == "platt" and kind == "evidence":
                    curves[{"A": "model A (fit on)"}.get(name, name)] = (probs, labels, rows[-1]["ece"])
    print(f"\n| calibrator | features | scored model | shown candidates (top {args.k} per query) | true | mean p "
          "| true rate | ECE | Brier | log-loss | ECE over the whole pool |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['method']} | {r['features']} | {r['model']} | {r['examples']:,} | {r['positives']:,} | "
              f"{r['mean_p']:.3f} | {r['rate']:.3f} | **{r['ece']:.4f}** | {r['brier']:.4f} | {r['log_loss']:.4f} | "
              f"{r.get('all_candidates_ece', float('nan')):.4f} |")
    path = args.plot or RESULTS / f"calibration-{kg.name}.png"
    plot(curves, path, f"{kg.name}: held-out test edges, top-{args.k} candidates per query\n"
                       f"{settings.model}-N3 dim {settings.embedding_dim}, Platt on scores and neighbourhood "
                       "evidence")
    load_after = os.getloadavg()
    print(f"\nreliability diagram: {path}\ntraining A and the refits: {train_seconds:.0f} s; load {load_before[0]:.1f} "
          f"before, {load_after[0]:.1f} after")
    record = {"kg": kg.name, "date": time.strftime("%Y-%m-%d %H:%M"), "settings": {
        "model": settings.model, "embedding_dim": settings.embedding_dim, "epochs": settings.epochs, "k": args.k},
        "split": {"train": len(train), "calibration": len(cal), "test": len(test)}, "rows": rows,
        "train_seconds": round(train_seconds, 1), "load_before": load_before, "load_after": load_after,
        "plot": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)}
    args.records.parent.mkdir(parents=True, exist_ok=True)
    with args.records.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
