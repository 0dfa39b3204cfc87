"""Arguments every ``kgqa train …`` command shares, and where checkpoints go by default."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.config import DEFAULT_KG, kgqa_home


def add_common_train_args(p: argparse.ArgumentParser, *, epochs: int, batch_size: int, what: str) -> None:
    """``--kg``, ``--output``, ``--epochs``, ``--max-steps``, ``--batch-size`` and ``--device``."""
    p.add_argument("--kg", type=Path, default=DEFAULT_KG, help="KG path (default: the embedded film KG)")
    p.add_argument("--output", type=Path, default=None,
                   help=f"checkpoint folder (default: $KGQA_HOME/checkpoints/<kg name>/{what})")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--max-steps", type=int, default=None, help="stop after N optimizer steps (even mid-epoch)")
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA when available")


def checkpoint_dir(kg_name: str, what: str) -> Path:
    """Default folder of a trained model: ``$KGQA_HOME/checkpoints/<kg name>/<what>``."""
    return kgqa_home() / "checkpoints" / kg_name / what
