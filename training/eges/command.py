"""``kgqa train eges``: EGES item embeddings from MovieLens sequences or the film KG, cold-start evaluation."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.common import add_common_train_args, checkpoint_dir

MOVIELENS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "movielens" / "ml-latest-small"


def cmd_train_eges(args: argparse.Namespace) -> int:
    from training.eges import EgesSettings, film_kg_graph, movielens_graph, train_eges

    settings = EgesSettings(dim=args.dim, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                            max_pairs=args.max_pairs or None)
    settings.validate()
    if args.source == "movielens":
        data, name = movielens_graph(args.movielens, holdout=args.holdout, seed=args.seed), "movielens"
    else:
        from assistant.kg import load_kg

        kg = load_kg(args.kg)
        data, name = film_kg_graph(kg, holdout=args.holdout, seed=args.seed), kg.name
    if args.max_steps:  # steps are batches of skip-gram pairs
        settings.max_pairs = min(settings.max_pairs or args.max_steps * settings.batch_size,
                                 args.max_steps * settings.batch_size)
        settings.epochs = 1
    model = train_eges(data, settings, progress=not args.json)
    output = Path(args.output or checkpoint_dir(name, "eges"))
    saved = model.save(output)
    if args.json:
        print(json.dumps({"output": str(saved), **{k: model.config.get(k) for k in ("cold_start", "type_weights")}}))
        return 0
    print(f"{name}: {data.graph.number_of_nodes()} items, {data.graph.number_of_edges()} co-occurrence edges; "
          f"side information {sorted(data.side_info)}; trained in {model.config['train_seconds']:.0f} s")
    print("mean learned weight per side-information type: "
          + ", ".join(f"{t} {w:.2f}" for t, w in model.config["type_weights"].items()))
    if "cold_start" in model.config:
        cs = model.config["cold_start"]
        print(f"cold start ({cs['evaluated']} held-out items, side information only): Hits@10 {cs['hits@10']:.3f} "
              f"(popularity baseline {cs['popularity_hits@10']:.3f})")
    print(f"saved to {saved}")
    return 0


def register(train: argparse._SubParsersAction) -> None:
    p = train.add_parser("eges", help="EGES item embeddings with side information (cold-start items)")
    add_common_train_args(p, epochs=3, batch_size=2048, what="eges")
    p.add_argument("--source", choices=["movielens", "kg"], default="kg",
                   help="movielens: rating sequences with genres+tags; kg: shared credits with genres+keywords")
    p.add_argument("--movielens", type=Path, default=MOVIELENS, help="ml-latest-small folder")
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--holdout", type=float, default=0.1, help="share of eligible items evaluated as cold start")
    p.add_argument("--max-pairs", type=int, default=2_000_000, help="skip-gram pairs per epoch (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train_eges)
