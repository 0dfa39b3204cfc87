"""The schema question generator and the relation-path classifier on the tiny KG."""

from __future__ import annotations

from assistant.kg import load_kg
from assistant.parsing.parser import QuestionParser
from assistant.parsing.paths import MASK, enumerate_paths, execute_path, generate_questions
from assistant.parsing.training import train_from_kg
from assistant.query import IDENTITY, parse_path_label


def test_generated_questions_are_answerable_and_masked(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    questions = generate_questions(kg, per_path=3, seed=1)
    labels = {q.label for q in questions}
    assert "^directed" in labels and IDENTITY in labels
    for q in questions:
        assert MASK in q.masked and kg.nodes[q.anchor_id].name in q.question
        if q.label != IDENTITY:
            assert set(q.answers) == execute_path(kg, q.anchor_id, parse_path_label(q.label))
    assert generate_questions(kg, per_path=3, seed=1) == questions  # deterministic


def test_paths_are_type_consistent(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    paths = enumerate_paths(kg, max_hops=2)
    assert paths["^directed"] == ("project", "person")
    assert paths["directed/has_genre"] == ("person", "genre")


def test_parser_trained_from_schema_reads_relations_by_meaning(tiny_kg_dir, base_encoder, tmp_path):
    kg = load_kg(tiny_kg_dir)
    clf = train_from_kg(kg, base_encoder, tmp_path / "parser", per_path=12)
    parser = QuestionParser(kg, clf)
    query = parser.parse("who composed the music for Jaws")
    assert [(a.node_id, [str(s) for s in a.path]) for a in query.anchors] == \
        [("project:jaws-1975", ["^composed_music_for"])]
    assert query.target_type == "person"
    assert parser.parse("George Lucas").anchors[0].path == ()
