"""data/films/src/crosscheck.py: the film KG against the MetaQA KB (real data when ../shared is present)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from assistant.kg import Edge, KnowledgeGraph, Node
from tests.conftest import FILMS, shared_path


def _load_script():
    spec = importlib.util.spec_from_file_location("films_crosscheck", FILMS / "src" / "crosscheck.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


cc = _load_script()


@pytest.fixture(scope="module")
def report():
    return cc.run(shared_path("metaqa", "kb_partial.txt.gz"))


def test_directors_and_writers_agree_on_the_title_and_year_matches(report):
    assert len([m for m in report.matches if m.how == "title+year"]) >= 200
    assert report.row("directed").share >= 0.99, cc.table(report)
    assert report.row("wrote").share >= 0.90, cc.table(report)
    assert report.row("year").share == 1.0  # a match within a year that is not the same year would be listed


def test_every_difference_in_the_kbs_favour_is_explained_and_no_note_is_stale(report):
    assert [cc.describe(d) for d in report.unexplained] == []
    assert report.stale_notes == []


def test_the_readme_carries_the_current_figures(report):
    """The README section is generated (`crosscheck.py --write-readme`); this fails when it is out of date."""
    assert cc.markdown(report) in (FILMS / "README.md").read_text(encoding="utf-8")


# ---- the rules on a tiny KB and KG (no shared data needed) ---------------------------------------------------
def _kb(tmp_path, lines: list[str]):
    from assistant.kg.loaders.metaqa import load_metaqa

    path = tmp_path / "kb.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_metaqa(path)


def _kg() -> KnowledgeGraph:
    kg = KnowledgeGraph()
    for node in (Node("project:alien-1979", "project", "Alien", attributes={"year": 1979, "kind": "film"}),
                 Node("project:dune-2021", "project", "Dune", attributes={"year": 2021, "kind": "film"}),
                 Node("project:up-2009", "project", "Up", attributes={"year": 2009, "kind": "film"}),
                 Node("person:ridley-scott", "person", "Ridley Scott"),
                 Node("person:dan-obannon", "person", "Dan O'Bannon"),
                 Node("person:sigourney-weaver", "person", "Sigourney Weaver"),
                 Node("person:pete-docter", "person", "Pete Docter", aliases=("Peter Docter",)),
                 Node("language:english", "language", "English")):
        kg.add_node(node)
    for edge in (("person:ridley-scott", "directed", "project:alien-1979"),
                 ("person:dan-obannon", "wrote", "project:alien-1979"),
                 ("person:sigourney-weaver", "acted_in", "project:alien-1979"),
                 ("project:alien-1979", "in_language", "language:english"),
                 ("person:pete-docter", "directed", "project:up-2009")):
        kg.add_edge(Edge(*edge))
    return kg


def test_matching_by_title_and_year_counts_agreement_and_lists_differences(tmp_path):
    kb = _kb(tmp_path, ["Alien|directed_by|Ridley Scott", "Alien|release_year|1980", "Alien|written_by|Dan O'Bannon",
                        "Alien|written_by|Ronald Shusett", "Alien|starred_actors|Sigourney Weaver",
                        "Alien|starred_actors|Tom Skerritt", "Dune|directed_by|David Lynch", "Dune|release_year|1984",
                        "Up|directed_by|Peter Docter"])
    report = cc.crosscheck(_kg(), kb)
    assert [(m.label, m.how) for m in report.matches] == [("Alien (1979)", "title+year"), ("Up (2009)", "title only")]
    assert report.title_clashes == [("Dune (2021)", "Dune", [1984])]  # another film: not compared
    assert (report.row("directed").agree, report.row("directed").compared) == (1, 1)
    assert (report.title_only_rows["directed"].agree, report.title_only_rows["directed"].compared) == (1, 1)  # alias
    assert (report.row("acted").agree, report.row("acted").compared) == (1, 2)
    assert report.row("year").share == 0.0  # 1980 is within a year of 1979, so it matched, but is not the same
    unexplained = {(d.relation, tuple(d.unexplained())) for d in report.unexplained}
    assert unexplained == {("wrote", ("Ronald Shusett",)), ("acted", ("Tom Skerritt",)), ("year", ("1980",))}


def test_notes_explain_differences_and_stale_notes_are_reported(tmp_path):
    kb = _kb(tmp_path, ["Alien|directed_by|Ridley Scott", "Alien|release_year|1979", "Alien|written_by|Ronald Shusett"])
    notes_path = tmp_path / "notes.jsonl"
    notes_path.write_text("\n".join(json.dumps(n) for n in (
        {"film": "Alien (1979)", "relation": "wrote", "kb": ["Ronald Shusett"], "why": "unconfirmed"},
        {"film": "Alien (1979)", "relation": "acted", "kb": ["Tom Skerritt"], "why": "other film"})) + "\n")
    report = cc.crosscheck(_kg(), kb, cc.load_notes(notes_path))
    assert report.unexplained == []
    assert report.row("wrote").share == 0.0  # explained, but still a disagreement in the figures
    assert [n["kb"] for n in report.stale_notes] == [["Tom Skerritt"]]


def test_a_malformed_note_is_a_clear_error(tmp_path):
    notes_path = tmp_path / "notes.jsonl"
    notes_path.write_text('{"film": "Alien (1979)", "relation": "wrote", "kb": ["X"], "why": "because"}\n')
    with pytest.raises(cc.CrosscheckError, match=r"notes.jsonl:1: expected .*why"):
        cc.load_notes(notes_path)
    with pytest.raises(cc.CrosscheckError, match="MetaQA KB not found"):
        cc.run(tmp_path / "missing.txt")
