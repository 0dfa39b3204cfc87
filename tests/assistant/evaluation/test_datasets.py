"""Question-set readers: JSONL, MetaQA with types, bracket stripping, errors that say file:line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from assistant.evaluation.datasets import DatasetError, QAItem, find_qtype_file, load_questions, read_jsonl, read_metaqa
from tests.conftest import shared_path

METAQA_LINES = [
    "what movies did [Temuera Morrison] act in\tOnce Were Warriors|Tracker|River Queen",
    "who directed [Jaws]\tSteven Spielberg",
    "what genre is [Star Wars]\tScience Fiction|Science Fiction",
]
QTYPES = ["actor_to_movie", "movie_to_director", "movie_to_genre"]


def _write(path: Path, lines: list[str], gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(line + "\n" for line in lines)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _metaqa_tree(root: Path, gz: bool = False, qtype_gz: bool = False) -> Path:
    """``root/1-hop/vanilla/qa_dev.txt[.gz]`` with ``root/1-hop/qa_dev_qtype.txt[.gz]`` beside it."""
    hop = root / "1-hop"
    _write(hop / ("qa_dev_qtype.txt.gz" if qtype_gz else "qa_dev_qtype.txt"), QTYPES, gz=qtype_gz)
    return _write(hop / "vanilla" / ("qa_dev.txt.gz" if gz else "qa_dev.txt"), METAQA_LINES, gz=gz)


def test_jsonl_reads_fields_and_defaults(tmp_path):
    path = _write(tmp_path / "q.jsonl", [
        json.dumps({"question": "shark", "answers": ["shark"], "type": "keyword", "id": "q1"}),
        "",
        json.dumps({"question": "who directed [Jaws]", "answers": ["Steven Spielberg", "Steven Spielberg"],
                    "note": "dup"}),
        json.dumps({"question": "films by him", "answers": ["project:jaws-1975"], "id": 7, "topic": "Spielberg"}),
    ])
    items = read_jsonl(path)
    assert items[0] == QAItem("q1", "shark", ["shark"], "keyword", None)
    assert items[1].id == "q.jsonl:3" and items[1].type is None
    assert items[1].question == "who directed [Jaws]" and items[1].topic == "Jaws"
    assert items[1].answers == ["Steven Spielberg"] and items[1].extra == {"note": "dup"}
    assert items[2].id == "7" and items[2].topic == "Spielberg"
    stripped = read_jsonl(path, strip_brackets=True)
    assert stripped[1].question == "who directed Jaws" and stripped[1].topic == "Jaws"
    assert load_questions(path) == items


def test_jsonl_gz_is_read(tmp_path):
    path = _write(tmp_path / "q.jsonl.gz", [json.dumps({"question": "shark", "answers": ["shark"]})], gz=True)
    assert [i.question for i in load_questions(path)] == ["shark"]


@pytest.mark.parametrize(("line", "expected"), [
    ('{"question": "x", "answers": ["a"]', "invalid JSON"),
    ('["x"]', "expected a JSON object"),
    ('{"answers": ["a"]}', "expected a non-empty string in 'question'"),
    ('{"question": "x", "answers": []}', "expected a non-empty list of non-empty strings in 'answers'"),
    ('{"question": "x", "answers": "a"}', "expected a non-empty list"),
    ('{"question": "x", "answers": ["a", 3]}', "expected a non-empty list"),
    ('{"question": "x", "answers": ["a"], "type": 3}', "expected a string or null in 'type'"),
    ('{"question": "x [a] [b]", "answers": ["a"]}', r"2 bracketed entities.*expected at most one '\[topic entity\]'"),
    ('{"question": "x [a", "answers": ["a"]}', "unbalanced or nested brackets"),
])
def test_jsonl_malformed_lines_name_file_and_line(tmp_path, line, expected):
    path = _write(tmp_path / "bad.jsonl", [json.dumps({"question": "ok", "answers": ["ok"]}), line])
    with pytest.raises(DatasetError, match=expected) as info:
        read_jsonl(path)
    assert str(info.value).startswith(f"{path}:2: ")
    assert info.value.line == 2 and info.value.path == path


def test_jsonl_duplicate_ids_are_rejected(tmp_path):
    path = _write(tmp_path / "q.jsonl", [json.dumps({"id": "a", "question": "x", "answers": ["y"]})] * 2)
    with pytest.raises(DatasetError, match=r"q\.jsonl:2: duplicate id 'a' \(first on line 1\)"):
        read_jsonl(path)


@pytest.mark.parametrize(("gz", "qtype_gz"), [(False, False), (True, False), (False, True)])
def test_metaqa_with_auto_detected_types(tmp_path, gz, qtype_gz):
    path = _metaqa_tree(tmp_path, gz=gz, qtype_gz=qtype_gz)
    assert find_qtype_file(path) == tmp_path / "1-hop" / ("qa_dev_qtype.txt.gz" if qtype_gz else "qa_dev_qtype.txt")
    items = load_questions(path)
    assert [i.type for i in items] == QTYPES
    first = items[0]
    assert first.id == f"{path.name}:1"
    assert first.question == "what movies did [Temuera Morrison] act in"
    assert first.topic == "Temuera Morrison"
    assert first.answers == ["Once Were Warriors", "Tracker", "River Queen"]
    assert items[2].answers == ["Science Fiction"]  # duplicates dropped


def test_metaqa_strip_brackets_keeps_entity_and_topic(tmp_path):
    items = read_metaqa(_metaqa_tree(tmp_path), strip_brackets=True)
    assert [i.question for i in items] == ["what movies did Temuera Morrison act in", "who directed Jaws",
                                           "what genre is Star Wars"]
    assert [i.topic for i in items] == ["Temuera Morrison", "Jaws", "Star Wars"]


def test_metaqa_explicit_types_and_no_types(tmp_path):
    path = _write(tmp_path / "questions.txt", METAQA_LINES)
    assert find_qtype_file(path) is None
    assert [i.type for i in load_questions(path)] == [None, None, None]
    types = _write(tmp_path / "my_types.txt", ["a", "b", "c"])
    assert [i.type for i in load_questions(path, types=types)] == ["a", "b", "c"]
    # an explicit file wins over the auto-detected one
    tree = _metaqa_tree(tmp_path / "metaqa")
    assert [i.type for i in read_metaqa(tree, types=types)] == ["a", "b", "c"]
    assert [i.type for i in read_metaqa(tree, auto_types=False)] == [None, None, None]


@pytest.mark.parametrize(("line", "expected"), [
    ("who directed [Jaws] Steven Spielberg", r"found 0 tab\(s\).*expected 'question with \[topic entity\]<TAB>"),
    ("who directed [Jaws]\tSteven Spielberg\textra", r"found 2 tab\(s\)"),
    ("\tSteven Spielberg", "empty question before the tab"),
    ("who directed [Jaws]\t", "empty answer"),
    ("who directed [Jaws]\tA||B", "empty answer in 'A||B'"),
    ("who directed [Jaws\tSteven Spielberg", "unbalanced or nested brackets"),
    ("who directed [[Jaws]]\tSteven Spielberg", "unbalanced or nested brackets"),
    ("who directed [] film\tSteven Spielberg", r"empty '\[\]'"),
    ("[Jaws] or [Alien]\tSteven Spielberg", "2 bracketed entities"),
])
def test_metaqa_malformed_lines_name_file_and_line(tmp_path, line, expected):
    path = _write(tmp_path / "qa.txt", [METAQA_LINES[0], METAQA_LINES[1], line])
    with pytest.raises(DatasetError, match=expected) as info:
        read_metaqa(path)
    assert str(info.value).startswith(f"{path}:3: ")


def test_metaqa_misaligned_type_files(tmp_path):
    path = _write(tmp_path / "qa.txt", METAQA_LINES)
    short = _write(tmp_path / "short.txt", QTYPES[:2])
    with pytest.raises(DatasetError, match=r"short\.txt: has 2 lines but qa\.txt has a question on line 3"):
        read_metaqa(path, types=short)
    blank = _write(tmp_path / "blank.txt", [QTYPES[0], "", QTYPES[2]])
    with pytest.raises(DatasetError, match=r"blank\.txt:2: empty type for question 'who directed \[Jaws\]' "
                                           r"\(qa\.txt:2\)"):
        read_metaqa(path, types=blank)
    long = _write(tmp_path / "long.txt", [*QTYPES, "extra_type", ""])
    with pytest.raises(DatasetError, match=r"long\.txt:4: type 'extra_type' has no question"):
        read_metaqa(path, types=long)


def test_missing_and_wrong_files(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_questions(tmp_path / "nope.txt")
    path = _write(tmp_path / "q.jsonl", [json.dumps({"question": "x", "answers": ["y"]})])
    with pytest.raises(DatasetError, match="--types applies to MetaQA files only"):
        load_questions(path, types=path)
    bad_gz = tmp_path / "qa.txt.gz"
    bad_gz.write_bytes(b"not gzip")
    with pytest.raises(DatasetError, match="not a readable gzip file"):
        load_questions(bad_gz)


def test_format_sniffed_from_first_line_for_other_names(tmp_path):
    path = _write(tmp_path / "questions.data", ["", json.dumps({"question": "x", "answers": ["y"]})])
    assert load_questions(path)[0].answers == ["y"]
    path = _write(tmp_path / "questions.other", METAQA_LINES[:1])
    assert load_questions(path)[0].topic == "Temuera Morrison"


@pytest.mark.shared_data
def test_real_metaqa_dev_files_read_with_types():
    one_hop = load_questions(shared_path("metaqa", "1-hop", "vanilla", "qa_dev.txt"), strip_brackets=True)
    assert len(one_hop) == 9992 and one_hop[0].type == "actor_to_movie"
    assert "[" not in one_hop[0].question and one_hop[0].topic == "Temuera Morrison"
    two_hop = load_questions(shared_path("metaqa", "2-hop", "vanilla", "qa_dev.txt.gz"))
    assert len(two_hop) == 14872 and all(i.type and i.topic for i in two_hop)
