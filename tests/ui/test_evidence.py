"""The evidence picture: the cited paths' subgraph, edges pointing the way the KG's do."""

from __future__ import annotations

from assistant.answer import EvidencePath, RankedAnswer
from ui.evidence import draw_evidence, evidence_graph, type_colour


def _composer() -> RankedAnswer:
    # John Williams —composed the music for→ Star Wars —has genre→ Science Fiction, read answer -> anchor
    via_genre = EvidencePath(["person:john-williams", "project:star-wars-1977", "genre:science-fiction"],
                             ["composed_music_for", "has_genre"], [False, False], "…")
    # Jurassic Park ←directed— Steven Spielberg: an inverse hop
    director = EvidencePath(["project:jurassic-park-1993", "person:steven-spielberg"], ["directed"], [True], "…")
    return [RankedAnswer("person:john-williams", "John Williams", "person", 1.0, paths=[via_genre]),
            RankedAnswer("project:jurassic-park-1993", "Jurassic Park", "project", 0.5, paths=[director])]


def test_graph_has_the_cited_edges_in_kg_direction(tiny_kg):
    g = evidence_graph(tiny_kg, _composer())
    assert set(g.edges(keys=True)) == {
        ("person:john-williams", "project:star-wars-1977", "composed_music_for"),
        ("project:star-wars-1977", "genre:science-fiction", "has_genre"),
        ("person:steven-spielberg", "project:jurassic-park-1993", "directed"),
    }
    assert g.nodes["person:john-williams"]["answer"] and not g.nodes["genre:science-fiction"]["answer"]
    assert g.nodes["genre:science-fiction"]["layer"] == 2 and g.nodes["genre:science-fiction"]["type"] == "genre"
    assert g.edges["person:john-williams", "project:star-wars-1977", "composed_music_for"]["relation"] == \
        tiny_kg.schema.verbalize("composed_music_for")


def test_drawing_has_nodes_labels_and_a_type_legend(tiny_kg):
    fig = draw_evidence(tiny_kg, _composer()[:1], "evidence for John Williams")
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {"John Williams", "Star Wars (1977)", "Science Fiction"} <= texts
    assert tiny_kg.schema.verbalize("has_genre") in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["genre", "person", "project"]
    assert ax.get_title() == "evidence for John Williams"


def test_nothing_to_draw_and_unknown_types():
    assert draw_evidence(None, []) is None
    assert type_colour("person") != type_colour("project")
    assert type_colour("spaceship") == type_colour("spaceship")


def test_an_inferred_answer_draws_its_predicted_edge_dashed(tiny_kg):
    item = RankedAnswer("person:steven-spielberg", "Steven Spielberg", "person", 0.6, inferred=True,
                        predicted={"head": "person:steven-spielberg", "relation": "directed",
                                   "tail": "project:empire-of-dreams-2004", "probability": 0.61})
    g = evidence_graph(tiny_kg, [item])
    edge = g.edges["person:steven-spielberg", "project:empire-of-dreams-2004", "predicted:directed"]
    assert edge["predicted"] and "0.61" in edge["relation"]
    fig = draw_evidence(tiny_kg, [item])
    styles = {str(patch.get_linestyle()) for patch in fig.axes[0].patches}
    assert styles & {"dashed", "--"}, styles  # the predicted edge, and only it, is dashed
