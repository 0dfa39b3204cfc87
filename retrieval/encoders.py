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
from pathlib import Path
from typing import Any

from training.text_encoder import (  # noqa: F401 - the encoder classes, re-exported for this module's callers
    PROGRESS_CHUNK,
    Encoder,
    EncoderUnavailable,
    SentenceEncoder,
    base_model_path,
    pick_device,
)


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
