"""Filtered rank-based evaluation of a :class:`KGEPredictor`: MRR, MR and Hits@k.

For each test triple ``(h, r, t)`` every entity is scored as the tail of ``(h, r, ?)`` and as the
head of ``(?, r, t)``; the other true answers (any known triple) are filtered out before ranking.
Ties count half (the "realistic" rank): ``rank = 1 + #better + #tied / 2``. A type-constrained
predictor (trained with ``candidates="type"``) ranks only the entities of the answer types of the
query's direction, as it answers; benchmark rows use unconstrained models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import torch

from training.link_prediction.data import Triple
from training.link_prediction.kge import KGEPredictor

HITS_AT = (1, 3, 10)


def expected_random_mrr(num_candidates: int) -> float:
    """MRR of a uniformly random ranking of ``num_candidates`` entities (``H_n / n``)."""
    if num_candidates < 1:
        return 0.0
    return float(np.sum(1.0 / np.arange(1, num_candidates + 1)) / num_candidates)


def summarize_ranks(ranks: np.ndarray) -> dict:
    """MRR, MR and Hits@1/3/10 of an array of ranks."""
    if ranks.size == 0:
        return {"mrr": None, "mr": None, **{f"hits@{k}": None for k in HITS_AT}, "count": 0}
    out = {"mrr": float(np.mean(1.0 / ranks)), "mr": float(np.mean(ranks))}
    out.update({f"hits@{k}": float(np.mean(ranks <= k)) for k in HITS_AT})
    out["count"] = int(ranks.size)
    return out


def _side_ranks(predictor: KGEPredictor, queries: np.ndarray, answers: np.ndarray,
                filters: dict[tuple[int, int], list[int]], side: str, batch_size: int) -> np.ndarray:
    device = predictor.entity_embeddings.device
    ranks = np.empty(len(answers), dtype=np.float64)
    for start in range(0, len(answers), batch_size):
        q = torch.as_tensor(queries[start:start + batch_size], device=device)
        a = torch.as_tensor(answers[start:start + batch_size], device=device)
        scores = (predictor.score_all_tails(q[:, 0], q[:, 1]) if side == "tail"
                  else predictor.score_all_heads(q[:, 1], q[:, 0]))
        rows = torch.arange(len(a), device=device)
        true = scores[rows, a].clone()
        mask_of = getattr(predictor, "answer_mask", None)  # CLEP's cross-space ranker has no type constraint
        allowed = mask_of(q[:, 1], inverse=side == "head") if mask_of is not None else None
        if allowed is not None:  # a type-constrained model ranks only entities of the direction's answer types
            scores = scores.masked_fill(~allowed, float("-inf"))
        known = [filters.get((int(x), int(y)), []) + [int(ans)]
                 for (x, y), ans in zip(queries[start:start + batch_size], answers[start:start + batch_size],
                                        strict=True)]
        lengths = [len(k) for k in known]
        mask_rows = torch.as_tensor(np.repeat(np.arange(len(known)), lengths), device=device)
        mask_cols = torch.as_tensor(np.concatenate(known).astype(np.int64), device=device)
        scores[mask_rows, mask_cols] = float("-inf")  # the true answer too: it is compared via `true`
        better = (scores > true[:, None]).sum(1)
        tied = (scores == true[:, None]).sum(1)
        ranks[start:start + len(a)] = (1 + better + tied.to(torch.float64) / 2).cpu().numpy()
    return ranks


def filtered_ranks(predictor: KGEPredictor, test: Sequence[Triple], known: Iterable[Triple],
                   batch_size: int = 256) -> dict[str, np.ndarray]:
    """Filtered ranks of the tail and of the head of each test triple.

    Args:
        predictor: The trained predictor.
        test: Triples to rank.
        known: Every true triple (train, valid and test) to filter out.
        batch_size: Queries scored at once.

    Returns:
        ``{"tail": ranks, "head": ranks}``, float arrays in the order of ``test``.

    Raises:
        UnknownIdError: A triple names an entity or relation the predictor does not know.
    """
    if not test:
        return {"tail": np.empty(0), "head": np.empty(0)}
    heads = predictor.entity_rows([h for h, _, _ in test]).cpu().numpy()
    rels = predictor.relation_rows([r for _, r, _ in test]).cpu().numpy()
    tails = predictor.entity_rows([t for _, _, t in test]).cpu().numpy()
    known_tails: dict[tuple[int, int], list[int]] = defaultdict(list)
    known_heads: dict[tuple[int, int], list[int]] = defaultdict(list)
    ent, rel = predictor.entity_index, predictor.relation_index
    for h, r, t in known:
        if h in ent and t in ent and r in rel:
            known_tails[(ent[h], rel[r])].append(ent[t])
            known_heads[(ent[t], rel[r])].append(ent[h])
    return {
        "tail": _side_ranks(predictor, np.stack([heads, rels], 1), tails, known_tails, "tail", batch_size),
        "head": _side_ranks(predictor, np.stack([tails, rels], 1), heads, known_heads, "head", batch_size),
    }


def evaluate_filtered(predictor: KGEPredictor, test: Sequence[Triple], known: Iterable[Triple],
                      batch_size: int = 256) -> dict:
    """Filtered MRR, MR and Hits@1/3/10 over head and tail prediction (and each side alone).

    Args:
        predictor: The trained predictor.
        test: Triples to rank.
        known: Every true triple (train, valid and test) to filter out.
        batch_size: Queries scored at once.

    Returns:
        ``{"mrr", "mr", "hits@1", "hits@3", "hits@10", "count", "tail": {...}, "head": {...},
        "random_mrr"}``; ``count`` is the number of rankings (two per test triple).
    """
    ranks = filtered_ranks(predictor, test, known, batch_size)
    both = np.concatenate([ranks["tail"], ranks["head"]])
    return {**summarize_ranks(both), "tail": summarize_ranks(ranks["tail"]), "head": summarize_ranks(ranks["head"]),
            "random_mrr": expected_random_mrr(predictor.num_entities), "filtered": True, "test_triples": len(test)}
