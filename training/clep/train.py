"""Train CLEP: in-batch contrastive alignment of g(head, relation) with the tail's frozen text embedding."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from assistant.kg import KnowledgeGraph
from training.clep.checkpoint import Clep, node_vectors_from_triples
from training.clep.data import ClepData, build_data, embed_texts
from training.clep.evaluate import CrossSpaceRanker, evaluate_cross_space
from training.clep.model import ClepConfig, ClepModel, contrastive_loss
from training.common import DEVICES, resolve_device


@dataclass
class ClepSettings:
    """Everything that decides a CLEP run.

    Attributes:
        epochs: Passes over the training triples (reciprocals included).
        max_steps: Stop after this many optimizer steps (``None``: no limit).
        batch_size: Triples per step; every other text in the batch is a negative.
        learning_rate: Peak AdamW learning rate (linear warm-up, cosine decay).
        weight_decay: AdamW weight decay of the MLPs (embeddings get none).
        warmup_fraction: Share of the steps spent warming up.
        embedding_dim: Entity and relation embedding width.
        hidden_dim: Hidden width of the projection MLPs.
        output_dim: Width of the shared space.
        dropout: MLP dropout.
        graph_layer: ``"none"`` or ``"rgcn"`` (full-batch; slow on big graphs on CPU).
        mask_known: Also mask in-batch pairs ``(h_i, r_i, t_j)`` that are true training triples.
        seed: Seed of the weights, batch order and hold-out split.
        device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
        holdout: Held-out fraction for KGs without their own split.
        valid_every: Evaluate a validation sample every N epochs (0: never); logged in the history.
        valid_sample: Validation triples ranked each time.
        eval_batch_size: Queries ranked at once.
        evaluate_test: Rank the test split after training.
        cache_dir: Where frozen text embeddings are cached (``None``: ``$KGQA_HOME/cache/clep``).
        text_encoder: Name of the frozen sentence encoder (``retrieval.encoders``).
        head_text: Text-enhanced graph tower (see :class:`~training.clep.model.ClepConfig`).
    """

    epochs: int = 20
    max_steps: int | None = None
    batch_size: int = 1024
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    warmup_fraction: float = 0.05
    embedding_dim: int = 256
    hidden_dim: int = 512
    output_dim: int = 256
    dropout: float = 0.1
    graph_layer: str = "none"
    mask_known: bool = True
    seed: int = 0
    device: str = "auto"
    holdout: float = 0.1
    valid_every: int = 0
    valid_sample: int = 2000
    eval_batch_size: int = 512
    evaluate_test: bool = True
    cache_dir: Path | None = None
    text_encoder: str = "base"
    head_text: bool = False

    def validate(self) -> None:
        """Raise ``ValueError`` on a setting that cannot work."""
        for name in ("epochs", "batch_size", "embedding_dim", "hidden_dim", "output_dim", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.batch_size < 2:
            raise ValueError("batch-size must be at least 2 (in-batch negatives)")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max-steps must be at least 1, got {self.max_steps}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning-rate must be positive, got {self.learning_rate}")
        if self.graph_layer not in ("none", "rgcn"):
            raise ValueError(f"graph-layer must be 'none' or 'rgcn', got {self.graph_layer!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")

    def to_dict(self) -> dict:
        out = asdict(self)
        out["cache_dir"] = str(self.cache_dir) if self.cache_dir else None
        return out


@dataclass
class ClepResult:
    """A finished run: the model, its test metrics and how training went."""

    clep: Clep
    data: ClepData
    metrics: dict | None
    device: str
    steps: int
    epochs_run: float
    train_seconds: float
    eval_seconds: float
    embed_seconds: float
    losses: list[float] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)


class KnownTriples:
    """Sorted int64 keys of true ``(h, r, t)`` rows, to find in-batch false negatives.

    A ``(relation, tail)`` table screens the ``B x B`` pairs first (one gather), so only the few pairs
    whose tail ever occurs with that relation are looked up among the sorted keys.
    """

    def __init__(self, rows: torch.Tensor, num_entities: int, num_relations: int) -> None:
        self.e, self.r = num_entities, num_relations
        self.keys = torch.sort(self._key(rows[:, 0], rows[:, 1], rows[:, 2])).values
        self.relation_tail = torch.zeros(num_relations, num_entities, dtype=torch.bool, device=rows.device)
        self.relation_tail[rows[:, 1], rows[:, 2]] = True

    def _key(self, h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return (h * self.r + r) * self.e + t

    def pair_mask(self, batch: torch.Tensor) -> torch.Tensor:
        """``(B, B)`` bool: True where ``(h_i, r_i, t_j)`` is a known triple."""
        mask = self.relation_tail[batch[:, 1, None], batch[None, :, 2]]
        i, j = mask.nonzero(as_tuple=True)
        keys = self._key(batch[i, 0], batch[i, 1], batch[j, 2])
        pos = torch.searchsorted(self.keys, keys).clamp(max=len(self.keys) - 1)
        mask[i, j] = self.keys[pos] == keys
        return mask


def build_model(data: ClepData, text_dim: int, settings: ClepSettings) -> ClepModel:
    config = ClepConfig(num_entities=data.num_entities, num_relations=data.num_relations, text_dim=text_dim,
                        embedding_dim=settings.embedding_dim, hidden_dim=settings.hidden_dim,
                        output_dim=settings.output_dim, dropout=settings.dropout, graph_layer=settings.graph_layer,
                        head_text=settings.head_text)
    return ClepModel(config)


def _optimizer(model: ClepModel, settings: ClepSettings, total_steps: int):
    embeddings = [model.entity.weight, model.relation.weight]
    others = [p for p in model.parameters() if all(p is not e for e in embeddings)]
    opt = torch.optim.AdamW([{"params": embeddings, "weight_decay": 0.0},
                             {"params": others, "weight_decay": settings.weight_decay}], lr=settings.learning_rate)
    warmup = max(1, int(settings.warmup_fraction * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total_steps - warmup))))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


class Trainer:
    """The training loop, shared by :func:`train_clep` and the throughput benchmark."""

    def __init__(self, data: ClepData, text_features: np.ndarray, settings: ClepSettings, device: str) -> None:
        torch.manual_seed(settings.seed)
        self.data, self.settings, self.device = data, settings, device
        self.features = torch.as_tensor(text_features, dtype=torch.float32, device=device)  # per distinct text
        self.text_ids = torch.as_tensor(data.text_ids, device=device)
        self.train = torch.as_tensor(data.train, device=device)
        self.model = build_model(data, self.features.shape[1], settings).to(device)
        if settings.head_text:
            self.model.entity_text.copy_(self.features[self.text_ids])
        if settings.graph_layer == "rgcn":
            self.model.set_graph(self.train)
        self.known = KnownTriples(self.train, data.num_entities, data.num_relations) if settings.mask_known else None
        self.generator = torch.Generator(device="cpu").manual_seed(settings.seed)

    def steps_per_epoch(self) -> int:
        return max(1, len(self.train) // self.settings.batch_size)  # drop the ragged last batch

    def batches(self):
        """Shuffled batches of training rows, forever (one epoch after another)."""
        while True:
            order = torch.randperm(len(self.train), generator=self.generator).to(self.device)
            for i in range(self.steps_per_epoch()):
                yield self.train[order[i * self.settings.batch_size:(i + 1) * self.settings.batch_size]]

    def loss(self, batch: torch.Tensor) -> torch.Tensor:
        h, r, t = batch[:, 0], batch[:, 1], batch[:, 2]
        tids = self.text_ids[t]
        graph = self.model.graph(h, r)
        text = self.model.text(self.features[tids])
        queries = h * self.data.num_relations + r
        extra = self.known.pair_mask(batch) if self.known is not None else None
        return contrastive_loss(graph, text, self.model.scale(), tids, queries, extra)

    @torch.no_grad()
    def entity_text_vectors(self) -> torch.Tensor:
        return self.model.text(self.features)[self.text_ids]

    def ranker(self) -> CrossSpaceRanker:
        self.model.eval()
        with torch.no_grad():
            return CrossSpaceRanker(self.model, self.data.entity_ids, self.data.relation_ids,
                                    self.entity_text_vectors())


def train_clep(kg: KnowledgeGraph, settings: ClepSettings | None = None, progress: bool = True) -> ClepResult:
    """Train CLEP on ``kg`` and (with ``evaluate_test``) rank its test split.

    Raises:
        NoDescriptionsError: The KG has no descriptions.
        ValueError: A setting cannot work or the KG has no edges.
        EncoderUnavailable: The frozen text encoder is missing.
    """
    from assistant.progress import Progress
    from training.text_encoder import load_text_encoder as load_encoder

    settings = settings or ClepSettings()
    settings.validate()
    device = resolve_device(settings.device)
    data = build_data(kg, settings.holdout, settings.seed)
    started = time.perf_counter()
    encoder = load_encoder(settings.text_encoder, device=device)
    features = embed_texts(data.texts, encoder, settings.cache_dir, progress=progress)
    embed_seconds = time.perf_counter() - started

    trainer = Trainer(data, features, settings, device)
    per_epoch = trainer.steps_per_epoch()
    total = per_epoch * settings.epochs
    if settings.max_steps is not None:
        total = min(total, settings.max_steps)
    opt, sched = _optimizer(trainer.model, settings, total)
    losses: list[float] = []
    history: list[dict] = []
    batches = trainer.batches()
    started = time.perf_counter()
    bar = Progress(total=total, desc="clep", unit="step", enabled=progress)
    for step in range(total):
        trainer.model.train()
        loss = trainer.loss(next(batches))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.3f}", scale=f"{float(trainer.model.scale().detach()):.1f}")
        epoch_done = (step + 1) % per_epoch == 0
        if epoch_done and settings.valid_every and data.split.valid \
                and ((step + 1) // per_epoch) % settings.valid_every == 0:
            valid = evaluate_cross_space(trainer.ranker(), data.split.valid, data.split.known(),
                                         settings.eval_batch_size, settings.valid_sample, settings.seed)
            epoch_losses = losses[-per_epoch:]
            history.append({"epoch": (step + 1) // per_epoch, "loss": float(np.mean(epoch_losses)),
                            "valid_mrr": valid["mrr"], "valid_hits@10": valid["hits@10"],
                            "seconds": time.perf_counter() - started})
            if progress:
                print(f"epoch {history[-1]['epoch']}: loss {history[-1]['loss']:.3f}, "
                      f"valid MRR {valid['mrr']:.4f}, Hits@10 {valid['hits@10']:.4f}", flush=True)
    bar.close()
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    ranker = trainer.ranker()
    metrics = None
    if settings.evaluate_test and data.split.test:
        metrics = evaluate_cross_space(ranker, data.split.test, data.split.known(), settings.eval_batch_size)
    eval_seconds = time.perf_counter() - started

    with torch.no_grad():
        node_vectors, _ = node_vectors_from_triples(trainer.model, ranker.states, trainer.train, data.num_entities)
    config = {"kg": {"name": kg.name}, "text_encoder": settings.text_encoder,
              "text_encoder_id": encoder.model_id, "text_template": "<name>: <description>",
              "training": {**settings.to_dict(), "device": device, "steps": total,
                           "epochs_run": total / per_epoch, "seconds": round(train_seconds, 1)},
              "split": data.split.summary(), "metrics": metrics, "history": history}
    clep = Clep(trainer.model, data.entity_ids, data.relation_ids, trainer.features[trainer.text_ids].cpu(),
                ranker.states.detach().cpu(), node_vectors.cpu(), config)
    clep.model.cpu()
    return ClepResult(clep, data, metrics, device, total, total / per_epoch, train_seconds, eval_seconds,
                      embed_seconds, losses, history)
