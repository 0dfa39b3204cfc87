"""Held-out split without leakage, hard negatives within a node type, clear errors."""

from __future__ import annotations

import pytest

from assistant.kg.graph import KnowledgeGraph, Node
from training.sbert.data import NoTrainingPairs, eval_sets, mine_same_type_negatives, split_pairs, to_datasets


def test_split_is_seeded_and_does_not_leak(tiny_kg):
    a = split_pairs(tiny_kg, holdout=0.2, seed=3)
    b = split_pairs(tiny_kg, holdout=0.2, seed=3)
    assert a.held_out_edges == b.held_out_edges and len(a.held_out_edges) == round(0.2 * tiny_kg.num_edges)
    assert {p.edge for p in a.eval} == set(a.held_out_edges)
    train_texts = {(p.anchor, p.positive) for p in a.train}
    assert not train_texts & {(p.anchor, p.positive) for p in a.eval}
    assert not {p.edge for p in a.train} & set(a.held_out_edges)
    held_skills = [tiny_kg.edges[i] for i in a.held_out_edges if tiny_kg.edges[i].relation == "has_skill"]
    for edge in held_skills:  # a held-out skill never shows up in that person's training profile
        profile = [p.positive for p in a.train if p.kind == "profile" and p.anchor_id == edge.source]
        assert all(tiny_kg.nodes[edge.target].name not in text for text in profile)
    queries, corpus, relevant = eval_sets(a)
    assert set(relevant) == set(queries) and all(relevant.values())
    assert split_pairs(tiny_kg, holdout=0.2, seed=4).held_out_edges != a.held_out_edges


def test_hard_negatives_are_same_type_and_not_true(tiny_kg, base_encoder):
    split = split_pairs(tiny_kg, holdout=0.0)
    negatives = mine_same_type_negatives(split.train, base_encoder.model, known=split.known, progress=False)
    assert negatives
    type_of_text: dict[str, set[str]] = {}
    for p in split.train:
        type_of_text.setdefault(p.positive, set()).add(p.anchor_type)
    type_of_anchor = {p.anchor: p.anchor_type for p in split.train}
    for (anchor, positive), negs in negatives.items():
        for neg in negs:
            assert type_of_anchor[anchor] in type_of_text[neg], (anchor, neg)
            assert (anchor, neg) not in split.known and neg != positive
    datasets = to_datasets(split.train, negatives)
    assert datasets["hard"].column_names == ["anchor", "positive", "negative"]
    assert len(datasets["hard"]) + len(datasets.get("pairs", [])) == len(split.train)


def test_kg_without_edges_or_descriptions_is_a_clear_error():
    kg = KnowledgeGraph(name="empty")
    kg.add_node(Node("a", "thing", "A"))
    with pytest.raises(NoTrainingPairs, match="no edges and no descriptions"):
        split_pairs(kg)
