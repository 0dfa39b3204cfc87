"""Training and evaluation data: a seeded held-out share of edges, hard negatives mined within each
node type, and the information-retrieval evaluator on the held-out edges."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from assistant.kg.graph import KnowledgeGraph
from training.sbert.verbalize import Pair, description_pairs, profile_pairs, verbalize


class NoTrainingPairs(ValueError):
    """The KG yields no pairs to train on (no edges and no descriptions)."""


@dataclass
class PairSplit:
    """Training pairs and held-out evaluation pairs; no held-out (anchor, positive) is in ``train``."""

    train: list[Pair]
    eval: list[Pair]
    held_out_edges: list[int]
    #: every (anchor, positive) text pair the KG states, to mark all true positives in the evaluation
    known: set[tuple[str, str]]


def split_pairs(kg: KnowledgeGraph, holdout: float = 0.05, max_eval_edges: int = 500, seed: int = 0,
                max_per_anchor_relation: int = 10, max_train_pairs: int | None = None) -> PairSplit:
    """Hold out a seeded share of edges (at most ``max_eval_edges``) and verbalise the rest, descriptions and
    people's profiles (from training edges only) for training.

    Raises:
        NoTrainingPairs: the KG has neither edges nor descriptions.
    """
    if not 0 <= holdout < 1:
        raise ValueError(f"holdout must be in [0, 1), got {holdout}")
    edges = [(i, e) for i, e in enumerate(kg.edges) if e is not None]
    rng = random.Random(seed)
    n_eval = min(max_eval_edges, round(len(edges) * holdout)) if holdout > 0 and len(edges) > 1 else 0
    held = set(rng.sample(range(len(edges)), n_eval)) if n_eval else set()
    train_edges = [edges[j] for j in range(len(edges)) if j not in held]
    eval_edges = [edges[j] for j in sorted(held)]
    eval_pairs = verbalize(kg, eval_edges, max_per_anchor_relation, seed)
    train = (verbalize(kg, train_edges, max_per_anchor_relation, seed) + description_pairs(kg)
             + profile_pairs(kg, train_edges))
    held_texts = {(p.anchor, p.positive) for p in eval_pairs}
    # No leakage: a held-out fact may read the same as a training one (two edges, one sentence); drop it from training.
    train = [p for p in train if (p.anchor, p.positive) not in held_texts]
    if not train:
        raise NoTrainingPairs(f"the KG {kg.name!r} gives no training pairs: it has no edges and no descriptions")
    if max_train_pairs is not None and len(train) > max_train_pairs:
        train = random.Random(seed + 1).sample(train, max_train_pairs)
    known = {(p.anchor, p.positive) for p in verbalize(kg, edges, 10**9, seed)} | held_texts
    return PairSplit(train, eval_pairs, [i for i, _ in eval_edges], known)


def mine_same_type_negatives(pairs: list[Pair], model, num_negatives: int = 1, range_max: int = 30,
                             known: set[tuple[str, str]] | None = None, relative_margin: float | None = None,
                             batch_size: int = 64, progress: bool = True) -> dict[tuple[str, str], list[str]]:
    """Hard negatives for each (anchor, positive), mined with ``sentence_transformers.util.mine_hard_negatives``
    **within the anchor's node type**: a person's negatives are other people's facts and descriptions,
    a film's are other films'. Returns ``{(anchor, positive): [negative, ...]}`` for the pairs that got
    ``num_negatives`` negatives (types with too few distinct positives are skipped).

    False negatives are removed with the KG itself rather than a score margin: the anchor's other pairs
    are never candidates (``mine_hard_negatives`` treats all positives of a repeated anchor as positives),
    and a mined text that ``known`` says is true of the anchor (e.g. a fact not sampled for training)
    is dropped. (A margin such as ``relative_margin=0.05`` would throw most candidates away here: a bare name
    scores low against its own facts before training.)
    """
    from datasets import Dataset
    from sentence_transformers.util import mine_hard_negatives

    by_type: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_type[p.anchor_type].append(p)
    found: dict[tuple[str, str], list[str]] = {}
    for node_type in sorted(by_type):
        group = by_type[node_type]
        distinct = len({p.positive for p in group})
        if distinct < num_negatives + 5:  # too few candidates to mine from
            continue
        ds = Dataset.from_dict({"anchor": [p.anchor for p in group], "positive": [p.positive for p in group]})
        mined = mine_hard_negatives(
            ds, model, anchor_column_name="anchor", positive_column_name="positive",
            range_max=min(range_max, distinct - 1), relative_margin=relative_margin, num_negatives=num_negatives,
            sampling_strategy="top", output_format="n-tuple" if num_negatives > 1 else "triplet",
            batch_size=batch_size, verbose=False,
        )
        kept = 0
        for row in mined:
            values = list(row.values())
            negs = values[2:2 + num_negatives]
            if known is not None and any((values[0], n) in known for n in negs):
                continue
            if (values[0], values[1]) not in found:
                found[(values[0], values[1])] = negs
                kept += 1
        if progress:
            print(f"  hard negatives [{node_type}]: {kept:,} of {len(group):,} pairs")
    return found


def to_datasets(pairs: list[Pair], negatives: dict[tuple[str, str], list[str]] | None = None):
    """``datasets.Dataset`` columns for the trainer: one of pairs (anchor, positive) and, when hard negatives
    were mined, one of triplets (anchor, positive, negative…) — MNRL takes both."""
    from datasets import Dataset

    negatives = negatives or {}
    plain = [p for p in pairs if (p.anchor, p.positive) not in negatives]
    hard = [p for p in pairs if (p.anchor, p.positive) in negatives]
    out = {}
    if plain:
        out["pairs"] = Dataset.from_dict({"anchor": [p.anchor for p in plain],
                                          "positive": [p.positive for p in plain]})
    if hard:
        n = len(negatives[(hard[0].anchor, hard[0].positive)])
        cols = {"anchor": [p.anchor for p in hard], "positive": [p.positive for p in hard]}
        for j in range(n):
            cols["negative" if n == 1 else f"negative_{j + 1}"] = [negatives[(p.anchor, p.positive)][j] for p in hard]
        out["hard"] = Dataset.from_dict(cols)
    return out


def ir_evaluator(split: PairSplit, name: str = "held-out", batch_size: int = 64):
    """``InformationRetrievalEvaluator`` on held-out edges: queries are the anchors (node labels), the corpus
    is every held-out positive; a corpus text counts as relevant when the KG states it of the query
    (held-out or not), so true facts are never scored as misses."""
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    queries, corpus, relevant = eval_sets(split)
    return InformationRetrievalEvaluator(queries, corpus, relevant, name=name, batch_size=batch_size,
                                         mrr_at_k=[10], ndcg_at_k=[10], accuracy_at_k=[1, 10],
                                         precision_recall_at_k=[10], map_at_k=[10], write_csv=False)


def eval_sets(split: PairSplit) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """``(queries, corpus, relevant_docs)`` of the held-out evaluation, ids ``q…`` and ``c…``."""
    anchors = list(dict.fromkeys(p.anchor for p in split.eval))
    texts = list(dict.fromkeys(p.positive for p in split.eval))
    queries = {f"q{i}": a for i, a in enumerate(anchors)}
    corpus = {f"c{i}": t for i, t in enumerate(texts)}
    relevant = {qid: {cid for cid, t in corpus.items() if (q, t) in split.known} for qid, q in queries.items()}
    return queries, corpus, relevant
