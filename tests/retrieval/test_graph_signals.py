"""Graph-neighbourhood signals on the tiny film KG."""

from __future__ import annotations

import pytest

from assistant.kg import load_kg
from assistant.kg.graph import Edge, Node
from assistant.query import PathStep
from assistant.traversal import SupportPath, walk
from retrieval.graph_signals import GraphSignals


@pytest.fixture
def kg(tiny_kg_dir):
    return load_kg(tiny_kg_dir)


def test_personalized_pagerank_favours_the_seed_neighbourhood(kg):
    ppr = GraphSignals(kg).personalized_pagerank(["person:george-lucas"])
    assert max(ppr, key=ppr.get) == "person:george-lucas"
    # Star Wars is one hop from Lucas; Jaws is three hops away (via John Williams)
    assert ppr["project:star-wars-1977"] > ppr.get("project:jaws-1975", 0.0)


def test_global_pagerank_averages_one_and_prefers_connected_nodes(kg):
    signals = GraphSignals(kg)
    ranks = [signals.pagerank(n) for n in kg.nodes]
    assert sum(ranks) / len(ranks) == pytest.approx(1.0, rel=1e-6)
    assert signals.prominence("person:john-williams") > signals.prominence("keyword:shark")


def test_pagerank_is_refreshed_after_an_update(kg):
    signals = GraphSignals(kg)
    before = signals.pagerank("keyword:shark")
    for i in range(5):
        kg.add_node(Node(f"project:new-{i}", "project", f"New {i}"))
        kg.add_edge(Edge(f"project:new-{i}", "has_keyword", "keyword:shark"))
    signals.mark_changed()
    assert signals.pagerank("keyword:shark") > before


def test_a_path_through_a_hub_is_less_specific(kg):
    signals = GraphSignals(kg)
    # Williams reaches Jaws directly (no intermediate); Directing -> Spielberg -> Jaws goes through Spielberg
    direct = SupportPath("person:john-williams", tuple(walk(kg, "person:john-williams",
                                                            (PathStep("composed_music_for"),))["project:jaws-1975"][1][0]))
    two = walk(kg, "skill:directing", (PathStep("has_skill", True), PathStep("directed")))["project:jaws-1975"][1][0]
    assert signals.path_specificity(direct) == 1.0
    assert 0 < signals.path_specificity(SupportPath("skill:directing", tuple(two))) < 1.0


def test_neighbour_overlap(kg):
    signals = GraphSignals(kg)
    around = signals.anchor_neighbourhood(["person:steven-spielberg"])
    assert signals.neighbour_overlap("person:john-williams", around) > signals.neighbour_overlap(
        "person:phil-tippett", set())
    assert signals.neighbour_overlap("person:john-williams", around) > 0
