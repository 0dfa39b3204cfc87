"""CLEP cross-space link prediction on FB15k-237 and WN18RR, next to the paper's figures.

    python bench/clep.py                                   # both benchmarks with the recipe below
    python bench/clep.py --datasets fb15k237 --epochs 10   # one benchmark, fewer epochs
    python bench/clep.py --table-only                      # print the table from bench/results/clep.jsonl

Each run trains CLEP (frozen all-MiniLM-L6-v2 text embeddings, cached; in-batch negatives), ranks
every entity's text vector against g(h, r) on the standard test split (filtered MR / MRR / Hits@k,
heads and tails), saves the checkpoint to ``$KGQA_HOME/checkpoints/<kg>/clep`` (where ``bench/lp.py``
finds it) and appends one JSON line to ``bench/results/clep.jsonl``. ``--valid-every`` logs validation
MRR during training (the recipe was tuned on validation only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import set_offline  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DATASETS = {"fb15k237": SHARED / "fb15k237", "wn18rr": SHARED / "wn18rr"}
RECORDS = ROOT / "bench" / "results" / "clep.jsonl"

#: Settings per benchmark (chosen on the validation split); the CLI flags override them.
RECIPES: dict[str, dict] = {
    "fb15k237": {"epochs": 2, "batch_size": 2048, "learning_rate": 2e-3, "head_text": True},
    "wn18rr": {"epochs": 6, "batch_size": 2048, "learning_rate": 2e-3},
}

#: The CLEP talk's FB15k-237 figures (MR, MRR, H@1, H@3, H@10); it gives none for WN18RR.
PAPER = {"fb15k237": (198, 0.222, 0.137, None, 0.396)}


def run(dataset: str, overrides: dict, save: bool, progress: bool, output: Path | None = None) -> dict:
    import torch

    from assistant.kg import load_kg
    from training.clep import ClepSettings, train_clep
    from training.common import checkpoint_dir

    kg = load_kg(DATASETS[dataset])
    settings = ClepSettings(**{**RECIPES[dataset], **overrides})
    result = train_clep(kg, settings, progress=progress)
    saved = None
    if save:
        result.clep.config["kg"]["path"] = str(DATASETS[dataset].resolve())
        saved = str(result.clep.save(output or checkpoint_dir(kg.name, "clep")))
    return {"dataset": dataset, "date": time.strftime("%Y-%m-%d"), "settings": settings.to_dict(),
            "steps": result.steps, "epochs_run": result.epochs_run, "train_s": round(result.train_seconds, 1),
            "embed_s": round(result.embed_seconds, 1), "eval_s": round(result.eval_seconds, 1),
            "metrics": result.metrics, "history": result.history, "checkpoint": saved,
            "hardware": f"{result.device}, {os.environ.get('OMP_NUM_THREADS')} thread(s), torch "
                        f"{torch.__version__}, {platform.machine()}"}


def variant(rec: dict) -> str:
    return "CLEP + head text, ours" if rec["settings"].get("head_text") else "CLEP, ours"


def load_records(path: Path) -> dict[tuple[str, str], dict]:
    latest: dict[tuple[str, str], dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                latest[(rec["dataset"], variant(rec))] = rec
    return latest


def fmt(x, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def print_table(records: dict[tuple[str, str], dict]) -> None:
    print("\n| run | dataset | MR | MRR | H@1 | H@3 | H@10 | epochs | batch | train s | hardware |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for dataset in DATASETS:
        runs = [r for (d, _), r in sorted(records.items()) if d == dataset and r.get("metrics")]
        for r in runs:
            m, s = r["metrics"], r["settings"]
            print(f"| {variant(r)} | {dataset} | {fmt(m['mr'], '.0f')} | {fmt(m['mrr'], '.3f')} | "
                  f"{fmt(m['hits@1'], '.3f')} | {fmt(m['hits@3'], '.3f')} | {fmt(m['hits@10'], '.3f')} | "
                  f"{r['epochs_run']:.0f} | {s['batch_size']} | {r['train_s']:.0f} | {r['hardware']} |")
        if not runs:
            print(f"| CLEP, ours | {dataset} | not run yet (`python bench/clep.py --datasets {dataset}`) "
                  "| | | | | | | | |")
        paper = PAPER.get(dataset)
        if paper:
            mr, mrr, h1, h3, h10 = paper
            print(f"| CLEP, paper | {dataset} | {mr} | {mrr:.3f} | {h1:.3f} | {fmt(h3, '.3f')} | {h10:.3f} "
                  "| | | | |")
        else:
            print(f"| CLEP, paper | {dataset} | not reported | | | | | | | | |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--valid-every", type=int, default=0, help="log validation MRR every N epochs")
    parser.add_argument("--head-text", action="store_true",
                        help="text-enhanced graph tower (adds the head's mapped description to its state)")
    parser.add_argument("--output", type=Path, default=None,
                        help="checkpoint folder (default: $KGQA_HOME/checkpoints/<kg>/clep); one dataset only")
    parser.add_argument("--no-save", action="store_true", help="do not write checkpoints")
    parser.add_argument("--records", type=Path, default=RECORDS)
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    set_offline()
    if not args.table_only:
        overrides = {k: v for k, v in {"epochs": args.epochs, "max_steps": args.max_steps,
                                       "batch_size": args.batch_size, "learning_rate": args.learning_rate,
                                       "device": args.device, "valid_every": args.valid_every,
                                       "head_text": args.head_text or None}.items()
                     if v is not None}
        for dataset in args.datasets:
            if not DATASETS[dataset].exists():
                print(f"skipping {dataset}: no data at {DATASETS[dataset]}", file=sys.stderr)
                continue
            record = run(dataset, overrides, not args.no_save, not args.quiet, args.output)
            args.records.parent.mkdir(parents=True, exist_ok=True)
            with args.records.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")
            m = record["metrics"]
            print(f"{dataset}: test MRR {m['mrr']:.4f}, MR {m['mr']:.0f}, H@10 {m['hits@10']:.4f} "
                  f"({record['steps']} steps, {record['train_s']:.0f} s)", flush=True)
    print_table(load_records(args.records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
