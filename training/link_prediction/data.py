"""Triples for link prediction from a :class:`KnowledgeGraph`, and the held-out split to score on.

Benchmark KGs (loaded from a train/valid/test triples folder) carry their standard split in
``kg.metadata["splits"]``; it is used as it is. Any other KG gets a seeded hold-out of its edges,
keeping in training every test triple whose head, tail or relation would otherwise never be seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from assistant.kg import KnowledgeGraph

Triple = tuple[str, str, str]


@dataclass
class LinkSplit:
    """Labelled triples ``(head id, relation, tail id)`` split for training and evaluation.

    Attributes:
        train: Triples to train on.
        valid: Validation triples (benchmarks only; used as filter, never trained on).
        test: Held-out triples to rank.
        source: ``"benchmark"`` (the KG's own split), ``"holdout"`` (a seeded split) or ``"all"`` (no test).
        moved_to_train: Hold-out triples kept in training because an endpoint or relation was unseen.
        entities: Every node id of the KG (also those without edges), sorted.
        relations: Every relation name of the KG, sorted.
        info: Facts for the checkpoint's config (fraction, seed, duplicates dropped).
    """

    train: list[Triple]
    valid: list[Triple]
    test: list[Triple]
    source: str
    entities: list[str]
    relations: list[str]
    moved_to_train: int = 0
    info: dict = field(default_factory=dict)

    def known(self) -> list[Triple]:
        """Every true triple (train, valid, test): the filter of filtered ranking."""
        return self.train + self.valid + self.test

    def summary(self) -> dict:
        return {"source": self.source, "train": len(self.train), "valid": len(self.valid), "test": len(self.test),
                "moved_to_train": self.moved_to_train, **self.info}


def _unique(triples: list[Triple]) -> list[Triple]:
    return list(dict.fromkeys(triples))


def kg_triples(kg: KnowledgeGraph) -> list[Triple]:
    """Every distinct ``(source, relation, target)`` of the KG, in edge order (qualifiers ignored)."""
    return _unique([(e.source, e.relation, e.target) for e in kg.iter_edges()])


def _benchmark_split(kg: KnowledgeGraph, splits: dict) -> tuple[list[Triple], list[Triple], list[Triple]]:
    parts: dict[str, list[Triple]] = {}
    for name in ("train", "valid", "test"):
        start, end = splits.get(name, (0, 0))
        parts[name] = _unique([(e.source, e.relation, e.target) for e in kg.edges[start:end] if e is not None])
    return parts["train"], parts["valid"], parts["test"]


def split_kg(kg: KnowledgeGraph, holdout: float = 0.1, seed: int = 0, own_split: bool = True) -> LinkSplit:
    """Split the KG's edges for link prediction.

    Args:
        kg: The knowledge graph.
        holdout: Fraction of distinct triples to hold out for testing when the KG has no split of
            its own (or ``own_split`` is off); ``0`` trains on everything and leaves nothing to evaluate.
        seed: Seed of the hold-out shuffle.
        own_split: Use a benchmark KG's own train/valid/test split; ``False`` treats all its edges alike
            (a predictor for answering trains on every edge).

    Returns:
        The split.

    Raises:
        ValueError: ``holdout`` is outside ``[0, 0.5]`` or the KG has no edges.
    """
    if not 0.0 <= holdout <= 0.5:
        raise ValueError(f"holdout must be between 0 and 0.5, got {holdout}")
    entities = sorted(kg.nodes)
    relations = sorted({e.relation for e in kg.iter_edges()})
    if not relations:
        raise ValueError(f"KG {kg.name!r} has no edges to learn from")
    splits = (kg.metadata.get("splits") or {}) if own_split else {}
    if splits.get("test") and splits["test"][1] > splits["test"][0]:
        train, valid, test = _benchmark_split(kg, splits)
        return LinkSplit(train, valid, test, "benchmark", entities, relations)

    triples = kg_triples(kg)
    return split_triples(triples, entities, relations, holdout, seed,
                         {"duplicates_dropped": kg.num_edges - len(triples)})


def split_triples(triples: list[Triple], entities: list[str], relations: list[str], holdout: float, seed: int,
                  info: dict | None = None) -> LinkSplit:
    """A seeded hold-out of ``triples``, keeping in training every held-out triple whose head, tail or
    relation would otherwise be unseen (see :func:`split_kg`)."""
    info = {"holdout": holdout, "seed": seed, **(info or {})}
    if holdout == 0:
        return LinkSplit(list(triples), [], [], "all", entities, relations, info=info)
    order = list(range(len(triples)))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(holdout * len(triples))) if len(triples) > 1 else 0
    test_rows = set(order[:n_test])
    train = [t for i, t in enumerate(triples) if i not in test_rows]
    seen_nodes = {x for h, _, t in train for x in (h, t)}
    seen_relations = {r for _, r, _ in train}
    test: list[Triple] = []
    moved = 0
    for i in order[:n_test]:  # in shuffle order, so the outcome depends on the seed only
        h, r, t = triples[i]
        if h in seen_nodes and t in seen_nodes and r in seen_relations:
            test.append((h, r, t))
        else:
            train.append((h, r, t))
            seen_nodes.update((h, t))
            seen_relations.add(r)
            moved += 1
    return LinkSplit(train, [], test, "holdout", entities, relations, moved, info)
