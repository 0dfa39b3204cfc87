"""``kgqa train reranker``: fit the reranker's feature weights on question sets and save them."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from assistant.config import DEFAULT_KG

METAQA_DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "metaqa"


def register(train: argparse._SubParsersAction) -> None:
    p = train.add_parser("reranker", help="fit the reranker's feature weights (films questions + MetaQA dev)")
    p.add_argument("--kg", type=Path, default=DEFAULT_KG, help="KG whose questions.jsonl is used (default: films)")
    p.add_argument("--questions", type=Path, default=None, help="question set (default: <kg>/questions.jsonl)")
    p.add_argument("--metaqa", type=Path, default=METAQA_DEFAULT,
                   help="MetaQA folder: its dev questions (train part of the parser's 80/20 split) are added")
    p.add_argument("--metaqa-per-hop", type=int, default=300, help="MetaQA questions per hop (0: none)")
    p.add_argument("--output", type=Path, default=None,
                   help="where to save (default: the weights shipped in retrieval/rerank/reranker.json)")
    p.add_argument("--c", type=float, default=None,
                   help="inverse L2 strength of the logistic regression (default: chosen by 5-fold CV on the "
                        "training questions among 0.01, 0.1, 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.api import Assistant
    from assistant.evaluation.datasets import load_questions
    from retrieval.rerank.fit import collect, evaluate, fit, select_c
    from retrieval.rerank.model import default_reranker_path

    progress = not args.quiet
    bot = Assistant.from_path(args.kg, progress=progress)
    bot.reranker = None  # candidates and features only; the LP feature uses the best trained predictor
    items = load_questions(args.questions or Path(args.kg) / "questions.jsonl")
    train_items = [i for i in items if i.extra.get("split", "train") == "train"]
    test_items = [i for i in items if i.extra.get("split") == "test"]
    train = collect(bot, train_items, f"{bot.kg.name} train", progress)
    held = {f"{bot.kg.name} test": collect(bot, test_items, f"{bot.kg.name} test", progress)} if test_items else {}
    sets = {f"{bot.kg.name} train": len(train)}
    if args.metaqa_per_hop and args.metaqa.exists():
        mq_train, mq_held = _metaqa(args, progress)
        train += mq_train
        held["MetaQA dev held-out"] = mq_held
        sets["MetaQA dev (train part)"] = len(mq_train)
    elif args.metaqa_per_hop:
        print(f"MetaQA not found at {args.metaqa}; fitting on {bot.kg.name} questions only")
    c, cv = (args.c, {}) if args.c is not None else select_c(train, seed=args.seed)
    reranker = fit(train, c=c, seed=args.seed)
    report = {"train_sets": sets, "pairs": reranker.report["pairs"], "C": c, "cv_mrr": cv,
              "link_predictor": bot.link_predictor_used if bot.features.link_scorer else None, "held_out": {}}
    for name, questions in held.items():
        report["held_out"][name] = {"generator order": evaluate(None, questions), "reranked": evaluate(reranker,
                                                                                                        questions)}
    reranker.report.update(report)
    saved = reranker.save(args.output or default_reranker_path())
    print(json.dumps(report, indent=1))
    print("weights (on standardised features):")
    for name, w in sorted(reranker.weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {name:<18} {w:+.3f}")
    print(f"saved to {saved}")
    return 0


def _metaqa(args: argparse.Namespace, progress: bool):
    """MetaQA dev questions (brackets stripped), from the same 80/20 split the parser is fit on."""
    from assistant.api import Assistant
    from assistant.evaluation.datasets import QAItem
    from assistant.parsing.path_classifier import RelationPathClassifier
    from assistant.parsing.training import metaqa_dev_files, metaqa_split, train_from_metaqa
    from retrieval.rerank.fit import collect

    train, held = metaqa_split(metaqa_dev_files(args.metaqa), holdout=0.2, seed=0)
    bot = Assistant.from_path(args.metaqa / "kb_partial.txt.gz", build=False)
    if RelationPathClassifier.exists(bot.parser_dir):
        clf = RelationPathClassifier.load(bot.parser_dir, bot.encoder)
    else:
        clf = train_from_metaqa(train, bot.encoder, bot.parser_dir, progress=progress)
    bot.set_classifier(clf)
    rng = random.Random(args.seed)

    def sample(items: list[QAItem], n: int) -> list[QAItem]:
        out = []
        for hop in ("1-hop", "2-hop", "3-hop"):
            part = [i for i in items if i.id.startswith(hop)]
            out += rng.sample(part, min(n, len(part)))
        return [QAItem(i.id, i.question.replace("[", "").replace("]", ""), i.answers, i.type, i.topic)
                for i in out]

    return (collect(bot, sample(train, args.metaqa_per_hop), "MetaQA train", progress),
            collect(bot, sample(held, args.metaqa_per_hop // 2), "MetaQA held-out", progress))
