"""Shared fixtures: offline settings, a tiny film KG on disk, the base encoder, a built index."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

for _key, _value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                     "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_key, _value)
# Tests never read or write the user's indexes and checkpoints (~/.cache/kgqa): a run on a developer's
# machine behaves as on a fresh CI machine, where no model has been trained.
os.environ["KGQA_HOME"] = os.environ.get("KGQA_TEST_HOME") or tempfile.mkdtemp(prefix="kgqa-test-home-")

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared" / "data").resolve()
FILMS = REPO / "data" / "films"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test with a clear reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public benchmark data not found at {path} (expected ../shared/data beside the repo)")
    return path


TINY_NODES = [
    {"id": "person:george-lucas", "type": "person", "name": "George Lucas",
     "description": "Filmmaker who created Star Wars.", "attributes": {"born": 1944}},
    {"id": "person:steven-spielberg", "type": "person", "name": "Steven Spielberg",
     "description": "Director of Jaws and Jurassic Park."},
    {"id": "person:john-williams", "type": "person", "name": "John Williams",
     "description": "Composer of many film scores."},
    {"id": "person:phil-tippett", "type": "person", "name": "Phil Tippett",
     "description": "Stop-motion animator and visual effects artist."},
    {"id": "project:star-wars-1977", "type": "project", "name": "Star Wars", "aliases": ["A New Hope"],
     "description": "A farm boy joins a rebellion against a galactic empire.",
     "attributes": {"year": 1977, "kind": "film"}},
    {"id": "project:jaws-1975", "type": "project", "name": "Jaws",
     "description": "A great white shark terrorises a beach town.", "attributes": {"year": 1975, "kind": "film"}},
    {"id": "project:jurassic-park-1993", "type": "project", "name": "Jurassic Park",
     "description": "Cloned dinosaurs escape in an island theme park.",
     "attributes": {"year": 1993, "kind": "film"}},
    {"id": "project:empire-of-dreams-2004", "type": "project", "name": "Empire of Dreams",
     "description": "A documentary about the making of the original Star Wars trilogy.",
     "attributes": {"year": 2004, "kind": "documentary"}},
    {"id": "genre:science-fiction", "type": "genre", "name": "Science Fiction"},
    {"id": "genre:documentary", "type": "genre", "name": "Documentary"},
    {"id": "genre:horror", "type": "genre", "name": "Horror"},
    {"id": "keyword:shark", "type": "keyword", "name": "shark"},
    {"id": "keyword:dinosaur", "type": "keyword", "name": "dinosaur"},
    {"id": "skill:film-scoring", "type": "skill", "name": "Film Scoring"},
    {"id": "skill:stop-motion-animation", "type": "skill", "name": "Stop-motion Animation"},
    {"id": "skill:directing", "type": "skill", "name": "Directing"},
]
TINY_EDGES = [
    ("person:george-lucas", "directed", "project:star-wars-1977"),
    ("person:steven-spielberg", "directed", "project:jaws-1975"),
    ("person:steven-spielberg", "directed", "project:jurassic-park-1993"),
    ("person:john-williams", "composed_music_for", "project:star-wars-1977"),
    ("person:john-williams", "composed_music_for", "project:jaws-1975"),
    ("person:john-williams", "composed_music_for", "project:jurassic-park-1993"),
    ("person:phil-tippett", "did_visual_effects_for", "project:jurassic-park-1993"),
    ("project:star-wars-1977", "has_genre", "genre:science-fiction"),
    ("project:jurassic-park-1993", "has_genre", "genre:science-fiction"),
    ("project:jaws-1975", "has_genre", "genre:horror"),
    ("project:empire-of-dreams-2004", "has_genre", "genre:documentary"),
    ("project:empire-of-dreams-2004", "about", "person:george-lucas"),
    ("project:jaws-1975", "has_keyword", "keyword:shark"),
    ("project:jurassic-park-1993", "has_keyword", "keyword:dinosaur"),
    ("person:john-williams", "has_skill", "skill:film-scoring"),
    ("person:phil-tippett", "has_skill", "skill:stop-motion-animation"),
    ("person:george-lucas", "has_skill", "skill:directing"),
    ("person:steven-spielberg", "has_skill", "skill:directing"),
]


def write_tiny_kg(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FILMS / "schema.json", folder / "schema.json")
    (folder / "nodes.jsonl").write_text("".join(json.dumps(n) + "\n" for n in TINY_NODES))
    (folder / "edges.jsonl").write_text(
        "".join(json.dumps({"source": s, "relation": r, "target": t}) + "\n" for s, r, t in TINY_EDGES))
    return folder


@pytest.fixture
def tiny_kg_dir(tmp_path: Path) -> Path:
    return write_tiny_kg(tmp_path / "tiny")


@pytest.fixture(scope="session")
def tiny_kg_session_dir(tmp_path_factory) -> Path:
    return write_tiny_kg(tmp_path_factory.mktemp("kg") / "tiny")


@pytest.fixture(scope="session")
def base_encoder():
    from retrieval.encoders import load_encoder

    return load_encoder("base")


@pytest.fixture(scope="session")
def films_assistant(tmp_path_factory, base_encoder):
    """The embedded film KG with a freshly built index (shared by every test of the session)."""
    from assistant.api import Assistant

    return Assistant.from_path(FILMS, tmp_path_factory.mktemp("films-index"), progress=False)
