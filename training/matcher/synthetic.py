"""Synthetic KGs of plain triples, for teaching the matcher to read relation names it has never seen.

A user's KG is often an export of triples with untyped nodes and relations named like Wikidata
properties (``parents``, ``spouse``, ``nationality``, ``place_of_birth``, ``employer``). The shipped
matcher is trained on KGs with real schemas (the film KG) and on a few of these, generated here from a
general catalogue of relations between people, places, organisations and works: each KG draws its own
subset of relations, its own naming style (``place_of_birth``, ``placeOfBirth``, ``birthplace``,
``born_in``) and sometimes stores only one direction of a pair (``parents`` but no ``children``), so
the matcher must learn to read names and directions, not memorise one vocabulary.

Nodes are typed while generating (a birthplace is a city) and exported untyped, as such exports are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.schema import RelationSpec, Schema, humanize_relation

ENTITY = "entity"


@dataclass(frozen=True, slots=True)
class RelationKind:
    """One relation of the catalogue: its domain and range classes, names, and how many edges a node has."""

    names: tuple[str, ...]  # alternative names; one is drawn per KG
    domain: str
    range: str
    per_node: tuple[int, int]  # edges per domain node (min, max)
    share: float = 1.0  # share of domain nodes that have the relation at all


CATALOGUE: tuple[RelationKind, ...] = (
    RelationKind(("parents", "parent", "has_parent", "hasParent", "child_of"), "person", "person", (1, 2), 0.7),
    RelationKind(("spouse", "married_to", "spouses", "partner", "marriedTo"), "person", "person", (1, 1), 0.5),
    RelationKind(("sibling", "siblings", "hasSibling"), "person", "person", (1, 2), 0.3),
    RelationKind(("nationality", "citizenship", "country_of_citizenship", "citizenOf"), "person", "country", (1, 1)),
    RelationKind(("place_of_birth", "birthplace", "born_in", "placeOfBirth"), "person", "city", (1, 1), 0.9),
    RelationKind(("place_of_death", "died_in", "deathPlace"), "person", "city", (1, 1), 0.3),
    RelationKind(("lives_in", "residence", "resides_in", "home_town"), "person", "city", (1, 1), 0.6),
    RelationKind(("occupation", "profession", "job"), "person", "occupation", (1, 2), 0.8),
    RelationKind(("employer", "works_for", "employed_by", "worksFor"), "person", "organization", (1, 1), 0.5),
    RelationKind(("educated_at", "alma_mater", "studied_at", "attended"), "person", "university", (1, 2), 0.5),
    RelationKind(("member_of", "memberOf", "belongs_to"), "person", "organization", (1, 1), 0.3),
    RelationKind(("award_received", "won_award", "awards", "award"), "person", "award", (1, 2), 0.3),
    RelationKind(("religion", "faith"), "person", "religion", (1, 1), 0.3),
    RelationKind(("native_language", "mother_tongue", "languages_spoken"), "person", "language", (1, 2), 0.4),
    RelationKind(("mentor", "teacher", "student_of", "trained_by"), "person", "person", (1, 1), 0.2),
    RelationKind(("friend", "friend_of", "knows"), "person", "person", (1, 3), 0.3),
    RelationKind(("plays_for", "team", "member_of_sports_team"), "person", "team", (1, 1), 0.2),
    RelationKind(("instrument", "plays_instrument"), "person", "instrument", (1, 2), 0.2),
    RelationKind(("located_in", "country", "in_country", "locatedIn"), "city", "country", (1, 1)),
    RelationKind(("mayor", "head_of_government"), "city", "person", (1, 1), 0.4),
    RelationKind(("capital", "capital_city", "hasCapital"), "country", "city", (1, 1)),
    RelationKind(("official_language", "language", "languages"), "country", "language", (1, 2)),
    RelationKind(("continent", "part_of_continent"), "country", "continent", (1, 1)),
    RelationKind(("head_of_state", "president", "leader"), "country", "person", (1, 1), 0.7),
    RelationKind(("currency",), "country", "currency", (1, 1)),
    RelationKind(("headquarters", "headquartered_in", "based_in", "hq_location"), "organization", "city", (1, 1)),
    RelationKind(("founded_by", "founder", "founders", "foundedBy"), "organization", "person", (1, 2), 0.8),
    RelationKind(("ceo", "chief_executive", "led_by"), "organization", "person", (1, 1), 0.6),
    RelationKind(("industry", "sector"), "organization", "industry", (1, 1)),
    RelationKind(("parent_organization", "owned_by", "parent_company", "subsidiary_of"), "organization",
                 "organization", (1, 1), 0.3),
    RelationKind(("located_in", "campus_city", "location"), "university", "city", (1, 1)),
    RelationKind(("league", "plays_in_league"), "team", "league", (1, 1)),
    RelationKind(("home_city", "based_in", "home_venue_city"), "team", "city", (1, 1)),
    RelationKind(("coach", "head_coach", "manager"), "team", "person", (1, 1), 0.7),
    RelationKind(("sport",), "league", "sport", (1, 1)),
    RelationKind(("author", "written_by", "writer", "authoredBy"), "work", "person", (1, 2), 0.6),
    RelationKind(("director", "directed_by", "directedBy"), "work", "person", (1, 1), 0.5),
    RelationKind(("cast_member", "starring", "actors", "stars"), "work", "person", (1, 4), 0.5),
    RelationKind(("composer", "music_by", "score_by"), "work", "person", (1, 1), 0.4),
    RelationKind(("producer", "produced_by"), "work", "person", (1, 2), 0.4),
    RelationKind(("genre", "genres", "has_genre"), "work", "genre", (1, 2)),
    RelationKind(("publisher", "published_by", "label"), "work", "organization", (1, 1), 0.5),
    RelationKind(("original_language", "language_of_work", "in_language"), "work", "language", (1, 1), 0.7),
    RelationKind(("country_of_origin", "origin_country", "from_country"), "work", "country", (1, 1), 0.6),
    RelationKind(("set_in", "narrative_location", "takes_place_in"), "work", "city", (1, 1), 0.4),
    RelationKind(("based_on", "adapted_from"), "work", "work", (1, 1), 0.15),
    RelationKind(("followed_by", "sequel", "next_in_series"), "work", "work", (1, 1), 0.15),
    RelationKind(("main_subject", "about", "depicts"), "work", "person", (1, 1), 0.2),
    RelationKind(("conferred_by", "presented_by", "awarded_by"), "award", "organization", (1, 1)),
)
INVERSES = {"parents": ("children", "child", "has_child", "kids", "offspring"),
            "employer": ("employees", "staff"), "founded_by": ("founded", "founder_of"),
            "author": ("wrote", "works", "notable_work"), "director": ("directed",), "capital": ("capital_of",)}

CLASS_SIZES = {"person": 1200, "city": 150, "country": 40, "occupation": 40, "organization": 120, "university": 40,
               "award": 40, "religion": 8, "language": 25, "team": 40, "instrument": 15, "continent": 6,
               "currency": 30, "industry": 20, "league": 10, "sport": 10, "work": 500, "genre": 25}
_SYLLABLES = ("ka ri no ta lu mi sa ve do ra el an or is en al ma to be li ko su ne va la ro mo di sel mar ton "
              "bel fer gan hol kar lin mor nel par quin ros sten tor val wen yor zan").split()
_SUFFIX = {"city": ("ville", "burg", "ton", "port", "field", " City", "stad", "mouth"),
           "country": ("ia", "land", "stan", "ovia", "aria"), "organization": (" Corp", " Group", " Labs", " Ltd"),
           "university": (" University", " Institute", " College"), "team": (" United", " FC", " Rovers"),
           "award": (" Prize", " Medal", " Award"), "work": ("", " II", ": A Story", " Chronicles")}


def _name(rng: random.Random, cls: str) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    if cls == "person":
        return f"{word} {''.join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()}"
    return word + rng.choice(_SUFFIX.get(cls, ("",)))


def synthetic_kg(seed: int, scale: float = 1.0, relation_share: float = 0.75) -> KnowledgeGraph:
    """One synthetic triples KG: about 2,500 untyped nodes at ``scale`` 1, drawn relations and names."""
    rng = random.Random(seed)
    kg = KnowledgeGraph(schema=Schema(node_types={ENTITY: ""}), name=f"synthetic-{seed}")
    members: dict[str, list[str]] = {}
    used_names: set[str] = set()
    for cls, size in CLASS_SIZES.items():
        members[cls] = []
        for i in range(max(3, int(size * scale))):
            name = _name(rng, cls)
            while name in used_names:
                name = _name(rng, cls) + f" {i}"
            used_names.add(name)
            node_id = f"e{len(kg.nodes)}"
            kg.add_node(Node(node_id, ENTITY, name))
            members[cls].append(node_id)
    style = rng.choice(("snake", "camel", "plain"))
    taken: set[str] = set()
    for kind in CATALOGUE:
        if rng.random() > relation_share:
            continue
        name = _styled(rng.choice(kind.names), style)
        if name in taken:
            continue
        taken.add(name)
        inverse_name = None
        base = kind.names[0]
        if base in INVERSES and rng.random() < 0.4:  # sometimes both directions are stored, under their own names
            inverse_name = _styled(rng.choice(INVERSES[base]), style)
            taken.add(inverse_name)
        for relation in (name, inverse_name):
            if relation and relation not in kg.schema.relations:
                text = humanize_relation(relation)
                kg.schema.relations[relation] = RelationSpec(relation, None, None, text, f"{text} (inverse)")
        for source in members[kind.domain]:
            if rng.random() > kind.share:
                continue
            for _ in range(rng.randint(*kind.per_node)):
                target = rng.choice(members[kind.range])
                if target == source or kg.find_edges(source, name, target):
                    continue
                kg.add_edge(Edge(source, name, target))
                if inverse_name:
                    kg.add_edge(Edge(target, inverse_name, source))
    return kg


def _styled(name: str, style: str) -> str:
    if style == "camel" and "_" in name:
        head, *rest = name.split("_")
        return head + "".join(w.capitalize() for w in rest)
    if style == "plain":
        return name.replace("_", " ") if "_" in name and len(name) < 14 else name
    return name
