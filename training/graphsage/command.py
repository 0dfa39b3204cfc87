"""``kgqa train sage``: train a GraphSAGE link model (with or without text), print its held-out metrics, save it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.common import add_common_train_args, checkpoint_dir, resolve_device


def cmd_train_sage(args: argparse.Namespace) -> int:
    from assistant.kg import load_kg
    from training.graphsage import SageSettings, train_sage

    epochs = min(args.epochs, args.max_steps) if args.max_steps else args.epochs  # full batch: 1 step per epoch
    settings = SageSettings(variant=args.variant, dim=args.dim, layers=args.layers, epochs=epochs,
                            learning_rate=args.learning_rate, holdout=args.holdout, seed=args.seed,
                            device=resolve_device(args.device), text_source=args.text_source)
    settings.validate()
    kg = load_kg(args.kg)
    output = Path(args.output or checkpoint_dir(kg.name, f"graphsage-{settings.variant}"))
    result = train_sage(kg, settings, progress=not args.json)
    saved = result.save(output)
    if args.json:
        print(json.dumps({"output": str(saved), "metrics": result.metrics, "train_seconds": result.train_seconds}))
        return 0
    m = result.metrics
    print(f"{kg.name}: graphsage-{settings.variant}, {settings.dim}-d, {settings.epochs} epochs in "
          f"{result.train_seconds:.1f} s; final loss {result.losses[-1]:.3f}")
    if m:
        print(f"held-out edges ({m['test_pairs']}): AUC {m['auc']:.4f}  MRR {m['mrr']:.4f}  Hits@10 {m['hits@10']:.4f}"
              f"  MR {m['mr']:.0f} ({m['ranked']} rankings)")
    print(f"saved to {saved} (index it: kgqa index --encoder graphsage-{settings.variant} --checkpoint {saved})")
    return 0


def register(train: argparse._SubParsersAction) -> None:
    p = train.add_parser("sage", help="train a GraphSAGE link model (no text / SBERT text features)")
    add_common_train_args(p, epochs=100, batch_size=0, what="graphsage-<variant>")
    p.add_argument("--variant", choices=["free", "text"], default="free",
                   help="free: learnable 128-d node embeddings; text: SBERT node texts as input (inductive)")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--learning-rate", type=float, default=0.01)
    p.add_argument("--holdout", type=float, default=0.1, help="share of edges held out for AUC/MRR")
    p.add_argument("--text-source", choices=["index", "name"], default="index")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train_sage)
