"""Bounded k-shortest path search used to explain answers that dense search found."""

from __future__ import annotations

from assistant.explain import render_path
from assistant.kg import load_kg
from assistant.path_search import connecting_paths


def test_shortest_paths_connect_answers_to_entities(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    found = connecting_paths(kg, ["person:george-lucas"], ["project:star-wars-1977", "project:jurassic-park-1993",
                                                            "keyword:shark"], max_hops=3)
    assert [len(p.hops) for p in found["project:star-wars-1977"]] == [1]  # directed, the direct edge first
    # Jurassic Park: Lucas -directed-> Star Wars <-scored- Williams -scored-> Jurassic Park, or via genre
    assert all(len(p.hops) == 3 for p in found["project:jurassic-park-1993"])
    assert "keyword:shark" not in found  # four hops away: beyond the limit
    text = render_path(kg, found["project:star-wars-1977"][0]).text
    assert "George Lucas" in text and "Star Wars" in text


def test_hubs_are_not_expanded(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    # with every node counted as a hub, only direct edges from the sources can be found
    found = connecting_paths(kg, ["person:john-williams"], ["project:jaws-1975", "genre:horror"], max_hops=3,
                             hub_degree=0)
    assert "project:jaws-1975" in found and "genre:horror" not in found


def test_no_sources_no_paths(tiny_kg_dir):
    assert connecting_paths(load_kg(tiny_kg_dir), [], ["project:jaws-1975"]) == {}
