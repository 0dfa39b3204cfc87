"""Integrity of the embedded film KG (data/films)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from assistant.kg import load_kg
from assistant.kg.normalize import normalize_name
from tests.conftest import FILMS

CREDITS = {"directed", "produced", "wrote", "acted_in", "voiced_in", "composed_music_for", "shot", "edited",
           "did_visual_effects_for", "animated", "puppeteered", "cast", "designed"}


@pytest.fixture(scope="module")
def kg():
    return load_kg(FILMS)


def test_sizes_and_required_node_types(kg):
    stats = kg.stats()["node_types"]
    assert stats["project"] >= 300 and stats["person"] >= 800
    for t in ("genre", "keyword", "skill", "company", "franchise", "language", "country", "year"):
        assert stats[t] > 0
    # every credit role is present with many people
    people_per_role = Counter(e.relation for e in kg.iter_edges() if e.relation in CREDITS)
    assert set(people_per_role) == CREDITS
    assert min(people_per_role.values()) >= 50


def test_every_edge_endpoint_exists_and_fits_the_schema(kg):
    for edge in kg.iter_edges():
        assert edge.source in kg.nodes and edge.target in kg.nodes
        spec = kg.schema.relations[edge.relation]
        if spec.source_type:
            assert kg.nodes[edge.source].type == spec.source_type, edge
        if spec.target_type:
            assert kg.nodes[edge.target].type == spec.target_type, edge


def test_names_are_unique_per_type_unless_disambiguated_by_year(kg):
    seen = defaultdict(list)
    for node in kg.nodes.values():
        seen[(node.type, normalize_name(node.name))].append(node)
    for (node_type, name), nodes in seen.items():
        if len(nodes) > 1:
            years = [n.attr("year") for n in nodes]
            assert None not in years and len(set(years)) == len(years), (node_type, name, years)


def test_every_project_has_director_genres_keywords_and_description(kg):
    for project in kg.nodes_of_type("project"):
        assert project.description.strip(), project.id
        assert project.attr("year") and project.attr("kind"), project.id
        assert kg.neighbors(project.id, "directed", "in"), f"{project.id} has no director"
        assert kg.neighbors(project.id, "has_genre"), f"{project.id} has no genre"
        assert 3 <= len(kg.neighbors(project.id, "has_keyword")) <= 10, project.id


def test_every_person_has_bio_skill_and_credit(kg):
    """Everyone has a bio and a skill; everyone has a credit, except people in the KG only as the
    subject of a project (e.g. Oskar Schindler) or as a company founder (e.g. Ed Catmull)."""
    for person in kg.nodes_of_type("person"):
        assert person.description.strip(), person.id
        assert kg.neighbors(person.id, "has_skill"), f"{person.id} has no skill"
        relations = {h.edge.relation for h in kg.neighbors(person.id, direction="both")}
        assert relations & CREDITS or relations & {"about", "founded"}, f"{person.id} has no credit"
    uncredited = [p for p in kg.nodes_of_type("person")
                  if not {h.edge.relation for h in kg.neighbors(p.id)} & CREDITS]
    assert len(uncredited) < 40


@pytest.mark.parametrize("name", [
    "George Lucas", "Steven Spielberg", "Kathleen Kennedy", "Frank Marshall", "Roger Corman", "Harrison Ford",
    "Carrie Fisher", "Samuel L. Jackson", "Ewan McGregor", "Mark Hamill", "John Williams", "James Newton Howard",
    "James Horner", "Frank Oz", "Phil Tippett", "Kevin Michael Richardson", "Nina Gold", "Jina Jay",
    "John Lasseter", "Hayao Miyazaki"])
def test_required_people(kg, name):
    assert kg.find(name, "person"), name


@pytest.mark.parametrize("title", [
    "Star Wars", "Rogue One", "Star Wars: The Clone Wars", "Star Wars: The Force Awakens",
    "The Star Wars Holiday Special", "The People vs. George Lucas",
    "Empire of Dreams: The Story of the Star Wars Trilogy", "Carrie Fisher: Wishful Drinking", "Fanboys",
    "Robot Chicken: Star Wars", "Something, Something, Something, Dark Side", "Raiders of the Lost Ark",
    "Jurassic Park", "Jurassic World", "Iron Man", "The Avengers", "Avengers: Age of Ultron",
    "Captain America: Civil War", "Hulk", "The Incredible Hulk", "Spider-Man 2", "Spider-Man 3",
    "Spider-Man: No Way Home", "Batman Begins", "The Dark Knight", "Transformers", "The Terminator", "Alien",
    "Jaws", "E.T. the Extra-Terrestrial", "Back to the Future", "Toy Story", "Cars", "The Good Dinosaur",
    "Spirited Away", "My Neighbor Totoro", "Titanic", "Avatar", "Braveheart", "The Hunger Games",
    "Game of Thrones", "The Muppet Show", "The Simpsons", "Lilo & Stitch", "Trainspotting", "Pulp Fiction",
    "Tinker Tailor Soldier Spy", "The Land Before Time", "The Exorcist", "Volcano", "Dark Summer",
    "Alaska: Spirit of the Wild"])
def test_required_projects(kg, title):
    assert kg.find(title, "project"), title


def test_required_companies_and_documentaries_about_lucas(kg):
    for name in ("Lucasfilm", "Industrial Light & Magic", "Pixar Animation Studios", "Studio Ghibli",
                 "Amblin Entertainment", "Marvel Studios"):
        assert kg.find(name, "company"), name
    lucas = kg.find("George Lucas", "person")[0]
    docs = {kg.nodes[h.node].name for h in kg.neighbors(lucas.id, "about", "in")}
    assert {"The People vs. George Lucas", "Empire of Dreams: The Story of the Star Wars Trilogy"} <= docs


def test_franchise_members_of_harry_potter_and_genres_for_corman(kg):
    corman = kg.find("Roger Corman", "person")[0]
    assert len(kg.neighbors(corman.id, "directed")) + len(kg.neighbors(corman.id, "produced")) >= 5
    for name in ("Bert I. Gordon", "Fred Olen Ray", "Jim Wynorski"):
        person = kg.find(name, "person")[0]
        assert kg.neighbors(person.id, "directed"), name
