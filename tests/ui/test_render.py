"""Answer cards: the sentence, then name, type, score, description and cited paths per answer."""

from __future__ import annotations

from assistant.answer import Answer, EvidencePath, RankedAnswer
from assistant.query import Clarification, Query
from ui.render import answer_card, answer_markdown, chosen_reading, escape, one_line


def _jaws_answer() -> Answer:
    path = EvidencePath(["person:steven-spielberg", "project:jaws-1975"], ["directed"], [False],
                        "Steven Spielberg —directed→ Jaws (1975)")
    answers = [RankedAnswer("person:steven-spielberg", "Steven Spielberg", "person", 0.93, paths=[path],
                            confidence=0.93, explanation="the director of Jaws (1975)"),
               RankedAnswer("person:john-williams", "John Williams", "person", 0.41, semantic=0.41)]
    return Answer("who directed Jaws?", Query("who directed Jaws?"), answers, "Steven Spielberg — found through "
                  "the graph from Jaws.")


def test_reply_has_sentence_then_cards_with_paths(tiny_kg):
    md = answer_markdown(tiny_kg, _jaws_answer())
    sentence, first, second = md.split("\n\n")
    assert sentence.startswith("Steven Spielberg — found through the graph")
    assert first.startswith("**1. Steven Spielberg** · `person` · 93% sure")
    assert "> *why:* the director of Jaws (1975)" in first
    assert "Director of Jaws and Jurassic Park." in first
    assert "- Steven Spielberg —directed→ Jaws (1975)" in first
    assert second.startswith("**2. John Williams**") and "similar by description (0.41); no KG path" in second


def test_an_inferred_answer_says_so_on_its_card(tiny_kg):
    item = RankedAnswer("person:steven-spielberg", "Steven Spielberg", "person", 0.5, confidence=0.5, inferred=True,
                        predicted={"head": "person:steven-spielberg", "relation": "directed",
                                   "tail": "project:jaws-1975", "probability": 0.82},
                        explanation="not stated in the graph; predicted with 0.82 confidence")
    card = answer_card(tiny_kg, 1, item)
    assert "INFERRED: not stated in the graph" in card.splitlines()[0] and "0.82" in card.splitlines()[0]
    assert "Steven Spielberg —directed?→ Jaws (1975) (predicted edge)" in card
    assert "similar by description" not in card


def test_clarification_and_errors_show_no_cards(tiny_kg):
    query = Query("who directed Dune", clarification=Clarification("Which “Dune” do you mean?", "Dune", []))
    md = answer_markdown(tiny_kg, Answer("who directed Dune", query, [], "Which “Dune” do you mean?"))
    assert md.startswith("Which “Dune” do you mean?") and "Choose a reading" in md and "**1." not in md


def test_names_render_literally():
    assert escape("*Batteries* <not> [included]") == r"\*Batteries\* \<not\> \[included\]"
    assert one_line("a  b\nc " * 40, 20).endswith("…") and len(one_line("a b c " * 40, 20)) <= 21


def test_chosen_reading_replaces_the_ambiguous_mention():
    assert chosen_reading("who directed Dune", "Dune", "Dune (1984)") == "who directed Dune (1984)"
    assert chosen_reading("who directed dune?", "Dune", "Dune (2021)") == "who directed Dune (2021)?"
    assert chosen_reading("something else", "Dune", "Dune (2021)") == "Dune (2021)"
