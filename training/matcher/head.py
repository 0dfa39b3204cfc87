"""A small matcher head over the frozen base encoder: two linear maps, one for questions and one for
reading verbalisations, trained with an in-batch + hard-negative ranking loss on precomputed
embeddings.

Why a head as well as the LoRA adapter: fine-tuning MiniLM itself costs seconds per step on two CPU
cores, while the base model's sentence embeddings of every training text can be computed once
(forward passes only) and a head over them trains in seconds. That makes a matcher adapted to a new
KG cheap enough to fit on first use (minutes), from the KG's own generated questions, on top of the
shipped general matcher. The maps start as the identity and are pulled back towards it (``identity_decay``)
so a head never forgets what the encoder below it knows.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from training.checkpoint import file_sha256, staged_folder
from training.matcher.questions import MatcherExample

FORMAT = "kgqa-matcher/1"
MANIFEST = "matcher.json"
WEIGHTS = "head.safetensors"


@dataclass
class HeadSettings:
    """Settings of a head training run.

    Attributes:
        epochs: Passes over the examples.
        batch_size: Questions per batch (every other question's readings are negatives too).
        learning_rate: AdamW learning rate.
        scale: Inverse temperature of the ranking loss (cosines × scale are the logits).
        identity_decay: Weight of ||W - I||² in the loss: keeps the head near the encoder.
        hidden: Width of a residual ReLU layer on each side (0: linear maps only).
        seed: Seed of the data order.
    """

    epochs: int = 10
    batch_size: int = 256
    learning_rate: float = 2e-3
    scale: float = 20.0
    identity_decay: float = 1e-3
    hidden: int = 0
    seed: int = 0


def embed_examples(examples: Sequence[MatcherExample], encode: Callable[[list[str]], np.ndarray]
                   ) -> tuple[dict[str, int], np.ndarray]:
    """Every distinct question and reading text, embedded once: ``(text -> row, matrix)``."""
    texts = list(dict.fromkeys(t for e in examples for t in (e.masked, e.positive, *e.negatives)))
    return {t: i for i, t in enumerate(texts)}, encode(texts)


class MatcherHead:
    """``q' = normalise(Wq q + Uq relu(Vq q))`` and the same for readings, over unit base embeddings.

    The linear maps start as the identity; the optional residual MLP (``hidden`` > 0) starts at zero,
    so an untrained head is the base encoder.
    """

    def __init__(self, question: np.ndarray, reading: np.ndarray, extra: dict[str, np.ndarray] | None = None) -> None:
        self.question = question.astype(np.float32)
        self.reading = reading.astype(np.float32)
        self.extra = {k: v.astype(np.float32) for k, v in (extra or {}).items()}

    @classmethod
    def identity(cls, dim: int) -> MatcherHead:
        return cls(np.eye(dim, dtype=np.float32), np.eye(dim, dtype=np.float32))

    def _side(self, vectors: np.ndarray, side: str, linear: np.ndarray) -> np.ndarray:
        out = vectors @ linear.T
        if f"{side}_in" in self.extra:
            hidden = np.maximum(vectors @ self.extra[f"{side}_in"].T, 0.0)
            out = out + hidden @ self.extra[f"{side}_out"].T
        return _unit(out)

    def questions(self, vectors: np.ndarray) -> np.ndarray:
        return self._side(vectors, "question", self.question)

    def readings(self, vectors: np.ndarray) -> np.ndarray:
        return self._side(vectors, "reading", self.reading)

    def save(self, path: Path) -> None:
        from safetensors.numpy import save_file

        save_file({"question": self.question, "reading": self.reading, **self.extra}, str(path))

    @classmethod
    def load(cls, path: Path) -> MatcherHead:
        from safetensors.numpy import load_file

        tensors = load_file(str(path))
        question, reading = tensors.pop("question"), tensors.pop("reading")
        return cls(question, reading, tensors)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def train_head(examples: Sequence[MatcherExample], rows: dict[str, int], vectors: np.ndarray,
               settings: HeadSettings | None = None, start: MatcherHead | None = None) -> MatcherHead:
    """Fit the head on precomputed embeddings (see :func:`embed_examples`)."""
    import torch

    settings = settings or HeadSettings()
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    dim = vectors.shape[1]
    init = start or MatcherHead.identity(dim)
    wq = torch.nn.Parameter(torch.tensor(init.question))
    wr = torch.nn.Parameter(torch.tensor(init.reading))
    params = [wq, wr]
    mlp: dict[str, torch.nn.Parameter] = {}
    if settings.hidden:
        for side in ("question", "reading"):
            mlp[f"{side}_in"] = torch.nn.Parameter(torch.randn(settings.hidden, dim) / dim ** 0.5)
            mlp[f"{side}_out"] = torch.nn.Parameter(torch.zeros(dim, settings.hidden))
        params += list(mlp.values())
    eye = torch.eye(dim)

    def side(x: torch.Tensor, name: str, linear: torch.Tensor) -> torch.Tensor:
        out = x @ linear.T
        if mlp:
            out = out + torch.relu(x @ mlp[f"{name}_in"].T) @ mlp[f"{name}_out"].T
        return torch.nn.functional.normalize(out, dim=-1)
    table = torch.tensor(vectors, dtype=torch.float32)
    usable = [e for e in examples if e.negatives]
    q_idx = torch.tensor([rows[e.masked] for e in usable])
    p_idx = torch.tensor([rows[e.positive] for e in usable])
    width = max(len(e.negatives) for e in usable) if usable else 0
    n_idx = torch.tensor([[rows[n] for n in (list(e.negatives) + [e.negatives[0]] * width)[:width]]
                          for e in usable]) if usable else torch.zeros((0, 0), dtype=torch.long)
    optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0)
    order = list(range(len(usable)))
    for _ in range(settings.epochs):
        rng.shuffle(order)
        for start_at in range(0, len(order), settings.batch_size):
            batch = torch.tensor(order[start_at:start_at + settings.batch_size])
            if len(batch) < 2:
                continue
            q = side(table[q_idx[batch]], "question", wq)
            pos = side(table[p_idx[batch]], "reading", wr)
            neg = side(table[n_idx[batch]], "reading", wr)  # B × width × dim
            in_batch = q @ pos.T  # B × B: the other questions' readings are negatives too
            hard = torch.einsum("bd,bkd->bk", q, neg)  # B × width: this question's own wrong readings
            logits = torch.cat([in_batch, hard], dim=1) * settings.scale
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            loss = loss + settings.identity_decay * (((wq - eye) ** 2).sum() + ((wr - eye) ** 2).sum()
                                                     + sum((p ** 2).sum() for k, p in mlp.items() if k.endswith("out")))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return MatcherHead(wq.detach().numpy(), wr.detach().numpy(), {k: p.detach().numpy() for k, p in mlp.items()})


def head_accuracy(head: MatcherHead, examples: Sequence[MatcherExample], rows: dict[str, int],
                  vectors: np.ndarray) -> float:
    """Share of examples whose positive reading beats all of its negatives."""
    if not examples:
        return 0.0
    hits = 0
    for e in examples:
        q = head.questions(vectors[rows[e.masked]][None])[0]
        texts = [e.positive, *e.negatives]
        r = head.readings(vectors[[rows[t] for t in texts]])
        scores = r @ q
        hits += int(np.all(scores[1:] < scores[0]))
    return hits / len(examples)


def save_head(head: MatcherHead, output: str | Path, base: str, report: dict) -> dict:
    """Write a head matcher folder (``head.safetensors`` + ``matcher.json``) atomically."""
    with staged_folder(output, FORMAT, "matcher", MANIFEST) as folder:
        head.save(folder / WEIGHTS)
        manifest = {"format": FORMAT, "kind": "head", "base": base, "weights": WEIGHTS,
                    "sha256": file_sha256(folder / WEIGHTS), "created": time.strftime("%Y-%m-%d %H:%M:%S"),
                    **report}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def settings_dict(settings: HeadSettings) -> dict:
    return asdict(settings)
