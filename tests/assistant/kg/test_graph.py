from __future__ import annotations

import pytest

from assistant.kg import Edge, KnowledgeGraph, Node, load_kg, normalize_name


def test_normalize_folds_case_accents_and_punctuation():
    assert normalize_name("Amélie") == normalize_name("AMELIE!") == "amelie"
    assert normalize_name("The People vs. George Lucas") == "the people vs george lucas"
    assert normalize_name("Lilo & Stitch") == "lilo and stitch"
    assert normalize_name("...") == ""


def test_lookups_by_id_name_alias_and_type(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    assert kg.node("person:george-lucas").name == "George Lucas"
    assert [n.id for n in kg.find("george LUCAS")] == ["person:george-lucas"]
    assert [n.id for n in kg.find("a new hope", "project")] == ["project:star-wars-1977"]
    assert kg.find("George Lucas", "project") == []
    assert {n.id for n in kg.nodes_of_type("genre")} == {"genre:science-fiction", "genre:documentary", "genre:horror"}
    with pytest.raises(KeyError, match="no node"):
        kg.node("person:nobody")


def test_neighbours_by_relation_in_both_directions(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    out = kg.neighbors("person:steven-spielberg", "directed", "out")
    assert {h.node for h in out} == {"project:jaws-1975", "project:jurassic-park-1993"}
    back = kg.neighbors("project:jaws-1975", "directed", "in")
    assert [h.node for h in back] == ["person:steven-spielberg"] and back[0].inverse
    both = kg.neighbors("project:jaws-1975", direction="both")
    assert {h.edge.relation for h in both} == {"directed", "composed_music_for", "has_genre", "has_keyword"}
    assert kg.schema.verbalize("directed") == "directed"
    assert kg.schema.verbalize("directed", inverse=True) == "directed by"


def test_add_and_remove_keep_indexes_consistent(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    edges_before = kg.num_edges
    kg.add_node(Node("project:e-t-1982", "project", "E.T. the Extra-Terrestrial", ("E.T.",), "", {"year": 1982}))
    idx = kg.add_edge(Edge("person:steven-spielberg", "directed", "project:e-t-1982"))
    assert kg.find("ET", "project")[0].id == "project:e-t-1982"
    assert kg.num_edges == edges_before + 1
    kg.remove_edge(idx)
    assert kg.neighbors("project:e-t-1982", direction="both") == []
    removed = kg.remove_node("project:jaws-1975")
    assert len(removed) == 4 and "project:jaws-1975" not in kg
    assert all(h.node != "project:jaws-1975" for h in kg.neighbors("person:steven-spielberg", direction="both"))
    assert kg.find("Jaws") == []
    with pytest.raises(KeyError):
        kg.add_edge(Edge("person:nobody", "directed", "project:star-wars-1977"))
    with pytest.raises(KeyError, match="duplicate"):
        kg.add_node(Node("person:george-lucas", "person", "George Lucas"))


def test_stats_counts_types_and_relations(tiny_kg_dir):
    stats = load_kg(tiny_kg_dir).stats()
    assert stats["node_types"]["person"] == 4
    assert stats["relations"]["directed"] == 3
    assert stats["edges"] == sum(stats["relations"].values())


def test_empty_graph_is_usable():
    kg = KnowledgeGraph()
    assert kg.num_nodes == 0 and kg.relations() == [] and kg.find("x") == []
