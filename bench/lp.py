"""Link-prediction benchmark: every model x {FB15k-237, WN18RR} (and the film KG), filtered ranking.

    python bench/lp.py                                  # train + evaluate every model on both benchmarks
    python bench/lp.py --models tucker --datasets fb15k237 --minutes 10
    python bench/lp.py --table-only                     # print the table from bench/results/lp.jsonl
    python bench/lp.py --clep-metrics PATH.json         # add a CLEP row from CLEP's saved metrics
    python bench/lp.py --models complex-n3 --datasets fb15k237 --minutes 90 --curve 2   # the learning curve
    python bench/lp.py --datasets films --profile 60    # PyKEEN's LCWA loop against the 1-vs-all loop

``complex-n3`` and ``distmult-n3`` train in the 1-vs-all loop of the ComplEx-N3 recipe
(training/link_prediction/loop.py); the other KGE rows with PyKEEN's LCWA loop. Each run trains under a
wall-clock budget
(``--minutes`` per model and dataset; ``--epochs`` caps it too), evaluates filtered MR/MRR/Hits@k on
the standard test split (both heads and tails) and appends one JSON line to ``bench/results/lp.jsonl``
(the table shows the latest run of each model x dataset). The films row uses the seeded 10% hold-out
of ``kgqa train lp``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PYSTOW_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / "kgqa-pystow"))
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG, kgqa_home, set_offline  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DATASETS = {"fb15k237": SHARED / "fb15k237", "wn18rr": SHARED / "wn18rr", "films": DEFAULT_KG}
RECORDS = ROOT / "bench" / "results" / "lp.jsonl"

#: Training recipe per model (the CPU budget shortens it; the full-run command is in RESULTS.md).
RECIPES: dict[str, dict] = {
    # The ComplEx-N3 recipe (Lacroix et al., 2018) in the 1-vs-all loop (training/link_prediction/loop.py):
    # reciprocal relations, softmax cross-entropy over every entity, N3, Adagrad lr 0.1, init 1e-3.
    "complex-n3": {"model": "complex", "loop": "1vsall", "embedding_dim": 200, "batch_size": 1000,
                   "regularizer_weight": 0.05},
    "distmult-n3": {"model": "distmult", "loop": "1vsall", "embedding_dim": 200, "batch_size": 1000,
                    "regularizer_weight": 0.05},
    # PyKEEN's LCWA loop (session 2's recipes): dim 100 and a high learning rate for the CPU budget.
    "distmult": {"loop": "pykeen", "embedding_dim": 100, "batch_size": 512, "learning_rate": 0.01,
                 "label_smoothing": 0.1, "regularizer_weight": 0.01},
    "complex": {"loop": "pykeen", "embedding_dim": 100, "batch_size": 512, "learning_rate": 0.01,
                "label_smoothing": 0.1, "regularizer_weight": 0.01},
    "rotate": {"loop": "pykeen", "embedding_dim": 100, "batch_size": 512, "learning_rate": 0.01,
               "label_smoothing": 0.1, "regularizer_weight": 0.0},
    "tucker": {"loop": "pykeen", "embedding_dim": 100, "batch_size": 256, "learning_rate": 0.003,
               "label_smoothing": 0.1, "loss": "bcewithlogits", "regularizer_weight": 0.0},
    # R-GCN encoder + DistMult decoder (training/link_prediction/gnn.py); "rgcn-clep" starts from --clep-init
    "rgcn": {"embedding_dim": 100, "batch_size": 512, "learning_rate": 0.01, "label_smoothing": 0.1},
    "rgcn-clep": {"embedding_dim": 100, "batch_size": 512, "learning_rate": 0.01, "label_smoothing": 0.1},
    # CompGCN (PyKEEN's CompGCNLayer) + DistMult decoder in the 1-vs-all training; "-clep" starts from --clep-init
    "compgcn": {"embedding_dim": 128, "batch_size": 500, "label_smoothing": 0.1, "decoder": "distmult"},
    "compgcn-clep": {"embedding_dim": 128, "batch_size": 500, "label_smoothing": 0.1, "decoder": "distmult"},
}

#: Published filtered MRR / Hits@10 on FB15k-237 (and WN18RR where reported), for the table.
PUBLISHED = [
    ("RotatE (Sun et al., 2019)", {"fb15k237": (0.338, 0.533), "wn18rr": (0.476, 0.571)}),
    ("CompGCN (Vashishth et al., 2020)", {"fb15k237": (0.355, 0.535), "wn18rr": (0.479, 0.546)}),
    ("NBFNet (Zhu et al., 2021)", {"fb15k237": (0.415, 0.599), "wn18rr": (0.551, 0.666)}),
    ("TuckER (Balazevic et al., 2019)", {"fb15k237": (0.358, 0.544), "wn18rr": (0.470, 0.526)}),
]


def hardware() -> str:
    import torch

    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}"
    return f"CPU {os.cpu_count()} cores ({platform.machine()}), {torch.get_num_threads()} thread(s)"


def run_one(model: str, dataset: str, minutes: float, epochs: int, device: str, seed: int,
            clep_init: Path | None = None, curve_every: int = 0, overrides: dict | None = None) -> dict | None:
    from assistant.kg import load_kg
    from training.link_prediction import TrainSettings, resolve_device, train_kge
    from training.link_prediction.gnn import GNNSettings, train_gnn

    if model.endswith("-clep") and not (clep_init and clep_init.is_dir()):
        print(f"skipping {model} on {dataset}: no CLEP checkpoint (pass --clep-init DIR, trained on this KG)")
        return None
    load_before = os.getloadavg()
    kg = load_kg(DATASETS[dataset])
    print(f"== {model} on {dataset}: {kg.num_nodes} entities, budget {minutes:g} min / {epochs} epochs", flush=True)
    if model.startswith("compgcn"):
        from training.link_prediction.compgcn import CompGCNSettings, train_compgcn

        settings = CompGCNSettings(epochs=epochs, max_minutes=minutes, seed=seed, device=device,
                                   init_from=str(clep_init) if model == "compgcn-clep" else None,
                                   **{**RECIPES[model], **(overrides or {})})
        result = train_compgcn(kg, settings, progress=True)
    elif model.startswith("rgcn"):
        settings = GNNSettings(epochs=epochs, max_minutes=minutes, seed=seed, device=resolve_device(device),
                               init_from=str(clep_init) if model == "rgcn-clep" else None, **RECIPES[model])
        result = train_gnn(kg, settings, progress=True)
    else:
        recipe = {"model": model, **RECIPES[model], **(overrides or {})}
        settings = TrainSettings(epochs=epochs, max_minutes=minutes, device=device, seed=seed, eval_batch_size=128,
                                 eval_every=curve_every, curve_test=bool(curve_every), **recipe)
        result = train_kge(kg, settings, progress=True)
    m = result.metrics
    record = {"model": model, "dataset": dataset, "mrr": m["mrr"], "mr": m["mr"], "hits@1": m["hits@1"],
              "hits@3": m["hits@3"], "hits@10": m["hits@10"], "test_triples": m["test_triples"],
              "train_s": round(result.train_seconds, 1), "eval_s": round(getattr(result, "eval_seconds", 0.0), 1),
              "epochs_run": result.epochs_run, "steps": getattr(result, "steps", None), "budget_min": minutes,
              "hardware": hardware(), "settings": asdict(settings), "date": time.strftime("%Y-%m-%d %H:%M"),
              "load_before": load_before, "load_after": os.getloadavg(),
              "curve": [asdict(c) for c in getattr(result, "curve", [])]}
    print(f"   MRR {m['mrr']:.4f}  MR {m['mr']:.0f}  H@1 {m['hits@1']:.4f}  H@10 {m['hits@10']:.4f}  "
          f"({result.epochs_run} epochs, {result.train_seconds:.0f} s)", flush=True)
    return record


def profile_loops(dataset: str, steps: int, top: int = 12) -> None:
    """Time and profile ``steps`` optimizer steps of ComplEx (dim 100, batch 500) in PyKEEN's LCWA loop and in
    the 1-vs-all loop, and print where each spends its time (cProfile, by own time)."""
    import cProfile
    import io
    import pstats

    from assistant.kg import load_kg
    from training.link_prediction import TrainSettings, train_kge

    kg = load_kg(DATASETS[dataset])
    common = dict(model="complex", embedding_dim=100, batch_size=500, epochs=1000, max_steps=steps, holdout=0.1,
                  device="cpu", regularizer_weight=0.05, candidates="all")
    print(f"profile: {steps} steps of ComplEx dim 100, batch 500, N3 0.05 on {dataset} ({kg.num_nodes:,} entities), "
          f"{os.environ.get('OMP_NUM_THREADS')} thread(s), load {os.getloadavg()[0]:.1f}", flush=True)
    for loop in ("pykeen", "1vsall"):
        profiler = cProfile.Profile()
        profiler.enable()
        result = train_kge(kg, TrainSettings(loop=loop, **common), progress=False)
        profiler.disable()
        per_step = result.train_seconds / max(1, result.steps)
        unit = "(h, r) queries" if loop == "pykeen" else "triples"
        print(f"\n== {loop}: {result.steps} steps in {result.train_seconds:.1f} s, {per_step * 1000:.0f} ms/step "
              f"({500 / per_step:,.0f} {unit}/s), held-out MRR {result.metrics['mrr']:.3f}")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-6000:])


def parse_overrides(items: list[str]) -> dict:
    """``["embedding_dim=100", "optimizer=adam"]`` -> ``{"embedding_dim": 100, "optimizer": "adam"}``."""
    out: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set expects KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def print_curve(record: dict) -> None:
    """The learning curve of a run: training minutes against validation and test MRR."""
    if not record.get("curve"):
        return
    print(f"\nlearning curve, {record['model']} on {record['dataset']} (load {record['load_before'][0]:.1f} before, "
          f"{record['load_after'][0]:.1f} after):")
    print("| epoch | steps | train min | loss | valid MRR (sample) | test MRR | test H@1 | test H@10 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in record["curve"]:
        m = c["metrics"]
        print(f"| {c['epoch']} | {c['step']} | {c['train_seconds'] / 60:.1f} | {c['loss']:.4f} | "
              f"{fmt(m.get('valid_mrr'), '.4f')} | {fmt(m.get('test_mrr'), '.4f')} | "
              f"{fmt(m.get('test_hits@1'), '.4f')} | {fmt(m.get('test_hits@10'), '.4f')} |")


def load_records(path: Path) -> dict[tuple[str, str], dict]:
    latest: dict[tuple[str, str], dict] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                latest[(rec["model"], rec["dataset"])] = rec
    return latest


def find_clep_metrics(explicit: Path | None) -> dict | None:
    """CLEP's FB15k-237 link-prediction metrics, if a CLEP checkpoint saved them."""
    candidates = [explicit] if explicit else [kgqa_home() / "checkpoints" / "fb15k237" / "clep" / name
                                              for name in ("metrics.json", "lp_metrics.json", "config.json")]
    for path in candidates:
        if path and path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            metrics = data.get("metrics", data) if isinstance(data, dict) else None
            metrics = metrics.get("link_prediction", metrics) if isinstance(metrics, dict) else None
            if isinstance(metrics, dict) and "mrr" in metrics:
                return {**metrics, "source": str(path)}
    return None


def fmt(x, spec: str) -> str:
    return "" if x is None else format(x, spec)


def print_table(records: dict[tuple[str, str], dict], clep: dict | None) -> None:
    print("\n| model | dataset | MR | MRR | H@1 | H@3 | H@10 | epochs begun (steps) | train s | hardware |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for (model, dataset), r in sorted(records.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"| {model} | {dataset} | {fmt(r['mr'], '.0f')} | {fmt(r['mrr'], '.3f')} | {fmt(r['hits@1'], '.3f')} "
              f"| {fmt(r['hits@3'], '.3f')} | {fmt(r['hits@10'], '.3f')} | {r['epochs_run']} ({r.get('steps')}) "
              f"| {r['train_s']:.0f} "
              f"| {r['hardware']} |")
    if clep:
        print(f"| clep (from {clep['source']}) | fb15k237 | {fmt(clep.get('mr'), '.0f')} | {fmt(clep['mrr'], '.3f')} "
              f"| {fmt(clep.get('hits@1'), '.3f')} | {fmt(clep.get('hits@3'), '.3f')} | "
              f"{fmt(clep.get('hits@10'), '.3f')} | | | |")
    else:
        print("| clep | fb15k237 | no CLEP FB15k-237 metrics found ($KGQA_HOME/checkpoints/fb15k237/clep/ or "
              "--clep-metrics) | | | | | | | |")
    for name, figures in PUBLISHED:
        for dataset, (mrr, h10) in figures.items():
            print(f"| {name}, published | {dataset} | | {mrr:.3f} | | | {h10:.3f} | | | GPU, full training |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["complex-n3", "distmult-n3", "rotate", "tucker", "rgcn"],
                        choices=list(RECIPES))
    parser.add_argument("--datasets", nargs="+", default=["fb15k237", "wn18rr"], choices=list(DATASETS))
    parser.add_argument("--minutes", type=float, default=5.0, help="training budget per model and dataset")
    parser.add_argument("--epochs", type=int, default=200, help="epoch cap (the time budget usually ends first)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--curve", type=int, default=0, metavar="N",
                        help="1-vs-all models: rank a validation sample and the whole test split every N epochs and "
                             "print the learning curve (evaluation time is not training time)")
    parser.add_argument("--profile", type=int, default=0, metavar="STEPS",
                        help="profile STEPS steps of PyKEEN's LCWA loop against the 1-vs-all loop on the first "
                             "dataset (ComplEx, dim 100, batch 500) and exit")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a recipe setting, e.g. --set embedding_dim=100 (repeatable)")
    parser.add_argument("--records", type=Path, default=RECORDS, help="JSONL of runs (appended to)")
    parser.add_argument("--table-only", action="store_true", help="print the table of recorded runs, train nothing")
    parser.add_argument("--clep-metrics", type=Path, default=None, help="CLEP's FB15k-237 metrics JSON")
    parser.add_argument("--clep-init", type=Path, default=None,
                        help="CLEP checkpoint (trained on the dataset) to initialise the rgcn-clep model from")
    args = parser.parse_args(argv)
    set_offline()
    if args.profile:
        profile_loops(args.datasets[0], args.profile)
        return 0
    if not args.table_only:
        for dataset in args.datasets:
            if not DATASETS[dataset].exists():
                print(f"skipping {dataset}: {DATASETS[dataset]} not found", file=sys.stderr)
                continue
            for model in args.models:
                record = run_one(model, dataset, args.minutes, args.epochs, args.device, args.seed, args.clep_init,
                                 args.curve, parse_overrides(args.set))
                if record is None:
                    continue
                args.records.parent.mkdir(parents=True, exist_ok=True)
                with args.records.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record) + "\n")
                print_curve(record)
    print_table(load_records(args.records), find_clep_metrics(args.clep_metrics))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
