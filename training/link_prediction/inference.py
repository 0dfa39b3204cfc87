"""Inferred edges: what the answering pipeline asks a KG's trained, calibrated link predictor.

    from training.link_prediction.inference import load_inferred_edges

    edges = load_inferred_edges("films")            # or a checkpoint folder; None when nothing is trained
    if edges is not None and "directed" in edges.relations:
        # who directed Jaws? -> (?, directed, Jaws): the heads of `directed` with Jaws as the tail
        [[("person:steven-spielberg", 0.83), ...]] = edges.tails(["project:jaws-1975"], "directed", inverse=True)
        edges.probability(["person:steven-spielberg"], ["directed"], ["project:jaws-1975"])  # array([0.83])

**The interface.**

- :class:`InferredEdges` ``.relations``: the relation names it can score (both directions).
- ``.tails(heads, relation, inverse=False, k=10, exclude_known=True)``: for each head, the ``k`` most
  probable ``(node id, calibrated probability)`` answers of ``(head, relation, ?)``, or of
  ``(?, relation, head)`` with ``inverse``, best first. ``exclude_known`` leaves out the answers the
  graph already states (the edges the predictor was trained on, or those of the live KG passed to
  :func:`load_inferred_edges`), so what comes back is only what the graph does *not* say. All heads
  are scored with one matrix product; the best-scoring candidates and those with the most
  neighbourhood evidence (:mod:`training.link_prediction.evidence`: does the candidate do this to
  entities like the head?) are weighed by the calibrated probability.
- ``.probability(heads, relations, tails)``: the calibrated P(edge is true) of each triple (two dot
  products and two sparse neighbourhood sums per triple), the same number ``tails()`` gives that edge
  from either direction. A stated edge gets the model's probability too (typically high); callers that
  want "stated means 1" check the graph.
- Type-constrained predictors (the default) only answer with entities of the node types that answer the
  relation direction in the training edges (a director is a person); ``probability`` is 0 for a
  triple whose head or tail is of another type.
- Unknown ids never raise: an unknown head or relation gives ``[]`` from ``tails`` and ``nan`` from
  ``probability``.
- :func:`load_inferred_edges` (KG name or checkpoint folder) returns ``None`` when no calibrated
  predictor was trained for the KG; a damaged checkpoint raises
  :class:`training.checkpoint.CheckpointError` (a ``KGQAError``).

**Which checkpoint.** For a KG name it looks in ``$KGQA_HOME/checkpoints/<kg name>/`` for the first
calibrated predictor in :data:`PREFERENCE` (``lp-complex`` first: what ``kgqa train lp --kg PATH``
trains by default, on all of the KG's triples).

**Probabilities.** P(true) is calibrated on held-out edges the final model never trained on
(:mod:`training.link_prediction.calibration`): for a candidate of ``tails()`` it is the chance that
the edge is true given its score and its log-softmax over every entity, per relation direction where
the held-out set was large enough. ``bench/calibration.py`` measures the expected calibration error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from assistant.kg import KnowledgeGraph
from training.checkpoint import CheckpointError
from training.link_prediction.calibration import (
    Calibrator,
    candidate_pool_flat,
    direction_key,
    edge_features,
    query_scores,
    reverse_scores,
)
from training.link_prediction.evidence import GraphEvidence
from training.link_prediction.kge import KGEPredictor

#: Checkpoint folders searched for a KG name, in order (``kgqa train lp`` writes ``lp-<model>``).
PREFERENCE = ("lp-complex", "lp-compgcn", "lp-compgcn-clep", "lp-distmult", "lp-tucker", "lp-rotate")

__all__ = ["PREFERENCE", "InferredEdges", "load_inferred_edges"]


class _KnownAnswers:
    """Sorted ``(entity row, relation row, direction)`` keys of known edges -> answer rows (CSR), for masking."""

    def __init__(self, rows: torch.Tensor, num_entities: int, num_relations: int) -> None:
        rows = rows.to(torch.long).numpy() if len(rows) else np.zeros((0, 3), dtype=np.int64)
        self.stride = 2 * num_relations
        heads = np.concatenate([rows[:, 0], rows[:, 2]])
        rels = np.concatenate([rows[:, 1], rows[:, 1] + num_relations])  # reciprocal direction: r + R
        answers = np.concatenate([rows[:, 2], rows[:, 0]])
        keys = heads * self.stride + rels
        order = np.argsort(keys, kind="stable")
        self.keys, self.answers = keys[order], answers[order]

    def lookup(self, head_rows: np.ndarray, relation_row: int) -> tuple[np.ndarray, np.ndarray]:
        """``(batch positions, answer rows)`` of the known answers of each ``(head, relation)``."""
        wanted = head_rows * self.stride + relation_row
        lo = np.searchsorted(self.keys, wanted, "left")
        hi = np.searchsorted(self.keys, wanted, "right")
        counts = hi - lo
        if not counts.sum():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        positions = np.repeat(np.arange(len(wanted)), counts)
        index = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True) if b > a])
        return positions, self.answers[index]


class InferredEdges:
    """A loaded, calibrated link predictor for one KG (see the module docstring for the interface).

    Args:
        predictor: The trained predictor (its config holds the calibration).
        calibrator: Maps scores to probabilities.
        kg: A live KG whose stated edges ``exclude_known`` leaves out (default: the edges the
            predictor was trained on, saved with it).
        path: The checkpoint folder it came from.
    """

    def __init__(self, predictor: KGEPredictor, calibrator: Calibrator, kg: KnowledgeGraph | None = None,
                 path: Path | None = None) -> None:
        self.predictor = predictor
        self.calibrator = calibrator
        self.kg = kg
        self.path = path
        self.relations: set[str] = set(predictor.relation_ids)
        self._entity_index = predictor.entity_index
        self._relation_index = predictor.relation_index
        known = predictor.known_triples if predictor.known_triples is not None else torch.zeros(0, 3)
        self._known = _KnownAnswers(known, predictor.num_entities, predictor.num_relations)
        self._evidence: GraphEvidence | None = None

    def __repr__(self) -> str:
        return f"InferredEdges({self.predictor!r}, path={str(self.path)!r})"

    @property
    def evidence(self) -> GraphEvidence | None:
        """The neighbourhood evidence of the predictor's training graph (built on first use)."""
        if self.calibrator.features != "evidence":
            return None
        if self._evidence is None:
            known = self.predictor.known_triples if self.predictor.known_triples is not None else torch.zeros(0, 3)
            self._evidence = GraphEvidence(known, self.predictor.num_entities, self.predictor.num_relations)
        return self._evidence

    # ---- scoring -----------------------------------------------------------------------
    def _stated(self, rows: list[int], heads: Sequence[str], relation: str,
                inverse: bool) -> tuple[np.ndarray, np.ndarray]:
        """``(head positions, entity rows)`` of the answers the graph already states."""
        if self.kg is not None:  # the live graph: also edges added since training
            stated = [[self._entity_index[n] for n in self.kg.neighbor_ids(head, relation, inverse=inverse)
                       if n in self._entity_index] if head in self.kg.nodes else [] for head in heads]
            return (np.repeat(np.arange(len(stated)), [len(s) for s in stated]),
                    np.asarray([c for s in stated for c in s], dtype=np.int64))
        rel_row = self._relation_index[relation] + (self.predictor.num_relations if inverse else 0)
        return self._known.lookup(np.asarray(rows, dtype=np.int64), rel_row)

    def tails(self, heads: Sequence[str], relation: str, inverse: bool = False, k: int = 10,
              exclude_known: bool = True) -> list[list[tuple[str, float]]]:
        """For each head, the top-``k`` predicted ``(node id, calibrated probability)`` of ``(head, relation, ?)``
        (of ``(?, relation, head)`` with ``inverse``), best first; unknown heads or relations give ``[]``.

        Args:
            heads: Node ids.
            relation: Relation name.
            inverse: Predict the heads of ``(?, relation, head)`` instead.
            k: Answers per head (at most).
            exclude_known: Leave out answers the graph already states.
        """
        if isinstance(heads, str):
            heads = [heads]
        out: list[list[tuple[str, float]]] = [[] for _ in heads]
        if relation not in self._relation_index or k < 1:
            return out
        positions = [i for i, h in enumerate(heads) if h in self._entity_index]
        if not positions:
            return out
        rows = [self._entity_index[heads[i]] for i in positions]
        exclude = self._stated(rows, [heads[i] for i in positions], relation, inverse) if exclude_known else None
        which, cand, feats = candidate_pool_flat(self.predictor, self.evidence, self.calibrator.features, rows,
                                                 self._relation_index[relation], inverse, k, exclude)
        key = direction_key(relation, inverse and self.calibrator.features == "softmax")
        probs = self.calibrator.predict([key] * len(cand), feats) if len(cand) else np.zeros(0)
        order = np.lexsort((-probs, which))  # by query, most probable first
        bounds = np.searchsorted(which[order], np.arange(len(rows) + 1))
        ids = self.predictor.entity_ids
        for j, i in enumerate(positions):
            best = order[bounds[j]:bounds[j + 1]][:k]
            out[i] = [(ids[c], float(pr)) for c, pr in zip(cand[best].tolist(), probs[best].tolist(), strict=True)]
        return out

    def probability(self, heads: Sequence[str], relations: Sequence[str], tails: Sequence[str]) -> np.ndarray:
        """Calibrated P(edge is true) of each ``(head, relation, tail)``; ``nan`` where an id or relation is unknown.

        Raises:
            ValueError: The three sequences differ in length.
        """
        if not len(heads) == len(relations) == len(tails):
            raise ValueError(f"heads, relations and tails differ in length: {len(heads)}, {len(relations)}, "
                             f"{len(tails)}")
        out = np.full(len(heads), math.nan)
        by_relation: dict[str, list[int]] = {}
        for i, (h, r, t) in enumerate(zip(heads, relations, tails, strict=True)):
            if h in self._entity_index and t in self._entity_index and r in self._relation_index:
                by_relation.setdefault(r, []).append(i)
        p = self.predictor
        device = p.entity_embeddings.device
        kind = self.calibrator.features
        for relation, idx in by_relation.items():
            h = torch.tensor([self._entity_index[heads[i]] for i in idx], dtype=torch.long, device=device)
            t = torch.tensor([self._entity_index[tails[i]] for i in idx], dtype=torch.long, device=device)
            rel_row = self._relation_index[relation]
            r = torch.full_like(h, rel_row)
            with torch.no_grad():
                forward = p.score_rows(h, r, t)
                log_softmax = forward  # unused by the default features (no full row of scores needed)
                if kind == "softmax":
                    log_softmax = forward - torch.logsumexp(query_scores(p, h, r, inverse=False), dim=1)
                graph = (self.evidence.pair_features(h.cpu().numpy(), rel_row, t.cpu().numpy())
                         if kind == "evidence" else None)
                feats = edge_features(kind, forward, reverse_scores(p, h, r, t), log_softmax, graph)
            probs = self.calibrator.predict([relation] * len(idx), feats)
            allowed = p.answer_mask(r[:1], inverse=False)
            if allowed is not None:  # an answer of a type this relation never has: the model cannot judge it
                ok = (allowed[0, t] & p.answer_mask(r[:1], inverse=True)[0, h]).cpu().numpy()
                probs = np.where(ok, probs, 0.0)
            out[idx] = probs
        return out


def _calibrated(folder: Path) -> bool:
    """Whether ``folder`` holds a link-predictor checkpoint with a calibration (cheap: reads config.json)."""
    import json

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return (folder / "config.json").is_file()  # present but unreadable: let the loader say what is wrong
    return not isinstance(config, dict) or "calibration" in config  # not an object: the loader says what is wrong


def load_inferred_edges(kg_name_or_folder: str | Path, kg: KnowledgeGraph | None = None,
                        device: str = "cpu") -> InferredEdges | None:
    """The calibrated link predictor of a KG, or ``None`` when none was trained for it.

    Args:
        kg_name_or_folder: A KG name (``"films"``: searched in ``$KGQA_HOME/checkpoints/<name>/``, see
            :data:`PREFERENCE`) or a checkpoint folder.
        kg: The live KG, so that ``tails(exclude_known=True)`` also leaves out edges added since training.
        device: Where to keep the matrices.

    Raises:
        CheckpointError: A checkpoint exists but is damaged, or a folder given explicitly holds no calibrated
            predictor.
    """
    from training.common import checkpoint_dir
    from training.link_prediction.base import load_link_predictor

    given = Path(kg_name_or_folder)
    explicit = given.is_dir() and (given / "config.json").exists()
    if explicit:
        candidates = [given]
    elif isinstance(kg_name_or_folder, Path) or "/" in str(kg_name_or_folder):
        return None  # a folder that holds nothing: nothing trained there
    else:
        candidates = [checkpoint_dir(str(kg_name_or_folder), name) for name in PREFERENCE]
    for folder in candidates:
        if not (folder / "config.json").exists() or not _calibrated(folder):
            continue
        predictor = load_link_predictor(folder)
        if not isinstance(predictor, KGEPredictor):
            raise CheckpointError(f"{folder}: not a KGE link predictor", str(folder))
        try:
            calibrator = Calibrator.from_dict(predictor.config.get("calibration"))
        except ValueError as exc:
            raise CheckpointError(f"corrupt checkpoint {folder / 'config.json'}: {exc}",
                                  str(folder / "config.json")) from None
        return InferredEdges(predictor.to(device), calibrator, kg, folder)
    if explicit:
        raise CheckpointError(f"{given} holds a link predictor without calibrated probabilities; train one with "
                              "`kgqa train lp` (its default calibrates on held-out edges)", str(given))
    return None
