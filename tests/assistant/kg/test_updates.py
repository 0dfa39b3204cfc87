"""Incremental updates: graph, vector index and parser change together, without a rebuild."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.kg import KGLoadError, load_kg
from assistant.kg.updates import apply_updates, read_updates
from retrieval.index import Index

NEW_FILM = [
    {"op": "add_node", "node": {"id": "project:close-encounters-1977", "type": "project",
                                "name": "Close Encounters of the Third Kind", "description":
                                "An electrical lineman becomes obsessed with a mountain after a UFO sighting.",
                                "attributes": {"year": 1977, "kind": "film"}}},
    {"op": "add_edge", "edge": {"source": "person:steven-spielberg", "relation": "directed",
                                "target": "project:close-encounters-1977"}},
    {"op": "add_edge", "edge": {"source": "project:close-encounters-1977", "relation": "has_genre",
                                "target": "genre:science-fiction"}},
]


def test_apply_validates_everything_first_and_changes_nothing_on_error(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    bad = NEW_FILM + [{"op": "add_edge", "edge": {"source": "person:nobody", "relation": "directed",
                                                   "target": "project:jaws-1975"}}]
    with pytest.raises(KGLoadError, match="endpoint"):
        apply_updates(kg, bad)
    assert "project:close-encounters-1977" not in kg.nodes
    result = apply_updates(kg, NEW_FILM)
    assert result.touched == {"project:close-encounters-1977", "person:steven-spielberg", "genre:science-fiction"}
    result = apply_updates(kg, [{"op": "remove_node", "id": "keyword:shark"}])
    assert result.removed == {"keyword:shark": "keyword"} and result.touched == {"project:jaws-1975"}


def test_update_file_errors_name_the_line(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_text('{"op": "add_node", "node": {"id": "x", "type": "person", "name": "X"}}\n{"op": "fly"}\nnot json\n')
    with pytest.raises(KGLoadError) as info:
        read_updates(path)
    assert [p.line for p in info.value.problems] == [2, 3]


@pytest.mark.slow
def test_assistant_update_reembeds_only_the_neighbourhood_and_persists(tiny_kg_dir, tmp_path):
    bot = Assistant.from_path(tiny_kg_dir, tmp_path / "index", progress=False)
    version = Index(tmp_path / "index").current
    result = bot.update(NEW_FILM)
    assert len(result.touched) == 3
    assert Index(tmp_path / "index").current == version  # updated in place, no rebuild
    assert bot.ask("who directed Close Encounters of the Third Kind?").answers[0].name == "Steven Spielberg"
    hits = bot.search("UFO sighting and an obsessed lineman", "project", k=1)
    assert hits[0].node_id == "project:close-encounters-1977"
    again = Assistant.from_path(tiny_kg_dir, tmp_path / "index", progress=False)  # replays updates.jsonl
    assert "project:close-encounters-1977" in again.kg.nodes
    assert again.build_index(progress=False).embedded == 0  # nothing to re-embed after the replay
    bot.update([{"op": "remove_node", "id": "project:close-encounters-1977"}])
    assert bot.search("UFO sighting and an obsessed lineman", "project", k=1)[0].node_id != \
        "project:close-encounters-1977"


@pytest.mark.slow
def test_cli_kg_add(tiny_kg_dir, tmp_path):
    path = tmp_path / "film.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in NEW_FILM))
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "kg", "add", str(path), "--kg", str(tiny_kg_dir),
                          "--index-dir", str(tmp_path / "index"), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["re_embedded"] == 3


def test_added_edges_must_fit_the_relation_schema(tiny_kg_dir):
    kg = load_kg(tiny_kg_dir)
    before = kg.num_edges
    bad = [{"op": "add_edge", "edge": {"source": "genre:horror", "relation": "directed",
                                       "target": "project:jaws-1975"}, "_line": 4}]
    with pytest.raises(KGLoadError) as info:
        apply_updates(kg, bad, "u.jsonl")
    assert "u.jsonl:4" in str(info.value) and "expects a person" in str(info.value)
    assert kg.num_edges == before  # nothing applied


def test_append_updates_is_atomic_and_a_killed_writers_temp_file_is_removed(tmp_path):
    import fcntl

    from assistant.kg.updates import append_updates, clean_stale_updates, read_updates

    log = tmp_path / "updates.jsonl"
    append_updates(log, [{"op": "remove_node", "id": "a", "_line": 3}])
    append_updates(log, [{"op": "remove_node", "id": "b"}])
    assert [r["id"] for r in read_updates(log)] == ["a", "b"]
    assert "_line" not in log.read_text() and not list(tmp_path.glob("*.tmp"))
    dead = tmp_path / "updates.jsonl.dead0001.tmp"  # what a kill -9 inside append_updates leaves
    dead.write_text('{"op": "remove_no')
    busy = tmp_path / "updates.jsonl.busy0001.tmp"  # another process writing right now
    with open(busy, "wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        clean_stale_updates(log)
        assert not dead.exists() and busy.exists()
    assert [r["id"] for r in read_updates(log)] == ["a", "b"]
