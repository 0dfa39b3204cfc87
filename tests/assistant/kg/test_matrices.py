"""Sparse counting walks agree with the edge-by-edge walk, recover real KG paths, and follow KG changes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.kg import load_kg
from assistant.kg.graph import Edge, Node
from assistant.kg.matrices import count_walk
from assistant.query import PathStep
from assistant.traversal import discover_paths, walk

FILMS = Path(__file__).resolve().parents[3] / "data" / "films"


@pytest.fixture(scope="module")
def films():
    return load_kg(FILMS)


def test_counts_match_the_edge_by_edge_walk_on_random_paths(films):
    rng = random.Random(7)
    starts = rng.sample(sorted(films.nodes), 40)
    checked = 0
    for start in starts:
        for reach in discover_paths(films, start, 3, frontier_cap=50, max_paths=40)[:6]:
            slow = walk(films, start, reach.steps, keep=3)
            fast = count_walk(films, start, reach.steps)
            if len(slow) > 15_000:  # the edge-by-edge walk cuts frontiers past 20k; the sparse one does not
                continue
            assert {n: c for n, (c, _) in slow.items()} == fast.counts, (start, reach.steps)
            checked += 1
    assert checked > 100


def test_recovered_paths_are_real_edges_from_start_to_answer(films):
    steps = (PathStep("directed", True), PathStep("directed"))  # films sharing a director with Jaws
    reach = count_walk(films, "project:jaws-1975", steps)
    assert "project:jaws-1975" not in reach.counts and "project:jurassic-park-1993" in reach.counts
    for node in list(reach.counts)[:20]:
        paths = reach.paths(node, keep=3)
        assert 1 <= len(paths) <= min(3, reach.counts[node])
        for hops in paths:
            assert len(hops) == 2 and hops[-1].node == node
            first, second = hops
            assert first.inverse and first.edge.target == "project:jaws-1975" and first.node == first.edge.source
            assert not second.inverse and second.edge.source == first.node and second.edge.target == node


def test_end_type_and_limit(films):
    steps = (PathStep("has_genre"), PathStep("has_genre", True))
    full = count_walk(films, "project:jaws-1975", steps)
    top = count_walk(films, "project:jaws-1975", steps, end_type="project", limit=5)
    assert len(top.counts) == 5 and top.reached == len(full.counts)
    assert list(top.counts.values()) == sorted(top.counts.values(), reverse=True)
    assert max(full.counts.values()) == next(iter(top.counts.values()))


def test_matrices_follow_changes_to_the_kg(films):
    kg = load_kg(FILMS)
    steps = (PathStep("directed", True),)
    assert list(count_walk(kg, "project:jaws-1975", steps).counts) == ["person:steven-spielberg"]
    kg.add_node(Node("person:someone-new", "person", "Someone New"))
    kg.add_edge(Edge("person:someone-new", "directed", "project:jaws-1975"))
    assert set(count_walk(kg, "project:jaws-1975", steps).counts) == {"person:steven-spielberg",
                                                                       "person:someone-new"}
