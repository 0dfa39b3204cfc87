"""Retrieval with the base encoder vs the KG-fine-tuned one (``kgqa train sbert``), side by side.

    python bench/retrieval.py                       # films: held-out edges, seed checks, film questions
    python bench/retrieval.py --split all           # every film question, not only the test split
    python bench/retrieval.py --encoders clep       # one more column per encoder name (e.g. clep)

1. Held-out edges: the exact split the checkpoint was trained with (rebuilt from its ``training.json``),
   scored with sentence-transformers' ``InformationRetrievalEvaluator`` (queries = node names, corpus =
   the held-out facts) for ``base``, every stage (``epoch-1``, …) and the final model.
2. The seeds' retrieval checks, through real Chroma collections built into a temporary index: top-5
   of "George Lucas" and "documentary movie about George Lucas" among projects, and of "a director of
   sci-fi movies" among people.
3. ``data/films/questions.jsonl`` asked through the assistant with each encoder's collections, dense
   search only and the full system (graph + dense, no fitted reranker: it was fit on base features).

Prints Markdown tables (pasted into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG, set_offline  # noqa: E402

CHECKS = [("George Lucas", "project"), ("documentary movie about George Lucas", "project"),
          ("a director of sci-fi movies", "person")]


def held_out_table(kg, checkpoint: Path) -> list[dict]:
    """IR metrics on the checkpoint's held-out edges for base, each stage and the final model."""
    from training.sbert.affinity import list_stages, load_stage_encoders
    from training.sbert.data import ir_evaluator, split_pairs
    from training.sbert.train import pick_metrics

    settings = json.loads((checkpoint / "training.json").read_text())["settings"]
    split = split_pairs(kg, settings["holdout"], settings["max_eval_edges"], settings["seed"],
                        settings["max_per_anchor_relation"])
    evaluator = ir_evaluator(split)
    stages = list(list_stages(checkpoint))
    encoders = load_stage_encoders(checkpoint, stages)
    if "final" not in encoders:
        from retrieval.encoders import load_encoder

        encoders["final"] = load_encoder("sbert-ft", checkpoint)
    rows = []
    for name, encoder in encoders.items():
        started = time.perf_counter()
        m = pick_metrics(evaluator(encoder.model))
        rows.append({"model": name, **m, "seconds": time.perf_counter() - started})
        print(f"  {name}: {m}", file=sys.stderr)
    return rows


class _WithEncoder:
    """``ask`` restricted to one encoder's collections (what ``evaluate`` calls)."""

    def __init__(self, bot, encoder: str) -> None:
        self.bot, self.encoder = bot, encoder

    def ask(self, question: str, k: int = 10, **kwargs):
        return self.bot.ask(question, k=k, encoders=[self.encoder])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kg", type=Path, default=DEFAULT_KG)
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="kgqa train sbert output (default: $KGQA_HOME/checkpoints/<kg>/sbert-ft)")
    parser.add_argument("--encoders", nargs="*", default=[], help="more encoder names (their default checkpoints)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_KG / "questions.jsonl")
    parser.add_argument("--split", default="test", help="question split: test, train or all")
    parser.add_argument("--index-dir", type=Path, default=None, help="keep the index here (default: a temp dir)")
    parser.add_argument("--skip-questions", action="store_true")
    args = parser.parse_args()
    set_offline()

    from assistant.api import Assistant
    from assistant.evaluation.datasets import load_questions
    from assistant.evaluation.runner import evaluate
    from assistant.kg import load_kg
    from retrieval.encoders import load_encoder
    from retrieval.index import Index
    from retrieval.indexer import build_index
    from retrieval.search import DenseSearcher
    from training.common import checkpoint_dir

    kg = load_kg(args.kg)
    checkpoint = args.checkpoint or checkpoint_dir(kg.name, "sbert-ft")
    if not (checkpoint / "training.json").exists():
        print(f"error: no trained checkpoint at {checkpoint}; run `kgqa train sbert --kg {args.kg}` first",
              file=sys.stderr)
        return 2
    print(f"held-out edges of {checkpoint} …", file=sys.stderr)
    rows = held_out_table(kg, checkpoint)

    names = ["base", "sbert-ft", *args.encoders]
    encoders = {"base": load_encoder("base"), "sbert-ft": load_encoder("sbert-ft", checkpoint)}
    for name in args.encoders:
        encoders[name] = load_encoder(name, checkpoint_dir(kg.name, name))
    tmp = tempfile.TemporaryDirectory(prefix="kgqa-bench-retrieval-")
    index = Index(args.index_dir or Path(tmp.name) / "index")
    build_s = {}
    for name, encoder in encoders.items():
        started = time.perf_counter()
        build_index(kg, index, encoder, progress=True)
        build_s[name] = time.perf_counter() - started
    store = index.open_store()
    checks = {name: [[h.name for h in DenseSearcher(index, enc, store).search(q, t, 5)] for q, t in CHECKS]
              for name, enc in encoders.items()}

    q_rows = []
    if not args.skip_questions:
        items = [i for i in load_questions(args.questions)
                 if args.split == "all" or i.extra.get("split", args.split) == args.split]
        bot = Assistant(kg, index, encoders["base"], args.kg)
        bot.reranker = None
        for mode, label in (("dense", "dense only"), ("full", "graph + dense")):
            bot.mode = mode
            for name in names:
                report = evaluate(_WithEncoder(bot, name), items, k=10, progress=True)
                o = report.overall
                q_rows.append({"set": f"films {args.split} ({label})", "model": name, "n": len(items),
                               "hits1": o.hits1, "hits10": o.hitsk, "mrr": o.mrr})

    print(f"\n### Held-out edges ({kg.name}, checkpoint {checkpoint})\n")
    print("| model | MRR@10 | Recall@10 | nDCG@10 | Accuracy@1 |\n|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r.get('cosine_mrr@10', 0):.3f} | {r.get('cosine_recall@10', 0):.3f} | "
              f"{r.get('cosine_ndcg@10', 0):.3f} | {r.get('cosine_accuracy@1', 0):.3f} |")
    print("\n### Seed retrieval checks (top 5, real Chroma collections)\n")
    print("| query (type) | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    for j, (q, t) in enumerate(CHECKS):
        print(f"| {q} ({t}) | " + " | ".join("; ".join(checks[n][j]) for n in names) + " |")
    if q_rows:
        print("\n### Film questions\n")
        print("| set | model | n | Hits@1 | Hits@10 | MRR |\n|---|---|---:|---:|---:|---:|")
        for r in q_rows:
            print(f"| {r['set']} | {r['model']} | {r['n']} | {r['hits1']:.3f} | {r['hits10']:.3f} | {r['mrr']:.3f} |")
    print("\nindex build s: " + ", ".join(f"{k} {v:.0f}" for k, v in build_s.items()))
    store.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
