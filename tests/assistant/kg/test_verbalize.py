"""Verbalisations of relation paths: the text the matcher compares questions with."""

from __future__ import annotations

from assistant.kg import load_kg
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.schema import RelationSpec, Schema
from assistant.kg.verbalize import MASK, name_kind, path_types, phrase_kind, relation_words, typed_paths, verbalise
from assistant.query import PathStep


def test_schema_paths_read_from_the_entity_outwards(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    steps = (PathStep("composed_music_for"), PathStep("directed", True))  # John Williams -> films -> directors
    text = verbalise(kg, steps, path_types(kg, "person", steps))
    assert text == f"the director of the film with music by {MASK}"
    assert verbalise(kg, (PathStep("has_genre"),), ["genre"]) == f"the genre of {MASK}"
    assert verbalise(kg, (PathStep("directed", True),), ["person"], "Jaws") == "the director of Jaws"


def _plain_kg() -> KnowledgeGraph:
    schema = Schema(node_types={"entity": ""})
    for name in ("parents", "capitalOf", "lives_in", "/people/person/spouse_s./people/marriage/spouse"):
        schema.relations[name] = RelationSpec(name, None, None, name, f"{name} (inverse)")
    kg = KnowledgeGraph(schema=schema, name="plain")
    for n in ("a", "b", "c"):
        kg.add_node(Node(n, "entity", n.upper()))
    kg.add_edge(Edge("a", "parents", "b"))
    kg.add_edge(Edge("b", "lives_in", "c"))
    return kg


def test_relations_known_only_by_name_read_as_nouns_or_verbs():
    kg = _plain_kg()
    assert verbalise(kg, (PathStep("parents"),), [None]) == f"the parents of {MASK}"
    assert verbalise(kg, (PathStep("parents", True),), [None]) == f"the one whose parents is {MASK}"
    # "X capitalOf Y" names X the capital: the inverse step reads "the capital of NE"
    assert verbalise(kg, (PathStep("capitalOf", True),), [None]) == f"the capital of {MASK}"
    assert verbalise(kg, (PathStep("lives_in"),), [None]) == f"the one that {MASK} lives in"
    assert relation_words("/people/person/spouse_s./people/marriage/spouse") == "spouse"
    assert relation_words("placeOfBirth") == "place of birth"


def test_phrase_and_name_kinds():
    assert [phrase_kind(t) for t in ("genre of", "directed by", "directed", "starring", "music by", "has genre")] == \
        ["type_of", "passive", "active", "prepositional", "credit", "copula"]
    assert [name_kind(t) for t in ("parents", "sibling", "offspring", "capital of", "married to", "plays instrument")] \
        == ["noun", "noun", "noun", "noun_of", "passive", "verb"]


def test_typed_paths_cover_what_each_type_can_be_asked(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    paths = typed_paths(kg, max_hops=2)
    labels = {"/".join(str(s) for s in steps) for steps, _ in paths}
    assert "^directed" in labels and "composed_music_for/^directed" in labels
    assert all(len(types) == len(steps) for steps, types in paths)
