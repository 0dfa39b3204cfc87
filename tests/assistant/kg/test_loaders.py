"""Each loader accepts good input and rejects bad input with file:line messages."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
import tracemalloc

import pytest

from assistant.kg import KGLoadError, detect_format, load_kg
from tests.conftest import shared_path


def _problems(path, fmt=None) -> list[str]:
    with pytest.raises(KGLoadError) as info:
        load_kg(path, fmt)
    return [str(p) for p in info.value.problems]


# ---- native ---------------------------------------------------------------------------------
def test_native_reports_every_problem_with_file_and_line(tiny_kg_dir):
    nodes = tiny_kg_dir / "nodes.jsonl"
    lines = nodes.read_text().splitlines()
    lines[1] = "{not json"
    lines[2] = json.dumps({"id": "person:x", "type": "alien", "name": "X"})
    lines.append(json.dumps({"id": "person:george-lucas", "type": "person", "name": "Dup"}))
    nodes.write_text("\n".join(lines) + "\n")
    edges = tiny_kg_dir / "edges.jsonl"
    edges.write_text(edges.read_text() + json.dumps(
        {"source": "genre:horror", "relation": "directed", "target": "project:jaws-1975"}) + "\n")
    problems = _problems(tiny_kg_dir)
    assert any(p.startswith(f"{nodes}:2: invalid JSON") for p in problems)
    assert any(p.startswith(f"{nodes}:3:") and "'alien' is not one of" in p for p in problems)
    assert any("duplicate node id 'person:george-lucas'" in p for p in problems)
    assert any(p.startswith(f"{edges}:19:") and "expects a person" in p for p in problems)


def test_native_rejects_dangling_edges_and_missing_schema(tiny_kg_dir):
    edges = tiny_kg_dir / "edges.jsonl"
    edges.write_text(json.dumps({"source": "person:nobody", "relation": "directed",
                                 "target": "project:jaws-1975"}) + "\n")
    assert any(":1: edge endpoint(s) ['person:nobody']" in p for p in _problems(tiny_kg_dir))
    (tiny_kg_dir / "schema.json").unlink()
    assert any("schema.json: missing" in p for p in _problems(tiny_kg_dir))


# ---- MetaQA ---------------------------------------------------------------------------------
def test_metaqa_infers_types_and_reports_bad_lines(tmp_path):
    kb = tmp_path / "kb.txt.gz"
    with gzip.open(kb, "wt", encoding="utf-8") as fh:
        fh.write("Jaws|directed_by|Steven Spielberg\nJaws|release_year|1975\nJaws|has_tags|jaws\n")
    kg = load_kg(kb)
    assert detect_format(kb) == "metaqa"
    assert kg.node("movie:Jaws").type == "movie"
    assert kg.node("person:Steven Spielberg").type == "person"
    assert kg.node("year:1975").type == "year"
    assert {n.type for n in kg.find("jaws")} == {"movie", "tag"}
    bad = tmp_path / "bad.txt"
    bad.write_text("Jaws|directed_by|Steven Spielberg\nJaws|release_year\nJaws||1975\n")
    problems = _problems(bad, "metaqa")
    assert len(problems) == 2 and problems[0].startswith(f"{bad}:2: expected 'subject|relation|object'")


# ---- triples --------------------------------------------------------------------------------
def test_triples_folder_with_names_descriptions_and_splits(tmp_path):
    (tmp_path / "train.txt").write_text("/m/1\t/film/film/genre\t/m/2\n/m/3\t/film/film/genre\t/m/2\n")
    (tmp_path / "valid.txt").write_text("/m/1\t/film/film/directed_by\t/m/4\n")
    (tmp_path / "test.txt").write_text("/m/3\t/film/film/directed_by\t/m/4\n")
    (tmp_path / "entity2text.txt").write_text("/m/1\tJaws\n/m/2\tThriller\n/m/3\tE.T.\n/m/4\tSteven Spielberg")
    (tmp_path / "entity2shortdesc.txt").write_text("/m/1\tJaws -- A 1975 shark film.\n")
    (tmp_path / "relation2text.txt").write_text("/film/film/genre\tfilm genre\n")
    kg = load_kg(tmp_path)
    assert kg.node("/m/1").name == "Jaws" and kg.node("/m/1").description == "A 1975 shark film."
    assert kg.node("/m/1").type == "film"
    assert kg.metadata["splits"] == {"train": [0, 2], "valid": [2, 3], "test": [3, 4]}
    assert kg.schema.verbalize("/film/film/genre") == "film genre"
    (tmp_path / "test.txt").write_text("/m/3\t/film/film/directed_by\n")
    assert _problems(tmp_path) == [f"{tmp_path / 'test.txt'}:1: expected 'head<TAB>relation<TAB>tail', "
                                   f"got '/m/3\\t/film/film/directed_by'"]


def test_unrecognised_path_is_a_clear_error(tmp_path):
    assert "not found" in _problems(tmp_path / "missing")[0]
    (tmp_path / "empty").mkdir()
    assert "unrecognised layout" in _problems(tmp_path / "empty")[0]


# ---- CSV ------------------------------------------------------------------------------------
def test_recruiter_csv_people_projects_roles(tmp_path):
    (tmp_path / "people.csv").write_text(
        "name,headline,bio,skills\n"
        "Phil Tippett,VFX supervisor,Stop-motion pioneer,Stop-motion Animation; Visual Effects\n"
        'Nina Gold,Casting director,"Casts films, series",Casting\n')
    (tmp_path / "projects.csv").write_text("name,year,kind\nJurassic Park,1993,film\n")
    (tmp_path / "roles.csv").write_text(
        "person,project,role,year\nPhil Tippett,Jurassic Park,dinosaur supervisor,1993\n")
    kg = load_kg(tmp_path)
    assert detect_format(tmp_path) == "csv"
    tippett = kg.find("phil tippett", "person")[0]
    assert {h.node for h in kg.neighbors(tippett.id, "has_skill")} == {"skill:stop-motion-animation",
                                                                       "skill:visual-effects"}
    [role] = kg.neighbors(tippett.id, "worked_on")
    assert role.edge.qualifiers == {"role": "dinosaur supervisor", "year": 1993}
    assert kg.schema.verbalize("has_skill", inverse=True) == "skill of"
    (tmp_path / "roles.csv").write_text("person,project,role\nNobody,Jurassic Park,grip\nPhil Tippett,,x\n")
    problems = _problems(tmp_path)
    assert problems[0].endswith("roles.csv:2: person 'Nobody' is not in people.csv")
    assert problems[1].endswith("roles.csv:3: empty required field(s) ['project']")


def test_generic_csv_nodes_edges(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,type,name,aliases,description,born\n"
                                        "p1,person,Ada,Ada L.;A. Lovelace,Mathematician,1815\ns1,skill,Maths,,,\n")
    (tmp_path / "edges.csv").write_text("source,relation,target,level\np1,has_skill,s1,expert\np1,has_skill,s9,\n")
    problems = _problems(tmp_path)
    assert problems == [f"{tmp_path / 'edges.csv'}:3: unknown node id(s) ['s9']: not in nodes.csv"]
    (tmp_path / "edges.csv").write_text("source,relation,target,level\np1,has_skill,s1,expert\n")
    kg = load_kg(tmp_path)
    assert kg.node("p1").attributes == {"born": 1815}
    assert kg.find("A. Lovelace")[0].id == "p1"
    assert kg.neighbors("p1")[0].edge.qualifiers == {"level": "expert"}


# ---- shared benchmark data ------------------------------------------------------------------
@pytest.mark.shared_data
@pytest.mark.slow
def test_metaqa_kb_fits_in_memory_and_loads_fast():
    path = shared_path("metaqa", "kb_partial.txt.gz")
    started = time.perf_counter()
    tracemalloc.start()
    kg = load_kg(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert kg.num_nodes > 40_000 and kg.num_edges == 128_185
    assert peak < 500e6, f"peak {peak / 1e6:.0f} MB"
    assert time.perf_counter() - started < 60  # generous: tracemalloc slows loading ~2x


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("name", ["fb15k237", "metaqa/kb_partial.txt.gz"])
def test_cli_kg_stats_on_shared_data(name):
    path = shared_path(*name.split("/"))
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "kg", "stats", str(path), "--json"],
                         capture_output=True, text=True, check=True)
    stats = json.loads(out.stdout)
    assert stats["nodes"] > 10_000 and stats["edges"] > 100_000


def test_cli_validate_exits_nonzero_and_lists_problems(tiny_kg_dir):
    (tiny_kg_dir / "edges.jsonl").write_text('{"source": "x"}\n{"source": "y"}\n')
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "kg", "validate", str(tiny_kg_dir)],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "edges.jsonl:1: expected non-empty strings" in out.stdout
    assert "edges.jsonl:2:" in out.stdout
