"""CLEP as an inference encoder: questions through the text tower, nodes through the graph side.

``encode(texts)`` maps text (a question, a mention) into CLEP's aligned space with the text tower.
``encode_nodes(kg, ids, texts)`` gives each node its graph-side vector: the mean of g(h, r) over the
triples that point at it, which is exactly what training pulled towards the node's text, so text
queries land near the nodes the *graph* says match. Nodes the checkpoint has no triples for (new or
isolated ones) fall back to the text tower of their node text (cold start).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval.encoders import EncoderUnavailable


class ClepEncoder:
    """The encoder registered as ``clep`` in :data:`retrieval.encoders.LOADERS`."""

    def __init__(self, clep, name: str = "clep") -> None:
        self.clep = clep
        self.name = name
        self.dim = clep.dim

    @property
    def model_id(self) -> str:
        """Identifies the weights (the checkpoint's hash), so an index knows when it must be rebuilt."""
        digest = (self.clep.config.get("sha256") or "")[:12]
        return f"{self.name}:{self.clep.path}:{digest}"

    @property
    def checkpoint(self) -> str | None:
        return str(self.clep.path) if self.clep.path else None

    def encode(self, texts: list[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Text-tower vectors (L2-normalised float32)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        features = self.clep.text_encoder().encode(list(texts), batch_size=batch_size, progress=progress)
        return self.clep.project_text_features(features)

    def encode_nodes(self, kg, ids: list[str], texts: list[str]) -> np.ndarray:
        """Graph-side vectors of known nodes; text-tower vectors of ``texts`` for the others."""
        vectors, known = self.clep.entity_vectors(ids)
        if not known.all():
            cold = np.flatnonzero(~known)
            vectors[cold] = self.encode([texts[i] for i in cold])
        return vectors


def load_clep_encoder(name: str, path: Path | None, device: str | None) -> ClepEncoder:
    """Loader for :func:`retrieval.encoders.load_encoder` (``kgqa index --encoder clep --checkpoint DIR``)."""
    from training.clep.checkpoint import ClepCheckpointError, load_clep

    if path is None:
        raise EncoderUnavailable("encoder 'clep' needs a checkpoint folder: train one with `kgqa train clep` "
                                 "and pass --checkpoint DIR")
    try:
        clep = load_clep(path, device=device if device and device != "auto" else "cpu")
    except ClepCheckpointError as exc:
        raise EncoderUnavailable(str(exc)) from exc
    return ClepEncoder(clep, name)
