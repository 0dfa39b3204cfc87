"""Train GraphSAGE by telling true edges from random ones, evaluate on held-out edges, save and load.

The KG is read as an undirected homogeneous graph (relations ignored, as in the seed experiments).
A seeded share of its distinct node pairs is held out; only pairs whose two endpoints keep another
edge are held out, so every node still has a neighbourhood. Training is full batch (PyG's neighbour
loaders need extensions that have no wheels here): each epoch encodes the whole graph once and takes
one optimizer step on all training pairs plus as many random pairs (PyG ``negative_sampling``).

Evaluation on the held-out pairs: ROC AUC against as many random non-edges, and the filtered MRR of
ranking the true partner of each endpoint among all nodes (other known partners removed).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from assistant.config import kgqa_home
from assistant.kg import KnowledgeGraph
from training.checkpoint import (
    CheckpointError,
    file_sha256,
    read_checkpoint_config,
    staged_folder,
    verify_weights,
)
from training.graphsage.model import SageLinkModel, SageSettings

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT = "kgqa-graphsage"


@dataclass
class SageGraph:
    """The KG as an undirected graph with a held-out edge split.

    Attributes:
        node_ids: Node ids in row order.
        train_pairs: ``(2, P)`` training pairs (each once, ``u < v``).
        test_pairs: ``(2, Q)`` held-out pairs.
    """

    node_ids: list[str]
    train_pairs: torch.Tensor
    test_pairs: torch.Tensor

    @property
    def num_nodes(self) -> int:
        return len(self.node_ids)

    def message_edges(self) -> torch.Tensor:
        """``(2, 2P)`` message-passing edges: the training pairs in both directions."""
        return torch.cat([self.train_pairs, self.train_pairs.flip(0)], dim=1)


def build_graph(kg: KnowledgeGraph, holdout: float = 0.1, seed: int = 0) -> SageGraph:
    """Distinct undirected node pairs of the KG with a seeded hold-out.

    Raises:
        ValueError: The KG has no edges between distinct nodes.
    """
    node_ids = sorted(kg.nodes)
    row = {n: i for i, n in enumerate(node_ids)}
    pairs = sorted({(min(row[e.source], row[e.target]), max(row[e.source], row[e.target]))
                    for e in kg.iter_edges() if e.source != e.target and e.source in row and e.target in row})
    if not pairs:
        raise ValueError(f"KG {kg.name!r} has no edges between distinct nodes to learn from")
    degree = np.zeros(len(node_ids), dtype=np.int64)
    for u, v in pairs:
        degree[u] += 1
        degree[v] += 1
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    want = round(holdout * len(pairs))
    test_rows: set[int] = set()
    for i in order:  # hold a pair out only if both endpoints keep at least one training edge
        if len(test_rows) >= want:
            break
        u, v = pairs[i]
        if degree[u] > 1 and degree[v] > 1:
            degree[u] -= 1
            degree[v] -= 1
            test_rows.add(i)
    train = [p for i, p in enumerate(pairs) if i not in test_rows]
    test = [pairs[i] for i in sorted(test_rows)]
    as_tensor = lambda ps: torch.tensor(ps, dtype=torch.long).reshape(-1, 2).T.contiguous()  # noqa: E731
    return SageGraph(node_ids, as_tensor(train), as_tensor(test))


def _text_cache_path(kg: KnowledgeGraph, texts: list[str], model_id: str) -> Path:
    digest = hashlib.sha256(model_id.encode())
    for text in texts:
        digest.update(text.encode() + b"\n")
    return kgqa_home() / "cache" / "graphsage" / f"{kg.name or 'kg'}-{digest.hexdigest()[:16]}.npy"


def text_features(kg: KnowledgeGraph, node_ids: list[str], encoder=None, progress: bool = True,
                  source: str = "index") -> np.ndarray:
    """SBERT embeddings of the nodes' texts, in ``node_ids`` order (cached under ``$KGQA_HOME/cache``).

    Args:
        kg: The knowledge graph.
        node_ids: Nodes to embed.
        encoder: A sentence encoder (default: the base encoder).
        progress: Show the encoder's progress bar.
        source: ``"index"`` (the index text of each node) or ``"name"`` (names only).
    """
    from assistant.kg.node_text import node_text

    if encoder is None:
        from training.text_encoder import load_text_encoder as load_encoder

        encoder = load_encoder("base")
    texts = [node_text(kg, kg.nodes[n]) if source == "index" else kg.nodes[n].name for n in node_ids]
    cache = _text_cache_path(kg, texts, encoder.model_id)
    if cache.is_file():
        features = np.load(cache)
        if features.shape[0] == len(texts):
            return features
    features = np.asarray(encoder.encode(texts, progress=progress), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, features)
    return features


@dataclass
class SageResult:
    """What :func:`train_sage` produced."""

    model: SageLinkModel
    graph: SageGraph
    settings: SageSettings
    metrics: dict
    losses: list[float] = field(default_factory=list)
    train_seconds: float = 0.0
    features: torch.Tensor | None = None

    def embeddings(self) -> np.ndarray:
        """L2-normalised node vectors of the training graph, in ``graph.node_ids`` order."""
        return node_vectors(self.model, self.graph.message_edges(), self.features)

    def save(self, directory: str | Path) -> Path:
        """Write ``model.safetensors`` and ``config.json`` (settings, node ids, metrics, training edges)."""
        return save_sage(self, directory)


@torch.no_grad()
def node_vectors(model: SageLinkModel, edge_index: torch.Tensor, features: torch.Tensor | None) -> np.ndarray:
    model.eval()
    z = model(edge_index, features)
    return torch.nn.functional.normalize(z, dim=-1).cpu().numpy().astype(np.float32)


@torch.no_grad()
def evaluate_links(z: torch.Tensor, graph: SageGraph, max_queries: int = 2000, seed: int = 0) -> dict:
    """AUC and filtered MRR / Hits@10 of the held-out pairs, scored with node vectors ``z``."""
    from sklearn.metrics import roc_auc_score
    from torch_geometric.utils import negative_sampling

    test = graph.test_pairs
    if test.shape[1] == 0:
        return {}
    gen = torch.Generator().manual_seed(seed)
    all_edges = torch.cat([graph.message_edges(), test, test.flip(0)], dim=1)
    torch.manual_seed(seed)
    negatives = negative_sampling(all_edges, num_nodes=graph.num_nodes, num_neg_samples=test.shape[1])
    pos, neg = SageLinkModel.score(z, test), SageLinkModel.score(z, negatives)
    labels = np.r_[np.ones(pos.numel()), np.zeros(neg.numel())]
    auc = float(roc_auc_score(labels, torch.cat([pos, neg]).cpu().numpy()))

    known: dict[int, set[int]] = {}
    for u, v in all_edges.T.tolist():
        known.setdefault(u, set()).add(v)
    queries = torch.cat([test, test.flip(0)], dim=1)  # rank v for u and u for v
    if queries.shape[1] > max_queries:
        queries = queries[:, torch.randperm(queries.shape[1], generator=gen)[:max_queries]]
    ranks = []
    for start in range(0, queries.shape[1], 512):
        q = queries[:, start:start + 512]
        scores = z[q[0]] @ z.T
        true = scores[torch.arange(q.shape[1]), q[1]].clone()
        for j, (u, v) in enumerate(q.T.tolist()):
            others = [w for w in known.get(u, ()) if w != v] + [u]
            scores[j, others] = float("-inf")
        better = (scores > true[:, None]).sum(1)
        tied = (scores == true[:, None]).sum(1) - 1  # the true partner ties with itself
        ranks.append((1 + better + tied.double() / 2).cpu().numpy())
    r = np.concatenate(ranks)
    return {"auc": auc, "mrr": float(np.mean(1 / r)), "hits@10": float(np.mean(r <= 10)), "mr": float(r.mean()),
            "test_pairs": int(test.shape[1]), "ranked": int(r.size)}


def train_sage(kg: KnowledgeGraph, settings: SageSettings | None = None, encoder=None,
               progress: bool = True) -> SageResult:
    """Train a GraphSAGE link model on ``kg`` and evaluate it on held-out edges.

    Args:
        kg: The knowledge graph.
        settings: Training settings (default: no-text variant, 128-d, 100 epochs).
        encoder: Sentence encoder for the text variant (default: the one named in the settings).
        progress: Show progress bars.

    Raises:
        ValueError: Invalid settings or a KG without edges.
    """
    from torch_geometric.utils import negative_sampling

    from assistant.progress import progress as counted

    settings = settings or SageSettings()
    settings.validate()
    graph = build_graph(kg, settings.holdout, settings.seed)
    features = None
    if settings.variant == "text":
        if encoder is None:
            from training.text_encoder import load_text_encoder as load_encoder

            encoder = load_encoder(settings.text_encoder)
        features = torch.from_numpy(text_features(kg, graph.node_ids, encoder, progress,
                                                  settings.text_source)).to(settings.device)
    torch.manual_seed(settings.seed)
    model = SageLinkModel(graph.num_nodes, settings.dim, settings.layers,
                          None if features is None else features.shape[1], settings.dropout).to(settings.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    edges = graph.message_edges().to(settings.device)
    pos = graph.train_pairs.to(settings.device)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses: list[float] = []
    started = time.perf_counter()
    for _ in counted(range(settings.epochs), desc=f"graphsage-{settings.variant}", unit="epoch", enabled=progress):
        model.train()
        optimizer.zero_grad()
        z = model(edges, features)
        neg = negative_sampling(edges, num_nodes=graph.num_nodes, num_neg_samples=pos.shape[1] * settings.negatives)
        logits = torch.cat([model.score(z, pos), model.score(z, neg)])
        labels = torch.cat([torch.ones(pos.shape[1]), torch.zeros(neg.shape[1])]).to(logits.device)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    train_seconds = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        z = model(edges, features).cpu()
    metrics = evaluate_links(z, graph, settings.eval_queries, settings.seed)
    return SageResult(model.cpu(), graph, settings, metrics, losses, train_seconds,
                      None if features is None else features.cpu())


def save_sage(result: SageResult, directory: str | Path) -> Path:
    """Write a trained GraphSAGE model to ``directory`` atomically (replacing an earlier one there)."""
    from safetensors.torch import save_file

    with staged_folder(directory, FORMAT, "GraphSAGE", CONFIG_FILE) as staged:
        state = {k: v.contiguous() for k, v in result.model.state_dict().items()}
        state["train_pairs"] = result.graph.train_pairs.contiguous()
        save_file(state, str(staged / WEIGHTS_FILE))
        config = {"format": FORMAT, "settings": asdict(result.settings), "metrics": result.metrics,
                  "node_ids": result.graph.node_ids, "train_seconds": round(result.train_seconds, 2),
                  "in_dim": None if result.features is None else int(result.features.shape[1]),
                  "sha256": file_sha256(staged / WEIGHTS_FILE)}
        (staged / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False) + "\n", encoding="utf-8")
    return Path(directory).resolve()


def load_sage(directory: str | Path) -> tuple[SageLinkModel, dict, torch.Tensor]:
    """Load a checkpoint written by :func:`save_sage`: ``(model, config, train_pairs)``.

    Raises:
        CheckpointError: The folder is missing, not a GraphSAGE checkpoint, or its weights fail their check.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(directory)
    config = read_checkpoint_config(folder, FORMAT, "GraphSAGE", "kgqa train sage")
    verify_weights(folder, config, WEIGHTS_FILE, "kgqa train sage")
    try:
        s = SageSettings(**config["settings"])
        state = load_file(str(folder / WEIGHTS_FILE))
        pairs = state.pop("train_pairs")
        model = SageLinkModel(len(config["node_ids"]), s.dim, s.layers, config.get("in_dim"), s.dropout)
        model.load_state_dict(state)
    except (SafetensorError, OSError, RuntimeError, TypeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"corrupt checkpoint {folder}: {type(exc).__name__}: {exc}", str(folder)) from None
    model.eval()
    return model, config, pairs
