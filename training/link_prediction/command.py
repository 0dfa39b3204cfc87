"""``kgqa train lp`` (the predictor answering uses, or any KGE / CompGCN model) and ``kgqa train lp-rgcn``.

``kgqa train lp --kg PATH`` with its defaults trains ComplEx-N3 in the 1-vs-all loop on **all** of the
KG's triples, calibrates its probabilities on a held-out 5% first (hold out, calibrate, refit:
:mod:`training.link_prediction.answering`) and saves it to ``$KGQA_HOME/checkpoints/<kg name>/lp-complex``,
where :func:`training.link_prediction.inference.load_inferred_edges` finds it. ``--holdout F`` makes it an
evaluation run instead: trained on the other ``1 - F``, scored by filtered ranking on ``F`` (and
calibrated on ``F``), no refit.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

from training.common import add_common_train_args, checkpoint_dir, resolve_device

MODEL_CHOICES = ("complex", "distmult", "rotate", "tucker", "compgcn")


def _output_name(args: argparse.Namespace) -> str:
    if args.model == "compgcn":
        return "lp-compgcn" + ("-clep" if args.init_from else "")
    return f"lp-{args.model}"


def _print_metrics(metrics: dict, out=print) -> None:
    out(f"filtered metrics, head and tail prediction ({metrics['count']} rankings):")
    for label, m in (("both", metrics), ("tail", metrics["tail"]), ("head", metrics["head"])):
        out(f"  {label:<5} MRR {m['mrr']:.4f}  MR {m['mr']:.1f}  Hits@1 {m['hits@1']:.4f}  "
            f"Hits@3 {m['hits@3']:.4f}  Hits@10 {m['hits@10']:.4f}")
    out(f"  (a random ranking scores MRR {metrics['random_mrr']:.4f})")


def cmd_train_lp(args: argparse.Namespace) -> int:
    """Train (and by default calibrate) a link predictor, print what it reached and save it."""
    from assistant.kg import load_kg
    from training.link_prediction.answering import train_for_answering
    from training.link_prediction.kge import check_replaceable
    from training.link_prediction.train import TrainSettings, train_kge

    resolve_device(args.device)  # a clear error now for --device cuda without a GPU
    model = args.model
    common = dict(embedding_dim=args.embedding_dim, max_steps=args.max_steps,
                  batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed, device=args.device,
                  holdout=args.holdout, label_smoothing=args.label_smoothing,
                  regularizer_weight=args.regularizer_weight, max_minutes=args.max_minutes)
    if model == "compgcn":
        from training.link_prediction.compgcn import CompGCNSettings, train_compgcn

        settings = CompGCNSettings(decoder=args.decoder, layers=args.layers, epochs=args.epochs or 30,
                                   init_from=str(args.init_from) if args.init_from else None, **common)
        trainer = train_compgcn
    else:
        if args.init_from:
            raise ValueError("--init-from applies to --model compgcn (and `kgqa train lp-rgcn`)")
        settings = TrainSettings(model=model, loss=args.loss, loop=args.loop, optimizer=args.optimizer,
                                 candidates=args.candidates, epochs=args.epochs or TrainSettings.epochs, **common)
        trainer = train_kge
    settings.validate()
    kg = load_kg(args.kg)
    output = Path(args.output or checkpoint_dir(kg.name, _output_name(args)))
    check_replaceable(output)  # fail now rather than after training
    say = (lambda *a, **k: None) if args.json else functools.partial(print, flush=True)
    progress = not (args.json or args.quiet)
    try:
        if args.calibration == "none":
            result = trainer(kg, settings, progress)
            predictor, final, calibration = result.predictor, result, None
        else:
            answered = train_for_answering(kg, settings, method=args.calibration, evaluate=args.holdout,
                                           progress=progress, log=say, trainer=trainer)
            predictor, final, calibration = answered.predictor, answered.final, answered.calibration
        predictor.config["kg"]["path"] = str(Path(args.kg).resolve())
        saved = predictor.save(output)
    except KeyboardInterrupt:
        print(f"interrupted; nothing was written to {output}", file=sys.stderr)
        return 130
    metrics = final.metrics
    if args.json:
        print(json.dumps({"output": str(saved), "metrics": metrics, "split": final.split.summary(),
                          "calibration": calibration, "training": predictor.config["training"]}, indent=2))
        return 0
    split = final.split.summary()
    source = {"benchmark": "the KG's own test split", "all": "all triples, nothing held out"}.get(
        split["source"], f"seeded {args.holdout:.0%} hold-out, {split['moved_to_train']} kept in training")
    say(f"{kg.name}: {kg.num_nodes} nodes, {kg.num_edges} edges -> final model on {split['train']} triples "
        f"({source})")
    loss = f", final loss {final.losses[-1]:.3f}" if final.losses else ""
    say(f"{model}, dim {settings.embedding_dim}: {final.steps} steps ({final.epochs_run} epoch"
        f"{'' if final.epochs_run == 1 else 's'}) on {final.device} in {final.train_seconds:.1f} s{loss}")
    if metrics:
        _print_metrics(metrics, say)
    elif calibration and "calibration_model_metrics" in calibration:
        m = calibration["calibration_model_metrics"]
        if m.get("mrr") is not None:
            say(f"model A on the 5% calibration hold-out: MRR {m['mrr']:.4f}  Hits@1 {m['hits@1']:.4f}  "
                f"Hits@10 {m['hits@10']:.4f}")
    calibrated = "calibration" in predictor.config
    say(f"saved to {saved}" + (" (calibrated; load_inferred_edges finds it for answering)" if calibrated else
                               " (not calibrated: answering does not propose inferred edges from it)"))
    return 0


def cmd_train_lp_rgcn(args: argparse.Namespace) -> int:
    from assistant.kg import load_kg
    from training.link_prediction.gnn import GNNSettings, train_gnn
    from training.link_prediction.kge import check_replaceable

    settings = GNNSettings(embedding_dim=args.embedding_dim, layers=args.layers, epochs=args.epochs,
                           batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed,
                           holdout=args.holdout, max_minutes=args.max_minutes,
                           init_from=str(args.init_from) if args.init_from else None, max_steps=args.max_steps,
                           device=resolve_device(args.device))
    settings.validate()
    kg = load_kg(args.kg)
    output = Path(args.output or checkpoint_dir(kg.name, "lp-rgcn" + ("-clep" if args.init_from else "")))
    check_replaceable(output)
    result = train_gnn(kg, settings, progress=not args.json)
    result.predictor.config["kg"]["path"] = str(Path(args.kg).resolve())
    saved = result.predictor.save(output)
    m = result.metrics
    if args.json:
        print(json.dumps({"output": str(saved), "metrics": m, "init": result.init, "epochs_run": result.epochs_run,
                          "train_seconds": result.train_seconds}))
        return 0
    print(f"{kg.name}: R-GCN + DistMult, init {result.init}, {result.epochs_run} epochs in "
          f"{result.train_seconds:.0f} s")
    if m:
        print(f"filtered test metrics: MRR {m['mrr']:.4f}  MR {m['mr']:.1f}  Hits@1 {m['hits@1']:.4f}  "
              f"Hits@3 {m['hits@3']:.4f}  Hits@10 {m['hits@10']:.4f}")
    print(f"saved to {saved} (loads with load_link_predictor, scores as DistMult over the encoded entities)")
    return 0


def register(train: argparse._SubParsersAction) -> None:
    p = train.add_parser("lp", help="train the link predictor answering uses (default: ComplEx-N3 on all triples, "
                                    "calibrated), or any KGE / CompGCN model")
    add_common_train_args(p, epochs=0, batch_size=500, what="lp-<model>")
    p.set_defaults(epochs=None)  # each model's own default: 8 for the 1-vs-all KGE models, 30 for CompGCN
    p.add_argument("--model", choices=MODEL_CHOICES, default="complex")
    p.add_argument("--candidates", choices=["auto", "all", "type"], default="auto",
                   help="1-vs-all over every entity (all) or the relation's answer types (type); auto: type above "
                        "20,000 entities")
    p.add_argument("--embedding-dim", type=int, default=100)
    p.add_argument("--learning-rate", type=float, default=None,
                   help="default: 0.1 with Adagrad (the 1-vs-all loop), 0.01 with Adam (PyKEEN's loop, CompGCN)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--holdout", type=float, default=0.0,
                   help="evaluation run: hold this share out, report filtered MRR/Hits@k on it and calibrate on it "
                        "(default 0: train on every triple, calibrate on a 5%% hold-out first, then refit)")
    p.add_argument("--calibration", choices=["platt", "isotonic", "none"], default="platt",
                   help="how probabilities are calibrated on held-out edges (none: no calibration)")
    p.add_argument("--label-smoothing", type=float, default=0.0, help="of the 1-vs-all targets (e.g. 0.1)")
    p.add_argument("--regularizer-weight", type=float, default=None,
                   help="N3 weight (default 0.05 for the 1-vs-all loop, else 0)")
    p.add_argument("--loss", default="crossentropy", help="PyKEEN loop: crossentropy (softmax) or bcewithlogits")
    p.add_argument("--loop", choices=["auto", "1vsall", "pykeen"], default="auto",
                   help="auto: the 1-vs-all loop for distmult/complex, PyKEEN's LCWA loop for rotate/tucker")
    p.add_argument("--optimizer", choices=["auto", "adagrad", "adam"], default="auto")
    p.add_argument("--max-minutes", type=float, default=None, help="stop training after N minutes")
    p.add_argument("--decoder", choices=["distmult", "complex"], default="distmult", help="compgcn: the decoder")
    p.add_argument("--layers", type=int, default=1, help="compgcn: message-passing layers")
    p.add_argument("--init-from", type=Path, default=None,
                   help="compgcn: a CLEP checkpoint whose entity table initialises the entity inputs")
    p.add_argument("--quiet", action="store_true", help="no progress")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train_lp)

    p = train.add_parser("lp-rgcn", help="train an R-GCN encoder + DistMult decoder link predictor")
    add_common_train_args(p, epochs=30, batch_size=512, what="lp-rgcn")
    p.add_argument("--embedding-dim", type=int, default=64, help="ignored with --init-from (CLEP's width)")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--learning-rate", type=float, default=0.01)
    p.add_argument("--holdout", type=float, default=0.1)
    p.add_argument("--max-minutes", type=float, default=None)
    p.add_argument("--init-from", type=Path, default=None, help="CLEP checkpoint folder for the entity inputs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train_lp_rgcn)
