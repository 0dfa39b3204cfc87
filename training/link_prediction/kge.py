"""Knowledge-graph-embedding link predictors (DistMult, ComplEx, RotatE, TuckER) scored with plain torch.

Embeddings are kept as real matrices. DistMult and TuckER use them as they are; ComplEx and RotatE
store each complex vector as ``[real parts | imaginary parts]`` (width ``2 * embedding_dim``). Every
model reduces to a query vector ``q = tail_query(h, r)`` compared with every tail, by dot product
(``<q, t>``) or by negative Euclidean distance (RotatE: ``-||q - t||``), so ranking all tails is one
matrix product.

Models trained with reciprocal relations keep both rows (the relation matrix has ``2 * num_relations``
rows, the inverse of relation ``i`` at row ``num_relations + i``) and rank the heads of ``(?, r, t)`` as
the tails of ``(t, r^-1, ?)``, the usual protocol: RotatE and TuckER always, DistMult and ComplEx from the
1-vs-all loop and CompGCN (``reciprocal=True``). DistMult and ComplEx trained by PyKEEN fold each
reciprocal relation into its forward one (exact for them), and heads are ranked with ``head_query``.
TuckER also carries its core tensor and its two
batch normalisations (folded into per-dimension scale and shift) as extra tensors.

On disk a checkpoint folder holds ``embeddings.safetensors`` (the two matrices, the triples trained on,
the node type of each entity when answers are type-constrained, with the entity and relation id lists in
its metadata) and ``config.json`` (model, sizes, training settings, metrics, the calibration and the
SHA-256 of the tensor file, without which it is refused). Loading needs neither PyKEEN nor pickles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from training.checkpoint import check_replaceable as common_check_replaceable
from training.checkpoint import file_sha256, staged_folder, verify_weights, write_config
from training.link_prediction.base import (
    CONFIG_FILE,
    FORMAT,
    CheckpointError,
    LinkPredictor,
    UnknownIdError,
    read_config,
)

WEIGHTS_FILE = "embeddings.safetensors"
VERSION = 1

Tensor = torch.Tensor


def _distmult_tail_query(h: Tensor, r: Tensor) -> Tensor:
    return h * r


def _distmult_head_query(r: Tensor, t: Tensor) -> Tensor:
    return r * t


def _halves(x: Tensor) -> tuple[Tensor, Tensor]:
    d = x.shape[-1] // 2
    return x[..., :d], x[..., d:]


def _complex_tail_query(h: Tensor, r: Tensor) -> Tensor:
    # Re(<h, r, conj(t)>) = Re(h*r)·Re(t) + Im(h*r)·Im(t)
    (hre, him), (rre, rim) = _halves(h), _halves(r)
    return torch.cat([hre * rre - him * rim, hre * rim + him * rre], dim=-1)


def _complex_head_query(r: Tensor, t: Tensor) -> Tensor:
    # Re(<h, r, conj(t)>) = Re(h)·Re(r*conj(t)) - Im(h)·Im(r*conj(t))
    (rre, rim), (tre, tim) = _halves(r), _halves(t)
    return torch.cat([rre * tre + rim * tim, -(rim * tre - rre * tim)], dim=-1)


def _tucker_tail_query(h: Tensor, r: Tensor, core: Tensor, bn0_scale: Tensor, bn0_shift: Tensor,
                       bn1_scale: Tensor, bn1_shift: Tensor) -> Tensor:
    # PyKEEN's TuckER at inference: BN1(BN0(h) x_1 (W x_2 r)); dropout is off, batch norms are affine.
    h = h * bn0_scale + bn0_shift
    w = torch.einsum("ijk,...j->...ik", core, r)
    q = torch.einsum("...ik,...i->...k", w, h)
    return q * bn1_scale + bn1_shift


def _unsupported_head_query(r: Tensor, t: Tensor) -> Tensor:
    raise NotImplementedError("reciprocal models rank heads through the inverse relation")


def _unsupported_merge(r: Tensor, r_inv: Tensor) -> Tensor:
    raise NotImplementedError("reciprocal models keep both relation directions")


def _distmult_merge(r: Tensor, r_inv: Tensor) -> Tensor:
    # <t, r', h> = <h, r', t>
    return (r + r_inv) / 2


def _complex_merge(r: Tensor, r_inv: Tensor) -> Tensor:
    # Re(<t, r', conj(h)>) = Re(<h, conj(r'), conj(t)>)
    (rre, rim), (ire, iim) = _halves(r), _halves(r_inv)
    return torch.cat([(rre + ire) / 2, (rim - iim) / 2], dim=-1)


@dataclass(frozen=True)
class KGEModelSpec:
    """One registered KGE model.

    Attributes:
        name: Registry name (``"distmult"``).
        pykeen_class: Class name in :mod:`pykeen.models` used for training.
        is_complex: Whether PyKEEN's embeddings are complex (stored as ``[real | imaginary]``).
        tail_query: ``(h, r) -> q`` with ``score = <q, t>``.
        head_query: ``(r, t) -> q`` with ``score = <q, h>``.
        formula: The score in words, for ``config.json``.
        merge_inverse: ``(r, r_inverse) -> r`` folding a reciprocal relation pair into one relation
            whose score is the mean ``(f(h, r, t) + f(t, r_inverse, h)) / 2``.
        pykeen_kwargs: Extra constructor arguments of the PyKEEN model.
        reciprocal: Keep the reciprocal relation rows (no merge); heads are ranked via ``r^-1``.
        distance: Score by ``-||q - t||_2`` instead of ``<q, t>``.
        extras: Names of the extra tensors ``tail_query`` takes as keyword arguments.
        regularizer: Whether the PyKEEN model takes an (N3) ``regularizer`` argument.
        equal_widths: Entity and relation rows have the same width.
    """

    name: str
    pykeen_class: str
    is_complex: bool
    tail_query: Callable[[Tensor, Tensor], Tensor]
    head_query: Callable[[Tensor, Tensor], Tensor]
    formula: str
    merge_inverse: Callable[[Tensor, Tensor], Tensor]
    pykeen_kwargs: dict = field(default_factory=dict)
    reciprocal: bool = False
    distance: bool = False
    extras: tuple[str, ...] = ()
    regularizer: bool = True
    equal_widths: bool = True


TUCKER_EXTRAS = ("core", "bn0_scale", "bn0_shift", "bn1_scale", "bn1_shift")

#: The KGE models ``kgqa train lp --model`` accepts.
MODELS: dict[str, KGEModelSpec] = {
    "distmult": KGEModelSpec("distmult", "DistMult", False, _distmult_tail_query, _distmult_head_query,
                             "<h, r, t>", _distmult_merge),
    # PyKEEN's default N(0, 1) initialisation gives logits far too large for 1-vs-all softmax training.
    "complex": KGEModelSpec("complex", "ComplEx", True, _complex_tail_query, _complex_head_query,
                            "Re(<h, r, conj(t)>), vectors stored as [real | imaginary]", _complex_merge,
                            {"entity_initializer": "xavier_normal_", "relation_initializer": "xavier_normal_"}),
    "rotate": KGEModelSpec("rotate", "RotatE", True, _complex_tail_query, _unsupported_head_query,
                           "-||h * r - t||_2 with |r_i| = 1, vectors stored as [real | imaginary]",
                           _unsupported_merge, reciprocal=True, distance=True),
    "tucker": KGEModelSpec("tucker", "TuckER", False, _tucker_tail_query, _unsupported_head_query,
                           "<BN1(BN0(h) x_1 (W x_2 r)), t>", _unsupported_merge, reciprocal=True,
                           extras=TUCKER_EXTRAS, regularizer=False, equal_widths=False),
}


def get_model_spec(name: str) -> KGEModelSpec:
    """The registered model called ``name`` (case-insensitive).

    Raises:
        ValueError: No such model.
    """
    spec = MODELS.get(name.lower())
    if spec is None:
        raise ValueError(f"unknown link-prediction model {name!r}; choose one of {sorted(MODELS)}")
    return spec


def check_replaceable(target: str | Path) -> None:
    """Raise ``ValueError`` unless ``target`` is absent, an empty folder or a link-predictor checkpoint.

    Lets a caller refuse a bad output folder before a long training run rather than after it.
    """
    common_check_replaceable(target, FORMAT, "link-predictor", CONFIG_FILE)


def answer_types_of(triples: Sequence[tuple[str, str, str]], node_type: dict[str, str]) -> dict[str, list[str]]:
    """``{"r": tail types, "r^-1": head types}`` seen in ``triples`` (node id -> type in ``node_type``)."""
    seen: dict[str, set[str]] = {}
    for h, r, t in triples:
        seen.setdefault(r, set()).add(node_type[t])
        seen.setdefault(f"{r}^-1", set()).add(node_type[h])
    return {k: sorted(v) for k, v in sorted(seen.items())}


def build_answer_table(entity_types: Sequence[str], relation_ids: Sequence[str],
                       answer_types: dict[str, list[str]]) -> Tensor:
    """``(2 * len(relation_ids), len(entity_types))`` bool: row ``i`` marks the entities whose type may answer
    ``(h, relation_i, ?)``, row ``len(relation_ids) + i`` those that may answer ``(?, relation_i, t)``; a
    direction missing from ``answer_types`` accepts every entity."""
    names = sorted(set(entity_types))
    index = {t: i for i, t in enumerate(names)}
    types = torch.tensor([index[t] for t in entity_types], dtype=torch.long)
    table = torch.ones(2 * len(relation_ids), len(entity_types), dtype=torch.bool)
    for i, relation in enumerate(relation_ids):
        for row, key in ((i, relation), (len(relation_ids) + i, f"{relation}^-1")):
            if key in answer_types:
                wanted = torch.tensor([index[t] for t in answer_types[key] if t in index], dtype=torch.long)
                table[row] = torch.isin(types, wanted)
    return table


class KGEPredictor(LinkPredictor):
    """A link predictor from entity and relation embedding matrices.

    Args:
        model: Registry name of the scoring function (``"distmult"`` or ``"complex"``).
        entity_ids: Node ids, one per row of ``entity_embeddings``.
        relation_ids: Relation names, one per row of ``relation_embeddings``.
        entity_embeddings: ``(num_entities, width)`` float matrix.
        relation_embeddings: ``(num_relations, width)`` float matrix.
        config: Extra facts saved in ``config.json`` (training settings, metrics, KG name).
        extras: The model's extra tensors (TuckER's core tensor and batch-norm scale/shift).
        reciprocal: The relation matrix holds a forward and a reciprocal row per relation (the
            inverse of relation ``i`` at row ``num_relations + i``) and heads are ranked as tails of
            ``(t, r^-1, ?)``. ``None``: the model's default (RotatE and TuckER always keep them;
            DistMult and ComplEx trained by PyKEEN fold them in, those of the 1-vs-all loop keep them).

    Raises:
        ValueError: Shapes and id lists disagree, ids repeat or an extra tensor is missing.
    """

    def __init__(self, model: str, entity_ids: Sequence[str], relation_ids: Sequence[str],
                 entity_embeddings: Tensor, relation_embeddings: Tensor, config: dict | None = None,
                 extras: dict[str, Tensor] | None = None, reciprocal: bool | None = None) -> None:
        self.spec = get_model_spec(model)
        if reciprocal is False and self.spec.reciprocal:
            raise ValueError(f"{self.spec.name} always keeps its reciprocal relation rows")
        self.reciprocal = self.spec.reciprocal if reciprocal is None else bool(reciprocal)
        self.entity_ids = list(entity_ids)
        self.relation_ids = list(relation_ids)
        self.entity_index = {e: i for i, e in enumerate(self.entity_ids)}
        self.relation_index = {r: i for i, r in enumerate(self.relation_ids)}
        if len(self.entity_index) != len(self.entity_ids) or len(self.relation_index) != len(self.relation_ids):
            raise ValueError("entity and relation ids must be unique")
        ent = entity_embeddings.detach().to(torch.float32).contiguous()
        rel = relation_embeddings.detach().to(torch.float32).contiguous()
        if ent.ndim != 2 or rel.ndim != 2 or (self.spec.equal_widths and ent.shape[1] != rel.shape[1]):
            raise ValueError(f"expected two matrices of equal width, got {tuple(ent.shape)} and {tuple(rel.shape)}")
        rows_per_relation = 2 if self.reciprocal else 1
        if ent.shape[0] != len(self.entity_ids) or rel.shape[0] != rows_per_relation * len(self.relation_ids):
            raise ValueError(f"{ent.shape[0]} entity rows for {len(self.entity_ids)} ids, "
                             f"{rel.shape[0]} relation rows for {len(self.relation_ids)} ids"
                             + (" (expected two per relation: forward and reciprocal)" if rows_per_relation == 2
                                else ""))
        extras = dict(extras or {})
        if set(extras) != set(self.spec.extras):
            raise ValueError(f"{self.spec.name} needs the extra tensors {list(self.spec.extras)}, got {sorted(extras)}")
        self.extras = {k: extras[k].detach().to(torch.float32).contiguous() for k in self.spec.extras}
        if self.spec.is_complex and ent.shape[1] % 2:
            raise ValueError(f"complex embeddings need an even width, got {ent.shape[1]}")
        self.entity_embeddings = ent
        self.relation_embeddings = rel
        self.config = dict(config or {})
        #: ``(n, 3)`` int64 rows (entity row, relation row, entity row) of the edges trained on, when kept
        self.known_triples: Tensor | None = None
        #: type-constrained answers (:meth:`set_answer_types`): ``(2 * num_relations, num_entities)`` bool
        self.answer_table: Tensor | None = None
        self.entity_types: Tensor | None = None
        self.type_names: list[str] = []
        self.answer_types: dict[str, list[str]] = {}

    def set_known_triples(self, rows: Tensor | Sequence[tuple[str, str, str]]) -> None:
        """Keep the edges the predictor was trained on (saved with it; ``tails(exclude_known=True)`` skips them).

        Args:
            rows: ``(n, 3)`` row indices, or ``(head id, relation, tail id)`` triples (unknown ids are skipped).

        Raises:
            ValueError: Row indices out of range or of the wrong shape.
        """
        if not isinstance(rows, Tensor):
            ent, rel = self.entity_index, self.relation_index
            rows = torch.tensor([[ent[h], rel[r], ent[t]] for h, r, t in rows
                                 if h in ent and t in ent and r in rel], dtype=torch.long).reshape(-1, 3)
        rows = rows.detach().to(torch.long).cpu().contiguous()
        if rows.ndim != 2 or rows.shape[1] != 3:
            raise ValueError(f"known triples must be an (n, 3) tensor, got shape {tuple(rows.shape)}")
        if len(rows) and (int(rows.min()) < 0 or int(rows[:, [0, 2]].max()) >= self.num_entities
                          or int(rows[:, 1].max()) >= self.num_relations):
            raise ValueError("known triples refer to entity or relation rows the predictor does not have")
        self.known_triples = rows

    # ---- type-constrained answers ------------------------------------------------------
    def set_answer_types(self, entity_types: Sequence[str], answer_types: dict[str, list[str]]) -> None:
        """Restrict the answers of each relation direction to entities of the types it was trained with.

        Args:
            entity_types: The node type of each entity row.
            answer_types: ``{"r": [tail types], "r^-1": [head types]}`` for every relation ``r``; a
                direction left out accepts every entity.

        Raises:
            ValueError: ``entity_types`` does not have one type per entity.
        """
        if len(entity_types) != self.num_entities:
            raise ValueError(f"{len(entity_types)} entity types for {self.num_entities} entities")
        self.type_names = sorted(set(entity_types))
        index = {t: i for i, t in enumerate(self.type_names)}
        self.entity_types = torch.tensor([index[t] for t in entity_types], dtype=torch.long)
        self.answer_types = {str(k): [str(t) for t in v] for k, v in answer_types.items()}
        self.answer_table = build_answer_table(entity_types, self.relation_ids, self.answer_types)

    def answer_mask(self, relation_rows: Tensor, inverse: bool = False) -> Tensor | None:
        """``(batch, num_entities)`` bool: which entities may answer ``(h, r, ?)`` (or ``(?, r, t)`` with
        ``inverse``) for each relation row; ``None`` when answers are not type-constrained."""
        if self.answer_table is None:
            return None
        rows = relation_rows.to(self.answer_table.device) + (self.num_relations if inverse else 0)
        return self.answer_table[rows].to(relation_rows.device)

    # ---- facts -------------------------------------------------------------------------
    @property
    def model(self) -> str:
        return self.spec.name

    @property
    def embedding_dim(self) -> int:
        """The model's embedding dimension (complex dimensions for ComplEx)."""
        width = self.entity_embeddings.shape[1]
        return width // 2 if self.spec.is_complex else width

    @property
    def num_entities(self) -> int:
        return len(self.entity_ids)

    @property
    def num_relations(self) -> int:
        return len(self.relation_ids)

    def __repr__(self) -> str:
        return (f"KGEPredictor(model={self.model!r}, dim={self.embedding_dim}, entities={self.num_entities}, "
                f"relations={self.num_relations})")

    def to(self, device: str | torch.device) -> KGEPredictor:
        """Move the embedding matrices to ``device`` (in place) and return ``self``."""
        self.entity_embeddings = self.entity_embeddings.to(device)
        self.relation_embeddings = self.relation_embeddings.to(device)
        self.extras = {k: v.to(device) for k, v in self.extras.items()}
        if self.answer_table is not None:
            self.answer_table = self.answer_table.to(device)
        return self

    # ---- ids -> rows -------------------------------------------------------------------
    def entity_rows(self, ids: Sequence[str]) -> Tensor:
        """Row indices of node ids.

        Raises:
            UnknownIdError: An id is not one of the predictor's entities.
        """
        try:
            rows = [self.entity_index[e] for e in ids]
        except KeyError as exc:
            raise UnknownIdError(f"unknown node id {exc.args[0]!r}: not one of the {self.num_entities} entities "
                                 "this link predictor was trained on") from None
        return torch.tensor(rows, dtype=torch.long, device=self.entity_embeddings.device)

    def relation_rows(self, names: Sequence[str]) -> Tensor:
        """Row indices of relation names.

        Raises:
            UnknownIdError: A name is not one of the predictor's relations.
        """
        try:
            rows = [self.relation_index[r] for r in names]
        except KeyError as exc:
            known = ", ".join(sorted(self.relation_ids)[:12])
            more = ", ..." if self.num_relations > 12 else ""
            raise UnknownIdError(f"unknown relation {exc.args[0]!r}; known relations: {known}{more}") from None
        return torch.tensor(rows, dtype=torch.long, device=self.relation_embeddings.device)

    # ---- scoring -----------------------------------------------------------------------
    def _tail_query(self, h: Tensor, r: Tensor) -> Tensor:
        return self.spec.tail_query(self.entity_embeddings[h], self.relation_embeddings[r], **self.extras)

    def _compare(self, query: Tensor, candidates: Tensor) -> Tensor:
        """``(batch, n)`` scores of ``n`` candidate rows against ``batch`` queries."""
        if not self.spec.distance:
            return query @ candidates.T
        # ||q - t||^2 = ||q||^2 + ||t||^2 - 2<q, t>: a matrix product instead of a (batch, n, width) tensor
        sq = (query * query).sum(-1, keepdim=True) + (candidates * candidates).sum(-1)[None, :]
        sq = sq - 2 * query @ candidates.T
        return -sq.clamp_min(0).sqrt()

    def inverse_rows(self, r: Tensor) -> Tensor:
        """Rows of the reciprocal relations of relation rows ``r`` (reciprocal models only)."""
        if not self.reciprocal:
            raise ValueError(f"this {self.model} predictor folds reciprocal relations into the forward ones")
        return r + self.num_relations

    @torch.no_grad()
    def score_rows(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        """Scores of triples given as row-index tensors."""
        query, tails = self._tail_query(h, r), self.entity_embeddings[t]
        if self.spec.distance:
            return -(query - tails).norm(dim=-1)
        return (query * tails).sum(-1)

    @torch.no_grad()
    def score_all_tails(self, h: Tensor, r: Tensor) -> Tensor:
        """``(batch, num_entities)`` scores of every entity as the tail of ``(h, r, ?)`` (row indices)."""
        return self._compare(self._tail_query(h, r), self.entity_embeddings)

    @torch.no_grad()
    def score_all_heads(self, r: Tensor, t: Tensor) -> Tensor:
        """``(batch, num_entities)`` scores of every entity as the head of ``(?, r, t)`` (row indices).

        Reciprocal models score them as the tails of ``(t, r^-1, ?)``.
        """
        if self.reciprocal:
            return self.score_all_tails(t, self.inverse_rows(r))
        query = self.spec.head_query(self.relation_embeddings[r], self.entity_embeddings[t])
        return query @ self.entity_embeddings.T

    def score(self, heads: Sequence[str], relations: Sequence[str], tails: Sequence[str]) -> np.ndarray:
        """Score a batch of triples; see :meth:`LinkPredictor.score`."""
        if isinstance(heads, str) or isinstance(relations, str) or isinstance(tails, str):
            raise ValueError("score() takes sequences of ids; wrap a single triple as ([h], [r], [t])")
        if not len(heads) == len(relations) == len(tails):
            raise ValueError(f"heads, relations and tails differ in length: {len(heads)}, {len(relations)}, "
                             f"{len(tails)}")
        scores = self.score_rows(self.entity_rows(heads), self.relation_rows(relations), self.entity_rows(tails))
        return scores.cpu().numpy()

    def _top(self, scores: Tensor, k: int, exclude: Sequence[str]) -> list[tuple[str, float]]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        scores = scores.clone()
        if exclude:
            scores[self.entity_rows(list(exclude))] = float("-inf")
        k = min(k, self.num_entities - len(set(exclude)))
        if k <= 0:
            return []
        values, rows = torch.topk(scores, k)
        return [(self.entity_ids[i], float(v)) for v, i in zip(values.tolist(), rows.tolist(), strict=True)]

    def rank_tails(self, head: str, relation: str, k: int = 10,
                   exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` best tails for ``(head, relation, ?)``; see :meth:`LinkPredictor.rank_tails`.

        Args:
            head: Head node id.
            relation: Relation name.
            k: How many tails to return.
            exclude: Node ids never to return (e.g. tails already in the KG).
        """
        scores = self.score_all_tails(self.entity_rows([head]), self.relation_rows([relation]))[0]
        return self._top(scores, k, exclude)

    def rank_heads(self, relation: str, tail: str, k: int = 10,
                   exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` best heads for ``(?, relation, tail)``, best first.

        Args:
            relation: Relation name.
            tail: Tail node id.
            k: How many heads to return.
            exclude: Node ids never to return.

        Raises:
            UnknownIdError: ``relation`` or ``tail`` is unknown.
            ValueError: ``k`` is below 1.
        """
        scores = self.score_all_heads(self.relation_rows([relation]), self.entity_rows([tail]))[0]
        return self._top(scores, k, exclude)

    # ---- persistence -------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``embeddings.safetensors`` and ``config.json`` to ``directory`` atomically.

        The files are written to a temporary sibling folder that is renamed into place only when
        complete, so an interrupted save leaves any previous checkpoint untouched.

        Args:
            directory: Target folder; an existing checkpoint there is replaced.

        Returns:
            The checkpoint folder.

        Raises:
            CheckpointError: ``directory`` exists and is not a link-predictor checkpoint.
        """
        from safetensors.torch import save_file

        with staged_folder(directory, FORMAT, "link-predictor", CONFIG_FILE) as staged:
            weights = staged / WEIGHTS_FILE
            tensors = {"entity_embeddings": self.entity_embeddings, "relation_embeddings": self.relation_embeddings,
                       **{f"extra.{k}": v for k, v in self.extras.items()}}
            if self.known_triples is not None:
                tensors["known_triples"] = self.known_triples
            if self.entity_types is not None:
                tensors["entity_types"] = self.entity_types
            save_file({k: v.cpu().contiguous() for k, v in tensors.items()}, str(weights),
                      metadata={"format": FORMAT, "entity_ids": json.dumps(self.entity_ids, ensure_ascii=False),
                                "relation_ids": json.dumps(self.relation_ids, ensure_ascii=False)})
            config = {**self.config, "format": FORMAT, "version": VERSION, "kind": "kge", "model": self.model,
                      "embedding_dim": self.embedding_dim, "score": self.spec.formula,
                      "num_entities": self.num_entities, "num_relations": self.num_relations,
                      "reciprocal": self.reciprocal, "weights": WEIGHTS_FILE, "sha256": file_sha256(weights)}
            if self.entity_types is not None:
                config["answer_types"] = {"type_names": self.type_names, "by_relation": self.answer_types}
            write_config(staged, config, CONFIG_FILE)
        target = Path(directory).resolve()
        self.config = {k: v for k, v in config.items()
                       if k not in ("format", "version", "kind", "weights", "sha256", "reciprocal", "answer_types")}
        return target

    @classmethod
    def load(cls, directory: str | Path, device: str | torch.device = "cpu") -> KGEPredictor:
        """Load a checkpoint written by :meth:`save`, checking its hash, shapes and id lists.

        Args:
            directory: The checkpoint folder.
            device: Where to put the embedding matrices.

        Raises:
            CheckpointError: The folder is missing, incomplete, corrupt or of another kind.
        """
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        folder = Path(directory)
        config = read_config(folder)
        where = folder / CONFIG_FILE
        if config.get("kind") != "kge":
            raise CheckpointError(f"{where}: not a KGE checkpoint (kind {config.get('kind')!r})")
        if config.get("version") != VERSION:
            raise CheckpointError(f"{where}: unsupported checkpoint version {config.get('version')!r} "
                                  f"(this code reads version {VERSION})")
        model = config.get("model")
        if model not in MODELS:
            raise CheckpointError(f"{where}: unknown model {model!r}; known: {sorted(MODELS)}")
        weights_name = config.get("weights") or WEIGHTS_FILE
        if not isinstance(weights_name, str) or Path(weights_name).name != weights_name:
            raise CheckpointError(f"{where}: \"weights\" must name a file inside the checkpoint folder, got "
                                  f"{weights_name!r}", str(where))
        weights = verify_weights(folder, config, weights_name, "kgqa train lp", CONFIG_FILE)
        try:
            from safetensors import safe_open

            with safe_open(str(weights), framework="pt") as fh:
                metadata = fh.metadata() or {}
            tensors = load_file(str(weights), device=str(device))
            entity_ids = json.loads(metadata["entity_ids"])
            relation_ids = json.loads(metadata["relation_ids"])
            ent, rel = tensors["entity_embeddings"], tensors["relation_embeddings"]
            extras = {k.removeprefix("extra."): v for k, v in tensors.items() if k.startswith("extra.")}
            known = tensors.get("known_triples")
            entity_types = tensors.get("entity_types")
        except (SafetensorError, OSError, KeyError, json.JSONDecodeError, ValueError) as exc:
            raise CheckpointError(f"corrupt checkpoint {weights}: {type(exc).__name__}: {exc}") from None
        meta = {k: v for k, v in config.items()
                if k not in ("format", "version", "kind", "weights", "sha256", "reciprocal", "answer_types")}
        try:
            reciprocal = config.get("reciprocal")
            if reciprocal is not None and not isinstance(reciprocal, bool):
                raise ValueError(f"\"reciprocal\" must be true or false, got {reciprocal!r}")
            predictor = cls(model, entity_ids, relation_ids, ent, rel, meta, extras, reciprocal)
            if known is not None:
                predictor.set_known_triples(known)
            constraint = config.get("answer_types")
            if entity_types is not None:
                if not isinstance(constraint, dict) or not isinstance(constraint.get("type_names"), list) \
                        or not isinstance(constraint.get("by_relation"), dict):
                    raise ValueError("\"answer_types\" must hold \"type_names\" (a list) and \"by_relation\" "
                                     "(an object)")
                names = [str(t) for t in constraint["type_names"]]
                if len(entity_types) and (int(entity_types.min()) < 0 or int(entity_types.max()) >= len(names)):
                    raise ValueError("entity_types refers to types that type_names does not list")
                predictor.set_answer_types([names[i] for i in entity_types.tolist()], constraint["by_relation"])
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"corrupt checkpoint {folder}: {exc}") from None
        if config.get("embedding_dim") not in (None, predictor.embedding_dim):
            raise CheckpointError(f"corrupt checkpoint {folder}: {CONFIG_FILE} says embedding_dim "
                                  f"{config['embedding_dim']}, the tensors have {predictor.embedding_dim}")
        return predictor
