"""A recruiter's CSV export (people, skills, projects, roles), answered zero-shot: no question about it was
ever written or trained on; the shipped matcher and ranker read its relation names."""

from __future__ import annotations

import random

import pytest

pytestmark = pytest.mark.slow

SKILLS = ["Stop-motion", "Puppetry", "Houdini", "Compositing", "Rigging", "Character Animation", "Sound Design",
          "Concept Art", "Unreal Engine", "Lighting"]
PROJECTS = [("Moth Lantern", "short"), ("Brass Harbour", "game"), ("The Quiet Kiln", "feature"),
            ("Orbit Bakery", "series"), ("Paper Tide", "game")]
FIRST = ["Ana", "Bruno", "Chidi", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jules", "Kira", "Luca"]
LAST = ["Moreau", "Okafor", "Lindqvist", "Tanaka", "Ferreira", "Novak", "Haddad", "Kowalski", "Silva", "Brandt"]


@pytest.fixture(scope="module")
def recruiter(tmp_path_factory):
    from assistant.api import Assistant

    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("recruiter")
    people = []
    for i, first in enumerate(FIRST):
        skills = rng.sample(SKILLS, 3)
        people.append((f"{first} {LAST[i % len(LAST)]}", skills))
    # two people can do both stop-motion and puppetry; nobody else has both
    people[0] = (people[0][0], ["Stop-motion", "Puppetry", "Rigging"])
    people[5] = (people[5][0], ["Puppetry", "Stop-motion", "Lighting"])
    for i, (_name, skills) in enumerate(people):
        if i not in (0, 5) and "Stop-motion" in skills and "Puppetry" in skills:
            skills.remove("Puppetry")
    (folder / "people.csv").write_text("name,headline,skills\n" + "".join(
        f"{name},{skills[0]} artist,{';'.join(skills)}\n" for name, skills in people))
    (folder / "projects.csv").write_text("name,kind\n" + "".join(f"{n},{k}\n" for n, k in PROJECTS))
    roles = ["person,project,role"]
    for name, _ in people:
        for project, _ in rng.sample(PROJECTS, 2):
            roles.append(f"{name},{project},{rng.choice(['lead', 'artist', 'supervisor'])}")
    (folder / "roles.csv").write_text("\n".join(roles) + "\n")
    bot = Assistant.from_path(folder, tmp_path_factory.mktemp("recruiter-index"), progress=False)
    return bot, people


def test_people_with_two_skills(recruiter):
    bot, people = recruiter
    both = {f"person:{people[0][0].lower().replace(' ', '-')}", f"person:{people[5][0].lower().replace(' ', '-')}"}
    answer = bot.ask("who can do stop-motion and puppetry")
    assert {a.node_id for a in answer.answers[:2]} == both, [a.name for a in answer.answers[:3]]


def test_projects_of_a_person(recruiter):
    bot, people = recruiter
    name = people[3][0]
    expected = {h.node for h in bot.kg.neighbors(f"person:{name.lower().replace(' ', '-')}", "worked_on")}
    answer = bot.ask(f"which projects did {name.split()[0]} work on")
    assert answer.answers and {a.node_id for a in answer.answers[:len(expected)]} == expected
