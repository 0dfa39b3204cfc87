"""Train a KGE link predictor with PyKEEN on the KG's own triples, evaluate it and save it.

The triples factory is built from ``kg.iter_edges()`` (node ids, relation names) with every node of
the KG in the entity map, so any node can be scored. Training is LCWA (1-vs-all: softmax over every
entity) with reciprocal relations, so that ``(h, r, ?)`` and ``(?, r, t)`` are both trained as tail
queries, and a fixed seed. On export DistMult and ComplEx fold each relation and its reciprocal into
one relation whose score is the mean of the two directions (exact for them), so the saved predictor
has one embedding per relation and the plain DistMult/ComplEx score; RotatE and TuckER keep both
rows and rank heads through the reciprocal relation. Evaluation runs on that exported predictor.
"""

from __future__ import annotations

import gc
import math
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from assistant.config import kgqa_home
from assistant.kg import KnowledgeGraph
from training.common import DEVICES, resolve_device
from training.link_prediction.data import LinkSplit, Triple, split_kg
from training.link_prediction.evaluation import evaluate_filtered
from training.link_prediction.kge import KGEModelSpec, KGEPredictor, get_model_spec


@dataclass
class TrainSettings:
    """Everything that decides a training run.

    Attributes:
        model: Registry name: ``"distmult"``, ``"complex"``, ``"rotate"`` or ``"tucker"``.
        embedding_dim: Embedding dimension (complex dimensions for ComplEx).
        epochs: Passes over the training ``(head, relation)`` pairs.
        max_steps: Stop after this many optimizer steps even within an epoch (``None``: no limit).
        batch_size: ``(head, relation)`` pairs per step.
        learning_rate: Adam learning rate.
        loss: PyKEEN loss name; ``"crossentropy"`` is softmax over all tails (1-vs-all).
        seed: Seed of the weights, the batch order and the hold-out split.
        device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
        holdout: Fraction of triples held out for evaluation when the KG has no split of its own.
        eval_batch_size: Queries ranked at once during evaluation.
        label_smoothing: Label smoothing of the 1-vs-all targets (0: none).
        regularizer_weight: Weight of an N3 (cubic Lp) penalty on the embeddings, for models that
            take a regularizer (0: the PyKEEN model's default).
        max_minutes: Stop training after this many minutes (checked between batches; ``None``: no limit).
    """

    model: str = "distmult"
    embedding_dim: int = 64
    epochs: int = 30
    max_steps: int | None = None
    batch_size: int = 256
    learning_rate: float = 0.01
    loss: str = "crossentropy"
    seed: int = 0
    device: str = "auto"
    holdout: float = 0.1
    eval_batch_size: int = 256
    label_smoothing: float = 0.0
    regularizer_weight: float = 0.0
    max_minutes: float | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` on a setting that cannot work."""
        get_model_spec(self.model)
        for name in ("embedding_dim", "epochs", "batch_size", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max-steps must be at least 1, got {self.max_steps}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning-rate must be positive, got {self.learning_rate}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        if not 0.0 <= self.holdout <= 0.5:
            raise ValueError(f"holdout must be between 0 and 0.5, got {self.holdout}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label-smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.regularizer_weight < 0:
            raise ValueError(f"regularizer-weight must be at least 0, got {self.regularizer_weight}")
        if self.regularizer_weight > 0 and not get_model_spec(self.model).regularizer:
            raise ValueError(f"{self.model} takes no N3 regularizer (TuckER is regularised by dropout and "
                             "batch normalisation); leave regularizer-weight at 0")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max-minutes must be positive, got {self.max_minutes}")


@dataclass
class TrainResult:
    """What :func:`train_kge` produced.

    Attributes:
        predictor: The exported predictor (its ``config`` holds settings, split and metrics).
        metrics: Filtered test metrics (empty when nothing was held out).
        split: The triples trained on and evaluated on.
        device: Where training ran.
        steps: Optimizer steps taken.
        epochs_run: Epochs begun (the last one may be partial under ``max_steps``).
        losses: Mean loss of each completed epoch.
        train_seconds: Wall time of training.
        eval_seconds: Wall time of evaluation.
        model: The trained PyKEEN model (kept for inspection; not saved).
    """

    predictor: KGEPredictor
    metrics: dict
    split: LinkSplit
    device: str
    steps: int
    epochs_run: int
    losses: list[float] = field(default_factory=list)
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    model: object = None


def default_output_dir(kg_name: str, model: str) -> Path:
    """``$KGQA_HOME/checkpoints/<kg name>/lp-<model>``."""
    return kgqa_home() / "checkpoints" / (kg_name or "kg") / f"lp-{get_model_spec(model).name}"


def build_triples_factory(triples: list[Triple], entities: list[str], relations: list[str]):
    """A PyKEEN ``TriplesFactory`` over ``triples`` (plus reciprocal triples) whose id maps cover all
    ``entities`` and ``relations``."""
    import numpy as np
    from pykeen.triples import TriplesFactory

    return TriplesFactory.from_labeled_triples(
        np.asarray(triples, dtype=str).reshape(-1, 3),
        entity_to_id={e: i for i, e in enumerate(entities)},
        relation_to_id={r: i for i, r in enumerate(relations)},
        create_inverse_triples=True,
        compact_id=False,
        filter_out_candidate_inverse_relations=False,  # our relation names may end in "_inverse"
    )


@torch.no_grad()
def export_predictor(model, spec: KGEModelSpec, entities: list[str], relations: list[str],
                     config: dict | None = None) -> KGEPredictor:
    """Copy a trained PyKEEN model's embeddings into a :class:`KGEPredictor` (on the CPU).

    A model trained with reciprocal relations has its two relation rows folded into one with
    ``spec.merge_inverse``, or, for models that keep them (``spec.reciprocal``), stacked as forward
    rows then inverse rows. TuckER's core tensor and batch norms (in eval mode) go into the extras.

    Args:
        model: A trained ``pykeen.models.DistMult`` or ``ComplEx``.
        spec: Its registry entry.
        entities: Entity labels in PyKEEN id order.
        relations: Relation labels in PyKEEN id order.
        config: Extra facts for ``config.json``.
    """

    def real(x: torch.Tensor) -> torch.Tensor:
        x = x.detach().cpu()
        if spec.is_complex and torch.is_complex(x):
            x = torch.cat([x.real, x.imag], dim=-1)
        return x.to(torch.float32)

    model.eval()
    ent = real(model.entity_representations[0](indices=None))
    rel_rep = model.relation_representations[0]
    ids = torch.arange(len(relations), device=model.device)
    if getattr(model, "use_inverse_triples", False):
        batch = torch.stack([torch.zeros_like(ids), ids, torch.zeros_like(ids)], dim=1)
        forward = model.relation_inverter.map(batch=batch)[:, 1]
        inverse = model.relation_inverter.map(batch=batch, invert=True)[:, 1]
        if spec.reciprocal:
            rel = torch.cat([real(rel_rep(indices=forward)), real(rel_rep(indices=inverse))])
        else:
            rel = spec.merge_inverse(real(rel_rep(indices=forward)), real(rel_rep(indices=inverse)))
    elif spec.reciprocal:
        raise ValueError(f"{spec.name} must be trained with reciprocal relations")
    else:
        rel = real(rel_rep(indices=ids))
    extras = _tucker_extras(model.interaction) if spec.name == "tucker" else None
    return KGEPredictor(spec.name, entities, relations, ent, rel, config, extras)


def _bn_affine(bn, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """An eval-mode ``BatchNorm1d`` as ``x * scale + shift`` (identity when there is none)."""
    if bn is None:
        return torch.ones(width), torch.zeros(width)
    scale = bn.weight.detach().cpu() / torch.sqrt(bn.running_var.detach().cpu() + bn.eps)
    return scale, bn.bias.detach().cpu() - bn.running_mean.detach().cpu() * scale


def _tucker_extras(interaction) -> dict[str, torch.Tensor]:
    core = interaction.core_tensor.detach().cpu().to(torch.float32)
    width = core.shape[0]
    bn0_scale, bn0_shift = _bn_affine(interaction.head_batch_norm, width)
    bn1_scale, bn1_shift = _bn_affine(interaction.head_relation_batch_norm, width)
    return {"core": core, "bn0_scale": bn0_scale, "bn0_shift": bn0_shift, "bn1_scale": bn1_scale,
            "bn1_shift": bn1_shift}


def _einsum_distmult_interaction():
    """PyKEEN's DistMult interaction computed with one ``einsum``.

    ``DistMultInteraction`` multiplies the broadcast ``(batch, 1, dim)`` and ``(1, entities, dim)``
    tensors element-wise before summing, which materialises a ``(batch, entities, dim)`` tensor
    (about 40x slower on a CPU at film-KG size); ``einsum`` contracts it as a matrix product.
    The scores are the same.
    """
    from pykeen.nn.modules import DistMultInteraction

    class EinsumDistMultInteraction(DistMultInteraction):
        def forward(self, h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return torch.einsum("...d,...d,...d->...", h, r, t)

    return EinsumDistMultInteraction()


def _matmul_rotate_interaction():
    """PyKEEN's RotatE interaction (``-||h * r - t||_2``) without the ``(batch, entities, dim)`` tensor.

    ``||q - t||^2 = ||q||^2 + ||t||^2 - 2 <q, t>`` turns 1-vs-all scoring into a matrix product.
    """
    from pykeen.nn.modules import RotatEInteraction

    class MatmulRotatEInteraction(RotatEInteraction):
        def forward(self, h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            q = torch.view_as_real(h * r).flatten(-2)
            t = torch.view_as_real(t).flatten(-2)
            sq = (q * q).sum(-1) + (t * t).sum(-1) - 2 * torch.einsum("...d,...d->...", q, t)
            return -sq.clamp_min(1e-12).sqrt()

    return MatmulRotatEInteraction()


def _einsum_tucker_interaction(interaction):
    """PyKEEN's TuckER interaction with the final dot product as an ``einsum`` (same parameters)."""
    from pykeen.nn.modules import TuckERInteraction
    from pykeen.nn.utils import apply_optional_bn

    class EinsumTuckERInteraction(TuckERInteraction):
        def forward(self, h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            h = self.head_dropout(apply_optional_bn(x=h, batch_norm=self.head_batch_norm))
            r = self.relation_dropout(torch.einsum("ijk,...j->...ik", self.core_tensor, r))
            q = apply_optional_bn(x=torch.einsum("...ik,...i->...k", r, h), batch_norm=self.head_relation_batch_norm)
            return torch.einsum("...d,...d->...", self.head_relation_dropout(q), t)

    interaction.__class__ = EinsumTuckERInteraction  # keep its parameters, change only forward
    return interaction


def build_model(spec: KGEModelSpec, factory, settings: TrainSettings, device: str):
    """The untrained PyKEEN model of ``spec`` on ``device``."""
    from pykeen import models as pykeen_models

    kwargs = dict(spec.pykeen_kwargs)
    if settings.regularizer_weight > 0:  # N3 (Lacroix et al., 2018): cubic penalty on the embeddings used
        kwargs.update(regularizer="lp", regularizer_kwargs={"p": 3.0, "weight": settings.regularizer_weight,
                                                             "normalize": True})
    model = getattr(pykeen_models, spec.pykeen_class)(
        triples_factory=factory, embedding_dim=settings.embedding_dim, loss=settings.loss,
        random_seed=settings.seed, **kwargs,
    )
    if spec.name == "distmult":
        model.interaction = _einsum_distmult_interaction()
    elif spec.name == "rotate":
        model.interaction = _matmul_rotate_interaction()
    elif spec.name == "tucker":
        model.interaction = _einsum_tucker_interaction(model.interaction)
    return model.to(device)


class _StepLimitReached(Exception):
    """Raised by :class:`_StepCounter` to end training mid-epoch."""


def _step_counter(max_steps: int | None, max_seconds: float | None = None):
    from pykeen.training.callbacks import TrainingCallback

    class _StepCounter(TrainingCallback):
        """Counts optimizer steps; stops training before step ``max_steps + 1``."""

        def __init__(self) -> None:
            super().__init__()
            self.steps = 0
            self.epoch = 0
            self.started = time.perf_counter()
            self.timed_out = False

        def pre_batch(self, **kwargs) -> None:  # runs after the previous batch's optimizer step
            if max_steps is not None and self.steps >= max_steps:
                raise _StepLimitReached
            if max_seconds is not None and time.perf_counter() - self.started > max_seconds:
                self.timed_out = True
                raise _StepLimitReached

        def post_batch(self, epoch: int, batch, **kwargs) -> None:
            self.steps += 1
            self.epoch = epoch

    return _StepCounter()


def train_kge(kg: KnowledgeGraph, settings: TrainSettings | None = None, progress: bool = True) -> TrainResult:
    """Train, export and evaluate a KGE link predictor on ``kg``.

    Args:
        kg: The knowledge graph; benchmark KGs use their own train/test split, others a seeded hold-out.
        settings: Training settings (defaults: DistMult, dim 64, 30 epochs).
        progress: Show PyKEEN's epoch progress bar.

    Returns:
        The trained predictor with its metrics; nothing is written to disk.

    Raises:
        ValueError: Invalid settings, an unavailable device or a KG without edges.
    """
    settings = settings or TrainSettings()
    settings.validate()
    device = resolve_device(settings.device)
    spec = get_model_spec(settings.model)

    from pykeen.training import LCWATrainingLoop
    from pykeen.utils import set_random_seed

    split = split_kg(kg, settings.holdout, settings.seed)
    factory = build_triples_factory(split.train, split.entities, split.relations)
    set_random_seed(settings.seed)
    model = build_model(spec, factory, settings, device)
    loop = LCWATrainingLoop(model=model, triples_factory=factory, optimizer="adam",
                            optimizer_kwargs={"lr": settings.learning_rate},
                            automatic_memory_optimization=device == "cuda")
    queries = {(h, r) for h, r, _ in split.train} | {(t, f"{r}^-1") for _, r, t in split.train}
    # PyKEEN drops the last partial batch of models with batch norm (TuckER); on a KG with fewer
    # queries than one batch that would leave nothing to train on.
    drop_last = False if len(queries) < settings.batch_size else None
    counter = _step_counter(settings.max_steps, settings.max_minutes * 60 if settings.max_minutes else None)
    started = time.perf_counter()
    # PyKEEN runs a full gc.collect() after every epoch, which costs ~0.2 s in a process holding
    # torch, PyKEEN and a KG; freezing the objects that exist before training keeps it cheap.
    gc.freeze()
    try:
        with tempfile.TemporaryDirectory(prefix="kgqa-pykeen-") as scratch:  # PyKEEN wants a checkpoint folder
            loop.train(triples_factory=factory, num_epochs=settings.epochs, batch_size=settings.batch_size,
                       use_tqdm=progress, use_tqdm_batch=False, callbacks=[counter], checkpoint_directory=scratch,
                       tqdm_kwargs={"leave": False} if progress else None, pin_memory=False,
                       label_smoothing=settings.label_smoothing, drop_last=drop_last)
    except _StepLimitReached:
        pass
    finally:
        gc.unfreeze()
    train_seconds = time.perf_counter() - started

    batches_per_epoch = math.ceil(len(queries) / settings.batch_size)
    config = {
        "kg": {"name": kg.name, "nodes": kg.num_nodes, "edges": kg.num_edges},
        "training": {**asdict(settings), "device": device, "training_loop": "lcwa", "optimizer": "adam",
                     "reciprocal_relations": "kept" if spec.reciprocal else "merged",
                     "pykeen_model": spec.pykeen_class, "stopped_by_time": counter.timed_out,
                     "pykeen_kwargs": spec.pykeen_kwargs,
                     "steps": counter.steps, "epochs_run": counter.epoch, "batches_per_epoch": batches_per_epoch,
                     "seconds": round(train_seconds, 2),
                     "final_loss": loop.losses_per_epochs[-1] if loop.losses_per_epochs else None},
        "split": split.summary(),
    }
    predictor = export_predictor(model, spec, split.entities, split.relations, config)
    started = time.perf_counter()
    metrics: dict = {}
    if split.test:
        evaluator = predictor.to(device)
        metrics = evaluate_filtered(evaluator, split.test, split.known(), settings.eval_batch_size)
        predictor.to("cpu")
        metrics["split"] = "test" if split.source == "benchmark" else f"holdout {settings.holdout:g}"
    eval_seconds = time.perf_counter() - started
    predictor.config["metrics"] = metrics
    return TrainResult(predictor, metrics, split, device, counter.steps, counter.epoch, list(loop.losses_per_epochs),
                       train_seconds, eval_seconds, model)
