"""``kgqa train lp-rgcn``: the R-GCN encoder + DistMult decoder link predictor, optionally CLEP-initialised."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.common import add_common_train_args, checkpoint_dir, resolve_device


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
