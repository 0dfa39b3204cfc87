"""Build the held-out recruiter export: people, projects and roles of a made-up animation / VFX / games network.

    python bench/heldout/build_recruiter_csv.py   # rewrites bench/heldout/recruiter_csv/{people,projects,roles}.csv

The layout is the people-centric CSV export that ``assistant.kg.loaders.csv_tables`` reads: ``people.csv``
(``name,headline,bio,skills,aliases``; skills ``;``-separated), ``projects.csv`` (``name,year,kind,description``) and
``roles.csv`` (``person,project,role,year``). Every person, project and studio is invented; nothing comes from the film
KG. People are drawn from hand-written archetypes (a stop-motion animator knows armatures and puppet fabrication, an
FX artist knows Houdini...) so that skills and roles hang together, with one seeded generator: the same files every
run. The questions in ``recruiter.jsonl`` were written by hand from the files this writes.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "recruiter_csv"
SEED = 7351

# name, year, kind, description, the archetypes it hires
PROJECTS: list[tuple[str, int, str, str, list[str]]] = [
    ("The Tin Orchard", 2019, "feature", "A stop-motion feature: a clockwork boy tends a grove of metal trees.",
     ["stopmo", "puppet", "director", "producer", "lighting", "compositor", "sound", "voice", "art"]),
    ("The Lanternmaker", 2016, "short", "Stop-motion short: an old glassblower builds one last lantern for the moon.",
     ["stopmo", "puppet", "director", "lighting", "sound"]),
    ("Moss & Marrow", 2022, "short", "A clay-animated short about two beetles running a tiny funeral parlour.",
     ["stopmo", "puppet", "director", "voice", "art"]),
    ("Brass Meridian", 2021, "feature", "A CG-animated steampunk adventure about a girl who maps a city in the clouds.",
     ["animator", "rigger", "fx", "lighting", "modeler", "art", "director", "producer", "voice", "compositor"]),
    ("Kettle & Fern", 2020, "series", "A 2D preschool series: a teapot and a houseplant solve kitchen mysteries.",
     ["anim2d", "storyboard", "voice", "director", "producer", "sound"]),
    ("Paper Lions", 2023, "series", "A hybrid 2D/CG series: a paper-folding club brings its creatures to life.",
     ["anim2d", "animator", "storyboard", "rigger", "voice", "director", "compositor"]),
    ("Hollow Tides", 2021, "game", "An underwater survival game set in a flooded lighthouse town.",
     ["gamedesign", "techart", "programmer", "modeler", "art", "sound", "producer", "fx", "animator"]),
    ("Skyward Courier", 2018, "game", "A cosy open-world game about delivering mail between floating islands.",
     ["gamedesign", "techart", "programmer", "modeler", "art", "animator", "sound"]),
    ("Cinder Protocol", 2023, "game", "A tactical sci-fi shooter on a dying mining moon.",
     ["gamedesign", "techart", "programmer", "fx", "modeler", "animator", "sound", "producer", "mocap"]),
    ("Night Market Ghosts", 2022, "vr experience", "A VR ghost story that walks you through a Taipei night market.",
     ["techart", "programmer", "art", "sound", "director", "modeler"]),
    ("The Paper Whale", 2020, "feature", "A live-action fantasy film with a CG whale made of folded paper.",
     ["vfxsup", "fx", "compositor", "matte", "modeler", "rigger", "animator", "lighting", "mocap"]),
    ("Glass Harvest", 2017, "feature", "A live-action thriller set on a frozen fish farm, with heavy invisible VFX.",
     ["vfxsup", "compositor", "matte", "fx", "lighting"]),
    ("Redwater", 2024, "series", "A prestige drama series about a dam collapse, with a full CG flood sequence.",
     ["vfxsup", "fx", "compositor", "matte", "lighting", "producer"]),
    ("Velvet Static", 2019, "music video", "A music video mixing stop-motion puppets and glitchy compositing.",
     ["stopmo", "puppet", "compositor", "director"]),
    ("Oatfield Breakfast", 2021, "commercial", "A cereal commercial with felt puppets and a stop-motion tractor.",
     ["stopmo", "puppet", "director", "producer"]),
    ("Northbound Rail", 2022, "commercial", "A train-company commercial with a photoreal CG fox.",
     ["vfxsup", "fx", "compositor", "animator", "rigger"]),
    ("Saltmarsh Saga", 2024, "game", "A narrative adventure game told through hand-drawn storybook scenes.",
     ["gamedesign", "anim2d", "art", "programmer", "voice", "sound"]),
    ("Lumen Drift", 2020, "short", "An experimental CG short about lighthouse keepers on a planet of fog.",
     ["animator", "lighting", "fx", "director", "modeler"]),
]

ARCHETYPES: dict[str, dict] = {
    "stopmo": {"headline": "Stop-motion animator", "skills": ["Stop-motion Animation", "Armature Building"],
               "extra": ["Puppet Fabrication", "Clay Sculpting", "Dragonframe", "Character Animation", "Puppetry"],
               "roles": ["Stop-motion Animator", "Lead Stop-motion Animator"]},
    "puppet": {"headline": "Puppet maker and puppeteer", "skills": ["Puppet Fabrication", "Puppetry"],
               "extra": ["Clay Sculpting", "Armature Building", "Costume Making", "Stop-motion Animation",
                         "Mould Making"],
               "roles": ["Puppet Fabricator", "Puppeteer", "Puppet Department Lead"]},
    "animator": {"headline": "CG character animator", "skills": ["Character Animation", "Maya"],
                 "extra": ["Blender", "Motion Capture Cleanup", "Layout", "Python", "Unreal Engine"],
                 "roles": ["Animator", "Lead Animator", "Animation Supervisor"]},
    "anim2d": {"headline": "2D animator", "skills": ["2D Animation", "Toon Boom Harmony"],
               "extra": ["Storyboarding", "After Effects", "Character Design", "Background Painting"],
               "roles": ["2D Animator", "Lead Animator"]},
    "rigger": {"headline": "Character rigger", "skills": ["Rigging", "Maya", "Python"],
               "extra": ["Houdini", "Blender", "Character Animation", "Cloth Simulation"],
               "roles": ["Rigger", "Rigging Lead"]},
    "fx": {"headline": "FX artist", "skills": ["Houdini", "FX Simulation"],
           "extra": ["Python", "Nuke", "Cloth Simulation", "Unreal Engine", "Lighting", "VEX"],
           "roles": ["FX Artist", "FX Lead", "FX Supervisor"]},
    "compositor": {"headline": "Compositor", "skills": ["Nuke", "Compositing"],
                   "extra": ["After Effects", "Matte Painting", "Python", "DaVinci Resolve", "Rotoscoping"],
                   "roles": ["Compositor", "Compositing Supervisor"]},
    "matte": {"headline": "Matte painter", "skills": ["Matte Painting", "Photoshop"],
              "extra": ["Nuke", "Concept Art", "Photogrammetry", "Blender"],
              "roles": ["Matte Painter", "Digital Environment Lead"]},
    "lighting": {"headline": "Lighting artist", "skills": ["Lighting", "Katana"],
                 "extra": ["Nuke", "Maya", "Houdini", "Cinematography"],
                 "roles": ["Lighting Artist", "Lighting Lead", "Director of Photography"]},
    "modeler": {"headline": "3D modeller", "skills": ["3D Modeling", "ZBrush"],
                "extra": ["Substance Painter", "Blender", "Maya", "Photogrammetry", "Texturing"],
                "roles": ["Modeler", "Texture Artist", "Asset Lead"]},
    "art": {"headline": "Concept artist", "skills": ["Concept Art", "Photoshop"],
            "extra": ["Storyboarding", "Character Design", "Matte Painting", "ZBrush", "Background Painting"],
            "roles": ["Concept Artist", "Art Director", "Production Designer"]},
    "storyboard": {"headline": "Storyboard artist", "skills": ["Storyboarding", "Storyboard Pro"],
                   "extra": ["2D Animation", "Character Design", "Screenwriting", "Concept Art"],
                   "roles": ["Storyboard Artist", "Head of Story"]},
    "gamedesign": {"headline": "Game designer", "skills": ["Game Design", "Level Design"],
                   "extra": ["Unreal Engine", "Unity", "Narrative Design", "Screenwriting", "Python"],
                   "roles": ["Game Designer", "Level Designer", "Narrative Designer", "Lead Game Designer"]},
    "techart": {"headline": "Technical artist", "skills": ["Unreal Engine", "Shader Programming", "Python"],
                "extra": ["Houdini", "Unity", "Rigging", "Substance Painter", "VR Development"],
                "roles": ["Technical Artist", "Lead Technical Artist"]},
    "programmer": {"headline": "Game programmer", "skills": ["C++", "Gameplay Programming"],
                   "extra": ["Unreal Engine", "Unity", "Python", "VR Development", "Shader Programming"],
                   "roles": ["Gameplay Programmer", "Engine Programmer", "Lead Programmer"]},
    "vfxsup": {"headline": "VFX supervisor", "skills": ["VFX Supervision", "Nuke"],
               "extra": ["Houdini", "On-set Supervision", "Photogrammetry", "Compositing"],
               "roles": ["Additional VFX Supervisor", "VFX Supervisor"]},
    "director": {"headline": "Director", "skills": ["Directing", "Storyboarding"],
                 "extra": ["Screenwriting", "Stop-motion Animation", "Character Animation", "Editing", "Puppetry"],
                 "roles": ["Co-director", "Director"]},
    "producer": {"headline": "Producer", "skills": ["Producing", "Production Management"],
                 "extra": ["Budgeting", "Shotgrid", "Casting"],
                 "roles": ["Producer", "Line Producer", "Executive Producer"]},
    "sound": {"headline": "Sound designer", "skills": ["Sound Design", "Foley"],
              "extra": ["Music Composition", "Wwise", "Pro Tools", "Voice Acting"],
              "roles": ["Sound Designer", "Composer", "Audio Lead"]},
    "voice": {"headline": "Voice actor", "skills": ["Voice Acting"],
              "extra": ["Singing", "Puppetry", "Acting", "Motion Capture Performance", "Screenwriting"],
              "roles": ["Voice Actor"]},
    "mocap": {"headline": "Motion capture performer", "skills": ["Motion Capture Performance", "Acting"],
              "extra": ["Stunts", "Voice Acting", "Dance"],
              "roles": ["Performance Capture Actor", "Stunt Performer"]},
}

# (name, archetype, alias or "") -- names written out so that the list reads like a real roster
PEOPLE: list[tuple[str, str, str]] = [
    ("Ana Ribeiro", "stopmo", ""), ("Tomasz Wróbel", "stopmo", ""), ("Hana Kobayashi", "stopmo", ""),
    ("Declan Murray", "stopmo", ""), ("Ines Castell", "stopmo", ""),
    ("Oluwadamilare Adebayo", "stopmo", "Dami Adebayo"),
    ("Margit Halvorsen", "puppet", ""), ("Leon Baptiste", "puppet", ""), ("Priyanka Rao", "puppet", ""),
    ("Callum Birch", "puppet", ""), ("Yusuf Demir", "animator", ""), ("Sofia Lindgren", "animator", ""),
    ("Marcus Okoro", "animator", ""), ("Elena Vasquez", "animator", ""), ("Kenta Mori", "animator", ""),
    ("Rosalind Achterberg", "animator", "Roz Achterberg"), ("Jules Moreau", "anim2d", ""),
    ("Mei-Lin Chou", "anim2d", ""),
    ("Tobias Engel", "anim2d", ""), ("Farah Haddad", "anim2d", ""), ("Gideon Sato", "rigger", ""),
    ("Nadia Petrova", "rigger", ""), ("Owen Garrity", "rigger", ""), ("Bea Lozano", "rigger", ""),
    ("Viktor Halonen", "fx", ""), ("Amara Nwosu", "fx", ""), ("Lukas Brenner", "fx", ""), ("Zainab Qureshi", "fx", ""),
    ("Henrik Dahl", "fx", ""), ("Chiara Benedetti", "fx", ""), ("Raj Malhotra", "compositor", ""),
    ("Freya Sinclair", "compositor", ""), ("Ivo Marković", "compositor", ""), ("Lucia Ferraro", "compositor", ""),
    ("Dmitri Sokolov", "compositor", ""), ("Aiyana Redcloud", "matte", ""), ("Pascal Girardot", "matte", ""),
    ("Saoirse Keane", "lighting", ""), ("Mateus Barros", "lighting", ""), ("Yara Haddad", "lighting", ""),
    ("Benedikt Aurich", "modeler", ""), ("Keiko Arai", "modeler", ""), ("Santiago Ruiz", "modeler", ""),
    ("Thandiwe Mokoena", "modeler", ""), ("Ottilie Crane", "art", ""), ("Emeka Obi", "art", ""),
    ("Linnea Bjork", "art", ""), ("Hugo Carvalho", "art", ""), ("Ruth Abernathy", "storyboard", ""),
    ("Kofi Mensah", "storyboard", ""), ("Ingrid Solberg", "storyboard", ""), ("Dario Conti", "gamedesign", ""),
    ("Maya Goldberg", "gamedesign", ""), ("Teodor Nilsson", "gamedesign", ""), ("Aaliyah Brooks", "gamedesign", ""),
    ("Jin-woo Park", "techart", ""), ("Clementine Dufour", "techart", ""), ("Arturo Mendez", "techart", ""),
    ("Svetlana Ivanova", "techart", ""), ("Niall Fitzgerald", "programmer", ""), ("Hiroshi Tanabe", "programmer", ""),
    ("Grace Adeyemi", "programmer", ""), ("Pieter Claes", "programmer", ""), ("Veronica Stahl", "vfxsup", ""),
    ("Malik Jordan", "vfxsup", ""), ("Oksana Melnyk", "vfxsup", ""), ("Florian Weiss", "director", ""),
    ("Beatrix Holloway", "director", "Trix Holloway"), ("Sunil Varma", "director", ""),
    ("Agathe Lemaire", "director", ""),
    ("Rosa Delgado", "producer", ""), ("Edmund Fairfax", "producer", ""), ("Wen Jiang", "producer", ""),
    ("Lars Ekdahl", "sound", ""), ("Imani Clarke", "sound", ""), ("Fionn Gallagher", "sound", ""),
    ("Penelope Marsh", "voice", ""), ("Rafael Quintero", "voice", ""), ("Delphine Achebe", "voice", ""),
    ("Tyrone Whitaker", "mocap", ""), ("Natasha Kowal", "mocap", ""),
]

BIO = {
    "stopmo": "Animates puppets frame by frame; has built and repaired ball-and-socket armatures for features.",
    "puppet": "Builds, dresses and performs puppets for stop-motion and live shoots.",
    "animator": "Keyframe character animator for CG features, series and games.",
    "anim2d": "Hand-drawn and rigged 2D animation for series and games.",
    "rigger": "Builds character rigs and deformation setups for animators.",
    "fx": "Simulates water, fire, destruction and paper in Houdini.",
    "compositor": "Final-pixel compositing for features, series and commercials.",
    "matte": "Digital matte paintings and environment extensions.",
    "lighting": "Lights CG and miniature sets to match a director's look.",
    "modeler": "Hard-surface and organic models with textures, for film and games.",
    "art": "Visual development: characters, environments, keyframes.",
    "storyboard": "Boards sequences for animation and games.",
    "gamedesign": "Designs systems, levels and narrative for games.",
    "techart": "Bridges art and engineering: shaders, tools, pipelines in engine.",
    "programmer": "Writes gameplay and engine code.",
    "vfxsup": "Supervises visual effects from the shoot to the final shot.",
    "director": "Directs animated and live-action projects.",
    "producer": "Runs schedules, budgets and crews.",
    "sound": "Sound design, foley and music for picture and games.",
    "voice": "Voice performer for animation, games and commercials.",
    "mocap": "Performance capture and stunt performer.",
}


def build(seed: int = SEED) -> tuple[list[dict], list[dict], list[dict]]:
    """Draw skills and credits for the roster; returns (people rows, project rows, role rows)."""
    rng = random.Random(seed)
    people, roles = [], []
    by_archetype: dict[str, list[str]] = {}
    for name, archetype, alias in PEOPLE:
        spec = ARCHETYPES[archetype]
        extra = rng.sample(spec["extra"], rng.randint(1, min(3, len(spec["extra"]))))
        people.append({"name": name, "headline": spec["headline"], "bio": BIO[archetype],
                       "skills": "; ".join(spec["skills"] + extra), "aliases": alias})
        by_archetype.setdefault(archetype, []).append(name)
    credited: dict[str, int] = {}
    for title, year, _kind, _description, wanted in PROJECTS:
        for archetype in wanted:
            pool = by_archetype[archetype]
            crew = rng.sample(pool, min(len(pool), rng.randint(1, 2 if archetype in ("director", "vfxsup") else 3)))
            if archetype == "director":
                crew = crew[:1]
            for i, person in enumerate(crew):
                options = ARCHETYPES[archetype]["roles"]  # the most senior role is listed last
                if len(options) == 1:
                    role = options[0]
                elif i == 0 and (archetype in ("director", "vfxsup") or rng.random() < 0.5):
                    role = options[-1]
                else:
                    role = rng.choice(options[:-1])
                roles.append({"person": person, "project": title, "role": role, "year": str(year)})
                credited[person] = credited.get(person, 0) + 1
    # everyone gets at least one credit, on a project that hires their archetype
    for name, archetype, _ in PEOPLE:
        if name not in credited:
            fitting = [p for p in PROJECTS if archetype in p[4]]
            title, year = rng.choice(fitting)[:2]
            roles.append({"person": name, "project": title, "role": ARCHETYPES[archetype]["roles"][0],
                          "year": str(year)})
    projects = [{"name": t, "year": str(y), "kind": k, "description": d} for t, y, k, d, _ in PROJECTS]
    return people, projects, roles


def write(out: Path = OUT) -> tuple[int, int, int]:
    people, projects, roles = build()
    out.mkdir(parents=True, exist_ok=True)
    for file, rows, fields in (("people.csv", people, ["name", "headline", "bio", "skills", "aliases"]),
                               ("projects.csv", projects, ["name", "year", "kind", "description"]),
                               ("roles.csv", roles, ["person", "project", "role", "year"])):
        with open(out / file, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return len(people), len(projects), len(roles)


if __name__ == "__main__":
    n_people, n_projects, n_roles = write()
    print(f"{OUT}: {n_people} people, {n_projects} projects, {n_roles} credits")
