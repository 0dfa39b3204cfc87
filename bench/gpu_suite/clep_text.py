"""CLEP with the text tower's last transformer layers trained (the suite's CLEP step).

``kgqa train clep`` (:mod:`training.clep`) keeps the text side frozen: MiniLM embeds every entity text once
and only an MLP over those embeddings learns. The published CLEP set-up fine-tunes the text encoder too,
which needs the transformer in the training loop and therefore a GPU. This trainer reuses everything of
``training.clep`` that does not change — the data (:func:`training.clep.data.build_data`), the graph tower
and projection MLPs (:class:`training.clep.model.ClepModel`), the masked symmetric CLIP loss
(:func:`training.clep.model.contrastive_loss`), the in-batch false-negative mask
(:class:`training.clep.train.KnownTriples`), the cross-space filtered ranking
(:func:`training.clep.evaluate.evaluate_cross_space`) and the checkpoint (:class:`training.clep.checkpoint.Clep`)
— and replaces the frozen feature table with all-MiniLM-L6-v2 itself, its last ``train_layers`` layers
trainable (the rest frozen, so autograd records nothing below them), every entity text tokenised once.

It lives in ``bench/`` because the suite is its only user so far; it belongs in ``training/clep`` once
``kgqa train clep`` grows a ``--train-text-layers`` option.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from assistant.kg import KnowledgeGraph
from training.clep.checkpoint import Clep, node_vectors_from_triples
from training.clep.data import build_data
from training.clep.evaluate import CrossSpaceRanker, evaluate_cross_space
from training.clep.model import ClepConfig, ClepModel, contrastive_loss
from training.clep.train import KnownTriples
from training.common import bf16_autocast, bf16_in_use, resolve_device


@dataclass
class TextTowerSettings:
    """One run of CLEP with a partly trainable text tower.

    Attributes:
        train_layers: Trainable transformer layers at the top of MiniLM (it has 6).
        batch_size: Triples per step (their distinct tail texts go through the transformer).
        max_seq_length: Word pieces per entity text.
        epochs: Passes over the training triples (reciprocals included).
        max_steps: Stop after this many optimizer steps (``None``: no limit).
        max_seconds: Wall time for training plus re-encoding every entity text for the evaluation (``None``: no
            limit): training stops when the encoding, estimated from the training steps' own texts/s, would
            not fit any more.
        learning_rate: AdamW peak learning rate of the graph tower and the MLPs (CLEP's default).
        tower_learning_rate: Of the trainable transformer layers.
        eval_sample: Rank a seeded sample of this many test triples (``None``: all of them).
    """

    train_layers: int = 2
    batch_size: int = 512
    max_seq_length: int = 64
    epochs: int = 10
    max_steps: int | None = None
    max_seconds: float | None = None
    learning_rate: float = 2e-3
    tower_learning_rate: float = 5e-5
    weight_decay: float = 1e-4
    warmup_fraction: float = 0.05
    embedding_dim: int = 256
    hidden_dim: int = 512
    output_dim: int = 256
    dropout: float = 0.1
    encode_batch_size: int = 256
    eval_batch_size: int = 512
    eval_sample: int | None = None
    holdout: float = 0.1
    seed: int = 0
    device: str = "auto"
    bf16: bool = True

    def validate(self) -> None:
        for name in ("train_layers", "max_seq_length", "epochs", "embedding_dim", "hidden_dim", "output_dim",
                     "encode_batch_size", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size < 2:
            raise ValueError("batch_size must be at least 2 (in-batch negatives)")


@dataclass
class TextTowerResult:
    metrics: dict | None
    device: str
    dtype: str
    steps: int
    epochs_run: float
    train_seconds: float
    eval_seconds: float
    stopped_by_time: bool
    triples_per_s: float
    trainable_parameters: int
    losses: list[float] = field(default_factory=list)
    checkpoint: str | None = None


class _TextTower:
    """MiniLM over pre-tokenised entity texts, its last layers trainable."""

    def __init__(self, texts: list[str], settings: TextTowerSettings, device: str) -> None:
        from sentence_transformers import SentenceTransformer

        from assistant.progress import library_bars_off
        from training.text_encoder import base_model_path

        library_bars_off()
        self.model = SentenceTransformer(str(base_model_path()), device=device)
        self.model.max_seq_length = settings.max_seq_length
        layers = self.model[0].auto_model.encoder.layer
        self.top = list(layers)[max(0, len(layers) - settings.train_layers):]
        self.trained_share = len(self.top) / max(1, len(layers))
        for p in self.model.parameters():
            p.requires_grad_(False)
        for layer in self.top:
            for p in layer.parameters():
                p.requires_grad_(True)
        tokenize = getattr(self.model, "preprocess", None) or self.model.tokenize  # renamed in sentence-transformers 6
        self.tokens = {k: v.to(device) for k, v in tokenize(texts).items() if isinstance(v, torch.Tensor)}
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.device = device

    def parameters(self) -> list[torch.nn.Parameter]:
        return [p for layer in self.top for p in layer.parameters()]

    def train(self) -> None:
        self.model.eval()  # the frozen layers: no dropout
        for layer in self.top:
            layer.train()

    def encode(self, rows: torch.Tensor) -> torch.Tensor:
        """Sentence embeddings of the texts at ``rows`` (with gradients into the trainable layers)."""
        mask = self.tokens["attention_mask"][rows]
        width = max(1, int(mask.sum(1).max()))
        features = {k: v[rows, :width] for k, v in self.tokens.items()}
        return self.model(features)["sentence_embedding"]


def train_clep_text_tower(kg: KnowledgeGraph, settings: TextTowerSettings | None = None, progress: bool = True,
                          output: Path | None = None, on_step=None) -> TextTowerResult:
    """Train CLEP on ``kg`` with the text tower's last layers trainable, rank the test split, optionally save.

    Args:
        kg: A KG with descriptions (its own split, or a seeded hold-out).
        settings: The run's settings.
        progress: Progress bar on a terminal, lines in a log.
        output: Save the trained model here as a CLEP checkpoint (its entity table initialises CompGCN).
        on_step: Called with ``(step, loss)`` after each optimizer step (the suite records how far it got).

    Raises:
        NoDescriptionsError: The KG has no descriptions.
        ValueError: A setting cannot work.
    """
    from assistant.progress import Progress

    s = settings or TextTowerSettings()
    s.validate()
    device = resolve_device(s.device)
    torch.manual_seed(s.seed)
    data = build_data(kg, s.holdout, s.seed)
    tower = _TextTower(data.texts, s, device)
    config = ClepConfig(num_entities=data.num_entities, num_relations=data.num_relations, text_dim=tower.dim,
                        embedding_dim=s.embedding_dim, hidden_dim=s.hidden_dim, output_dim=s.output_dim,
                        dropout=s.dropout)
    model = ClepModel(config).to(device)
    train = torch.as_tensor(data.train, device=device)
    text_ids = torch.as_tensor(data.text_ids, device=device)
    known = KnownTriples(train, data.num_entities, data.num_relations)

    embeddings = [model.entity.weight, model.relation.weight]
    others = [p for p in model.parameters() if all(p is not e for e in embeddings)]
    opt = torch.optim.AdamW([{"params": embeddings, "weight_decay": 0.0},
                             {"params": others, "weight_decay": s.weight_decay},
                             {"params": tower.parameters(), "weight_decay": 0.01, "lr": s.tower_learning_rate}],
                            lr=s.learning_rate)
    per_epoch = max(1, len(train) // s.batch_size)
    total = per_epoch * s.epochs if s.max_steps is None else min(per_epoch * s.epochs, s.max_steps)
    warmup = max(1, int(s.warmup_fraction * total))
    started = time.perf_counter()
    steps = 0

    def factor(step: int) -> float:  # warm-up, then cosine over the steps or the time budget, whichever ends first
        done = step / max(1, total)
        if s.max_seconds:
            done = max(done, (time.perf_counter() - started) / s.max_seconds)
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, done)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    gen = torch.Generator().manual_seed(s.seed)
    losses: list[float] = []
    stopped_by_time = False
    encoded, step_seconds = 0, 0.0  # texts through the tower while training, and the time those steps took
    started = time.perf_counter()
    with Progress(total=total, desc=f"clep (text tower: last {len(tower.top)} layers)", unit="step",
                  enabled=progress) as bar:
        while steps < total and not stopped_by_time:
            order = torch.randperm(len(train), generator=gen).to(device)
            for i in range(per_epoch):
                batch = train[order[i * s.batch_size:(i + 1) * s.batch_size]]
                h, r, t = batch[:, 0], batch[:, 1], batch[:, 2]
                tids = text_ids[t]
                distinct, inverse = torch.unique(tids, return_inverse=True)
                model.train()
                tower.train()
                step_started = time.perf_counter()
                with bf16_autocast(device, s.bf16):
                    text = model.text(tower.encode(distinct))[inverse]
                    graph = model.graph(h, r)
                loss = contrastive_loss(graph.float(), text.float(), model.scale(), tids,
                                        h * data.num_relations + r, known.pair_mask(batch))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                steps += 1
                losses.append(float(loss.detach()))
                bar.update(1)
                if on_step is not None:
                    on_step(steps, losses[-1])
                encoded, step_seconds = encoded + len(distinct), step_seconds + time.perf_counter() - step_started
                # a forward pass without gradients: a training step less the backward pass of the trained
                # layers (about twice their forward)
                encode_estimate = len(data.texts) * step_seconds / max(1, encoded) / (1 + 2 * tower.trained_share)
                if s.max_seconds is not None and time.perf_counter() - started + encode_estimate >= s.max_seconds:
                    stopped_by_time = True
                    break
                if steps >= total:
                    break
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    model.eval()
    tower.model.eval()
    with torch.no_grad(), bf16_autocast(device, s.bf16):
        rows = torch.arange(len(data.texts), device=device)
        features = torch.cat([tower.encode(rows[i:i + s.encode_batch_size]).float()
                              for i in range(0, len(rows), s.encode_batch_size)])
    with torch.no_grad():
        ranker = CrossSpaceRanker(model, data.entity_ids, data.relation_ids, model.text(features)[text_ids])
    metrics = None
    if data.split.test:
        metrics = evaluate_cross_space(ranker, data.split.test, data.split.known(), s.eval_batch_size,
                                       s.eval_sample, s.seed)
    eval_seconds = time.perf_counter() - started
    checkpoint = None
    if output is not None:
        with torch.no_grad():
            node_vectors, _ = node_vectors_from_triples(model, ranker.states, train, data.num_entities)
        info = {"kg": {"name": kg.name}, "text_encoder": "base",
                "text_tower": f"all-MiniLM-L6-v2, last {len(tower.top)} layers fine-tuned (not saved: "
                              "text_features hold the tuned tower's embeddings)",
                "training": {**asdict(s), "device": device, "steps": steps}, "split": data.split.summary(),
                "metrics": metrics}
        clep = Clep(model, data.entity_ids, data.relation_ids, features[text_ids].cpu(), ranker.states.cpu(),
                    node_vectors.cpu(), info)
        clep.model.cpu()
        checkpoint = str(clep.save(output))
    items = steps * min(s.batch_size, len(train))
    return TextTowerResult(metrics, device, "bf16 autocast" if bf16_in_use(device, s.bf16) else "fp32", steps,
                           steps / per_epoch, train_seconds, eval_seconds, stopped_by_time,
                           items / max(train_seconds, 1e-9), sum(p.numel() for p in tower.parameters()),
                           losses, checkpoint)
