"""Pairs read like a person's description, for every relation of the schema and for unknown relations."""

from __future__ import annotations

import json

from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders import load_kg
from assistant.kg.schema import RelationSpec, Schema
from tests.conftest import FILMS
from training.sbert.verbalize import description_pairs, edge_pairs, profile_pairs, short_relation, verbalize


def schema_kg() -> KnowledgeGraph:
    """One edge for every relation of the film schema, between nodes of the declared types."""
    raw = json.loads((FILMS / "schema.json").read_text())
    schema = Schema({t["name"]: t["description"] for t in raw["node_types"]},
                    {r["name"]: RelationSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in r.items()})
                     for r in raw["relations"]})
    kg = KnowledgeGraph(schema, name="schema-kg")
    for i, spec in enumerate(schema.relations.values()):
        src = kg.add_node(Node(f"s{i}", spec.source_type or "person", f"Source {i}"))
        tgt = kg.add_node(Node(f"t{i}", spec.target_type or "project", f"Target {i}", attributes={"kind": "film"}))
        kg.add_edge(Edge(src.id, spec.name, tgt.id))
    return kg


def test_every_schema_relation_reads_both_ways():
    kg = schema_kg()
    for idx, edge in enumerate(kg.edges):
        forward, inverse = edge_pairs(kg, idx, edge)
        source, target = kg.nodes[edge.source], kg.nodes[edge.target]
        assert (forward.anchor, forward.anchor_id, forward.kind) == (source.label, source.id, "forward")
        assert (inverse.anchor, inverse.anchor_id, inverse.kind) == (target.label, target.id, "inverse")
        assert kg.nodes[edge.target].name in forward.positive, (edge.relation, forward.positive)
        assert kg.nodes[edge.source].name in inverse.positive, (edge.relation, inverse.positive)
        for text in (forward.positive, inverse.positive):
            assert text[0].isupper() and "  " not in text and "(inverse)" not in text and "_" not in text, text


def test_examples_from_the_issue():
    kg = schema_kg()
    texts, names = {}, {}
    for i, e in enumerate(kg.edges):
        names[e.relation] = (kg.nodes[e.source].name, kg.nodes[e.target].name)
        for p in edge_pairs(kg, i, e):
            texts[(p.relation, p.kind)] = p.positive
    assert texts[("has_genre", "forward")] == f"A '{names['has_genre'][1]}' project"  # The Exorcist → A 'Horror' …
    assert texts[("voiced_in", "forward")] == f"Voice actor in the film '{names['voiced_in'][1]}'"
    assert texts[("has_keyword", "inverse")] == f"A keyword of the project '{names['has_keyword'][0]}'"
    assert texts[("directed", "inverse")] == f"Directed by '{names['directed'][0]}'"
    assert texts[("voiced_in", "inverse")] == f"With the voice of '{names['voiced_in'][0]}'"
    assert texts[("company_produced", "inverse")] == f"Produced by '{names['company_produced'][0]}'"  # no "(company)"


def test_unknown_relations_read_from_their_last_segment():
    kg = KnowledgeGraph(Schema(), name="fb")
    kg.add_node(Node("/m/1", "film", "Alien"))
    kg.add_node(Node("/m/2", "film_genre", "Science Fiction"))
    kg.add_edge(Edge("/m/1", "/film/film/genre", "/m/2"))
    forward, inverse = edge_pairs(kg, 0, kg.edges[0])
    assert forward.positive == "Genre: 'Science Fiction'"
    assert inverse.positive == "The genre of 'Alien'"
    assert short_relation("/award/award_category/category_of") == "category of"
    kg.schema.relations["/film/film/genre"] = kg.schema.relation("/film/film/genre")  # as triples loaders do
    assert edge_pairs(kg, 0, kg.edges[0])[0].positive == "Genre: 'Science Fiction'"


def test_descriptions_profiles_and_caps(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    desc = {p.anchor_id: p.positive for p in description_pairs(kg)}
    assert desc["person:phil-tippett"] == "Description: Stop-motion animator and visual effects artist."
    assert "genre:horror" not in desc  # no description, no pair
    edges = [(i, e) for i, e in enumerate(kg.edges) if e.relation != "directed"]
    profiles = {p.anchor_id: p.positive for p in profile_pairs(kg, edges)}
    assert profiles["person:john-williams"] == "Composer; skills: Film Scoring"
    assert profiles["person:phil-tippett"] == "Visual effects artist; skills: Stop-motion Animation"
    assert "Director" not in profiles["person:george-lucas"]  # only the edges given (training edges) count
    all_edges = list(enumerate(kg.edges))
    assert len(verbalize(kg, all_edges)) == 2 * len(all_edges)
    capped = verbalize(kg, all_edges, max_per_anchor_relation=1)
    williams = [p for p in capped if p.anchor_id == "person:john-williams" and p.relation == "composed_music_for"]
    assert len(williams) == 1
