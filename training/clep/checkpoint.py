"""A trained CLEP model on disk and in memory: save, load, and the vectors other parts use.

Folder layout: ``model.safetensors`` (weights, the frozen text features of every entity, the entity
states fed to the graph tower and each entity's graph-side node vector), ``config.json`` (model shape,
training settings, metrics), ``entities.json`` (ids in row order) and ``relations.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from training.checkpoint import (
    CheckpointError,
    check_replaceable,
    file_sha256,
    read_checkpoint_config,
    read_json_file,
    staged_folder,
    verify_weights,
)
from training.clep.model import ClepConfig, ClepModel
from training.link_prediction.base import UnknownIdError

FORMAT = "kgqa-clep"
VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
ENTITIES_FILE = "entities.json"
RELATIONS_FILE = "relations.json"


class ClepCheckpointError(CheckpointError):
    """A CLEP checkpoint folder is missing, incomplete or corrupt."""


@torch.no_grad()
def node_vectors_from_triples(model: ClepModel, states: Tensor, triples: Tensor, num_entities: int,
                              batch_size: int = 8192) -> tuple[Tensor, Tensor]:
    """Graph-side vector of each entity: the mean of g(h, r) over its training triples ``(h, r, e)``.

    Training pulls g(h, r) towards t(d(e)), so this mean is where the graph places ``e`` in the shared
    space, and it can be compared directly with text-tower vectors of a question or mention. Reciprocal
    rows make every edge count for both endpoints.

    Returns:
        ``(vectors, counts)``: normalised ``(num_entities, d)`` vectors (zero rows for entities with no
        triple) and the number of triples behind each.
    """
    d = model.config.output_dim
    sums = torch.zeros(num_entities, d, device=states.device)
    counts = torch.zeros(num_entities, device=states.device)
    for start in range(0, len(triples), batch_size):
        rows = triples[start:start + batch_size].to(states.device)
        sums.index_add_(0, rows[:, 2], model.graph(rows[:, 0], rows[:, 1], states))
        counts.index_add_(0, rows[:, 2], torch.ones(len(rows), device=states.device))
    return torch.nn.functional.normalize(sums, dim=-1), counts


class Clep:
    """A trained CLEP model with its entity and relation vocabularies.

    Args:
        model: The model (moved to eval mode).
        entity_ids: Node ids in row order.
        relation_ids: Relation names (reciprocal ``i`` is row ``i + len(relation_ids)``).
        text_features: ``(num_entities, text_dim)`` frozen text embeddings of each entity's text.
        states: Entity states for the graph tower.
        node_vectors: ``(num_entities, d)`` graph-side vector per entity (zero rows: no triples).
        config: Extra facts for ``config.json``.
        path: Folder it was loaded from.
    """

    def __init__(self, model: ClepModel, entity_ids: Sequence[str], relation_ids: Sequence[str],
                 text_features: Tensor, states: Tensor, node_vectors: Tensor, config: dict | None = None,
                 path: Path | None = None) -> None:
        self.model = model.eval()
        self.entity_ids = list(entity_ids)
        self.relation_ids = list(relation_ids)
        self.entity_index = {e: i for i, e in enumerate(self.entity_ids)}
        self.relation_index = {r: i for i, r in enumerate(self.relation_ids)}
        self.text_features = text_features
        self.states = states
        self.node_vectors = node_vectors
        self.config = dict(config or {})
        self.path = path
        self._text_encoder = None

    @property
    def device(self) -> torch.device:
        return self.states.device

    @property
    def dim(self) -> int:
        return self.model.config.output_dim

    # ---- the API other parts use -------------------------------------------------------
    @torch.no_grad()
    def entity_embeddings(self) -> Tensor:
        """The learnable entity table ``(num_entities, embedding_dim)``, rows in ``entity_ids`` order (for a
        text-enhanced graph tower, plus the mapped text of each entity: the table alone is only a residual)."""
        table = self.model.entity.weight.detach().clone()
        if self.model.head_text is not None:
            table += self.model.head_text(self.model.entity_text)
        return table

    def _rows(self, index: dict[str, int], ids: Sequence[str], what: str) -> Tensor:
        try:
            return torch.as_tensor([index[i] for i in ids], dtype=torch.long, device=self.device)
        except KeyError as exc:
            raise UnknownIdError(f"{what} {exc.args[0]!r} is unknown to this CLEP model") from None

    @torch.no_grad()
    def graph_vectors(self, heads: Sequence[str], relations: Sequence[str], inverse: bool = False) -> np.ndarray:
        """Normalised g(h, r) (with ``inverse``: g(t, r⁻¹), which points at heads) as float32 rows."""
        if len(heads) != len(relations):
            raise ValueError(f"{len(heads)} heads but {len(relations)} relations")
        h = self._rows(self.entity_index, heads, "entity")
        r = self._rows(self.relation_index, relations, "relation") + (len(self.relation_ids) if inverse else 0)
        return self.model.graph(h, r, self.states).cpu().numpy().astype(np.float32)

    @torch.no_grad()
    def project_text_features(self, features: np.ndarray | Tensor) -> np.ndarray:
        """Text-tower vectors of frozen text embeddings."""
        x = torch.as_tensor(np.asarray(features), dtype=torch.float32, device=self.device)
        return self.model.text(x).cpu().numpy().astype(np.float32)

    def text_encoder(self):
        """The frozen sentence encoder the text tower was trained on (loaded on first use)."""
        if self._text_encoder is None:
            from training.text_encoder import load_text_encoder as load_encoder

            self._text_encoder = load_encoder(self.config.get("text_encoder", "base"))
        return self._text_encoder

    def text_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Text-tower vectors of arbitrary texts (questions, mentions, descriptions) in the shared space."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.project_text_features(self.text_encoder().encode(list(texts)))

    def entity_text_vectors(self) -> np.ndarray:
        """Text-tower vectors of every entity's own text, rows in ``entity_ids`` order."""
        return self.project_text_features(self.text_features)

    def entity_vectors(self, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Graph-side vectors of ``ids``; ``known`` is False where the model has no graph vector for one."""
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        known = np.zeros(len(ids), dtype=bool)
        vectors = self.node_vectors.cpu().numpy()
        for j, node_id in enumerate(ids):
            row = self.entity_index.get(node_id)
            if row is not None and np.any(vectors[row]):
                out[j], known[j] = vectors[row], True
        return out, known

    # ---- disk --------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the checkpoint atomically (an earlier checkpoint stays intact if this fails)."""
        from safetensors.torch import save_file

        target = Path(directory).resolve()
        try:
            check_replaceable(target, FORMAT, "CLEP", CONFIG_FILE)
        except CheckpointError as exc:
            raise ClepCheckpointError(f"{exc}; choose another --output", exc.file) from None
        with staged_folder(target, FORMAT, "CLEP", CONFIG_FILE) as staged:
            tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
            tensors.update({"text_features": self.text_features.cpu().contiguous(),
                            "entity_states": self.states.detach().cpu().clone().contiguous(),
                            "node_vectors": self.node_vectors.cpu().contiguous()})
            save_file(tensors, str(staged / WEIGHTS_FILE), metadata={"format": FORMAT})
            config = {**self.config, "format": FORMAT, "version": VERSION, "model": self.model.config.to_dict(),
                      "sha256": file_sha256(staged / WEIGHTS_FILE)}
            (staged / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", "utf-8")
            (staged / ENTITIES_FILE).write_text(json.dumps(self.entity_ids, ensure_ascii=False), "utf-8")
            (staged / RELATIONS_FILE).write_text(json.dumps(self.relation_ids, ensure_ascii=False), "utf-8")
        self.path = target
        return target


def _id_list(value: list, path: Path) -> list[str]:
    """The ids of ``entities.json`` / ``relations.json``: distinct strings."""
    if not all(isinstance(x, str) for x in value) or len(set(value)) != len(value):
        raise ClepCheckpointError(f"corrupt checkpoint {path}: expected a list of distinct id strings", str(path))
    return value


def load_clep(path: str | Path, device: str | None = "cpu") -> Clep:
    """Load a checkpoint written by :meth:`Clep.save`.

    Raises:
        ClepCheckpointError: Files are missing, the hash does not match, or shapes disagree.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(path)
    try:
        config = read_checkpoint_config(folder, FORMAT, "CLEP", "kgqa train clep",
                                        (WEIGHTS_FILE, ENTITIES_FILE, RELATIONS_FILE))
        verify_weights(folder, config, WEIGHTS_FILE, "kgqa train clep")
        entity_ids = _id_list(read_json_file(folder / ENTITIES_FILE, "CLEP", list), folder / ENTITIES_FILE)
        relation_ids = _id_list(read_json_file(folder / RELATIONS_FILE, "CLEP", list), folder / RELATIONS_FILE)
    except ClepCheckpointError:
        raise
    except CheckpointError as exc:  # one error type for CLEP's callers, the shared message
        raise ClepCheckpointError(str(exc), exc.file, exc.line) from None
    if not isinstance(config.get("model"), dict):
        raise ClepCheckpointError(f"corrupt checkpoint {folder / CONFIG_FILE}: \"model\" must be an object of "
                                  "model settings", str(folder / CONFIG_FILE))
    try:
        tensors = load_file(str(folder / WEIGHTS_FILE), device="cpu")
        model = ClepModel(ClepConfig(**config["model"]))
        model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    except (SafetensorError, OSError, RuntimeError, TypeError, KeyError, ValueError) as exc:
        raise ClepCheckpointError(f"cannot load the CLEP weights in {folder}: {exc}", str(folder)) from None
    if any(k not in tensors for k in ("text_features", "entity_states", "node_vectors")):
        raise ClepCheckpointError(f"corrupt checkpoint {folder}: {WEIGHTS_FILE} lacks the entity tensors", str(folder))
    if model.config.num_entities != len(entity_ids) or tensors["text_features"].shape[0] != len(entity_ids):
        raise ClepCheckpointError(f"{folder}: {len(entity_ids)} entity ids for {model.config.num_entities} rows")
    dev = torch.device(device or "cpu")
    extra = {k: v for k, v in config.items() if k not in ("format", "version", "model", "sha256")}
    return Clep(model.to(dev), entity_ids, relation_ids, tensors["text_features"].to(dev),
                tensors["entity_states"].to(dev), tensors["node_vectors"].to(dev), extra, folder)
