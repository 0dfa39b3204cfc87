"""data/films/src/compile.py and build_questions.py: the rules that keep the film KG and its question set right."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from assistant.kg import load_kg
from tests.conftest import FILMS


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"films_{name}", FILMS / "src" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


compile_script = _load("compile")
questions_script = _load("build_questions")

PEOPLE = [{"kind": "person", "name": n, "bio": f"{n}, a test person.", "skills": ["Directing"]}
          for n in ("Ann Director", "Bob Writer", "Cy Composer")]
COMPANIES = [{"kind": "company", "name": "Old Studio", "renamed_to": "New Studio", "description": "Old name."},
             {"kind": "company", "name": "New Studio", "description": "New name."}]


def _film(**changes) -> dict:
    film = {"kind": "project", "title": "Test Film", "year": 2000, "project_type": "film", "genres": ["Drama"],
            "keywords": ["a", "b", "c"], "description": "A film for tests.",
            "credits": [["director", "Ann Director"], ["screenwriter", "Bob Writer"], ["composer", "Cy Composer"]],
            "companies": [["production", "Old Studio"]]}
    film.update(changes)
    return film


def _compile(tmp_path, *records):
    # a complete second film credits everyone, so that a film under test may leave someone out
    other = _film(title="Other Film")
    path = tmp_path / "01_test.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [*PEOPLE, *COMPANIES, *records, other]) + "\n",
                    encoding="utf-8")
    return compile_script.compile_kg([path])


def test_a_complete_film_compiles_with_its_rename_edge(tmp_path):
    nodes, edges, problems = _compile(tmp_path, _film())
    assert problems == []
    assert {"source": "company:old-studio", "relation": "renamed_to", "target": "company:new-studio"} in edges


@pytest.mark.parametrize("changes, message", [
    ({"credits": [["director", "Ann Director"], ["composer", "Cy Composer"]]}, "needs a screenwriter or story writer"),
    ({"credits": [["director", "Ann Director"], ["screenwriter", "Bob Writer"]]}, "needs a composer credit"),
    ({"unscored": "period songs only"}, "marked 'unscored' or 'composer_unconfirmed' but has a composer"),
    ({"unscored": ""}, "'unscored' must say why"),
    ({"credits": [["director", "Ann Director"], ["screenwriter", "Bob Writer", "Hero"], ["composer", "Cy Composer"]]},
     "only actor, voice actor and puppeteer credits take a third field"),
])
def test_a_film_missing_credits_or_wrongly_marked_is_reported_with_file_and_line(tmp_path, changes, message):
    _, _, problems = _compile(tmp_path, _film(**changes))
    assert len(problems) == 1 and problems[0].startswith("01_test.jsonl:6: ") and message in problems[0], problems


def test_an_unscored_film_needs_no_composer_and_carries_the_reason(tmp_path):
    film = _film(credits=[["director", "Ann Director"], ["screenwriter", "Bob Writer"]], unscored="silent film")
    nodes, _, problems = _compile(tmp_path, film)
    assert problems == []
    assert next(n for n in nodes if n["id"] == "project:test-film-2000")["attributes"]["unscored"] == "silent film"


def test_story_credits_are_qualified_and_yield_to_a_screenplay_credit(tmp_path):
    film = _film(credits=[["director", "Ann Director"], ["story writer", "Ann Director"],
                          ["screenwriter", "Bob Writer"], ["story writer", "Bob Writer"], ["composer", "Cy Composer"]])
    _, edges, problems = _compile(tmp_path, film)
    assert problems == []
    wrote = [(e["source"], e.get("qualifiers")) for e in edges
             if e["relation"] == "wrote" and e["target"] == "project:test-film-2000"]
    assert sorted(wrote, key=str) == [("person:ann-director", {"credit": "story"}), ("person:bob-writer", None)]


def test_a_rename_to_an_unknown_company_is_reported(tmp_path):
    path = tmp_path / "01_test.jsonl"
    records = [*PEOPLE, {"kind": "company", "name": "Old Studio", "renamed_to": "Nowhere", "description": "x"}]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    _, _, problems = compile_script.compile_kg([path])
    assert any("renamed_to 'Nowhere' has no company record" in p for p in problems), problems


def test_only_the_numbered_fragments_are_compiled():
    names = [p.name for p in compile_script.fragment_paths()]
    assert names and all(n[:2].isdigit() and n[2] == "_" for n in names)
    assert "templated.jsonl" not in names and "crosscheck_notes.jsonl" not in names


def test_the_question_set_is_current_with_the_kg():
    """questions.jsonl is what build_questions.py makes from the committed KG and the pinned templated questions:
    this fails when the KG changed and the gold answers were not regenerated."""
    kg = load_kg(FILMS)
    pinned = questions_script.read_pinned(questions_script.PINNED_FILE)
    committed = [json.loads(line) for line in (FILMS / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    records, stats = questions_script.build(kg, pinned, {r["question"]: r for r in committed})
    assert stats["dropped"] == []
    assert records == committed, "run python data/films/src/build_questions.py"


def test_pinned_questions_keep_their_ids_and_splits_when_the_kg_changes():
    kg = load_kg(FILMS)
    pinned = questions_script.read_pinned(questions_script.PINNED_FILE)
    committed = [json.loads(line) for line in (FILMS / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    # drop a person the pinned questions rely on: their questions go, the others keep id and split
    victim = kg.find("Hans Zimmer", "person")[0]
    kg.remove_node(victim.id)
    records, stats = questions_script.build(kg, pinned, {r["question"]: r for r in committed})
    before = {r["question"]: (r["id"], r["split"]) for r in committed}
    assert all(before[r["question"]] == (r["id"], r["split"]) for r in records)
    assert len(records) <= len(committed)
