"""Arguments every ``kgqa train …`` command shares, and where checkpoints go by default."""

from __future__ import annotations

import argparse
import hashlib
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


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (checkpoints record it to detect corrupt weights)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_replaceable(target: str | Path, fmt: str, what: str, config_file: str = "config.json") -> None:
    """Raise ``ValueError`` unless ``target`` is absent, an empty folder or a checkpoint whose
    ``config_file`` names ``fmt`` (a damaged one of ours may be replaced; someone else's folder may not).

    Args:
        target: The folder a trainer is about to write.
        fmt: The ``"format"`` string its checkpoints carry, e.g. ``"kgqa-eges"``.
        what: What such a checkpoint is called in messages, e.g. ``"EGES"``.
        config_file: The checkpoint's configuration file.
    """
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise ValueError(f"refusing to replace {target}: it is a file, not a checkpoint folder")
    config = target / config_file
    if config.is_file():
        if fmt not in config.read_text(encoding="utf-8", errors="replace"):
            raise ValueError(f"refusing to replace {target}: its {config_file} is not a {what} checkpoint's")
        return
    if any(target.iterdir()):
        raise ValueError(f"refusing to replace {target}: it is not empty and holds no {what} checkpoint")
