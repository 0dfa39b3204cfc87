"""(Re)generate the scripted question set ``data/films/questions.jsonl`` for the embedded film KG.

Usage::

    python data/films/src/build_questions.py            # write data/films/questions.jsonl, print counts
    python data/films/src/build_questions.py --check    # compute and validate everything, write nothing
    python data/films/src/build_questions.py --show     # also print every question with its gold set

Every question is a small structured *spec* (which node to start from, which relations to walk); the gold
answers are always computed from the KG by walking that spec, never typed by hand. Questions come from two
sources:

* hand-written questions (``HAND``), phrased the way a user would ask, each with its spec;
* templates over the KG (``templated``), which pick anchors deterministically (sorted lists and a seeded
  ``random.Random``) and phrase them with a few rotating wordings.

Spec language (plain dicts, built with the helpers below):

* ``N(type, name, year=None)``: the one node of that type whose name or alias is ``name`` (and whose ``year``
  attribute is ``year`` when given). A missing or ambiguous name fails loudly.
* ``walk(spec, ">rel", "<rel", ...)``: follow ``rel`` edges forwards (``>``) or backwards (``<``) from every node.
* ``AND(a, b, ...)``, ``OR(a, b, ...)``, ``MINUS(a, b)``: set algebra.
* ``KIND(spec, "documentary", ...)``: keep projects whose ``kind`` attribute is one of those.
* ``CHAR(name, rel)``: people credited under ``rel`` with a ``character`` qualifier that contains ``name``
  as whole words (``CHAR("Batman", "acted_in")`` matches ``"Bruce Wayne / Batman"``).

Checks: every gold set is non-empty and holds at most ``MAX_ANSWERS`` names (a hand-written spec outside
that range is an error; a templated candidate outside it is skipped), every name in a spec exists, question
texts and ids are unique. The split is ~60/40 train/test, stratified by type, decided by a hash of the
question text.

Stability: the templated questions are drawn once and pinned, with their specs, in ``src/templated.jsonl``;
later runs re-walk the pinned specs on the current KG instead of drawing again, so correcting the KG changes
gold answers but not which questions are asked (a fresh draw would shift with every node added, since the
pools the draws come from change). A question already in ``questions.jsonl`` keeps its id and split.
``--resample`` draws the templated questions anew and re-pins them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
KG_DIR = HERE.parent
sys.path.insert(0, str(KG_DIR.parent.parent))
from assistant.kg import load_kg  # noqa: E402
from assistant.kg.normalize import normalize_name  # noqa: E402

OUT_FILE = KG_DIR / "questions.jsonl"
PINNED_FILE = HERE / "templated.jsonl"
MAX_ANSWERS = 60
TRAIN_SHARE = 0.6
SEED = 1977
TYPES = ("by_name", "one_hop", "multi_hop", "role_genre", "skill", "good_best", "documentary_about",
         "by_description", "company", "clarify")


class SpecError(ValueError):
    """A spec that names something the KG does not have, or whose gold set is unusable."""


# ---- spec helpers -------------------------------------------------------------------------------------------
def N(node_type: str, name: str, year: int | None = None) -> dict:  # noqa: N802 -- reads like a constructor
    return {"node": [node_type, name, year]}


def walk(spec: dict, *steps: str) -> dict:
    return {"from": spec, "path": list(steps)}


def AND(*specs: dict) -> dict:  # noqa: N802
    return {"and": list(specs)}


def OR(*specs: dict) -> dict:  # noqa: N802
    return {"or": list(specs)}


def MINUS(spec: dict, removed: dict) -> dict:  # noqa: N802
    return {"minus": [spec, removed]}


def KIND(spec: dict, *kinds: str) -> dict:  # noqa: N802
    return {"filter": spec, "kind": list(kinds)}


def CHAR(character: str, relation: str) -> dict:  # noqa: N802
    return {"character": character, "relation": relation}


def P(title: str, year: int | None = None) -> dict:  # noqa: N802
    return N("project", title, year)


def PER(name: str) -> dict:  # noqa: N802
    return N("person", name)


def G(name: str) -> dict:  # noqa: N802
    return N("genre", name)


def CO(name: str) -> dict:  # noqa: N802
    return N("company", name)


def SK(name: str) -> dict:  # noqa: N802
    return N("skill", name)


def genre_role(genre: str, relation: str) -> dict:
    """People with ``relation`` on a project of ``genre``."""
    return walk(G(genre), "<has_genre", f"<{relation}")


def docs(spec: dict) -> dict:
    """Documentaries (kind documentary, or any project in the Documentary genre) in ``spec``."""
    return AND(spec, OR(KIND({"type": "project"}, "documentary"), walk(G("Documentary"), "<has_genre")))


def about(spec: dict) -> dict:
    return walk(spec, "<about")


# ---- spec evaluation ---------------------------------------------------------------------------------------
class Evaluator:
    """Walks specs over one KG."""

    def __init__(self, kg) -> None:
        self.kg = kg

    def resolve(self, node_type: str, name: str, year: int | None) -> str:
        found = [n for n in self.kg.find(name, node_type) if year is None or n.attr("year") == year]
        if not found:
            raise SpecError(f"no {node_type} named {name!r}" + (f" from {year}" if year else ""))
        if len(found) > 1:
            raise SpecError(f"{len(found)} {node_type} nodes named {name!r} ({', '.join(n.id for n in found)}); "
                            "give the year")
        return found[0].id

    def run(self, spec: dict) -> set[str]:
        kg = self.kg
        if "node" in spec:
            return {self.resolve(*spec["node"])}
        if "type" in spec:
            return {n.id for n in kg.nodes_of_type(spec["type"])}
        if "from" in spec:
            current = self.run(spec["from"])
            for step in spec["path"]:
                direction, relation = ("in", step[1:]) if step.startswith("<") else ("out", step.lstrip(">"))
                if relation not in kg.relations() and not any(r.name == relation for r in kg.schema.relations):
                    raise SpecError(f"unknown relation {relation!r}")
                current = {h.node for node in current for h in kg.neighbors(node, relation, direction)}
            return current
        if "and" in spec:
            sets = [self.run(s) for s in spec["and"]]
            return set.intersection(*sets)
        if "or" in spec:
            return set().union(*(self.run(s) for s in spec["or"]))
        if "minus" in spec:
            keep, removed = spec["minus"]
            return self.run(keep) - self.run(removed)
        if "filter" in spec:
            kinds = set(spec["kind"])
            return {i for i in self.run(spec["filter"]) if kg.node(i).attr("kind") in kinds}
        if "character" in spec:
            pattern = re.compile(rf"\b{re.escape(spec['character'])}\b", re.IGNORECASE)
            out = set()
            for edge in kg.edges:
                if (edge is not None and edge.relation == spec["relation"] and edge.qualifiers
                        and pattern.search(edge.qualifiers.get("character", ""))):
                    out.add(edge.source)
            if not out:
                raise SpecError(f"no {spec['relation']} credit with a character matching {spec['character']!r}")
            return out
        raise SpecError(f"unknown spec {spec!r}")

    def answers(self, spec: dict) -> list[str]:
        names = sorted({self.kg.node(i).name for i in self.run(spec)}, key=lambda s: (s.casefold(), s))
        return names


# ---- hand-written questions --------------------------------------------------------------------------------
# (type, question, spec). Phrasings are deliberately varied: typos, lower case, terse searches, full sentences.
HAND: list[tuple[str, str, dict]] = [
    # -- by_name: bare or lightly misspelt names -> that entity
    ("by_name", "Steven Spielburg", PER("Steven Spielberg")),
    ("by_name", "harison ford", PER("Harrison Ford")),
    ("by_name", "George Lukas", PER("George Lucas")),
    ("by_name", "hayao myazaki", PER("Hayao Miyazaki")),
    ("by_name", "Sigorney Weaver", PER("Sigourney Weaver")),
    ("by_name", "Quentin Tarrantino", PER("Quentin Tarantino")),
    ("by_name", "Kathleen Kennedey", PER("Kathleen Kennedy")),
    ("by_name", "guillermo del torro", PER("Guillermo del Toro")),
    ("by_name", "Jurrasic Park", P("Jurassic Park")),
    ("by_name", "the empire strikes back", P("The Empire Strikes Back")),
    ("by_name", "Spirted Away", P("Spirited Away")),
    ("by_name", "indiana jones and the temple of dom", P("Indiana Jones and the Temple of Doom")),
    ("by_name", "Pixar", CO("Pixar Animation Studios")),

    # -- one_hop: one relation from a named entity
    ("one_hop", "who directed Jaws?", walk(P("Jaws"), "<directed")),
    ("one_hop", "who scored The Empire Strikes Back?", walk(P("The Empire Strikes Back"), "<composed_music_for")),
    ("one_hop", "what films did Carrie Fisher act in?", walk(PER("Carrie Fisher"), ">acted_in")),
    ("one_hop", "which studio made Toy Story?", walk(P("Toy Story"), "<company_produced")),
    ("one_hop", "what genre is Alien?", walk(P("Alien"), ">has_genre")),
    ("one_hop", "who voiced Woody?", CHAR("Woody", "voiced_in")),
    ("one_hop", "Who played Han Solo?", CHAR("Han Solo", "acted_in")),
    ("one_hop", "whose voice is Darth Vader", CHAR("Darth Vader", "voiced_in")),
    ("one_hop", "who played Batman", CHAR("Batman", "acted_in")),
    ("one_hop", "who was the puppeteer behind Yoda?", CHAR("Yoda", "puppeteered")),
    ("one_hop", "who wrote Pulp Fiction", walk(P("Pulp Fiction"), "<wrote")),
    ("one_hop", "Who was the cinematographer on Blade Runner?", walk(P("Blade Runner"), "<shot")),
    ("one_hop", "who edited star wars", walk(P("Star Wars"), "<edited")),
    ("one_hop", "casting director of E.T.", walk(P("E.T. the Extra-Terrestrial"), "<cast")),
    ("one_hop", "who designed the sets of Alien", walk(P("Alien"), "<designed")),
    ("one_hop", "who did the visual effects for Jurassic Park?", walk(P("Jurassic Park"), "<did_visual_effects_for")),
    ("one_hop", "animators on Snow White and the Seven Dwarfs",
     walk(P("Snow White and the Seven Dwarfs"), "<animated")),
    ("one_hop", "who were the puppeteers on The Dark Crystal?", walk(P("The Dark Crystal"), "<puppeteered")),
    ("one_hop", "when did Blade Runner come out", walk(P("Blade Runner"), ">released_in")),
    ("one_hop", "what language is Parasite in?", walk(P("Parasite"), ">in_language")),
    ("one_hop", "which movies did Sergio Leone direct", walk(PER("Sergio Leone"), ">directed")),
    ("one_hop", "What has Frank Oz puppeteered?", walk(PER("Frank Oz"), ">puppeteered")),
    ("one_hop", "tom hanks voice roles", walk(PER("Tom Hanks"), ">voiced_in")),
    ("one_hop", "movies released in 1982", walk(N("year", "1982"), "<released_in")),
    ("one_hop", "Korean language films", walk(N("language", "Korean"), "<in_language")),
    ("one_hop", "who were the producers of Spirited Away?", walk(P("Spirited Away"), "<produced")),
    ("one_hop", "What kind of movie is Coco?", walk(P("Coco"), ">has_genre")),
    ("one_hop", "who has played Indiana Jones?", CHAR("Indiana Jones", "acted_in")),
    ("one_hop", "which companies did George Lucas found?", walk(PER("George Lucas"), ">founded")),
    ("one_hop", "Who starred in Casablanca?", walk(P("Casablanca"), "<acted_in")),

    # -- multi_hop: two or more relations
    ("multi_hop", "who directed the films starring Harrison Ford",
     walk(PER("Harrison Ford"), ">acted_in", "<directed")),
    ("multi_hop", "films that share a director with Jaws",
     MINUS(walk(P("Jaws"), "<directed", ">directed"), P("Jaws"))),
    ("multi_hop", "in which languages are the films written by Hayao Miyazaki",
     walk(PER("Hayao Miyazaki"), ">wrote", ">in_language")),
    ("multi_hop", "which composers worked on films directed by Steven Spielberg",
     walk(PER("Steven Spielberg"), ">directed", "<composed_music_for")),
    ("multi_hop", "Who shot the movies that Christopher Nolan directed?",
     walk(PER("Christopher Nolan"), ">directed", "<shot")),
    ("multi_hop", "what genres has Quentin Tarantino directed",
     walk(PER("Quentin Tarantino"), ">directed", ">has_genre")),
    ("multi_hop", "actors who appeared in Sergio Leone films", walk(PER("Sergio Leone"), ">directed", "<acted_in")),
    ("multi_hop", "which studios produced James Cameron's films",
     walk(PER("James Cameron"), ">directed", "<company_produced")),
    ("multi_hop", "composers of Pixar movies",
     walk(CO("Pixar Animation Studios"), ">company_produced", "<composed_music_for")),
    ("multi_hop", "who directed the movies Tom Hanks lent his voice to",
     walk(PER("Tom Hanks"), ">voiced_in", "<directed")),
    ("multi_hop", "what else did the director of Alien make?",
     MINUS(walk(P("Alien"), "<directed", ">directed"), P("Alien"))),
    ("multi_hop", "in what years did Ridley Scott release films?",
     walk(PER("Ridley Scott"), ">directed", ">released_in")),
    ("multi_hop", "who edited the movies directed by Martin Scorsese?",
     walk(PER("Martin Scorsese"), ">directed", "<edited")),

    # -- role_genre: no named entity; everyone with that role on a film of that genre
    ("role_genre", "a director of space opera movies", genre_role("Space Opera", "directed")),
    ("role_genre", "a composer who scored space operas", genre_role("Space Opera", "composed_music_for")),
    ("role_genre", "horror directors", genre_role("Horror", "directed")),
    ("role_genre", "who voiced characters in animated superhero films",
     walk(AND(walk(G("Animation"), "<has_genre"), walk(G("Superhero"), "<has_genre")), "<voiced_in")),
    ("role_genre", "cinematographers who have shot westerns", genre_role("Western", "shot")),
    ("role_genre", "film editors who cut war movies", genre_role("War", "edited")),
    ("role_genre", "puppeteers who worked on musicals", genre_role("Musical", "puppeteered")),
    ("role_genre", "screenwriters of heist films", genre_role("Heist", "wrote")),
    ("role_genre", "who produces documentaries?", genre_role("Documentary", "produced")),
    ("role_genre", "production designers on horror movies", genre_role("Horror", "designed")),
    ("role_genre", "vfx artists who worked on monster movies", genre_role("Monster", "did_visual_effects_for")),
    ("role_genre", "actors in martial arts movies", genre_role("Martial Arts", "acted_in")),

    # -- skill: recruiter-style searches over has_skill
    ("skill", "stop-motion animators", walk(SK("Stop-motion Animation"), "<has_skill")),
    ("skill", "casting directors", walk(SK("Casting"), "<has_skill")),
    ("skill", "find me a puppeteer", walk(SK("Puppetry"), "<has_skill")),
    ("skill", "I need someone who can do both visual effects and creature design",
     AND(walk(SK("Visual Effects"), "<has_skill"), walk(SK("Creature Design"), "<has_skill"))),
    ("skill", "we're hiring a showrunner for a new series", walk(SK("Showrunning"), "<has_skill")),
    ("skill", "stunt performers", walk(SK("Stunts"), "<has_skill")),
    ("skill", "anyone experienced with motion capture?", walk(SK("Motion Capture"), "<has_skill")),
    ("skill", "a director who also does stop-motion animation",
     AND(walk(SK("Directing"), "<has_skill"), walk(SK("Stop-motion Animation"), "<has_skill"))),
    ("skill", "voice actors who are puppeteers too",
     AND(walk(SK("Voice Acting"), "<has_skill"), walk(SK("Puppetry"), "<has_skill"))),

    # -- good_best: quality-flavoured role x genre questions
    ("good_best", "who is a good space opera director?", genre_role("Space Opera", "directed")),
    ("good_best", "best composers of fantasy films", genre_role("Fantasy", "composed_music_for")),
    ("good_best", "who's the best horror director", genre_role("Horror", "directed")),
    ("good_best", "recommend a great cinematographer for a western", genre_role("Western", "shot")),
    ("good_best", "a top-notch editor for a thriller", genre_role("Thriller", "edited")),
    ("good_best", "good superhero movie directors", genre_role("Superhero", "directed")),
    ("good_best", "the best visual effects people for space operas",
     genre_role("Space Opera", "did_visual_effects_for")),
    ("good_best", "which animator is best for a musical?", genre_role("Musical", "animated")),
    ("good_best", "a strong production designer for war films", genre_role("War", "designed")),

    # -- documentary_about
    ("documentary_about", "documentary movie about George Lucas", docs(about(PER("George Lucas")))),
    ("documentary_about", "which documentaries are about Star Wars", docs(about(P("Star Wars")))),
    ("documentary_about", "is there a documentary about Carrie Fisher?", docs(about(PER("Carrie Fisher")))),
    ("documentary_about", "doc on the making of The Last Jedi", docs(about(P("Star Wars: The Last Jedi")))),
    ("documentary_about", "documentary about the kids who remade Raiders of the Lost Ark shot for shot",
     docs(about(P("Raiders of the Lost Ark")))),
    ("documentary_about", "parodies of Star Wars", AND(about(P("Star Wars")), walk(G("Parody"), "<has_genre"))),
    ("documentary_about", "films about Abraham Lincoln", about(PER("Abraham Lincoln"))),
    ("documentary_about", "a movie about the life of Oskar Schindler", about(PER("Oskar Schindler"))),
    ("documentary_about", "a documentary about the effects wizard Dennis Muren", docs(about(PER("Dennis Muren")))),

    # -- by_description: the plot in our own words, no title
    ("by_description", "that movie where a police chief, a marine biologist and an old fisherman go after a man-eating "
                       "shark", P("Jaws")),
    ("by_description", "sci-fi horror where a space freighter's crew answers a distress call and brings back a killer "
                       "creature", P("Alien")),
    ("by_description", "the one where a lonely kid hides a stranded alien in his house and helps it get home",
     P("E.T. the Extra-Terrestrial")),
    ("by_description", "animated film about a cowboy doll who gets jealous of a new astronaut toy", P("Toy Story")),
    ("by_description", "anime where a girl's parents get turned into pigs and she must work in a bathhouse for spirits",
     P("Spirited Away")),
    ("by_description", "the cartoon where an old widower flies his house away with balloons", P("Up")),
    ("by_description", "a little garbage-compacting robot left behind on an empty Earth falls for a sleek robot probe",
     P("WALL-E")),
    ("by_description", "comedy about a grumpy weatherman stuck living the same day over and over", P("Groundhog Day")),
    ("by_description", "film about a team of thieves who plant an idea inside someone's dreams", P("Inception")),
    ("by_description", "teenager goes back in time in a DeLorean and has to make his parents fall in love",
     P("Back to the Future")),
    ("by_description", "an island theme park full of cloned dinosaurs goes wrong during a storm", P("Jurassic Park")),
    ("by_description", "Korean movie where a poor family cons its way into working for a rich household",
     P("Parasite")),
    ("by_description", "a FedEx employee stranded on a desert island whose only friend is a volleyball",
     P("Cast Away")),
    ("by_description", "a cyborg assassin from the future is sent to kill the mother of the future resistance leader",
     P("The Terminator")),
    ("by_description", "a Mexican boy who wants to be a musician ends up in the land of the dead", P("Coco")),
    ("by_description", "a clownfish father crosses the ocean to find his son with help from a forgetful fish",
     P("Finding Nemo")),
    ("by_description", "a rat who dreams of being a chef in Paris steers a clumsy cook by pulling his hair",
     P("Ratatouille")),
    ("by_description", "a bus with a bomb that explodes if it goes slower than fifty miles an hour", P("Speed")),
    ("by_description", "Italian film about a poor man and his little son searching Rome for his stolen bike",
     P("Bicycle Thieves")),
    ("by_description", "farmers hire seven samurai without a master to protect their village from bandits",
     P("Seven Samurai")),
    ("by_description", "writer becomes winter caretaker of an empty mountain hotel and goes mad", P("The Shining")),
    ("by_description", "a father convinces his son that their concentration camp is just a big game",
     P("Life Is Beautiful")),
    ("by_description", "stop-motion movie about a one-eyed boy who makes origami come alive with his music",
     P("Kubo and the Two Strings")),

    # -- company
    ("company", "who founded Lucasfilm", walk(CO("Lucasfilm"), "<founded")),
    ("company", "which films did Pixar Animation Studios make",
     walk(CO("Pixar Animation Studios"), ">company_produced")),
    ("company", "who started Studio Ghibli?", walk(CO("Studio Ghibli"), "<founded")),
    ("company", "movies produced by Amblin", walk(CO("Amblin Entertainment"), ">company_produced")),
    ("company", "which Star Wars movies did ILM do the effects for?",
     AND(walk(CO("Industrial Light & Magic"), ">company_did_visual_effects"),
         walk(N("franchise", "Star Wars"), "<part_of_franchise"))),
    ("company", "what production company did Christopher Nolan co-found", walk(PER("Christopher Nolan"), ">founded")),
    ("company", "founders of DreamWorks Animation", walk(CO("DreamWorks Animation"), "<founded")),
    ("company", "who owns Lucasfilm?", walk(CO("Lucasfilm"), ">subsidiary_of")),
    ("company", "Aardman Animations films", walk(CO("Aardman Animations"), ">company_produced")),

    # -- clarify: ambiguous titles disambiguated by the year
    ("clarify", "who directed Dune (1984)", walk(P("Dune", 1984), "<directed")),
    ("clarify", "who starred in Tinker Tailor Soldier Spy (2011)?", walk(P("Tinker Tailor Soldier Spy", 2011),
                                                                         "<acted_in")),
]


# ---- templates ---------------------------------------------------------------------------------------------
@dataclass
class Candidate:
    type: str
    question: str
    spec: dict
    hand: bool


def _pick(rng: random.Random, items: list, n: int) -> list:
    return rng.sample(items, min(n, len(items)))


def _misspell(name: str, rng: random.Random) -> str:
    """A light, deterministic typo: drop, double or swap a letter inside a word, or lower-case everything."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha() and 0 < i < len(name) - 1
               and name[i - 1].isalpha() and name[i + 1].isalpha()]
    op = rng.choice(["drop", "double", "swap", "lower"])
    if op == "lower" or not letters:
        return name.lower()
    i = rng.choice(letters)
    if op == "drop":
        return name[:i] + name[i + 1:]
    if op == "double":
        return name[:i] + name[i] + name[i:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def templated(kg, ev: Evaluator, rng: random.Random) -> list[Candidate]:
    out: list[Candidate] = []
    title_count = Counter(normalize_name(n.name) for n in kg.nodes_of_type("project"))
    all_keys = Counter(normalize_name(k) for n in kg.nodes.values() for k in (n.name, *n.aliases))

    def unambiguous(node) -> bool:
        return title_count[normalize_name(node.name)] == 1

    def degree(node_id: str) -> int:
        return sum(len(kg.neighbors(node_id, r, d)) for r in ("directed", "acted_in", "voiced_in", "wrote",
                                                               "produced", "composed_music_for") for d in ("out",))

    films = sorted((n for n in kg.nodes_of_type("project") if n.attr("kind") == "film" and unambiguous(n)),
                   key=lambda n: n.id)
    people = sorted(kg.nodes_of_type("person"), key=lambda n: n.id)
    busy = [p for p in people if degree(p.id) >= 5]

    def add(qtype: str, question: str, spec: dict) -> None:
        out.append(Candidate(qtype, question, spec, False))

    # by_name: well-known people and titles, lightly misspelt or bare
    for person in _pick(rng, busy, 8):
        typo = _misspell(person.name, rng)
        if all_keys.get(normalize_name(typo)) and normalize_name(typo) != normalize_name(person.name):
            continue
        add("by_name", rng.choice(["{}", "{}", "who is {}", "tell me about {}"]).format(typo), PER(person.name))
    for film in _pick(rng, films, 6):
        typo = _misspell(film.name, rng)
        if all_keys.get(normalize_name(typo)) and normalize_name(typo) != normalize_name(film.name):
            continue
        add("by_name", rng.choice(["{}", "the movie {}", "{} film"]).format(typo), P(film.name))

    # one_hop: project -> people / attributes
    from_project = [
        ("directed", "<directed", ["who directed {}?", "director of {}", "who was the director of {}"]),
        ("wrote", "<wrote", ["who wrote {}?", "screenwriter of {}", "who wrote the script for {}"]),
        ("produced", "<produced", ["who produced {}?", "producers of {}"]),
        ("composed_music_for", "<composed_music_for", ["who composed the music for {}?", "{} composer",
                                                       "who did the score for {}"]),
        ("shot", "<shot", ["who was the director of photography on {}?", "cinematographer of {}"]),
        ("edited", "<edited", ["who edited {}?", "film editor of {}"]),
        ("designed", "<designed", ["production designer of {}", "who did the production design on {}?"]),
        ("cast", "<cast", ["who did the casting for {}?", "casting director for {}"]),
        ("did_visual_effects_for", "<did_visual_effects_for", ["visual effects artists on {}",
                                                               "who worked on the special effects of {}?"]),
        ("animated", "<animated", ["who animated {}?", "animators of {}"]),
        ("puppeteered", "<puppeteered", ["puppeteers in {}", "who did the puppetry in {}?"]),
        ("acted_in", "<acted_in", ["who acted in {}?", "cast of {}", "who starred in {}"]),
        ("voiced_in", "<voiced_in", ["voice cast of {}", "who provided voices in {}?"]),
        ("company_produced", "<company_produced", ["what company produced {}?", "which production company made {}"]),
        ("has_genre", ">has_genre", ["what genre is {}?", "{} genre"]),
        ("released_in", ">released_in", ["what year did {} come out?", "release year of {}"]),
        ("in_language", ">in_language", ["what language is {} in?", "original language of {}"]),
    ]
    for relation, step, phrasings in from_project:
        incoming = relation != "has_genre" and relation != "released_in" and relation != "in_language"
        pool = [f for f in films if kg.neighbors(f.id, relation, "in" if incoming else "out")]
        for film in _pick(rng, pool, 2 if len(pool) > 30 else 1):
            add("one_hop", rng.choice(phrasings).format(film.name), walk(P(film.name), step))
    # one_hop: person -> projects
    from_person = [
        ("acted_in", ["what movies has {} been in?", "films starring {}", "{} filmography"]),
        ("directed", ["what has {} directed?", "films directed by {}"]),
        ("composed_music_for", ["which films did {} score?", "soundtracks composed by {}"]),
        ("voiced_in", ["what has {} done voice work for?", "{} voice roles"]),
        ("wrote", ["what did {} write?", "screenplays by {}"]),
        ("shot", ["films shot by {}", "what movies was {} the cinematographer on?"]),
        ("edited", ["which films did {} edit?"]),
        ("produced", ["what has {} produced?"]),
    ]
    for relation, phrasings in from_person:
        pool = [p for p in people if 2 <= len(kg.neighbors(p.id, relation, "out")) <= MAX_ANSWERS]
        for person in _pick(rng, pool, 2 if relation in ("acted_in", "directed") else 1):
            add("one_hop", rng.choice(phrasings).format(person.name), walk(PER(person.name), f">{relation}"))
    # one_hop: languages and years -> projects
    for lang in _pick(rng, sorted((n for n in kg.nodes_of_type("language") if n.name != "English"),
                                  key=lambda n: n.id), 2):
        add("one_hop", rng.choice(["films in {}", "{}-language movies", "movies originally in {}"]).format(lang.name),
            walk(N("language", lang.name), "<in_language"))
    for year in _pick(rng, sorted(kg.nodes_of_type("year"), key=lambda n: n.id), 2):
        add("one_hop", rng.choice(["films from {}", "what came out in {}?", "movies released in {}"]).format(year.name),
            walk(N("year", year.name), "<released_in"))

    # multi_hop
    actors = [p for p in busy if len(kg.neighbors(p.id, "acted_in", "out")) >= 3]
    directors = [p for p in people if len(kg.neighbors(p.id, "directed", "out")) >= 3]
    composers = [p for p in people if len(kg.neighbors(p.id, "composed_music_for", "out")) >= 3]
    for person in _pick(rng, actors, 3):
        add("multi_hop", rng.choice(["who directed the movies {} acted in?", "directors who worked with {}"])
            .format(person.name), walk(PER(person.name), ">acted_in", "<directed"))
    for person in _pick(rng, directors, 3):
        add("multi_hop", rng.choice(["which composers scored films by {}?", "who wrote the music for {}'s movies"])
            .format(person.name), walk(PER(person.name), ">directed", "<composed_music_for"))
    for person in _pick(rng, directors, 2):
        add("multi_hop", rng.choice(["which actors starred in films directed by {}?", "actors in {} movies"])
            .format(person.name), walk(PER(person.name), ">directed", "<acted_in"))
    for person in _pick(rng, composers, 2):
        add("multi_hop", f"who directed the films that {person.name} scored?",
            walk(PER(person.name), ">composed_music_for", "<directed"))
    for film in _pick(rng, films, 3):
        add("multi_hop", rng.choice(["other movies by the director of {}", "films that share a director with {}"])
            .format(film.name), MINUS(walk(P(film.name), "<directed", ">directed"), P(film.name)))

    # role_genre and good_best: genre x role
    role_words = {
        "directed": ("directors", "director"), "composed_music_for": ("composers", "composer"),
        "shot": ("cinematographers", "cinematographer"), "edited": ("editors", "editor"),
        "wrote": ("screenwriters", "screenwriter"), "produced": ("producers", "producer"),
        "designed": ("production designers", "production designer"),
        "did_visual_effects_for": ("visual effects artists", "visual effects artist"),
        "animated": ("animators", "animator"), "acted_in": ("actors", "actor"),
        "voiced_in": ("voice actors", "voice actor"), "puppeteered": ("puppeteers", "puppeteer"),
        "cast": ("casting directors", "casting director"),
    }
    pairs = []
    for genre in sorted(kg.nodes_of_type("genre"), key=lambda n: n.id):
        for relation in role_words:
            size = len(ev.run(genre_role(genre.name, relation)))
            if 3 <= size <= MAX_ANSWERS:
                pairs.append((genre.name, relation))
    for genre, relation in _pick(rng, pairs, 8):
        plural, _ = role_words[relation]
        add("role_genre", rng.choice(["{g} film {r}", "{r} who worked on {g} films", "{r} of {g} movies"])
            .format(g=genre.lower(), r=plural), genre_role(genre, relation))
    for genre, relation in _pick(rng, pairs, 5):
        plural, single = role_words[relation]
        add("good_best", rng.choice(["who is a good {g} {s}?", "best {g} {r}", "a great {s} for a {g} film"])
            .format(g=genre.lower(), s=single, r=plural), genre_role(genre, relation))

    # skill
    skills = [s for s in sorted(kg.nodes_of_type("skill"), key=lambda n: n.id)
              if 3 <= len(kg.neighbors(s.id, "has_skill", "in")) <= MAX_ANSWERS]
    for skill in _pick(rng, skills, 8):
        add("skill", rng.choice(["people skilled in {}", "who has experience in {}?", "looking for {} talent",
                                 "someone who knows {}"]).format(skill.name.lower()),
            walk(SK(skill.name), "<has_skill"))

    # documentary_about: every anchor that some documentary is about
    anchors = sorted({h.node for d in kg.nodes_of_type("project") if d.attr("kind") == "documentary"
                      for h in kg.neighbors(d.id, "about", "out")})
    for anchor_id in _pick(rng, anchors, 4):
        node = kg.node(anchor_id)
        if node.type == "project" and not unambiguous(node):
            continue
        add("documentary_about", rng.choice(["documentaries about {}", "a documentary on {}", "docs about {}"])
            .format(node.name), docs(about(N(node.type, node.name))))

    # company
    producers = [c for c in sorted(kg.nodes_of_type("company"), key=lambda n: n.id)
                 if 2 <= len(kg.neighbors(c.id, "company_produced", "out")) <= MAX_ANSWERS]
    founded = [c for c in sorted(kg.nodes_of_type("company"), key=lambda n: n.id)
               if kg.neighbors(c.id, "founded", "in")]
    for company in _pick(rng, producers, 3):
        add("company", rng.choice(["what films has {} produced?", "movies from {}", "{} productions"])
            .format(company.name), walk(CO(company.name), ">company_produced"))
    for company in _pick(rng, founded, 3):
        add("company", rng.choice(["who founded {}?", "founders of {}", "who set up {}"]).format(company.name),
            walk(CO(company.name), "<founded"))
    return out


# ---- assembly ----------------------------------------------------------------------------------------------
def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_pinned(path: Path) -> list[Candidate]:
    """The pinned templated questions (``type``, ``question``, ``spec`` per line)."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out.append(Candidate(rec["type"], rec["question"], rec["spec"], False))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SpecError(f"{path}:{number}: expected {{'type', 'question', 'spec'}}: {exc}") from exc
    return out


def read_previous(path: Path) -> dict[str, dict]:
    """Question text -> its record in an earlier ``questions.jsonl`` (for stable ids and splits)."""
    if not path.exists():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["question"]: r for r in records}


def build(kg, pinned: list[Candidate] | None = None, previous: dict[str, dict] | None = None
          ) -> tuple[list[dict], dict]:
    """The question records and stats.

    Args:
        kg: The film KG.
        pinned: Templated questions to re-walk; ``None`` draws them afresh from the KG.
        previous: An earlier question set by text; questions found there keep their id and split.
    """
    ev = Evaluator(kg)
    rng = random.Random(SEED)
    hand = [Candidate(t, q, s, True) for t, q, s in HAND]
    problems = []
    rows: list[tuple[Candidate, list[str]]] = []
    seen_text: set[str] = set()
    seen_spec: set[str] = set()
    skipped = Counter()
    dropped: list[str] = []
    for cand in hand + (templated(kg, ev, rng) if pinned is None else pinned):
        if cand.type not in TYPES:
            problems.append(f"unknown type {cand.type!r}: {cand.question!r}")
            continue
        try:
            answers = ev.answers(cand.spec)
        except SpecError as exc:
            if cand.hand or pinned is None:
                problems.append(f"{cand.question!r}: {exc}")
            else:  # a pinned question whose anchor the corrected KG no longer has
                dropped.append(f"{cand.question!r}: {exc}")
            continue
        if not cand.hand and _ambiguous_gold(kg, ev, [(cand, answers)]):
            skipped["ambiguous gold"] += 1
            if pinned is not None:
                dropped.append(f"{cand.question!r}: its gold answers became ambiguous")
            continue
        if not answers or len(answers) > MAX_ANSWERS:
            if cand.hand:
                problems.append(f"{cand.question!r}: {len(answers)} answers (want 1..{MAX_ANSWERS})")
            else:
                skipped["size"] += 1
                if pinned is not None:
                    dropped.append(f"{cand.question!r}: {len(answers)} answers (want 1..{MAX_ANSWERS})")
            continue
        text_key = normalize_name(cand.question)
        spec_key = cand.type + json.dumps(cand.spec, sort_keys=True)
        if text_key in seen_text or spec_key in seen_spec:
            if cand.hand:
                problems.append(f"{cand.question!r}: duplicate question or spec")
            else:
                skipped["duplicate"] += 1
            continue
        seen_text.add(text_key)
        seen_spec.add(spec_key)
        rows.append((cand, answers))
    if problems:
        raise SpecError("question specs are broken:\n  " + "\n  ".join(problems))

    records = _ids_and_splits(rows, previous or {})
    stats = {"skipped": dict(skipped), "hand": sum(c.hand for c, _ in rows),
             "templated": sum(not c.hand for c, _ in rows),
             "hand_by_type": Counter(c.type for c, _ in rows if c.hand),
             "ambiguous_gold": _ambiguous_gold(kg, ev, rows), "dropped": dropped,
             "pinned": [{"type": c.type, "question": c.question, "spec": c.spec} for c, _ in rows if not c.hand]}
    return records, stats


def _ids_and_splits(rows: list[tuple[Candidate, list[str]]], previous: dict[str, dict]) -> list[dict]:
    """Ids (type + counter in order of appearance) and the ~60/40 split (per type, by a hash of the text).

    A question found in ``previous`` keeps its id and split, so that pinned questions stay where the reranker
    and the benchmarks saw them; a new one takes the next free number and a split from its own hash.
    """
    by_type: dict[str, list[tuple[Candidate, list[str]]]] = defaultdict(list)
    for row in rows:
        by_type[row[0].type].append(row)
    split_of: dict[str, str] = {}
    id_of: dict[str, str] = {}
    for qtype, group in by_type.items():
        kept = {c.question: previous[c.question] for c, _ in group
                if c.question in previous and previous[c.question].get("type") == qtype}
        if not kept:  # a fresh set: rank by hash so each type splits ~60/40 exactly
            ranked = sorted(group, key=lambda r: _digest(r[0].question))
            n_train = round(len(ranked) * TRAIN_SHARE)
            for i, (cand, _) in enumerate(ranked):
                split_of[cand.question] = "train" if i < n_train else "test"
            for i, (cand, _) in enumerate(group, 1):
                id_of[cand.question] = f"films-{qtype}-{i:03d}"
            continue
        used = {r["id"] for r in kept.values()}
        numbers = [int(i.rsplit("-", 1)[1]) for i in used if i.rsplit("-", 1)[1].isdigit()]
        counter = max(numbers, default=0)
        for cand, _ in group:
            old = kept.get(cand.question)
            if old is not None:
                id_of[cand.question], split_of[cand.question] = old["id"], old["split"]
                continue
            counter += 1
            id_of[cand.question] = f"films-{qtype}-{counter:03d}"
            share = int(_digest(cand.question)[:8], 16) / 0xFFFFFFFF
            split_of[cand.question] = "train" if share < TRAIN_SHARE else "test"
    return [{"id": id_of[c.question], "question": c.question, "answers": answers, "type": c.type,
             "split": split_of[c.question]} for c, answers in rows]


def _ambiguous_gold(kg, ev: Evaluator, rows) -> list[str]:
    """Gold answers whose name also belongs to another node of the same type outside the gold set."""
    notes = []
    for cand, _ in rows:
        ids = ev.run(cand.spec)
        for node_id in ids:
            node = kg.node(node_id)
            twins = [n for n in kg.find(node.name, node.type) if n.id != node_id and n.id not in ids]
            if twins:
                notes.append(f"{cand.question!r}: {node.label} vs {', '.join(t.label for t in twins)}")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    parser.add_argument("--show", action="store_true", help="print every question and its gold answers")
    parser.add_argument("--resample", action="store_true",
                        help=f"draw the templated questions anew and re-pin them in {PINNED_FILE.name}")
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    parser.add_argument("--kg", type=Path, default=KG_DIR, help="the KG folder (default: the embedded film KG)")
    parser.add_argument("--pinned", type=Path, default=PINNED_FILE, help="the pinned templated questions")
    args = parser.parse_args(argv)
    kg = load_kg(args.kg)
    pinned = None if args.resample or not args.pinned.exists() else read_pinned(args.pinned)
    previous = {} if args.resample else read_previous(args.out)
    records, stats = build(kg, pinned, previous)
    if args.show:
        for r in records:
            print(f"[{r['type']}/{r['split']}] {r['question']}  ->  {len(r['answers'])}: {r['answers'][:8]}")
    counts = Counter(r["type"] for r in records)
    splits = Counter((r["type"], r["split"]) for r in records)
    print(f"{'type':<18} {'total':>5} {'train':>5} {'test':>5} {'hand':>5}")
    for qtype in TYPES:
        print(f"{qtype:<18} {counts[qtype]:>5} {splits[(qtype, 'train')]:>5} {splits[(qtype, 'test')]:>5} "
              f"{stats['hand_by_type'][qtype]:>5}")
    n_train = sum(r["split"] == "train" for r in records)
    print(f"{'all':<18} {len(records):>5} {n_train:>5} {len(records) - n_train:>5} {stats['hand']:>5}")
    print(f"hand-written {stats['hand']}, templated {stats['templated']}, skipped templated {stats['skipped']}")
    for note in stats["ambiguous_gold"]:
        print(f"note: ambiguous gold name {note}")
    for note in stats["dropped"]:
        print(f"note: pinned question dropped: {note}")
    missing = [t for t in TYPES if not counts[t]]
    if missing:
        raise SpecError(f"no questions of type(s) {missing}")
    if args.check:
        return 0
    with open(args.out, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} questions to {args.out}")
    if pinned is None:
        with open(args.pinned, "w", encoding="utf-8") as handle:
            for record in stats["pinned"]:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"pinned {len(stats['pinned'])} templated questions in {args.pinned}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
