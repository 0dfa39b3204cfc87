"""What every ``kgqa train …`` command shares: its arguments, the device it runs on, where checkpoints go.

Checkpoint reading, integrity checks and atomic publishing live in :mod:`training.checkpoint`
(``file_sha256`` and ``check_replaceable`` are re-exported here for older imports).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.config import DEFAULT_KG, kgqa_home
from assistant.kg.errors import KGQAError
from training.checkpoint import check_replaceable, file_sha256

DEVICES = ("auto", "cpu", "cuda")

__all__ = ["DEVICES", "DeviceError", "add_common_train_args", "bf16_autocast", "bf16_in_use", "check_replaceable",
           "checkpoint_dir", "file_sha256", "resolve_device"]


class DeviceError(KGQAError, ValueError):
    """A device that does not exist here (``--device cuda`` without a GPU, or an unknown name)."""


def resolve_device(name: str | None = "auto") -> str:
    """The torch device a trainer runs on: ``"auto"`` (or ``None``) is CUDA when torch sees a GPU, else CPU.

    Args:
        name: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises:
        DeviceError: CUDA was asked for and torch sees no CUDA device, or the name is unknown.
    """
    import torch

    name = name or "auto"
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return name
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        if not torch.cuda.is_available():
            raise DeviceError(f"--device {name} was asked for, but torch sees no CUDA device here "
                              "(this is the CPU build, or no GPU is visible); use --device cpu or auto")
        if ":" in name and int(name[5:]) >= torch.cuda.device_count():
            raise DeviceError(f"--device {name}: torch sees only {torch.cuda.device_count()} CUDA device(s)")
        return name
    raise DeviceError(f"unknown device {name!r}; expected one of {', '.join(DEVICES)} (or cuda:N)")


def bf16_in_use(device: str, enabled: bool = True) -> bool:
    """Whether :func:`bf16_autocast` autocasts on ``device``: a CUDA device that supports bf16 (never on CPU)."""
    if not enabled or not str(device).startswith("cuda"):
        return False
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def bf16_autocast(device: str, enabled: bool = True):
    """``torch.autocast`` to bf16 on a CUDA device that supports it, a no-op elsewhere (CPU training stays fp32).

    Parameters and optimizer state stay fp32; autocast runs matrix products in bf16 and keeps softmax,
    cross-entropy, norms and powers in fp32, which is what makes it safe for the trainers that use it.
    """
    import contextlib

    import torch

    if not bf16_in_use(device, enabled):
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16)


def add_common_train_args(p: argparse.ArgumentParser, *, epochs: int, batch_size: int, what: str) -> None:
    """``--kg``, ``--output``, ``--epochs``, ``--max-steps``, ``--batch-size`` and ``--device``."""
    p.add_argument("--kg", type=Path, default=DEFAULT_KG, help="KG path (default: the embedded film KG)")
    p.add_argument("--output", type=Path, default=None,
                   help=f"checkpoint folder (default: $KGQA_HOME/checkpoints/<kg name>/{what})")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--max-steps", type=int, default=None, help="stop after N optimizer steps (even mid-epoch)")
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--device", choices=list(DEVICES), default="auto", help="auto: CUDA when available")


def checkpoint_dir(kg_name: str, what: str) -> Path:
    """Default folder of a trained model: ``$KGQA_HOME/checkpoints/<kg name>/<what>``."""
    return kgqa_home() / "checkpoints" / (kg_name or "kg") / what
