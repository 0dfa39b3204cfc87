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
from training.common import DEVICES, bf16_in_use, resolve_device
from training.link_prediction.data import LinkSplit, Triple, split_kg
from training.link_prediction.evaluation import evaluate_filtered
from training.link_prediction.kge import (
    KGEModelSpec,
    KGEPredictor,
    answer_types_of,
    build_answer_table,
    get_model_spec,
)
from training.link_prediction.loop import LOOP_MODELS, CurvePoint, LoopResult, train_one_vs_all

LOOPS = ("auto", "1vsall", "pykeen")
#: ``candidates="auto"`` restricts the softmax to the answer types above this many entities.
TYPE_CANDIDATES_ABOVE = 20_000
OPTIMIZERS = ("auto", "adagrad", "adam")


@dataclass
class TrainSettings:
    """Everything that decides a training run.

    The defaults are the recipe ``kgqa train lp`` uses for answering: ComplEx with N3, trained by the
    1-vs-all loop (:mod:`training.link_prediction.loop`) with reciprocal relations and Adagrad.

    Attributes:
        model: Registry name: ``"distmult"``, ``"complex"``, ``"rotate"`` or ``"tucker"``.
        embedding_dim: Embedding dimension (complex dimensions for ComplEx).
        epochs: Passes over the training examples.
        max_steps: Stop after this many optimizer steps even within an epoch (``None``: no limit).
        batch_size: Examples per step (triples for the 1-vs-all loop, ``(head, relation)`` pairs for PyKEEN's).
        learning_rate: Optimizer learning rate (``None``: 0.1 for Adagrad, 0.01 for Adam).
        loss: PyKEEN loss name (PyKEEN loop only); ``"crossentropy"`` is softmax over all tails.
        seed: Seed of the weights, the batch order and the hold-out split.
        device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
        holdout: Fraction of triples held out for evaluation when the KG has no split of its own.
        eval_batch_size: Queries ranked at once during evaluation.
        label_smoothing: Label smoothing of the 1-vs-all targets (0: none).
        regularizer_weight: Weight of the N3 penalty (0: none; ``None``: 0.05 in the 1-vs-all loop, else 0).
        max_minutes: Stop training after this many minutes (checked between batches; ``None``: no limit).
        loop: ``"1vsall"`` (DistMult, ComplEx), ``"pykeen"`` (PyKEEN's LCWA loop, any model) or
            ``"auto"`` (1-vs-all where it applies).
        optimizer: ``"adagrad"``, ``"adam"`` or ``"auto"`` (Adagrad for the 1-vs-all loop, Adam for PyKEEN's).
        init_scale: Standard deviation of the initial embeddings (1-vs-all loop).
        eval_every: Record a learning-curve point every this many epochs (0: none; 1-vs-all loop).
        valid_sample: Validation triples ranked per curve point (``None``: all).
        curve_test: Also rank the whole test split at each curve point (benchmarks; never used to choose).
        candidates: ``"all"``: the 1-vs-all softmax runs over every entity (the published recipe);
            ``"type"``: over the entities of the node types that answer the query's relation direction in
            the training triples (a director is a person), and the predictor only ever answers with those
            types: 3x less work per epoch on the MetaQA KB, 4.6x on the film KG, but a lower MRR at equal
            training time on the film KG (bench/RESULTS.md); ``"auto"``: ``"type"`` when the KG has more
            than :data:`TYPE_CANDIDATES_ABOVE` entities (the full softmax's cost grows with them), else ``"all"``.
    """

    model: str = "complex"
    embedding_dim: int = 100
    epochs: int = 8
    max_steps: int | None = None
    batch_size: int = 500
    learning_rate: float | None = None
    loss: str = "crossentropy"
    seed: int = 0
    device: str = "auto"
    holdout: float = 0.1
    eval_batch_size: int = 256
    label_smoothing: float = 0.0
    regularizer_weight: float | None = None
    max_minutes: float | None = None
    loop: str = "auto"
    optimizer: str = "auto"
    init_scale: float = 1e-3
    eval_every: int = 0
    valid_sample: int | None = 2000
    curve_test: bool = False
    candidates: str = "auto"
    bf16: bool = True  # 1-vs-all loop: bf16 autocast of the scores on a CUDA device with bf16 (CPU: fp32)

    def resolved_candidates(self, num_entities: int) -> str:
        if self.candidates != "auto":
            return self.candidates
        return "type" if num_entities > TYPE_CANDIDATES_ABOVE else "all"

    def resolved_loop(self) -> str:
        """``"1vsall"`` or ``"pykeen"``."""
        if self.loop != "auto":
            return self.loop
        return "1vsall" if self.model.lower() in LOOP_MODELS else "pykeen"

    def resolved_optimizer(self) -> str:
        if self.optimizer != "auto":
            return self.optimizer
        return "adagrad" if self.resolved_loop() == "1vsall" else "adam"

    def resolved_regularizer_weight(self) -> float:
        if self.regularizer_weight is not None:
            return self.regularizer_weight
        return 0.05 if self.resolved_loop() == "1vsall" else 0.0

    def resolved_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 0.1 if self.resolved_optimizer() == "adagrad" else 0.01

    def validate(self) -> None:
        """Raise ``ValueError`` on a setting that cannot work."""
        get_model_spec(self.model)
        for name in ("embedding_dim", "epochs", "batch_size", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max-steps must be at least 1, got {self.max_steps}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ValueError(f"learning-rate must be positive, got {self.learning_rate}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        if not 0.0 <= self.holdout <= 0.5:
            raise ValueError(f"holdout must be between 0 and 0.5, got {self.holdout}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label-smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.regularizer_weight is not None and self.regularizer_weight < 0:
            raise ValueError(f"regularizer-weight must be at least 0, got {self.regularizer_weight}")
        if self.loop not in LOOPS:
            raise ValueError(f"loop must be one of {LOOPS}, got {self.loop!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.loop == "1vsall" and self.model.lower() not in LOOP_MODELS:
            raise ValueError(f"the 1-vs-all loop trains {' and '.join(LOOP_MODELS)}; train {self.model} with "
                             "--loop pykeen")
        if self.resolved_regularizer_weight() > 0 and not get_model_spec(self.model).regularizer:
            raise ValueError(f"{self.model} takes no N3 regularizer (TuckER is regularised by dropout and "
                             "batch normalisation); set regularizer-weight to 0")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max-minutes must be positive, got {self.max_minutes}")
        if self.eval_every < 0:
            raise ValueError(f"eval-every must be at least 0, got {self.eval_every}")
        if not self.init_scale > 0:
            raise ValueError(f"init-scale must be positive, got {self.init_scale}")
        if self.candidates not in ("auto", "type", "all"):
            raise ValueError(f"candidates must be 'auto', 'type' or 'all', got {self.candidates!r}")


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
        model: The trained PyKEEN model (kept for inspection; not saved; ``None`` for the 1-vs-all loop).
        curve: Learning-curve points (1-vs-all loop with ``eval_every``).
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
    curve: list[CurvePoint] = field(default_factory=list)
    loop_state: LoopResult | None = field(default=None, repr=False)


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
    weight = settings.resolved_regularizer_weight()
    if weight > 0:  # N3 (Lacroix et al., 2018): cubic penalty on the embeddings used
        kwargs.update(regularizer="lp", regularizer_kwargs={"p": 3.0, "weight": weight,
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


def _step_counter(max_steps: int | None, max_seconds: float | None = None, progress: bool = False,
                  desc: str = "training", total: int | None = None):
    from pykeen.training.callbacks import TrainingCallback

    from assistant.progress import Progress

    class _StepCounter(TrainingCallback):
        """Counts optimizer steps (shown by :class:`assistant.progress.Progress` instead of PyKEEN's tqdm bar,
        which would print a line per redraw into a log); stops training before step ``max_steps + 1``."""

        def __init__(self) -> None:
            super().__init__()
            self.steps = 0
            self.epoch = 0
            self.started = time.perf_counter()
            self.timed_out = False
            self.bar = Progress(total=total, desc=desc, unit="step", enabled=progress)

        def close(self) -> None:
            self.bar.close()

        def pre_batch(self, **kwargs) -> None:  # runs after the previous batch's optimizer step
            if max_steps is not None and self.steps >= max_steps:
                raise _StepLimitReached
            if max_seconds is not None and time.perf_counter() - self.started > max_seconds:
                self.timed_out = True
                raise _StepLimitReached

        def post_batch(self, epoch: int, batch, **kwargs) -> None:
            self.steps += 1
            self.epoch = epoch
            self.bar.update(1)

    return _StepCounter()


def train_kge(kg: KnowledgeGraph, settings: TrainSettings | None = None, progress: bool = True,
              split: LinkSplit | None = None, warm_start: TrainResult | None = None) -> TrainResult:
    """Train, export and evaluate a KGE link predictor on ``kg``.

    Args:
        kg: The knowledge graph; benchmark KGs use their own train/test split, others a seeded hold-out.
        settings: Training settings (defaults: ComplEx-N3, dim 100, 8 epochs of the 1-vs-all loop).
        progress: Show progress (a bar on a terminal, periodic lines elsewhere).
        split: Train and evaluate on this split instead of the one ``settings.holdout`` gives.
        warm_start: Continue the 1-vs-all run of this result (same entities and relations) instead of
            starting from random embeddings.

    Returns:
        The trained predictor with its metrics; nothing is written to disk.

    Raises:
        ValueError: Invalid settings, an unavailable device or a KG without edges.
    """
    settings = settings or TrainSettings()
    settings.validate()
    device = resolve_device(settings.device)
    spec = get_model_spec(settings.model)
    split = split or split_kg(kg, settings.holdout, settings.seed)
    if settings.resolved_loop() == "1vsall":
        return _train_one_vs_all(kg, split, spec, settings, device, progress, warm_start)
    if warm_start is not None:
        raise ValueError("a warm start is only possible in the 1-vs-all loop")

    from pykeen.training import LCWATrainingLoop
    from pykeen.utils import set_random_seed

    factory = build_triples_factory(split.train, split.entities, split.relations)
    set_random_seed(settings.seed)
    model = build_model(spec, factory, settings, device)
    loop = LCWATrainingLoop(model=model, triples_factory=factory, optimizer=settings.resolved_optimizer(),
                            optimizer_kwargs={"lr": settings.resolved_learning_rate()},
                            automatic_memory_optimization=device == "cuda")
    queries = {(h, r) for h, r, _ in split.train} | {(t, f"{r}^-1") for _, r, t in split.train}
    # PyKEEN drops the last partial batch of models with batch norm (TuckER); on a KG with fewer
    # queries than one batch that would leave nothing to train on.
    drop_last = False if len(queries) < settings.batch_size else None
    batches_per_epoch = math.ceil(len(queries) / settings.batch_size)
    total = batches_per_epoch * settings.epochs
    counter = _step_counter(settings.max_steps, settings.max_minutes * 60 if settings.max_minutes else None,
                            progress, f"{spec.name} (PyKEEN LCWA)",
                            total if settings.max_steps is None else min(total, settings.max_steps))
    started = time.perf_counter()
    # PyKEEN runs a full gc.collect() after every epoch, which costs ~0.2 s in a process holding
    # torch, PyKEEN and a KG; freezing the objects that exist before training keeps it cheap.
    gc.freeze()
    try:
        with tempfile.TemporaryDirectory(prefix="kgqa-pykeen-") as scratch:  # PyKEEN wants a checkpoint folder
            loop.train(triples_factory=factory, num_epochs=settings.epochs, batch_size=settings.batch_size,
                       use_tqdm=False, use_tqdm_batch=False, callbacks=[counter], checkpoint_directory=scratch,
                       pin_memory=False,
                       label_smoothing=settings.label_smoothing, drop_last=drop_last)
    except _StepLimitReached:
        pass
    finally:
        gc.unfreeze()
        counter.close()
    train_seconds = time.perf_counter() - started

    config = {
        "kg": {"name": kg.name, "nodes": kg.num_nodes, "edges": kg.num_edges},
        "training": {**asdict(settings), "device": device, "training_loop": "lcwa",
                     "optimizer": settings.resolved_optimizer(), "learning_rate": settings.resolved_learning_rate(),
                     "reciprocal_relations": "kept" if spec.reciprocal else "merged",
                     "pykeen_model": spec.pykeen_class, "stopped_by_time": counter.timed_out,
                     "pykeen_kwargs": spec.pykeen_kwargs,
                     "steps": counter.steps, "epochs_run": counter.epoch, "batches_per_epoch": batches_per_epoch,
                     "seconds": round(train_seconds, 2),
                     "final_loss": loop.losses_per_epochs[-1] if loop.losses_per_epochs else None},
        "split": split.summary(),
    }
    predictor = export_predictor(model, spec, split.entities, split.relations, config)
    predictor.set_known_triples(split.train)
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


def _tensor_triples(triples: list[Triple], entity_index: dict[str, int],
                    relation_index: dict[str, int]) -> torch.Tensor:
    return torch.tensor([[entity_index[h], relation_index[r], entity_index[t]] for h, r, t in triples],
                        dtype=torch.long).reshape(-1, 3)


def _train_one_vs_all(kg: KnowledgeGraph, split: LinkSplit, spec: KGEModelSpec, settings: TrainSettings,
                      device: str, progress: bool, warm_start: TrainResult | None = None) -> TrainResult:
    """:func:`train_kge` for DistMult and ComplEx with the 1-vs-all loop; the predictor keeps reciprocal rows."""
    import random

    entity_index = {e: i for i, e in enumerate(split.entities)}
    relation_index = {r: i for i, r in enumerate(split.relations)}
    width = settings.embedding_dim * (2 if spec.is_complex else 1)

    entity_types = [kg.nodes[e].type if e in kg.nodes else "" for e in split.entities]
    answer_types = answer_types_of(split.train, dict(zip(split.entities, entity_types, strict=True))) \
        if settings.resolved_candidates(len(split.entities)) == "type" else None

    def as_predictor(ent: torch.Tensor, rel: torch.Tensor, config: dict | None = None) -> KGEPredictor:
        predictor = KGEPredictor(spec.name, split.entities, split.relations, ent, rel, config, reciprocal=True)
        if answer_types is not None:
            predictor.set_answer_types(entity_types, answer_types)
        return predictor

    known = split.known()
    curve_valid = split.valid or []
    if settings.valid_sample is not None and len(curve_valid) > settings.valid_sample:
        curve_valid = random.Random(settings.seed).sample(curve_valid, settings.valid_sample)

    def evaluate(ent: torch.Tensor, rel: torch.Tensor) -> dict:
        predictor = as_predictor(ent, rel)
        out: dict = {}
        if curve_valid:
            out["valid_mrr"] = evaluate_filtered(predictor, curve_valid, known, settings.eval_batch_size)["mrr"]
        if settings.curve_test and split.test:
            m = evaluate_filtered(predictor, split.test, known, settings.eval_batch_size)
            out.update({"test_mrr": m["mrr"], "test_hits@1": m["hits@1"], "test_hits@10": m["hits@10"]})
        return out

    torch.manual_seed(settings.seed)
    train_rows = _tensor_triples(split.train, entity_index, relation_index)
    result = train_one_vs_all(
        spec, train_rows, len(split.entities),
        len(split.relations), width=width, epochs=settings.epochs, batch_size=settings.batch_size,
        learning_rate=settings.resolved_learning_rate(), optimizer=settings.resolved_optimizer(),
        regularizer_weight=settings.resolved_regularizer_weight(), label_smoothing=settings.label_smoothing,
        init_scale=settings.init_scale, seed=settings.seed, device=device, max_steps=settings.max_steps,
        max_seconds=settings.max_minutes * 60 if settings.max_minutes else None, eval_every=settings.eval_every,
        evaluate=evaluate if settings.eval_every and (curve_valid or settings.curve_test) else None,
        progress=progress,
        answer_table=(build_answer_table(entity_types, split.relations, answer_types)
                      if answer_types is not None else None),
        warm_start=warm_start.loop_state if warm_start is not None else None, bf16=settings.bf16)
    examples = 2 * len(split.train)
    config = {
        "kg": {"name": kg.name, "nodes": kg.num_nodes, "edges": kg.num_edges},
        "training": {**asdict(settings), "device": device, "training_loop": "1vsall",
                     "dtype": "bf16 autocast" if bf16_in_use(device, settings.bf16) else "fp32",
                     "optimizer": settings.resolved_optimizer(), "learning_rate": settings.resolved_learning_rate(),
                     "reciprocal_relations": "kept",
                     "regularizer": "N3" if settings.resolved_regularizer_weight() else None,
                     "regularizer_weight": settings.resolved_regularizer_weight(),
                     "stopped_by_time": result.stopped_by_time, "steps": result.steps,
                     "epochs_run": result.epochs_run, "batches_per_epoch": math.ceil(examples / settings.batch_size),
                     "examples_per_epoch": examples, "seconds": round(result.train_seconds, 2),
                     "examples_per_second": round(result.steps * settings.batch_size / max(result.train_seconds, 1e-9),
                                                  1),
                     "final_loss": result.losses[-1] if result.losses else None,
                     "curve": [asdict(c) for c in result.curve], "warm_start": warm_start is not None,
                     "candidates": "type" if answer_types is not None else "all"},
        "split": split.summary(),
    }
    predictor = as_predictor(result.entities, result.relations, config)
    predictor.set_known_triples(train_rows)
    started = time.perf_counter()
    metrics: dict = {}
    if split.test:
        evaluator = predictor.to(device)
        metrics = evaluate_filtered(evaluator, split.test, known, settings.eval_batch_size)
        predictor.to("cpu")
        metrics["split"] = "test" if split.source == "benchmark" else f"holdout {settings.holdout:g}"
    eval_seconds = time.perf_counter() - started
    predictor.config["metrics"] = metrics
    return TrainResult(predictor, metrics, split, device, result.steps, result.epochs_run, result.losses,
                       result.train_seconds, eval_seconds, None, result.curve, result)
