"""Generated training questions for the matcher: real paths, hard negatives, lexical variety."""

from __future__ import annotations

from assistant.kg import load_kg
from assistant.kg.verbalize import MASK
from training.matcher.lexicon import Lexicon
from training.matcher.questions import QuestionGenerator, generated_items, surface_name
from training.matcher.synthetic import synthetic_kg


def test_examples_pair_a_question_with_its_path_and_sibling_paths(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    examples = QuestionGenerator(kg, Lexicon(enabled=False), seed=1).generate(60)
    assert len(examples) >= 50
    for e in examples:
        assert MASK in e.masked and e.positive not in e.negatives
    assert {e.kind for e in examples} >= {"1-hop", "2-hop"}
    assert len({e.masked for e in examples}) > 40  # varied wording, not one template


def test_generation_is_seeded(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    first = QuestionGenerator(kg, seed=3).generate(20)
    again = QuestionGenerator(kg, seed=3).generate(20)
    assert [e.masked for e in first] == [e.masked for e in again]


def test_synthetic_kgs_draw_their_own_relations_and_names():
    a, b = synthetic_kg(1, scale=0.2), synthetic_kg(2, scale=0.2)
    assert a.num_edges > 500 and set(a.node_types()) == {"entity"}
    assert set(a.schema.relations) != set(b.schema.relations)
    examples = QuestionGenerator(a, seed=0).generate(40)
    assert examples and all(e.kg == "synthetic-1" for e in examples)


def test_items_carry_gold_answers_from_the_graph(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    items = generated_items(kg, 30, seed=2, describe_share=0.0)
    assert items
    for item in items:
        assert item.answers and all(a in kg.nodes for a in item.answers)


def test_surface_names_vary_like_typing(tiny_kg_dir):
    import random

    kg = load_kg(tiny_kg_dir)
    rng = random.Random(0)
    forms = {surface_name(kg, "person:steven-spielberg", rng) for _ in range(200)}
    assert {"Steven Spielberg", "steven spielberg", "Spielberg"} <= forms
