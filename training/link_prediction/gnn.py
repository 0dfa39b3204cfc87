"""A message-passing link predictor: an R-GCN encoder (PyG ``RGCNConv``, basis decomposition) + DistMult decoder.

The encoder runs full batch over the training triples and their reciprocals (PyG's neighbour
loaders need extensions that have no wheels here); its output is the entity matrix the DistMult
decoder scores, so training is 1-vs-all over every entity (softmax cross-entropy with label
smoothing, reciprocal relations) as for the KGE models. The entity input table starts random or
from a CLEP checkpoint's entity embeddings (``init_from``; the width then follows CLEP's).

After training the encoder is run once more and the predictor is exported as a plain DistMult
:class:`KGEPredictor` over the encoded entities (reciprocal relation rows folded in as for DistMult),
so it saves, loads and ranks exactly like the other models; ``config.json`` records the encoder.
Every node of a KG must be known at training time (a new node needs retraining or its neighbours'
vectors; the GraphSAGE text model is the inductive one).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from assistant.kg import KnowledgeGraph
from training.link_prediction.data import LinkSplit, split_kg
from training.link_prediction.evaluation import evaluate_filtered
from training.link_prediction.kge import KGEPredictor, _distmult_merge


@dataclass
class GNNSettings:
    """Settings of an R-GCN + DistMult run.

    Attributes:
        embedding_dim: Width of entity inputs and outputs (overridden by a CLEP checkpoint's width).
        layers: ``RGCNConv`` layers (each added residually to its input).
        num_bases: Basis matrices shared by all relations (keeps 2R relation weights small).
        epochs: Passes over the training queries.
        batch_size: ``(head, relation)`` queries per step (each step encodes the whole graph once).
        learning_rate: Adam learning rate.
        label_smoothing: Of the 1-vs-all targets.
        dropout: On encoder outputs during training.
        seed: Seed of weights, batches and the hold-out.
        holdout: Share of triples held out on KGs without their own split.
        max_minutes: Stop after this many minutes (``None``: no limit).
        init_from: CLEP checkpoint folder whose entity embeddings initialise the input table.
        max_steps: Stop after this many optimizer steps (``None``: no limit).
        device: ``"cpu"`` or ``"cuda"``.
    """

    embedding_dim: int = 64
    layers: int = 1
    num_bases: int = 4
    epochs: int = 30
    batch_size: int = 512
    learning_rate: float = 0.01
    label_smoothing: float = 0.1
    dropout: float = 0.2
    seed: int = 0
    holdout: float = 0.1
    max_minutes: float | None = None
    init_from: str | None = None
    max_steps: int | None = None
    device: str = "cpu"

    def validate(self) -> None:
        for name in ("embedding_dim", "layers", "num_bases", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label-smoothing must be in [0, 1), got {self.label_smoothing}")


class RGCNDistMult(nn.Module):
    """Entity table -> residual ``RGCNConv`` layers -> entity vectors, scored with DistMult relation vectors."""

    def __init__(self, num_entities: int, num_relations: int, dim: int, layers: int, num_bases: int,
                 dropout: float, init: torch.Tensor | None = None) -> None:
        from torch_geometric.nn import RGCNConv

        super().__init__()
        self.entity = nn.Embedding(num_entities, dim)
        nn.init.xavier_normal_(self.entity.weight)
        if init is not None:
            with torch.no_grad():
                self.entity.weight.copy_(init)
        self.convs = nn.ModuleList(RGCNConv(dim, dim, 2 * num_relations, num_bases=min(num_bases, 2 * num_relations))
                                   for _ in range(layers))
        self.relation = nn.Embedding(2 * num_relations, dim)  # forward rows, then reciprocal rows
        nn.init.xavier_normal_(self.relation.weight)
        self.dropout = nn.Dropout(dropout)

    def encode(self, edge_index: torch.Tensor, edge_type: torch.Tensor) -> torch.Tensor:
        x = self.entity.weight
        for conv in self.convs:
            x = x + torch.tanh(conv(x, edge_index, edge_type))
        return self.dropout(x)

    def score_tails(self, z: torch.Tensor, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        return (z[heads] * self.relation(relations)) @ z.T


@dataclass
class GNNResult:
    predictor: KGEPredictor
    metrics: dict
    split: LinkSplit
    losses: list[float] = field(default_factory=list)
    train_seconds: float = 0.0
    epochs_run: int = 0
    init: str = "random"


def clep_initial_embeddings(path: str | Path, entities: list[str]) -> tuple[torch.Tensor, int]:
    """Rows of a CLEP checkpoint's entity table in ``entities`` order (random rows for ids CLEP lacks).

    Returns:
        ``(matrix, rows found in CLEP)``.

    Raises:
        ValueError: No CLEP checkpoint at ``path``, or it shares no entity with the KG.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"no CLEP checkpoint at {folder}: train one with `kgqa train clep` (or leave out "
                         "--init-from for a random initialisation)")
    from training.clep import load_clep

    clep = load_clep(folder)
    table = clep.entity_embeddings().cpu().float()
    out = torch.randn(len(entities), table.shape[1]) * table.std()
    found = 0
    for i, entity in enumerate(entities):
        row = clep.entity_index.get(entity)
        if row is not None:
            out[i] = table[row]
            found += 1
    if not found:
        raise ValueError(f"the CLEP checkpoint at {folder} shares no entity id with this KG")
    return out, found


def train_gnn(kg: KnowledgeGraph, settings: GNNSettings | None = None, progress: bool = True) -> GNNResult:
    """Train an R-GCN + DistMult link predictor on ``kg``, export it as DistMult and evaluate it.

    Raises:
        ValueError: Invalid settings, a missing CLEP checkpoint or a KG without edges.
    """
    from assistant.progress import progress as counted

    settings = settings or GNNSettings()
    settings.validate()
    split = split_kg(kg, settings.holdout, settings.seed)
    ent = {e: i for i, e in enumerate(split.entities)}
    rel = {r: i for i, r in enumerate(split.relations)}
    num_rel = len(rel)
    triples = torch.tensor([[ent[h], rel[r], ent[t]] for h, r, t in split.train], dtype=torch.long)
    edge_index = torch.cat([triples[:, [0, 2]].T, triples[:, [2, 0]].T], dim=1)
    edge_type = torch.cat([triples[:, 1], triples[:, 1] + num_rel])
    init, init_name = None, "random"
    dim = settings.embedding_dim
    if settings.init_from:
        init, found = clep_initial_embeddings(settings.init_from, split.entities)
        dim, init_name = init.shape[1], f"clep ({found}/{len(split.entities)} entities)"
    # 1-vs-all queries: (h, r) -> tails and (t, r^-1) -> heads
    answers: dict[tuple[int, int], list[int]] = {}
    for h, r, t in triples.tolist():
        answers.setdefault((h, r), []).append(t)
        answers.setdefault((t, r + num_rel), []).append(h)
    queries = torch.tensor(list(answers), dtype=torch.long)
    torch.manual_seed(settings.seed)
    model = RGCNDistMult(len(ent), num_rel, dim, settings.layers, settings.num_bases, settings.dropout, init)
    device = settings.device
    model, edge_index, edge_type = model.to(device), edge_index.to(device), edge_type.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    gen = torch.Generator().manual_seed(settings.seed)
    losses: list[float] = []
    started = time.perf_counter()
    deadline = started + settings.max_minutes * 60 if settings.max_minutes else None
    epochs_run = steps_done = 0
    out_of_time = lambda: ((deadline is not None and time.perf_counter() > deadline)  # noqa: E731
                           or (settings.max_steps is not None and steps_done >= settings.max_steps))
    for _ in counted(range(settings.epochs), desc="rgcn-distmult", unit="epoch", enabled=progress):
        order = torch.randperm(len(queries), generator=gen)
        total, steps = 0.0, 0
        for start in range(0, len(order), settings.batch_size):
            batch = queries[order[start:start + settings.batch_size]]
            targets = torch.zeros(len(batch), len(ent))
            for j, (h, r) in enumerate(batch.tolist()):
                targets[j, answers[(h, r)]] = 1.0
            targets = targets / targets.sum(-1, keepdim=True)
            targets = (1 - settings.label_smoothing) * targets + settings.label_smoothing / len(ent)
            targets, batch = targets.to(settings.device), batch.to(settings.device)
            model.train()
            z = model.encode(edge_index, edge_type)
            scores = model.score_tails(z, batch[:, 0], batch[:, 1])
            loss = -(targets * torch.log_softmax(scores, dim=-1)).sum(-1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, steps, steps_done = total + loss.item(), steps + 1, steps_done + 1
            if out_of_time():
                break
        losses.append(total / max(1, steps))
        epochs_run += 1
        if out_of_time():
            break
    train_seconds = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        z = model.encode(edge_index, edge_type).cpu()
        relations = _distmult_merge(model.relation.weight[:num_rel], model.relation.weight[num_rel:]).cpu()
    config = {"kg": {"name": kg.name, "nodes": kg.num_nodes, "edges": kg.num_edges},
              "training": {**asdict(settings), "embedding_dim": dim, "encoder": "rgcn", "decoder": "distmult",
                           "init": init_name, "epochs_run": epochs_run, "steps": steps_done,
                           "seconds": round(train_seconds, 2),
                           "final_loss": losses[-1] if losses else None, "reciprocal_relations": "merged"},
              "split": split.summary()}
    predictor = KGEPredictor("distmult", split.entities, split.relations, z, relations, config)
    metrics = {}
    if split.test:
        metrics = evaluate_filtered(predictor, split.test, split.known())
        metrics["split"] = "test" if split.source == "benchmark" else f"holdout {settings.holdout:g}"
    predictor.config["metrics"] = metrics
    return GNNResult(predictor, metrics, split, losses, train_seconds, epochs_run, init_name)
