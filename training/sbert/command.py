"""``kgqa train sbert``: fine-tune the base encoder on a KG's verbalised facts (checkpoint name ``sbert-ft``)."""

from __future__ import annotations

import argparse
import json

from training.common import add_common_train_args, resolve_device

NAME = "sbert-ft"


def cmd_train_sbert(args: argparse.Namespace) -> int:
    from assistant.kg import load_kg
    from training.common import checkpoint_dir
    from training.sbert.train import SBertSettings, train_sbert

    if args.epochs < 1 or args.batch_size < 2:
        raise ValueError("--epochs must be ≥ 1 and --batch-size ≥ 2 (in-batch negatives need a batch)")
    if args.max_steps is not None and args.max_steps < 1:
        raise ValueError("--max-steps must be ≥ 1")
    resolve_device(args.device)  # a clear error now for --device cuda without a GPU, not after loading the KG
    kg = load_kg(args.kg)
    settings = SBertSettings(
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate, max_steps=args.max_steps,
        holdout=args.holdout, max_train_pairs=args.max_pairs or None, hard_negatives=not args.no_hard_negatives,
        cached_loss=args.cached_loss, device=args.device, seed=args.seed,
    )
    output = args.output or checkpoint_dir(kg.name, NAME)
    report = train_sbert(kg, output, settings, progress=not args.quiet)
    print(json.dumps({"output": report.output, "base": report.base_metrics, "final": report.final_metrics,
                      "pairs_per_s": round(report.pairs_per_s, 1), "stages": report.stages}) if args.json else report)
    if not args.json:
        print(f"use it: kgqa index --kg {args.kg} --encoder {NAME}" + ("" if args.output is None
                                                                       else f" --checkpoint {report.output}"))
    return 0


def register(train_subparsers) -> None:
    """Add ``kgqa train sbert``."""
    p = train_subparsers.add_parser(
        "sbert", help="fine-tune the SentenceTransformer on the KG's facts (MNRL, same-type hard negatives)",
        description="Verbalise the KG's edges, descriptions and people's roles/skills into pairs, fine-tune "
                    "all-MiniLM-L6-v2 with MultipleNegativesRankingLoss and hard negatives mined within each "
                    "node type, evaluate on held-out edges, save a stage per epoch. Uses CUDA when present; "
                    "`accelerate launch -m assistant.cli train sbert ...` for several GPUs.")
    add_common_train_args(p, epochs=2, batch_size=32, what=NAME)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--holdout", type=float, default=0.05, help="share of edges held out for evaluation (seeded)")
    p.add_argument("--max-pairs", type=int, default=3000,
                   help="seeded sample of training pairs (0: all of them; the default keeps CPU runs to minutes)")
    p.add_argument("--no-hard-negatives", action="store_true", help="plain in-batch negatives only")
    p.add_argument("--cached-loss", action="store_true",
                   help="CachedMultipleNegativesRankingLoss: large batches in little memory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_train_sbert)
