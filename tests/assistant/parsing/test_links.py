"""Entity linking that survives real typing (film KG)."""

from __future__ import annotations

import pytest

from assistant.kg import load_kg
from assistant.parsing.links import Linker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def linker():
    from tests.conftest import FILMS

    return Linker(load_kg(FILMS))


def _best(result, node_id):
    return next((lk for lk in result.links if lk.node_id == node_id), None)


@pytest.mark.parametrize("text, node_id, method", [
    ("which composer worked most with spielberg", "person:steven-spielberg", "partial"),  # a surname
    ("steven spielburg movies", "person:steven-spielberg", "fuzzy"),  # a typo
    ("films by the director of the terminator", "project:the-terminator-1984", "normalised"),  # lower case
    ("who directed Dune (1984)", "project:dune-1984", "label"),  # a title with its year
])
def test_names_link_as_people_type_them(linker, text, node_id, method):
    link = _best(linker.link(text), node_id)
    assert link is not None and link.method == method and link.score > 0.5


def test_characters_link_through_credit_qualifiers(linker):
    result = linker.link("who played han solo")
    top = result.links[0]
    assert top.method == "character" and top.character == "Han Solo"
    assert any(lk.node_id.startswith("project:solo") for lk in result.links)  # the film is kept, scored lower


def test_a_common_word_keeps_every_reading_scored_lower(linker):
    result = linker.link("what year did alien come out")
    linked = {lk.node_id for lk in result.links if lk.mention == "alien"}
    assert {"project:alien-1979", "keyword:alien"} <= linked  # the pipeline chooses, not the linker
    assert all(lk.score < 0.8 for lk in result.links if lk.mention == "alien")  # lower case single word
    capitalised = [lk for lk in linker.link("what year did Alien come out").links if lk.node_id == "project:alien-1979"]
    assert capitalised[0].score > max(lk.score for lk in result.links if lk.node_id == "project:alien-1979")


def test_question_words_are_not_names(linker):
    result = linker.link("what is the best pixar movie")
    assert all(not lk.node_id.startswith("person:") for lk in result.links)  # "best" is not Ahmed Best
    assert result.links[0].node_id == "company:pixar-animation-studios"


def test_names_not_in_the_graph_are_reported_with_the_nearest(linker):
    result = linker.link("Who directed Amadeus?")
    assert [u["mention"] for u in result.unknown] == ["Amadeus"]
    assert result.unknown[0]["nearest"]


@pytest.mark.parametrize("question, unknown", [
    ("who is Denzel Washington", ["Denzel Washington"]),  # only Kerry and Dennis Washington are in the graph
    ("films with Tom Cruise and Denzel Washington", ["Denzel Washington"]),
    ("films with Harrisn Ford", []),  # a typo of a name the graph holds
    ("films by Steven Spielberg and George Lucas", []),
    ("French New Wave films", []),  # a part linked exactly: an adjective and a genre, not a missing name
])
def test_a_name_of_which_only_a_part_matches_others_is_unknown(linker, question, unknown):
    assert [u["mention"] for u in linker.link(question).unknown if u.get("partial")] == unknown
