"""Integrity of the embedded film KG (data/films)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import networkx as nx
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


# ---- duplicates, missing credits, renamed companies (issue 11) ------------------------------------------------
# These checks are functions returning every problem found, so that they can also be run on an older KG.
FEATURE_KINDS = {"film"}
MAX_COMPOSER_UNCONFIRMED = 2  # films whose score exists but whose composer no reference confirmed
# Words that name what a company is rather than who it is: "Warner Bros. Pictures" is Warner Bros.
COMPANY_SUFFIXES = {"the", "pictures", "picture", "studios", "studio", "films", "film", "entertainment", "productions",
                    "production", "animation", "television", "company", "corporation", "inc", "ltd", "feature",
                    "motion"}
# Companies whose names differ only by such words but that are neither one company nor linked by ownership or a
# rename, each with the reason.
SEPARATE_COMPANIES = {
    frozenset({"company:dreamworks-animation", "company:dreamworks-pictures"}):
        "DreamWorks Animation was spun off from DreamWorks in 2004 and is owned by Universal since 2016",
}
_QUALIFIER = re.compile(r"\s*\([^)]*\)")  # "John Barry (composer)" is a John Barry


def _person_tokens(name: str) -> list[str]:
    return normalize_name(_QUALIFIER.sub("", name)).split()


def _similar_names(a: str, b: str) -> str | None:
    """How two person names could be one person's: same words in another order, a middle name more or less, or
    a short form of the first name ("Don" / "Donald")."""
    ta, tb = _person_tokens(a), _person_tokens(b)
    if not ta or not tb:
        return None
    if sorted(ta) == sorted(tb):
        return "same name" if ta == tb else "same words"
    if len(ta) >= 2 and len(tb) >= 2 and ta[-1] == tb[-1]:
        if ta[0] == tb[0] and len(ta) != len(tb) and (set(ta) <= set(tb) or set(tb) <= set(ta)):
            return "middle name"
        if ta[1:] == tb[1:] and ta[0] != tb[0] and (ta[0].startswith(tb[0]) or tb[0].startswith(ta[0])):
            return "short first name"
    return None


def duplicate_people(kg) -> list[str]:
    """Pairs of people whose names could be one person's and that nothing tells apart: the same birth year, the
    same bio, or a birth year missing while they share a skill. Differing birth years disambiguate."""
    people = kg.nodes_of_type("person")
    by_word: dict[str, list] = defaultdict(list)
    for person in people:
        for word in {w for name in (person.name, *person.aliases) for w in _person_tokens(name)}:
            by_word[word].append(person)
    skills = {p.id: {h.node for h in kg.neighbors(p.id, "has_skill")} for p in people}
    problems, seen = [], set()
    for group in by_word.values():
        for i, p in enumerate(group):
            for q in group[i + 1:]:
                pair = tuple(sorted((p.id, q.id)))
                if pair in seen:
                    continue
                why = next((w for a in (p.name, *p.aliases) for b in (q.name, *q.aliases)
                            if (w := _similar_names(a, b))), None)
                if why is None:
                    continue
                seen.add(pair)
                born_p, born_q = p.attr("born"), q.attr("born")
                if born_p is not None and born_q is not None and born_p != born_q:
                    continue
                same_bio = normalize_name(p.description) == normalize_name(q.description)
                if born_p is not None and born_p == born_q or same_bio or skills[p.id] & skills[q.id]:
                    problems.append(f"{p.id} / {q.id}: {why}, born {born_p} / {born_q}")
    return problems


def _company_stem(name: str) -> str:
    return " ".join(w for w in normalize_name(name).split() if w not in COMPANY_SUFFIXES)


def duplicate_or_unlinked_companies(kg) -> list[str]:
    """Companies sharing a normalised name or alias, and companies whose names differ only by words such as
    'Pictures' or 'Studios' that are not linked (both ways, through any chain) by subsidiary_of or renamed_to."""
    companies = kg.nodes_of_type("company")
    problems = []
    owner: dict[str, str] = {}
    for company in companies:
        for name in (company.name, *company.aliases):
            key = normalize_name(name)
            if key in owner and owner[key] != company.id:
                problems.append(f"{owner[key]} / {company.id}: both are called {name!r}")
            owner.setdefault(key, company.id)
    links = nx.Graph()
    links.add_nodes_from(c.id for c in companies)
    links.add_edges_from((e.source, e.target) for e in kg.iter_edges() if e.relation in ("subsidiary_of", "renamed_to"))
    by_stem: dict[str, list[str]] = defaultdict(list)
    for company in companies:
        by_stem[_company_stem(company.name)].append(company.id)
    for stem, ids in by_stem.items():
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if frozenset({a, b}) not in SEPARATE_COMPANIES and not nx.has_path(links, a, b):
                    problems.append(f"{a} / {b}: both are {stem!r} apart from words like 'Pictures', and neither "
                                    "owns, belongs with or was renamed to the other")
    return problems


_RENAMED = re.compile(r"\b(renamed|formerly|originally (?:named |called |known as )?[A-Z]|known as [A-Z])")


def renamed_companies_unlinked(kg) -> list[str]:
    """A company whose description says it was renamed must carry its other name as an alias or be linked to
    the company of that name by renamed_to."""
    problems = []
    for company in kg.nodes_of_type("company"):
        if _RENAMED.search(company.description) and not company.aliases \
                and not kg.neighbors(company.id, "renamed_to", "both"):
            problems.append(f"{company.id}: {company.description!r} but no alias and no renamed_to edge")
    return problems


def feature_films_missing_credits(kg) -> list[str]:
    """Every feature film needs a writer and, unless it is marked unscored (or its composer unconfirmed), a
    composer."""
    problems = []
    for project in kg.nodes_of_type("project"):
        if project.attr("kind") not in FEATURE_KINDS:
            continue
        if not kg.neighbors(project.id, "wrote", "in"):
            problems.append(f"{project.id}: no writer")
        exempt = project.attr("unscored") or project.attr("composer_unconfirmed")
        if not kg.neighbors(project.id, "composed_music_for", "in") and not exempt:
            problems.append(f"{project.id}: no composer and not marked unscored")
    unconfirmed = [p.id for p in kg.nodes_of_type("project") if p.attr("composer_unconfirmed")]
    if len(unconfirmed) > MAX_COMPOSER_UNCONFIRMED:
        problems.append(f"{len(unconfirmed)} films with an unconfirmed composer (at most {MAX_COMPOSER_UNCONFIRMED}): "
                        f"{unconfirmed}")
    return problems


def test_no_two_people_could_be_one(kg):
    assert duplicate_people(kg) == []


def test_no_duplicate_or_unlinked_companies(kg):
    assert duplicate_or_unlinked_companies(kg) == []


def test_renamed_companies_are_linked(kg):
    assert renamed_companies_unlinked(kg) == []


def test_every_feature_film_has_a_writer_and_a_composer_unless_unscored(kg):
    assert feature_films_missing_credits(kg) == []


def test_story_credits_are_wrote_edges_with_a_credit_qualifier(kg):
    lucas = kg.find("George Lucas", "person")[0]
    raiders = kg.find("Raiders of the Lost Ark", "project")[0]
    credits = [h.edge for h in kg.neighbors(lucas.id, "wrote") if h.node == raiders.id]
    assert [e.qualifiers for e in credits] == [{"credit": "story"}]
    # a screenplay credit is a plain edge, and nobody has both on one film
    star_wars = kg.find("Star Wars", "project")[0]
    assert [h.edge.qualifiers for h in kg.neighbors(lucas.id, "wrote") if h.node == star_wars.id] == [None]
    pairs = Counter((e.source, e.target) for e in kg.iter_edges() if e.relation == "wrote")
    assert max(pairs.values()) == 1
    kinds = {(e.qualifiers or {}).get("credit") for e in kg.iter_edges() if e.relation == "wrote"}
    assert kinds == {None, "story"}


def test_the_merged_duplicates_answer_to_both_names(kg):
    for name, other in (("Chung Chung-hoon", "Chung-hoon Chung"), ("David Peoples", "David Webb Peoples"),
                        ("Donald Peterman", "Don Peterman")):
        assert [n.id for n in kg.find(other, "person")] == [n.id for n in kg.find(name, "person")], other
    chung = kg.find("Chung Chung-hoon", "person")[0]
    shot = {kg.nodes[h.node].name for h in kg.neighbors(chung.id, "shot")}
    assert {"Oldboy", "Obi-Wan Kenobi"} <= shot
    warner = kg.find("Warner Bros.", "company")[0]
    distributed = {kg.nodes[h.node].name for h in kg.neighbors(warner.id, "company_distributed")}
    assert {"THX 1138", "Star Wars: The Clone Wars", "Mishima: A Life in Four Chapters"} <= distributed
    fox = kg.find("20th Century Fox", "company")[0]
    assert [kg.nodes[h.node].name for h in kg.neighbors(fox.id, "renamed_to")] == ["20th Century Studios"]
