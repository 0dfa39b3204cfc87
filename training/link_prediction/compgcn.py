"""CompGCN (Vashishth et al., 2020) with a DistMult or ComplEx decoder, optionally initialised from CLEP.

The encoder is PyKEEN's ``CompGCNLayer`` (``pykeen.nn.representation``): each layer updates every
entity from its own vector and its neighbours' ``phi(x_neighbour, x_relation)`` (multiplicative
composition), separately weighted for edges in and out, and transforms the relation vectors too. Here
it runs full batch over the training triples (``edge_index``: head -> tail), inside the same 1-vs-all
training as the KGE models: every triple and its reciprocal is an example, the decoder scores the
encoded query against every encoded entity (one matrix product), softmax cross-entropy with label
smoothing, Adam. PyKEEN's own ``CompGCN`` model is not used because its training loop is the one
the 1-vs-all recipe replaces (:mod:`training.link_prediction.loop`); only its layer is.

``init_from`` (a CLEP checkpoint) starts the entity input table from CLEP's entity embeddings
(:meth:`training.clep.checkpoint.Clep.entity_embeddings`; the width then follows CLEP's), the
pre-training the CLEP talk proposes for CompGCN.

After training the encoder runs once more in eval mode and the result is exported as a plain
:class:`~training.link_prediction.kge.KGEPredictor` of the decoder's model over the encoded entity and
relation vectors (reciprocal rows kept), so it saves, loads, ranks and calibrates like the others.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from assistant.kg import KnowledgeGraph
from training.common import DEVICES, bf16_autocast, bf16_in_use, resolve_device
from training.link_prediction.data import LinkSplit, split_kg
from training.link_prediction.evaluation import evaluate_filtered
from training.link_prediction.kge import KGEPredictor, get_model_spec
from training.link_prediction.loop import training_examples
from training.link_prediction.train import TrainResult

DECODERS = ("distmult", "complex")


@dataclass
class CompGCNSettings:
    """Settings of a CompGCN run (the fields ``kgqa train lp`` shares with the KGE models come first).

    Attributes:
        embedding_dim: Width of entity and relation vectors (ComplEx: ``2 * dim`` real numbers; a CLEP
            initialisation sets the width to CLEP's).
        epochs: Passes over the training examples (triples and reciprocals).
        max_steps: Stop after this many optimizer steps (``None``: no limit).
        batch_size: Examples per step (each step encodes the whole graph once).
        learning_rate: Adam's learning rate (``None``: 0.001, the paper's).
        seed: Seed of weights, batches and the hold-out.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        holdout: Share of triples held out on KGs without their own split.
        label_smoothing: Of the 1-vs-all targets.
        regularizer_weight: Unused (CompGCN is regularised by dropout); accepted for the shared command line.
        max_minutes: Stop after this many minutes of training (``None``: no limit).
        decoder: ``"distmult"`` or ``"complex"``.
        layers: CompGCN layers.
        dropout: On messages and on the encoder output during training.
        init_from: CLEP checkpoint folder whose entity table initialises the entity inputs.
        eval_batch_size: Queries ranked at once during evaluation.
    """

    embedding_dim: int = 100
    epochs: int = 30
    max_steps: int | None = None
    batch_size: int = 500
    learning_rate: float | None = None
    seed: int = 0
    device: str = "auto"
    holdout: float = 0.1
    label_smoothing: float = 0.1
    regularizer_weight: float | None = None
    max_minutes: float | None = None
    decoder: str = "distmult"
    layers: int = 1
    dropout: float = 0.1
    init_from: str | None = None
    eval_batch_size: int = 256
    bf16: bool = True  # bf16 autocast of the encoder and scores on a CUDA device with bf16 (CPU: fp32)

    @property
    def model(self) -> str:
        return "compgcn"

    def validate(self) -> None:
        """Raise ``ValueError`` on a setting that cannot work."""
        for name in ("embedding_dim", "epochs", "batch_size", "layers", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, got {self.decoder!r}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label-smoothing must be in [0, 1), got {self.label_smoothing}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 <= self.holdout <= 0.5:
            raise ValueError(f"holdout must be between 0 and 0.5, got {self.holdout}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ValueError(f"learning-rate must be positive, got {self.learning_rate}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max-steps must be at least 1, got {self.max_steps}")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max-minutes must be positive, got {self.max_minutes}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")


class CompGCNEncoder(nn.Module):
    """Entity and relation input tables -> ``layers`` PyKEEN ``CompGCNLayer``s -> encoded vectors.

    Relation rows are PyKEEN's interleaved layout: forward relation ``r`` at row ``2r``, its inverse at ``2r + 1``.
    """

    def __init__(self, num_entities: int, num_relations: int, width: int, layers: int, dropout: float,
                 init: torch.Tensor | None = None) -> None:
        from pykeen.nn.representation import CompGCNLayer

        super().__init__()
        self.entity = nn.Parameter(torch.empty(num_entities, width))
        self.relation = nn.Parameter(torch.empty(2 * num_relations, width))
        nn.init.xavier_normal_(self.entity)
        nn.init.xavier_normal_(self.relation)
        if init is not None:
            with torch.no_grad():
                self.entity.copy_(init)
        self.layers = nn.ModuleList(CompGCNLayer(width, width, dropout=dropout, composition="multiplication",
                                                 activation=nn.Tanh) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)

    def forward(self, edge_index: torch.Tensor, edge_type: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x_e, x_r = self.entity, self.relation
        for layer in self.layers:
            x_e, x_r = layer(x_e=x_e, x_r=x_r, edge_index=edge_index, edge_type=edge_type)
        return self.dropout(x_e), x_r


def clep_table(path: str, entities: list[str]) -> tuple[torch.Tensor, int]:
    """CLEP's entity rows in ``entities`` order, scaled to unit mean norm (random rows for ids CLEP lacks).

    Returns:
        ``(matrix, rows found in CLEP)``.
    """
    from training.link_prediction.gnn import clep_initial_embeddings

    table, found = clep_initial_embeddings(path, entities)
    # CLEP's table lives at CLEP's scale; a random start is Xavier-normal (std sqrt(2 / (rows + width)), so
    # rows of norm std * sqrt(width)): CLEP's rows are rescaled to that mean norm, directions kept
    std = math.sqrt(2.0 / (table.shape[0] + table.shape[1]))
    return table / table.norm(dim=1).mean().clamp_min(1e-6) * std * math.sqrt(table.shape[1]), found


def train_compgcn(kg: KnowledgeGraph, settings: CompGCNSettings | None = None, progress: bool = True,
                  split: LinkSplit | None = None) -> TrainResult:
    """Train CompGCN + decoder on ``kg``, export it as a :class:`KGEPredictor` and evaluate it.

    Args:
        kg: The knowledge graph; benchmark KGs use their own split, others a seeded hold-out.
        settings: The run's settings.
        progress: Show progress (a bar on a terminal, periodic lines elsewhere).
        split: Train and evaluate on this split instead.

    Raises:
        ValueError: Invalid settings, a missing CLEP checkpoint or a KG without edges.
    """
    from assistant.progress import Progress

    settings = settings or CompGCNSettings()
    settings.validate()
    device = resolve_device(settings.device)
    split = split or split_kg(kg, settings.holdout, settings.seed)
    spec = get_model_spec(settings.decoder)
    ent = {e: i for i, e in enumerate(split.entities)}
    rel = {r: i for i, r in enumerate(split.relations)}
    num_rel = len(rel)
    triples = torch.tensor([[ent[h], rel[r], ent[t]] for h, r, t in split.train], dtype=torch.long).reshape(-1, 3)
    init, init_name = None, "random"
    width = settings.embedding_dim * (2 if spec.is_complex else 1)
    if settings.init_from:
        init, found = clep_table(settings.init_from, split.entities)
        width, init_name = init.shape[1], f"clep ({found}/{len(split.entities)} entities)"
        if spec.is_complex and width % 2:
            raise ValueError(f"a ComplEx decoder needs an even width; the CLEP table has {width} columns")
    torch.manual_seed(settings.seed)
    model = CompGCNEncoder(len(ent), num_rel, width, settings.layers, settings.dropout, init).to(device)
    edge_index, edge_type = triples[:, [0, 2]].T.contiguous().to(device), triples[:, 1].to(device)
    examples = training_examples(triples, num_rel)
    # our relation row r (forward) / r + R (reciprocal) -> PyKEEN's interleaved row 2r / 2r + 1
    interleaved = torch.cat([2 * torch.arange(num_rel), 2 * torch.arange(num_rel) + 1])
    lr = settings.learning_rate if settings.learning_rate is not None else 0.001
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(settings.seed)
    per_epoch = -(-len(examples) // settings.batch_size)
    total = per_epoch * settings.epochs if settings.max_steps is None else min(per_epoch * settings.epochs,
                                                                              settings.max_steps)
    losses: list[float] = []
    steps, epochs_run, started = 0, 0, time.perf_counter()
    deadline = started + settings.max_minutes * 60 if settings.max_minutes else None
    stopped_by_time = False

    def out_of_budget() -> bool:
        return (settings.max_steps is not None and steps >= settings.max_steps) or (
            deadline is not None and time.perf_counter() >= deadline)

    with Progress(total=total, desc=f"compgcn-{settings.decoder}", unit="step", enabled=progress) as bar:
        for _ in range(settings.epochs):
            order = torch.randperm(len(examples), generator=gen)
            epoch_loss, epoch_steps = 0.0, 0
            model.train()
            for start in range(0, len(order), settings.batch_size):
                batch = examples[order[start:start + settings.batch_size]].to(device)
                with bf16_autocast(device, settings.bf16):
                    x_e, x_r = model(edge_index, edge_type)
                    query = spec.tail_query(x_e[batch[:, 0]], x_r[interleaved.to(device)[batch[:, 1]]])
                    scores = query @ x_e.T
                loss = F.cross_entropy(scores.float(), batch[:, 2], label_smoothing=settings.label_smoothing)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                steps, epoch_steps = steps + 1, epoch_steps + 1
                epoch_loss += float(loss.detach())
                bar.update(1)
                if out_of_budget():
                    break
            losses.append(epoch_loss / max(1, epoch_steps))
            epochs_run += 1
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
            if out_of_budget():
                stopped_by_time = deadline is not None and time.perf_counter() >= deadline
                break
    train_seconds = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        x_e, x_r = model(edge_index, edge_type)
        x_e, relations = x_e.cpu(), x_r.cpu()[interleaved]  # forward rows, then reciprocal rows
    config = {"kg": {"name": kg.name, "nodes": kg.num_nodes, "edges": kg.num_edges},
              "training": {**asdict(settings), "model": "compgcn", "encoder": "compgcn (PyKEEN CompGCNLayer, "
                           "multiplicative composition)", "device": device, "width": width, "init": init_name,
                           "dtype": "bf16 autocast" if bf16_in_use(device, settings.bf16) else "fp32",
                           "learning_rate": lr, "optimizer": "adam", "training_loop": "1vsall",
                           "reciprocal_relations": "kept", "steps": steps, "epochs_run": epochs_run,
                           "stopped_by_time": stopped_by_time, "seconds": round(train_seconds, 2),
                           "final_loss": losses[-1] if losses else None},
              "split": split.summary()}
    predictor = KGEPredictor(settings.decoder, split.entities, split.relations, x_e, relations, config,
                             reciprocal=True)
    predictor.set_known_triples(triples)
    eval_started = time.perf_counter()
    metrics: dict = {}
    if split.test:
        metrics = evaluate_filtered(predictor, split.test, split.known(), settings.eval_batch_size)
        metrics["split"] = "test" if split.source == "benchmark" else f"holdout {settings.holdout:g}"
    predictor.config["metrics"] = metrics
    return TrainResult(predictor, metrics, split, device, steps, epochs_run, losses, train_seconds,
                       time.perf_counter() - eval_started)
