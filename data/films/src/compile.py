"""Compile the hand-written fragments (``data/films/src/*.jsonl``) into the embedded KG.

Usage::

    python data/films/src/compile.py            # validate all fragments, write nodes/edges
    python data/films/src/compile.py --check F  # validate one fragment on its own, write nothing

Fragments are the numbered files ``NN_area.jsonl`` of this folder (the other JSONL files here are the pinned
templated questions and the cross-check notes).

Fragments follow ``FORMAT.md``. Problems are reported as ``file:line: message`` and nothing is
written while any remain. People, companies and franchises named in several fragments are merged
by exact name (skills and aliases are united; the first bio wins).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
sys.path.insert(0, str(OUT.parent.parent))
from assistant.kg.normalize import slugify  # noqa: E402

GENRES = {
    "Action": "Films driven by physical feats, chases, fights and set pieces.",
    "Adventure": "Journeys, quests and exploration of exotic or dangerous places.",
    "Animation": "Stories told with drawn, computer-generated or stop-motion images.",
    "Biography": "The life story of a real person.",
    "Comedy": "Stories made to amuse, from slapstick to wit.",
    "Crime": "Criminals, detectives and the law.",
    "Documentary": "Non-fiction films and series about real people and events.",
    "Drama": "Serious stories of characters and their conflicts.",
    "Family": "Stories made for children and their parents to enjoy together.",
    "Fantasy": "Magic, myth and invented worlds.",
    "Historical": "Stories set in and about real past events.",
    "Horror": "Stories meant to frighten: monsters, ghosts, killers and dread.",
    "Martial Arts": "Hand-to-hand combat and fighting disciplines at the heart of the story.",
    "Monster": "Giant creatures, beasts and things that should not exist.",
    "Musical": "Stories told partly through song and dance.",
    "Mystery": "Puzzles, secrets and investigations.",
    "Parody": "Comic imitation of other works or genres.",
    "Romance": "Love stories.",
    "Satire": "Humour that mocks people, institutions or society.",
    "Science Fiction": "Speculative science and technology: space travel, aliens, robots, time travel.",
    "Space Opera": "Adventure and war on a galactic scale among starships and alien worlds.",
    "Sports": "Athletes, teams and competitions.",
    "Stop-motion": "Animation made by moving physical models frame by frame.",
    "Superhero": "Costumed heroes with extraordinary powers.",
    "Teen": "The lives of teenagers.",
    "Thriller": "Suspense, danger and tension.",
    "War": "Soldiers, battles and the cost of war.",
    "Western": "Cowboys, outlaws and frontier towns of the American West.",
    "Disaster": "Natural or man-made catastrophes and the people caught in them.",
    "Sitcom": "Situation comedy, usually a television series.",
    "Puppetry": "Stories performed with puppets.",
    "Mockumentary": "Fiction presented in the style of a documentary.",
    "Period": "Stories set in a past era, with its costumes and manners.",
    "Psychological": "Stories centred on minds, perception and mental states.",
    "Slasher": "Horror in which a killer stalks and murders victims one by one.",
    "Noir": "Dark, cynical crime stories of moral ambiguity.",
    "Coming-of-age": "Young people growing up.",
    "Heist": "The planning and execution of a robbery.",
    "Spy": "Espionage, secret agents and intelligence services.",
}
SKILLS = {
    "Acting": "Performing characters on screen.",
    "Voice Acting": "Performing characters with the voice, for animation or dubbing.",
    "Directing": "Leading the creative making of a film or series.",
    "Producing": "Financing, organising and overseeing productions.",
    "Screenwriting": "Writing screenplays and teleplays.",
    "Film Scoring": "Composing original music for film and television.",
    "Cinematography": "Lighting and photographing moving images.",
    "Editing": "Cutting footage into the finished film.",
    "Visual Effects": "Creating images that could not be filmed: models, compositing, computer graphics.",
    "Animation": "Bringing drawings, models or computer characters to life frame by frame.",
    "Stop-motion Animation": "Animating physical puppets and models one frame at a time.",
    "Puppetry": "Performing puppets and animatronic characters.",
    "Casting": "Finding and choosing actors for roles.",
    "Production Design": "Designing the sets, locations and look of a production.",
    "Creative Lead": "Leading the creative vision of a studio, franchise or team.",
    "Stunts": "Performing or coordinating stunts.",
    "Sound Design": "Creating the sound effects and soundscape of a film.",
    "Creature Design": "Designing creatures, make-up effects and monsters.",
    "Motion Capture": "Performing characters through motion capture.",
    "Showrunning": "Running a television series as its lead writer-producer.",
}
GENRE_ALIASES = {
    "Science Fiction": ["Sci-Fi", "SF", "scifi", "science-fiction"],
    "Space Opera": ["space adventure", "space fantasy"],
    "Animation": ["animated", "cartoon"],
    "Superhero": ["superheroes", "super hero", "comic book"],
    "Family": ["kids", "children's film"],
    "Martial Arts": ["kung fu", "wuxia"],
    "Romance": ["romantic", "love story"],
    "Comedy": ["comedies", "funny"],
    "Horror": ["scary"],
    "Thriller": ["suspense"],
    "Western": ["cowboy"],
    "Historical": ["history"],
    "Biography": ["biopic", "biographical"],
    "Stop-motion": ["stop motion", "claymation"],
    "Documentary": ["docs"],
    "Noir": ["film noir"],
}
# Role nouns as skill aliases, so "stop-motion animators" or "casting directors" find the skill.
SKILL_ALIASES = {
    "Acting": ["actor", "actress"], "Voice Acting": ["voice actor", "voice actress", "voice artist"],
    "Directing": ["film director"], "Producing": ["film producer"],
    "Screenwriting": ["screenwriter", "scriptwriter"], "Film Scoring": ["film composer", "film music"],
    "Cinematography": ["cinematographer", "director of photography"], "Editing": ["film editor", "film editing"],
    "Visual Effects": ["VFX", "visual effects artist", "special effects"], "Animation": ["animator"],
    "Stop-motion Animation": ["stop-motion animator", "stop motion animator", "stop-motion"],
    "Puppetry": ["puppeteer"], "Casting": ["casting director"], "Production Design": ["production designer"],
    "Stunts": ["stunt performer", "stuntman"], "Sound Design": ["sound designer"],
    "Creature Design": ["creature designer", "makeup effects"], "Motion Capture": ["motion capture performer"],
    "Showrunning": ["showrunner"],
}
ROLES = {  # role -> (relation, implied skill)
    "director": ("directed", "Directing"),
    "producer": ("produced", "Producing"),
    "screenwriter": ("wrote", "Screenwriting"),
    "story writer": ("wrote", "Screenwriting"),  # a `wrote` edge with the qualifier {"credit": "story"}
    "actor": ("acted_in", "Acting"),
    "voice actor": ("voiced_in", "Voice Acting"),
    "composer": ("composed_music_for", "Film Scoring"),
    "cinematographer": ("shot", "Cinematography"),
    "editor": ("edited", "Editing"),
    "visual effects artist": ("did_visual_effects_for", "Visual Effects"),
    "animator": ("animated", "Animation"),
    "puppeteer": ("puppeteered", "Puppetry"),
    "casting director": ("cast", "Casting"),
    "production designer": ("designed", "Production Design"),
}
CHARACTER_ROLES = {"actor", "voice actor", "puppeteer"}
# Credit roles that qualify their edge, so that one relation answers "who wrote X" for screenplay and story
# writers alike while a path can still tell them apart.
CREDIT_QUALIFIERS = {"story writer": {"credit": "story"}}
# Kinds that are feature films: each needs a writer, and a composer unless it is marked `unscored`.
FEATURE_KINDS = {"film"}
COMPANY_ROLES = {
    "production": "company_produced",
    "visual effects": "company_did_visual_effects",
    "animation": "company_animated",
    "distribution": "company_distributed",
}
PROJECT_TYPES = {"film", "series", "documentary", "short", "tv special", "episode"}


class Problems(list):
    def add(self, file: str, line: int, msg: str) -> None:
        self.append(f"{file}:{line}: {msg}")


def read_fragments(paths: list[Path], problems: Problems) -> list[tuple[str, int, dict]]:
    records = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.add(path.name, number, f"invalid JSON: {exc.msg}")
                continue
            if not isinstance(rec, dict) or rec.get("kind") not in {"project", "person", "company", "franchise"}:
                problems.add(path.name, number, "expected an object with kind project|person|company|franchise")
                continue
            records.append((path.name, number, rec))
    return records


def _strs(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def compile_kg(paths: list[Path]) -> tuple[list[dict], list[dict], Problems]:
    problems = Problems()
    records = read_fragments(paths, problems)
    people: dict[str, dict] = {}
    companies: dict[str, dict] = {}
    franchises: dict[str, dict] = {}
    projects: list[tuple[str, int, dict]] = []
    for file, number, rec in records:
        kind = rec["kind"]
        if kind == "project":
            projects.append((file, number, rec))
            continue
        name = rec.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.add(file, number, f"{kind} needs a non-empty 'name'")
            continue
        table = {"person": people, "company": companies, "franchise": franchises}[kind]
        if kind == "person":
            skills = rec.get("skills", [])
            if not _strs(skills) or not skills:
                problems.add(file, number, f"person {name!r}: 'skills' must be a non-empty list")
                skills = []
            if not isinstance(rec.get("bio"), str) or not rec["bio"].strip():
                problems.add(file, number, f"person {name!r}: needs a 'bio'")
        if name in table:
            merged = table[name]
            if kind == "company":  # fragments may know different founders or aliases
                for key in ("founders", "aliases"):
                    merged[key] = list(dict.fromkeys(merged.get(key, []) + rec.get(key, [])))
                for key in ("founded", "country", "parent", "renamed_to", "description"):
                    merged[key] = merged.get(key) or rec.get(key)
            if kind == "person":
                merged["skills"] = list(dict.fromkeys(merged.get("skills", []) + rec.get("skills", [])))
                merged["aliases"] = list(dict.fromkeys(merged.get("aliases", []) + rec.get("aliases", [])))
                for key in ("born", "nationality", "bio"):
                    merged.setdefault(key, rec.get(key))
            continue
        table[name] = dict(rec, _where=(file, number))

    # Projects: ids, validation, and the references they make.
    by_title: dict[str, list[str]] = {}
    project_ids: dict[tuple[str, int], str] = {}
    for file, number, rec in projects:
        title, year = rec.get("title"), rec.get("year")
        if not isinstance(title, str) or not title.strip() or not isinstance(year, int):
            problems.add(file, number, "project needs 'title' (string) and 'year' (integer)")
            continue
        if (title, year) in project_ids:
            problems.add(file, number, f"duplicate project {title!r} ({year})")
            continue
        pid = f"project:{slugify(title)}-{year}"
        project_ids[(title, year)] = pid
        by_title.setdefault(title, []).append(pid)
        for alias in rec.get("aliases", []):
            by_title.setdefault(alias, []).append(pid)

    def ref_project(ref: str) -> str | None:
        if ref.endswith(")") and "(" in ref:
            title, _, year = ref[:-1].rpartition(" (")
            if year.isdigit() and (title, int(year)) in project_ids:
                return project_ids[(title, int(year))]
        ids = sorted(set(by_title.get(ref, [])))
        return ids[0] if len(ids) == 1 else None

    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    used_people: set[str] = set()

    def node(node_id: str, ntype: str, name: str, description: str = "", **attrs) -> str:
        if node_id not in nodes:
            rec = {"id": node_id, "type": ntype, "name": name}
            if description:
                rec["description"] = description
            attrs = {k: v for k, v in attrs.items() if v is not None}
            if attrs:
                rec["attributes"] = attrs
            nodes[node_id] = rec
        return node_id

    def simple(ntype: str, name: str, description: str = "") -> str:
        node_id = node(f"{ntype}:{slugify(name)}", ntype, name, description)
        aliases = {"genre": GENRE_ALIASES, "skill": SKILL_ALIASES}.get(ntype, {}).get(name)
        if aliases:
            nodes[node_id]["aliases"] = aliases
        return node_id

    def person_id(name: str, file: str, number: int) -> str | None:
        if name not in people:
            problems.add(file, number, f"credited person {name!r} has no person record")
            return None
        used_people.add(name)
        return f"person:{slugify(name)}"

    for file, number, rec in projects:
        title, year = rec.get("title"), rec.get("year")
        pid = project_ids.get((title, year))
        if pid is None or pid in nodes:
            continue
        ptype = rec.get("project_type")
        if ptype not in PROJECT_TYPES:
            problems.add(file, number, f"{title!r}: project_type {ptype!r} not in {sorted(PROJECT_TYPES)}")
        desc = rec.get("description")
        if not isinstance(desc, str) or not desc.strip():
            problems.add(file, number, f"{title!r}: needs a description")
            desc = ""
        unscored = rec.get("unscored")
        if unscored is not None and (not isinstance(unscored, str) or not unscored.strip()):
            problems.add(file, number, f"{title!r}: 'unscored' must say why there is no composer "
                                       "(e.g. \"silent film\", \"period songs only\")")
            unscored = None
        unconfirmed = rec.get("composer_unconfirmed")
        if unconfirmed is not None and (not isinstance(unconfirmed, str) or not unconfirmed.strip()):
            problems.add(file, number, f"{title!r}: 'composer_unconfirmed' must say what could not be confirmed")
            unconfirmed = None
        node(pid, "project", title, desc, year=year, kind=ptype, unscored=unscored,
             composer_unconfirmed=unconfirmed)
        if rec.get("aliases"):
            nodes[pid]["aliases"] = list(rec["aliases"])
        genres, keywords = rec.get("genres", []), rec.get("keywords", [])
        if not _strs(genres) or not 1 <= len(genres) <= 4:
            problems.add(file, number, f"{title!r}: expected 1-4 genres")
            genres = []
        if not _strs(keywords) or not 3 <= len(keywords) <= 10:
            problems.add(file, number, f"{title!r}: expected 3-10 keywords, got {keywords!r}")
            keywords = [] if not _strs(keywords) else keywords
        for g in genres:
            if g not in GENRES:
                problems.add(file, number, f"{title!r}: genre {g!r} is not in the closed list")
                continue
            edges.append({"source": pid, "relation": "has_genre", "target": simple("genre", g, GENRES[g])})
        for k in dict.fromkeys(k.strip().lower() for k in keywords):
            edges.append({"source": pid, "relation": "has_keyword", "target": simple("keyword", k)})
        edges.append({"source": pid, "relation": "released_in", "target": node(f"year:{year}", "year", str(year))})
        for field, relation, ntype in (("language", "in_language", "language"), ("country", "from_country", "country")):
            values = rec.get(field)
            for value in [values] if isinstance(values, str) else (values or []):
                edges.append({"source": pid, "relation": relation, "target": simple(ntype, value)})
        if rec.get("franchise"):
            if rec["franchise"] not in franchises:
                problems.add(file, number, f"{title!r}: franchise {rec['franchise']!r} has no franchise record")
            else:
                fr = franchises[rec["franchise"]]
                edges.append({"source": pid, "relation": "part_of_franchise",
                              "target": simple("franchise", fr["name"], fr.get("description", ""))})
        directors = 0
        roles_seen: set[str] = set()
        written: set[str] = set()  # people with a screenplay credit here: a story credit adds nothing to theirs
        story: list[dict] = []
        for credit in rec.get("credits", []):
            if not (isinstance(credit, list) and 2 <= len(credit) <= 3 and all(isinstance(c, str) for c in credit)):
                problems.add(file, number, f"{title!r}: bad credit {credit!r}")
                continue
            role, name = credit[0], credit[1]
            if role not in ROLES:
                problems.add(file, number, f"{title!r}: role {role!r} not in the closed list")
                continue
            person = person_id(name, file, number)
            if person is None:
                continue
            directors += role == "director"
            roles_seen.add(role)
            edge = {"source": person, "relation": ROLES[role][0], "target": pid}
            if len(credit) == 3 and role in CHARACTER_ROLES and credit[2].strip():
                edge["qualifiers"] = {"character": credit[2].strip()}
            elif len(credit) == 3:
                problems.add(file, number, f"{title!r}: only actor, voice actor and puppeteer credits take a "
                                           f"third field (the character), got {credit!r}")
            if role in CREDIT_QUALIFIERS:
                edge["qualifiers"] = dict(CREDIT_QUALIFIERS[role])
                story.append(edge)
                continue
            if role == "screenwriter":
                written.add(person)
            edges.append(edge)
        edges.extend(e for e in story if e["source"] not in written)
        if directors == 0:
            problems.add(file, number, f"{title!r}: needs at least one director credit")
        if ptype in FEATURE_KINDS and not roles_seen & {"screenwriter", "story writer"}:
            problems.add(file, number, f"{title!r}: a feature film needs a screenwriter or story writer credit")
        if ptype in FEATURE_KINDS and "composer" not in roles_seen and not (unscored or unconfirmed):
            problems.add(file, number, f"{title!r}: a feature film needs a composer credit, or 'unscored' saying why "
                                       "it has no original score (or 'composer_unconfirmed' saying what is unknown)")
        if (unscored or unconfirmed) and "composer" in roles_seen:
            problems.add(file, number, f"{title!r}: marked 'unscored' or 'composer_unconfirmed' but has a composer")
        for entry in rec.get("companies", []):
            if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in COMPANY_ROLES):
                problems.add(file, number, f"{title!r}: bad company entry {entry!r}")
                continue
            if entry[1] not in companies:
                problems.add(file, number, f"{title!r}: company {entry[1]!r} has no company record")
                continue
            edges.append({"source": f"company:{slugify(entry[1])}", "relation": COMPANY_ROLES[entry[0]], "target": pid})
        for name in rec.get("about_people", []):
            person = person_id(name, file, number)
            if person:
                edges.append({"source": pid, "relation": "about", "target": person})
        for ref in rec.get("about_projects", []):
            target = ref_project(ref)
            if target is None:
                problems.add(file, number, f"{title!r}: about_projects {ref!r} is unknown or ambiguous")
            else:
                edges.append({"source": pid, "relation": "about", "target": target})
        if rec.get("part_of_series"):
            series = ref_project(rec["part_of_series"])
            if series is None:
                problems.add(file, number, f"{title!r}: part_of_series {rec['part_of_series']!r} is unknown")
            else:
                edges.append({"source": pid, "relation": "episode_of", "target": series})

    for name, rec in people.items():
        file, number = rec["_where"]
        pid = f"person:{slugify(name)}"
        if name not in used_people and not any(name in c.get("founders", []) for c in companies.values()):
            problems.add(file, number, f"person {name!r} has no credit")
        node(pid, "person", name, rec.get("bio", ""), born=rec.get("born"), nationality=rec.get("nationality"))
        if rec.get("aliases"):
            nodes[pid]["aliases"] = list(rec["aliases"])
    # Skills: explicit ones plus those implied by credits.
    implied: dict[str, set[str]] = {}
    role_of = {rel: skill for rel, skill in ROLES.values()}
    for e in edges:
        if e["source"].startswith("person:") and e["relation"] in role_of:
            implied.setdefault(e["source"], set()).add(role_of[e["relation"]])
    for name, rec in people.items():
        pid = f"person:{slugify(name)}"
        for skill in dict.fromkeys(rec.get("skills", []) + sorted(implied.get(pid, ()))):
            target = simple("skill", skill, SKILLS.get(skill, ""))
            edges.append({"source": pid, "relation": "has_skill", "target": target})
    for name, rec in companies.items():
        file, number = rec["_where"]
        cid = node(f"company:{slugify(name)}", "company", name, rec.get("description", ""), founded=rec.get("founded"))
        if rec.get("aliases"):
            nodes[cid]["aliases"] = list(rec["aliases"])
        for founder in rec.get("founders", []):
            if founder not in people:
                problems.add(file, number, f"company {name!r}: founder {founder!r} has no person record")
            else:
                edges.append({"source": f"person:{slugify(founder)}", "relation": "founded", "target": cid})
        if rec.get("parent"):
            if rec["parent"] not in companies:
                problems.add(file, number, f"company {name!r}: parent {rec['parent']!r} has no company record")
            else:
                parent = f"company:{slugify(rec['parent'])}"
                edges.append({"source": cid, "relation": "subsidiary_of", "target": parent})
        new_name = rec.get("renamed_to")
        if new_name:
            if new_name not in companies or new_name == name:
                problems.add(file, number, f"company {name!r}: renamed_to {new_name!r} has no company record")
            else:
                edges.append({"source": cid, "relation": "renamed_to", "target": f"company:{slugify(new_name)}"})
        if rec.get("country"):
            edges.append({"source": cid, "relation": "based_in", "target": simple("country", rec["country"])})
    # Drop exact duplicate edges (the same credit written twice).
    seen, unique = set(), []
    for e in edges:
        key = json.dumps(e, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return list(nodes.values()), unique, problems


def fragment_paths(folder: Path = HERE) -> list[Path]:
    """The fragments, ``NN_area.jsonl``; other JSONL files here (pinned questions, cross-check notes) are not KG."""
    return sorted(folder.glob("[0-9][0-9]_*.jsonl"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", type=Path, help="validate one fragment alone and write nothing")
    args = parser.parse_args()
    paths = [args.check] if args.check else fragment_paths()
    nodes, edges, problems = compile_kg(paths)
    for p in problems:
        print(p)
    counts: dict[str, int] = {}
    for n in nodes:
        counts[n["type"]] = counts.get(n["type"], 0) + 1
    print(f"{len(problems)} problem(s); nodes per type: {counts}; edges: {len(edges)}")
    if problems:
        return 1
    if not args.check:
        with open(OUT / "nodes.jsonl", "w", encoding="utf-8") as fh:
            for n in sorted(nodes, key=lambda n: n["id"]):
                fh.write(json.dumps(n, ensure_ascii=False) + "\n")
        with open(OUT / "edges.jsonl", "w", encoding="utf-8") as fh:
            for e in edges:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
        print(f"wrote {OUT / 'nodes.jsonl'} and {OUT / 'edges.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
