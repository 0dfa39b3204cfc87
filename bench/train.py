"""Training throughput of the KG encoders: SBERT fine-tuning (pairs/s) and CLEP (triples/s) when present.

    python bench/train.py                              # embedded film KG, 30 steps each, auto device
    python bench/train.py --steps 20 --batch-size 32 --device cpu
    python bench/train.py --kg ../shared/data/fb15k237

Each row runs the real trainer for a fixed number of optimizer steps (no evaluation) and reports the
items processed per second of training; setup (loading, pair building, hard-negative mining) is shown
apart. CUDA is used when present (``--device auto``); record the machine with the numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG, set_offline  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kg", type=Path, default=DEFAULT_KG)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32, help="SBERT batch size")
    parser.add_argument("--clep-batch-size", type=int, default=1024)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--skip-clep", action="store_true")
    args = parser.parse_args()
    set_offline()

    import torch

    from assistant.kg import load_kg
    from retrieval.encoders import pick_device
    from training.sbert.throughput import measure

    kg = load_kg(args.kg)
    device = pick_device(args.device)
    hardware = torch.cuda.get_device_name(0) if device == "cuda" else f"{platform.processor() or 'CPU'}, " \
        f"{os.cpu_count()} cores, {torch.get_num_threads()} torch threads"
    rows = []
    for hard in (True, False):
        print(f"sbert, hard negatives {hard} …", file=sys.stderr)
        rows.append({**measure(kg, args.steps, args.batch_size, args.device, hard_negatives=hard),
                     "batch": args.batch_size})
    if not args.skip_clep and importlib.util.find_spec("training.clep.throughput") is not None:
        from training.clep.throughput import measure as clep_measure

        print("clep …", file=sys.stderr)
        rows.append({**clep_measure(kg, args.steps, args.clep_batch_size, args.device), "batch": args.clep_batch_size})
    print(f"\n{kg.name}: {kg.num_nodes:,} nodes, {kg.num_edges:,} edges; device {device} ({hardware}); "
          f"{args.steps} steps per row\n")
    print("| model | batch | items | train s | items/s | unit | setup s |\n|---|---:|---:|---:|---:|---|---:|")
    for r in rows:
        setup = f"{r['setup_s']:.0f}" if "setup_s" in r else ""
        print(f"| {r['model']} | {r['batch']} | {r['items']:,} | {r['seconds']:.1f} | {r['items_per_s']:.1f} | "
              f"{r['unit']} | {setup} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
