"""Question-answering benchmark: MetaQA zero-shot and supervised, and the film question set.

    python bench/qa.py                      # MetaQA (1,000 held-out dev questions per hop) + films
    python bench/qa.py --limit 300          # fewer MetaQA questions per hop
    python bench/qa.py --sets films         # only the film question set (test and train splits)
    python bench/qa.py --baseline           # also: the untrained MiniLM ranking the paths alone

MetaQA questions are asked with their brackets removed, so entity linking is part of the test.
- **zero-shot**: nothing of MetaQA's questions is used anywhere: the shipped matcher (trained on the
  film KG and synthetic KGs), fitted on first use to the MetaQA KB from questions generated from the
  KB alone, and the shipped ranker.
- **supervised**: the relation-path classifier is fit on a seeded 80% of MetaQA dev (its question-type
  labels) and the ranker refit with those questions; questions are from the other 20%.
Both settings are scored on the same held-out 20% ("the look part" used to diagnose failures while
building was a separate seeded sample of the 80%). "Reachable": the gold relation path, walked from
the gold topic entity in ``kb_partial.txt.gz``, reaches a gold answer (the partial KB lacks ~4%).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.api import RANKER_FILE, Assistant  # noqa: E402
from assistant.config import DEFAULT_KG, set_offline  # noqa: E402
from assistant.evaluation.datasets import QAItem, load_questions  # noqa: E402
from assistant.evaluation.runner import evaluate  # noqa: E402
from assistant.kg.normalize import normalize_name  # noqa: E402
from assistant.parsing.metaqa import qtype_to_path  # noqa: E402
from assistant.traversal import walk  # noqa: E402

METAQA = ROOT.parent / "shared" / "data" / "metaqa"
HOPS = ("1-hop", "2-hop", "3-hop")
RESULTS = ROOT / "bench" / "results"


def reachable(bot: Assistant, item: QAItem) -> bool:
    path = qtype_to_path(item.type)
    spec = bot.kg.schema.relations[path[0].relation]
    start = f"{spec.target_type if path[0].inverse else spec.source_type}:{item.topic}"
    if start not in bot.kg.nodes:
        return False
    gold = {normalize_name(a) for a in item.answers}
    return any(normalize_name(bot.kg.nodes[n].name) in gold for n in walk(bot.kg, start, path))


def stripped(item: QAItem) -> QAItem:
    return QAItem(item.id, item.question.replace("[", "").replace("]", ""), item.answers, item.type, item.topic)


def row(name: str, items: list[QAItem], ok: set[str], report) -> dict:
    reach = [r for r in report.results if r.item.id in ok]
    return {"set": name, "n": len(items), "reachable": len(ok) / max(1, len(items)),
            "hits1_reachable": sum(r.score.hits1 for r in reach) / max(1, len(reach)),
            "hits1": report.overall.hits1, "hits10": report.overall.hitsk, "mrr": report.overall.mrr,
            "p50": report.overall.latency_p50_ms, "p95": report.overall.latency_p95_ms}


def metaqa_items(limit: int, seed: int) -> tuple[list[QAItem], dict[str, list[QAItem]]]:
    from assistant.parsing.training import metaqa_dev_files, metaqa_split

    train, held = metaqa_split(metaqa_dev_files(METAQA), holdout=0.2, seed=seed)
    rng = random.Random(seed)
    by_hop = {}
    for hop in HOPS:
        pool = [i for i in held if i.id.startswith(hop)]
        by_hop[hop] = rng.sample(pool, min(limit, len(pool)))
    return train, by_hop


def bench_metaqa(limit: int, seed: int, workers: int, settings: list[str], baseline: bool) -> list[dict]:
    if not METAQA.exists():
        print(f"MetaQA not found at {METAQA}; skipping")
        return []
    train, by_hop = metaqa_items(limit, seed)
    rows = []
    bot = Assistant.from_path(METAQA / "kb_partial.txt.gz", build=False)
    if "zero-shot" in settings:
        # zero-shot: no labelled classifier, no refit ranker; the matcher fitted to the KB from the KB alone
        for name in (RANKER_FILE, "path_classifier.npz", "path_classifier.json"):
            (bot.parser_dir / name).unlink(missing_ok=True)
        started = time.perf_counter()
        bot.prepare_matcher()
        print(f"matcher: {bot.services.matcher.source} (prepared in {time.perf_counter() - started:.0f} s)")
        bot.warm_up(max_hops=3)
        rows += _metaqa_rows(bot, by_hop, workers, "zero-shot")
        if baseline:
            rows += _metaqa_rows(bot.paths_only_baseline(), by_hop, workers, "untrained MiniLM, paths only")
    if "supervised" in settings:
        from assistant.answering.training import fit_labelled_ranker
        from assistant.parsing.training import train_from_metaqa

        train_from_metaqa(train, bot.encoder, bot.parser_dir, progress=True)
        fit_labelled_ranker(bot, train, out=bot.parser_dir / RANKER_FILE)
        bot._services, bot._pipeline = None, None
        bot.warm_up(max_hops=3)
        rows += _metaqa_rows(bot, by_hop, workers, "supervised")
    return rows


def _metaqa_rows(bot: Assistant, by_hop: dict, workers: int, setting: str) -> list[dict]:
    out = []
    for hop, items in by_hop.items():
        ok = {i.id for i in items if reachable(bot, i)}
        report = evaluate(bot, [stripped(i) for i in items], k=10, workers=workers, progress=True)
        out.append(row(f"MetaQA {hop} ({setting})", items, ok, report))
        report.write_report(RESULTS / f"metaqa_{hop}_{setting.split(',')[0].replace(' ', '_')}.md")
    return out


def bench_films(workers: int) -> list[dict]:
    items = load_questions(DEFAULT_KG / "questions.jsonl")
    bot = Assistant.from_path(DEFAULT_KG)
    bot.warm_up(max_hops=3)  # as a server has after its first start (ui.startup encodes 3-hop paths once, cached)
    rows = []
    for split in ("test", "train"):
        chosen = [i for i in items if i.extra.get("split") == split]
        report = evaluate(bot, chosen, k=10, workers=workers, progress=True)
        rows.append({"set": f"films {split}", "n": len(chosen), "reachable": 1.0,
                     "hits1_reachable": report.overall.hits1, "hits1": report.overall.hits1,
                     "hits10": report.overall.hitsk, "mrr": report.overall.mrr,
                     "p50": report.overall.latency_p50_ms, "p95": report.overall.latency_p95_ms})
        report.write_report(RESULTS / f"films_{split}.md")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=1000, help="held-out questions per MetaQA hop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sets", default="metaqa,films", help="comma-separated: metaqa, films")
    parser.add_argument("--settings", default="zero-shot,supervised", help="MetaQA: zero-shot, supervised")
    parser.add_argument("--baseline", action="store_true", help="MetaQA: also the untrained MiniLM path ranking")
    args = parser.parse_args()
    set_offline()
    sets = args.sets.split(",")
    rows = []
    if "metaqa" in sets:
        rows += bench_metaqa(args.limit, args.seed, args.workers, args.settings.split(","), args.baseline)
    if "films" in sets:
        rows += bench_films(args.workers)
    head = (f"{'set':<44} {'n':>5} {'reach':>6} {'H@1 reach':>9} {'H@1':>6} {'H@10':>6} {'MRR':>6} "
            f"{'p50 ms':>7} {'p95 ms':>7}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(f"{r['set']:<44} {r['n']:>5} {r['reachable']:>6.1%} {r['hits1_reachable']:>9.3f} {r['hits1']:>6.3f} "
              f"{r['hits10']:>6.3f} {r['mrr']:>6.3f} {r['p50']:>7.1f} {r['p95']:>7.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "qa.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
