"""``kgqa train matcher``: the reading matcher for one KG, or the default one shipped with the package.

    kgqa train matcher [--kg PATH]            # a head over the frozen encoder, fit on this KG's generated
                                              # questions (and general ones): minutes on 2 CPU cores
    kgqa train matcher --kind lora            # a LoRA adapter of the encoder itself (slower; GPU welcome)
    kgqa train matcher --shipped              # the default matcher in retrieval/matcher_default/
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.config import DEFAULT_KG


def register(train: argparse._SubParsersAction) -> None:
    p = train.add_parser("matcher", help="fit the reading matcher (questions generated from the KG)")
    p.add_argument("--kg", type=Path, default=DEFAULT_KG, help="KG to generate questions from")
    p.add_argument("--kind", choices=["head", "lora", "full"], default="head",
                   help="head: two linear maps over the frozen encoder (fast); lora: an adapter of the encoder; "
                        "full: every weight (GPUs)")
    p.add_argument("--questions", type=int, default=3000, help="generated questions from this KG")
    p.add_argument("--general", type=int, default=3000,
                   help="generated questions from synthetic triples KGs mixed in, so the matcher keeps "
                        "reading relation names it has not seen")
    p.add_argument("--shipped", action="store_true",
                   help="train the default matcher shipped with the package (film KG + synthetic KGs)")
    p.add_argument("--output", type=Path, default=None,
                   help="matcher folder (default: $KGQA_HOME/checkpoints/<kg>/matcher, or the shipped folder)")
    p.add_argument("--max-steps", type=int, default=None, help="lora/full: stop after N optimizer steps")
    p.add_argument("--device", default="auto")
    p.add_argument("--embed-cache", type=Path, default=None,
                   help="head: an .npz of base-encoder embeddings reused across runs (and extended)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from training.matcher.pipeline import train_for_kg

    report = train_for_kg(args.kg, kind=args.kind, kg_questions=args.questions, general=args.general,
                          shipped=args.shipped, output=args.output, max_steps=args.max_steps, device=args.device,
                          seed=args.seed, progress=not args.quiet, embed_cache=args.embed_cache)
    print(json.dumps({k: v for k, v in report.items() if k != "settings"}, indent=1))
    return 0
