"""Train EGES on an :class:`ItemGraph`: weighted random walks -> skip-gram pairs -> negative sampling.

:func:`embed_cold_start` gives a brand-new item (side information only) a vector and
:func:`similar_items` its nearest known items; :func:`evaluate_cold_start` treats the held-out items
that way and reports Hits@10 (any of an item's true top-10 co-occurring items among its 10 nearest).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from training.checkpoint import (
    CheckpointError,
    file_sha256,
    read_checkpoint_config,
    staged_folder,
    verify_weights,
)
from training.eges.data import ItemGraph
from training.eges.model import EGES, EgesSettings

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT = "kgqa-eges"


@dataclass
class EgesModel:
    """A trained EGES model with its item ids and side-information vocabularies.

    Attributes:
        module: The torch module.
        items: Item ids in row order.
        names: Display names of items (known and held out).
        vocab: ``{side type: [values]}`` in row order, types in the module's order.
        config: Settings, metrics and facts for ``config.json``.
    """

    module: EGES
    items: list[str]
    names: dict[str, str]
    vocab: dict[str, list[str]]
    config: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.row = {item: i for i, item in enumerate(self.items)}
        self.value_row = {t: {v: i for i, v in enumerate(values)} for t, values in self.vocab.items()}
        self._vectors: np.ndarray | None = None

    @property
    def side_types(self) -> list[str]:
        return list(self.vocab)

    def item_vectors(self) -> np.ndarray:
        """L2-normalised aggregated vectors ``H`` of every known item, in ``items`` order."""
        if self._vectors is None:
            self.module.eval()
            with torch.no_grad():
                h = self.module(torch.arange(len(self.items)))
            self._vectors = torch.nn.functional.normalize(h, dim=-1).numpy().astype(np.float32)
        return self._vectors

    def save(self, directory: str | Path) -> Path:
        """Write ``model.safetensors`` and ``config.json`` (items, names, vocabularies, settings, metrics)."""
        from safetensors.torch import save_file

        with staged_folder(directory, FORMAT, "EGES", CONFIG_FILE) as staged:
            save_file({k: v.contiguous() for k, v in self.module.state_dict().items()}, str(staged / WEIGHTS_FILE))
            config = {**self.config, "format": FORMAT, "items": self.items, "names": self.names, "vocab": self.vocab,
                      "sha256": file_sha256(staged / WEIGHTS_FILE)}
            (staged / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False) + "\n", encoding="utf-8")
        return Path(directory).resolve()


def load_eges(directory: str | Path) -> EgesModel:
    """Load an EGES checkpoint written by :meth:`EgesModel.save`.

    Raises:
        CheckpointError: No checkpoint there, not an EGES one, or its weights fail their check.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(directory)
    config = read_checkpoint_config(folder, FORMAT, "EGES", "kgqa train eges")
    verify_weights(folder, config, WEIGHTS_FILE, "kgqa train eges")
    try:
        state = load_file(str(folder / WEIGHTS_FILE))
        vocab = config.pop("vocab")
        side_index = [state[f"side_index_{t}"] for t in range(len(vocab))]
        # the buffers hold padding as the vocabulary size; the constructor takes -1
        side_index = [torch.where(ix == len(values), -1, ix)
                      for ix, values in zip(side_index, vocab.values(), strict=True)]
        module = EGES(len(config["items"]), [len(v) for v in vocab.values()], side_index,
                      int(config["settings"]["dim"]))
        module.load_state_dict(state)
    except (SafetensorError, OSError, RuntimeError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"corrupt checkpoint {folder}: {type(exc).__name__}: {exc}", str(folder)) from None
    module.eval()
    items, names = config.pop("items"), config.pop("names")
    for key in ("format", "sha256"):
        config.pop(key, None)
    return EgesModel(module, items, names, vocab, config)


def _side_index(items: list[str], values_of: dict[str, list[str]], vocab: dict[str, int]) -> torch.Tensor:
    rows = [[vocab[v] for v in values_of.get(item, []) if v in vocab] for item in items]
    width = max(1, max(len(r) for r in rows))
    return torch.tensor([r + [-1] * (width - len(r)) for r in rows], dtype=torch.long)


def random_walks(data: ItemGraph, items: list[str], settings: EgesSettings) -> np.ndarray:
    """``(walks, walk_length)`` item rows: weighted random walks (steps proportional to edge weight)."""
    row = {item: i for i, item in enumerate(items)}
    offsets, targets, weights = [0], [], []
    for item in items:  # CSR adjacency
        for other, attrs in data.graph[item].items():
            targets.append(row[other])
            weights.append(float(attrs.get("weight", 1.0)))
        offsets.append(len(targets))
    offsets_a, targets_a = np.asarray(offsets), np.asarray(targets)
    cum = np.cumsum(weights)
    start_cum = np.r_[0.0, cum][offsets_a[:-1]]
    total = np.r_[0.0, cum][offsets_a[1:]] - start_cum
    rng = np.random.default_rng(settings.seed)
    current = np.repeat(np.arange(len(items)), settings.walks_per_item)
    walks = [current]
    for _ in range(settings.walk_length - 1):
        pick = start_cum[current] + rng.random(current.size) * total[current]
        edge = np.minimum(np.searchsorted(cum, pick, side="right"), len(cum) - 1)
        edge = np.clip(edge, offsets_a[current], offsets_a[current + 1] - 1)  # stay in the node's own edges
        current = targets_a[edge]
        walks.append(current)
    return np.stack(walks, axis=1)


def skipgram_pairs(walks: np.ndarray, window: int) -> np.ndarray:
    """``(pairs, 2)`` (centre, context) rows within ``window`` steps, both directions, self-pairs dropped."""
    pairs = []
    for offset in range(1, window + 1):
        a, b = walks[:, :-offset].ravel(), walks[:, offset:].ravel()
        pairs += [np.stack([a, b], 1), np.stack([b, a], 1)]
    out = np.concatenate(pairs)
    return out[out[:, 0] != out[:, 1]]


def train_eges(data: ItemGraph, settings: EgesSettings | None = None, progress: bool = True) -> EgesModel:
    """Train EGES on ``data`` and evaluate its held-out items as cold-start items.

    Args:
        data: The item graph and side information.
        settings: Training settings.
        progress: Show a progress bar.

    Raises:
        ValueError: Invalid settings or an empty graph.
    """
    from assistant.progress import Progress

    settings = settings or EgesSettings()
    settings.validate()
    items = data.items
    if len(items) < 2:
        raise ValueError("the item graph needs at least two linked items")
    types = sorted(data.side_info)
    vocab = {t: sorted({v for values in data.side_info[t].values() for v in values}) for t in types}
    side_index = [_side_index(items, data.side_info[t], {v: i for i, v in enumerate(vocab[t])}) for t in types]
    torch.manual_seed(settings.seed)
    module = EGES(len(items), [len(vocab[t]) for t in types], side_index, settings.dim)
    started = time.perf_counter()
    walks = random_walks(data, items, settings)
    pairs = torch.from_numpy(skipgram_pairs(walks, settings.window))
    freq = np.bincount(walks.ravel(), minlength=len(items)).astype(np.float64) ** 0.75
    noise = torch.from_numpy(freq / freq.sum())
    optimizer = torch.optim.Adam(module.parameters(), lr=settings.learning_rate)
    gen = torch.Generator().manual_seed(settings.seed)
    losses = []
    per_epoch = -(-min(len(pairs), settings.max_pairs or len(pairs)) // settings.batch_size)
    bar = Progress(total=per_epoch * settings.epochs, desc="eges", unit="step", enabled=progress)
    for _ in range(settings.epochs):
        order = torch.randperm(len(pairs), generator=gen)
        if settings.max_pairs:
            order = order[:settings.max_pairs]
        total, steps = 0.0, 0
        for start in range(0, len(order), settings.batch_size):
            bar.update(1)
            batch = pairs[order[start:start + settings.batch_size]]
            h = module(batch[:, 0])
            pos = (h * module.context(batch[:, 1])).sum(-1)
            neg_rows = torch.multinomial(noise, batch.shape[0] * settings.negatives, True, generator=gen)
            neg = torch.einsum("bd,bkd->bk", h, module.context(neg_rows).view(batch.shape[0], settings.negatives, -1))
            loss = -(torch.nn.functional.logsigmoid(pos).mean() + torch.nn.functional.logsigmoid(-neg).sum(-1).mean())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, steps = total + loss.item(), steps + 1
        losses.append(total / max(1, steps))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    bar.close()
    module.eval()
    model = EgesModel(module, items, dict(data.names), vocab)
    model.config = {"settings": asdict(settings), "train_seconds": round(time.perf_counter() - started, 2),
                    "losses": losses, "walks": int(walks.shape[0]), "pairs": int(len(pairs)),
                    "type_weights": dict(zip(types, module.type_weights().tolist(), strict=True))}
    if data.held_out:
        model.config["cold_start"] = evaluate_cold_start(model, data)
    return model


def embed_cold_start(model: EgesModel, side_info: dict[str, list[str]]) -> np.ndarray:
    """The L2-normalised vector of a new item known only by its side information.

    Args:
        model: A trained EGES model.
        side_info: ``{side type: [values]}``, e.g. ``{"genre": ["Action"], "tag": ["superhero", "marvel"]}``;
            values the model never saw are ignored.

    Raises:
        ValueError: An unknown side-information type, or no known value at all.
    """
    unknown = set(side_info) - set(model.vocab)
    if unknown:
        raise ValueError(f"unknown side-information type(s) {sorted(unknown)}; this model knows {model.side_types}")
    rows = [[model.value_row[t][v] for v in side_info.get(t, []) if v in model.value_row[t]] for t in model.vocab]
    if not any(rows):
        given = ", ".join(f"{t}: {v}" for t, v in side_info.items())
        raise ValueError(f"none of the side information ({given}) was seen in training; cannot place the item")
    vector = model.module.cold_start(rows)
    return torch.nn.functional.normalize(vector, dim=0).numpy().astype(np.float32)


def similar_items(model: EgesModel, vector: np.ndarray, k: int = 10,
                  exclude: tuple[str, ...] = ()) -> list[tuple[str, float]]:
    """The ``k`` known items nearest to ``vector`` by cosine, best first."""
    sims = model.item_vectors() @ vector
    for item in exclude:
        if item in model.row:
            sims[model.row[item]] = -np.inf
    top = np.argsort(-sims)[:k]
    return [(model.items[i], float(sims[i])) for i in top]


def evaluate_cold_start(model: EgesModel, data: ItemGraph, k: int = 10, truth_size: int = 10) -> dict:
    """Hits@k of held-out items embedded from side information only, with a popularity baseline.

    A held-out item scores a hit when any of its ``truth_size`` strongest co-occurring items (in the
    full graph) is among its ``k`` nearest known items. The baseline recommends the ``k`` items with
    the highest weighted degree to every item.
    """
    degree = dict(data.graph.degree(weight="weight"))
    popular = {item for item, _ in sorted(degree.items(), key=lambda kv: -kv[1])[:k]}
    hits = base_hits = evaluated = 0
    for item in data.held_out:
        truth = set(data.truth.get(item, [])[:truth_size]) & set(model.items)
        side = {t: data.side_info[t].get(item, []) for t in model.vocab}
        if not truth:
            continue
        try:
            vector = embed_cold_start(model, side)
        except ValueError:
            continue
        evaluated += 1
        hits += bool(truth & {i for i, _ in similar_items(model, vector, k)})
        base_hits += bool(truth & popular)
    n = max(1, evaluated)
    return {f"hits@{k}": hits / n, f"popularity_hits@{k}": base_hits / n, "evaluated": evaluated,
            "held_out": len(data.held_out)}
