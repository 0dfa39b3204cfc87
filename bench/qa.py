"""Question-answering benchmark: MetaQA (held-out dev, brackets stripped) and the film question set.

    python bench/qa.py                 # MetaQA 1/2/3-hop + films, printed as one table
    python bench/qa.py --limit 500     # questions per MetaQA hop (default 1000)
    python bench/qa.py --ablation      # full system vs unranked, dense-only and traversal-only baselines

MetaQA: the relation-path classifier is fit on 80% of the dev questions (their qtype labels); the
other 20% are held out and asked with the brackets removed, so entity linking is tested too.
"Reachable" questions are those where the gold relation path, walked from the gold topic entity in
``kb_partial.txt.gz``, reaches at least one gold answer (the partial KB lacks ~4% of MetaQA's facts).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.api import Assistant  # noqa: E402
from assistant.config import DEFAULT_KG, set_offline  # noqa: E402
from assistant.evaluation.datasets import QAItem, load_questions  # noqa: E402
from assistant.evaluation.runner import evaluate  # noqa: E402
from assistant.kg.normalize import normalize_name  # noqa: E402
from assistant.parsing.metaqa import qtype_to_path  # noqa: E402
from assistant.parsing.path_classifier import RelationPathClassifier  # noqa: E402
from assistant.parsing.training import metaqa_dev_files, metaqa_split, train_from_metaqa  # noqa: E402
from assistant.traversal import walk  # noqa: E402

METAQA = ROOT.parent / "shared" / "data" / "metaqa"
HOPS = ("1-hop", "2-hop", "3-hop")


#: ablations: (assistant mode, use the fitted reranker); baselines rank in their generator's own order
MODES = {"full": ("full", True), "full, unranked": ("full", False), "dense only": ("dense", False),
         "traversal only": ("traversal", False)}


def reachable(bot: Assistant, item: QAItem) -> bool:
    path = qtype_to_path(item.type)
    start_type = bot.kg.schema.relations[path[0].relation]
    start_type = start_type.target_type if path[0].inverse else start_type.source_type
    start = f"{start_type}:{item.topic}"
    if start not in bot.kg.nodes:
        return False
    gold = {normalize_name(a) for a in item.answers}
    return any(normalize_name(bot.kg.nodes[n].name) in gold for n in walk(bot.kg, start, path))


def stripped(item: QAItem) -> QAItem:
    text = item.question.replace("[", "").replace("]", "")
    return QAItem(item.id, text, item.answers, item.type, item.topic)


def bench_metaqa(limit: int, seed: int, workers: int, modes: list[str]) -> list[dict]:
    if not METAQA.exists():
        print(f"MetaQA not found at {METAQA}; skipping")
        return []
    train, held = metaqa_split(metaqa_dev_files(METAQA), holdout=0.2, seed=seed)
    bot = Assistant.from_path(METAQA / "kb_partial.txt.gz", build=False)
    if RelationPathClassifier.exists(bot.parser_dir):
        clf = RelationPathClassifier.load(bot.parser_dir, bot.encoder)
    else:
        started = time.perf_counter()
        clf = train_from_metaqa(train, bot.encoder, bot.parser_dir, progress=True)
        print(f"fit the relation-path classifier on {len(train)} dev questions in "
              f"{time.perf_counter() - started:.0f}s")
    bot.set_classifier(clf)
    rows = []
    rng = random.Random(seed)
    fitted = bot.reranker
    for hop in HOPS:
        items = [i for i in held if i.id.startswith(hop)]
        items = rng.sample(items, min(limit, len(items)))
        ok = {i.id for i in items if reachable(bot, i)}
        for mode in modes:  # no vector index for MetaQA: "full" is the graph candidates, reranked
            if mode == "dense only":
                continue
            bot.mode, bot.reranker = MODES[mode][0], (fitted if MODES[mode][1] else None)
            report = evaluate(bot, [stripped(i) for i in items], k=10, workers=workers, progress=True)
            rows.append(_metaqa_row(f"MetaQA {hop}" + ("" if mode == "full" else f" ({mode})"), items, ok, report))
        bot.mode, bot.reranker = "full", fitted
    return rows


def _metaqa_row(name: str, items: list[QAItem], ok: set[str], report) -> dict:
    reach = [r for r in report.results if r.item.id in ok]
    return {"set": name, "n": len(items), "reachable": len(ok) / len(items),
            "hits1_reachable": sum(r.score.hits1 for r in reach) / max(1, len(reach)),
            "hits1": report.overall.hits1, "hits10": report.overall.hitsk, "mrr": report.overall.mrr,
            "p50": report.overall.latency_p50_ms, "p95": report.overall.latency_p95_ms}


def bench_films(split: str, workers: int, modes: list[str]) -> list[dict]:
    items = [i for i in load_questions(DEFAULT_KG / "questions.jsonl") if i.extra.get("split", split) == split]
    bot = Assistant.from_path(DEFAULT_KG)
    fitted = bot.reranker
    rows = []
    for mode in modes:
        bot.mode, bot.reranker = MODES[mode][0], (fitted if MODES[mode][1] else None)
        report = evaluate(bot, items, k=10, workers=workers, progress=True)
        rows.append({"set": f"films {split} ({mode})", "n": len(items), "reachable": 1.0,
                     "hits1_reachable": report.overall.hits1, "hits1": report.overall.hits1,
                     "hits10": report.overall.hitsk, "mrr": report.overall.mrr,
                     "p50": report.overall.latency_p50_ms, "p95": report.overall.latency_p95_ms})
        if mode == "full":
            report.write_report(ROOT / "bench" / "results" / f"films_{split}.md")
    bot.mode, bot.reranker = "full", fitted
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=1000, help="held-out questions per MetaQA hop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--ablation", action="store_true", help="films: also dense-only and traversal-only")
    parser.add_argument("--skip-metaqa", action="store_true")
    parser.add_argument("--skip-films", action="store_true")
    parser.add_argument("--films-split", default="test")
    args = parser.parse_args()
    set_offline()
    modes = list(MODES) if args.ablation else ["full"]
    rows = [] if args.skip_metaqa else bench_metaqa(args.limit, args.seed, args.workers,
                                                    ["full", "traversal only"] if args.ablation else ["full"])
    if not args.skip_films:
        rows += bench_films(args.films_split, args.workers, modes)
    head = (f"{'set':<36} {'n':>5} {'reach':>6} {'H@1 reach':>9} {'H@1':>6} {'H@10':>6} {'MRR':>6} "
            f"{'p50 ms':>7} {'p95 ms':>7}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(f"{r['set']:<36} {r['n']:>5} {r['reachable']:>6.1%} {r['hits1_reachable']:>9.3f} {r['hits1']:>6.3f} "
              f"{r['hits10']:>6.3f} {r['mrr']:>6.3f} {r['p50']:>7.1f} {r['p95']:>7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
