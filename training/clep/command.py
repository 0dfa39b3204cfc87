"""``kgqa train clep``: align the graph with entity descriptions, print filtered link-prediction metrics, save."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from training.common import add_common_train_args, checkpoint_dir


def _print_metrics(title: str, metrics: dict) -> None:
    print(title)
    for label, m in (("both", metrics), ("tail", metrics["tail"]), ("head", metrics["head"])):
        print(f"  {label:<5} MRR {m['mrr']:.4f}  MR {m['mr']:.1f}  Hits@1 {m['hits@1']:.4f}  "
              f"Hits@3 {m['hits@3']:.4f}  Hits@10 {m['hits@10']:.4f}")
    print(f"  (a random ranking scores MRR {metrics['random_mrr']:.4f})")


def cmd_train_clep(args: argparse.Namespace) -> int:
    from assistant.kg import load_kg
    from training.clep import ClepSettings, NoDescriptionsError, train_clep

    settings = ClepSettings(epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size,
                            learning_rate=args.learning_rate, embedding_dim=args.embedding_dim,
                            output_dim=args.output_dim, graph_layer=args.graph_layer, seed=args.seed,
                            device=args.device, holdout=args.holdout, valid_every=args.valid_every,
                            cache_dir=args.cache_dir, head_text=args.head_text)
    try:
        settings.validate()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    kg = load_kg(args.kg)
    output = Path(args.output or checkpoint_dir(kg.name, "clep"))
    if output.exists() and any(output.iterdir()) and not (output / "config.json").exists():
        print(f"error: {output} exists and is not a CLEP checkpoint; choose another --output", file=sys.stderr)
        return 2
    try:
        result = train_clep(kg, settings, progress=not (args.json or args.quiet))
        result.clep.config["kg"]["path"] = str(Path(args.kg).resolve())
        saved = result.clep.save(output)
    except NoDescriptionsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; nothing was written to {output} (an earlier checkpoint there is intact)",
              file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({"output": str(saved), "metrics": result.metrics, "history": result.history,
                          "training": result.clep.config["training"]}, indent=2))
        return 0
    split = result.data.split.summary()
    print(f"{kg.name}: {kg.num_nodes} nodes, {len(result.data.texts)} distinct texts; {split['train']} train / "
          f"{split['test']} test triples ({split['source']} split)")
    print(f"CLEP: {result.steps} steps ({result.epochs_run:.1f} epochs, batch {settings.batch_size}) on "
          f"{result.device} in {result.train_seconds:.1f} s (+{result.embed_seconds:.1f} s text embeddings), "
          f"final loss {result.losses[-1]:.3f}")
    if result.metrics:
        _print_metrics(f"cross-space filtered test metrics, head and tail prediction ({result.metrics['count']} "
                       f"rankings, {result.eval_seconds:.1f} s):", result.metrics)
    else:
        print("no test triples: nothing evaluated")
    print(f"saved to {saved}")
    return 0


def register(train_subparsers) -> None:
    """Add ``kgqa train clep``."""
    p = train_subparsers.add_parser("clep", help="CLEP: align (head, relation) graph vectors with tail descriptions")
    add_common_train_args(p, epochs=20, batch_size=1024, what="clep")
    p.add_argument("--learning-rate", type=float, default=2e-3)
    p.add_argument("--embedding-dim", type=int, default=256)
    p.add_argument("--output-dim", type=int, default=256, help="width of the shared text-graph space")
    p.add_argument("--graph-layer", choices=["none", "rgcn"], default="none",
                   help="one full-batch R-GCN layer over the training graph (slow on large KGs on CPU)")
    p.add_argument("--head-text", action="store_true",
                   help="text-enhanced graph tower: add the head's mapped description to its entity state")
    p.add_argument("--holdout", type=float, default=0.1,
                   help="test fraction for KGs without their own split (benchmarks use theirs)")
    p.add_argument("--valid-every", type=int, default=0, help="rank a validation sample every N epochs")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="text-embedding cache (default: $KGQA_HOME/cache/clep)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print metrics as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train_clep)
