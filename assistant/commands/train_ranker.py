"""``kgqa train ranker``: fit the reading ranker's weights and save them (by default as the shipped ones)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from assistant.config import DEFAULT_KG


def register(train: argparse._SubParsersAction) -> None:
    p = train.add_parser("ranker", help="fit the reading ranker (film questions + questions generated from "
                                        "the film KG and synthetic triples KGs)")
    p.add_argument("--kg", type=Path, default=DEFAULT_KG, help="the KG with a question set (default: films)")
    p.add_argument("--questions", type=Path, default=None, help="question set (default: <kg>/questions.jsonl)")
    p.add_argument("--per-kg", type=int, default=600, help="generated questions per KG")
    p.add_argument("--synthetic", type=int, default=2, help="synthetic triples KGs to generate questions from")
    p.add_argument("--output", type=Path, default=None,
                   help="where to save (default: the weights shipped in assistant/answering/ranker.json)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.answering.ranker import SHIPPED
    from assistant.answering.training import fit_shipped_ranker
    from assistant.api import Assistant
    from assistant.evaluation.datasets import load_questions
    from assistant.kg.loaders import save_native
    from training.matcher.synthetic import synthetic_kg

    progress = not args.quiet
    films = Assistant.from_path(args.kg, progress=progress)
    questions = load_questions(args.questions or Path(args.kg) / "questions.jsonl")
    train = [q for q in questions if q.extra.get("split") != "test"]
    test = [q for q in questions if q.extra.get("split") == "test"]
    synthetic = []
    with tempfile.TemporaryDirectory(prefix="kgqa-synthetic-") as tmp:
        for seed in range(1, args.synthetic + 1):
            folder = Path(tmp) / f"synthetic-{seed}"
            save_native(synthetic_kg(seed), folder)
            synthetic.append(Assistant.from_path(folder, index_dir=Path(tmp) / f"index-{seed}", build=False,
                                                 progress=False))
        ranker = fit_shipped_ranker(films, synthetic, train, test, per_kg=args.per_kg,
                                    out=args.output or SHIPPED, progress=progress)
    print(json.dumps(ranker.report, indent=1))
    print(f"saved to {args.output or SHIPPED}")
    return 0
