"""What the closed-class words of a question say, before any entity or relation is chosen.

Wh-words and type nouns say what kind of answer is asked for ("who" a person, "when" a year,
"films" a project), "how many" asks for a count, "best"/"latest" order the answers, "like"/"similar"
hint at a similarity reading, years and decades filter. These are the grammar of questions, not
facts of a KG; relations and entities are left to the graph and the matcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.normalize import normalize_name
from assistant.parsing.cues import PROJECT_KINDS, find_decade, find_qualifiers, find_years, type_words
from assistant.parsing.links import STOPWORDS

_COUNT = re.compile(r"\b(how many|number of|count of|how much)\b|^\s*count\b", re.IGNORECASE)
_SIMILAR = re.compile(r"\b(like|similar|resembl\w*|vein of|reminds? me of|such as|same feel|comparable)\b",
                      re.IGNORECASE)
_OTHER = re.compile(r"\b(else|other|another|besides|apart from)\b", re.IGNORECASE)
_MOST = re.compile(r"\b(most|most often|the most|more than any)\b", re.IGNORECASE)
_WHERE_TYPES = ("country", "city", "location", "place", "region", "state")
_YEAR_Q = re.compile(r"\b(when|what year|which year|what date|release date|came out|come out)\b", re.IGNORECASE)
_WHO = re.compile(r"^\W*(who|whom|whose)\b|\b(who (is|was|are|were|did|does|played|plays|directed|wrote))\b",
                  re.IGNORECASE)
_RECOMMEND = re.compile(r"\b(recommend\w*|suggest\w*|looking for|is there|any good|something (?:with|about|like)|"
                        r"a (?:movie|film|show) (?:about|where|with|in which))\b", re.IGNORECASE)


@dataclass(slots=True)
class QuestionContext:
    """The question and its cues.

    Attributes:
        text: The question, normalised at the boundary.
        asked_type: The answer type the cue words ask for, if the KG has it.
        count: "how many": the answer is a number.
        most: "most", "most often": rank answers by how often the graph supports them.
        similar_cue: "like", "similar to".
        recommend: "recommend", "is there a movie about…": a description or a request.
        other: "else", "other": the entities already named are not answers.
        inferred: Answers predicted by link prediction may be proposed (labelled); off for stated facts only.
        qualifiers: ``good``/``best``/``popular``/``recent``/``old``.
        years, decade: Year filters named in the question.
        kind: A project kind ("documentary") when the KG's projects have kinds.
        content: The question's content words (not stopwords).
        history: Earlier turns of the conversation, oldest first.
    """

    text: str
    asked_type: str | None = None
    count: bool = False
    most: bool = False
    similar_cue: bool = False
    recommend: bool = False
    other: bool = False
    inferred: bool = True
    qualifiers: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    decade: int | None = None
    kind: str | None = None
    content: list[str] = field(default_factory=list)
    history: list = field(default_factory=list)


# Words before the head noun of a request: "which", "find me a", "i am looking for some", "list all the".
_LEAD = frozenset("""which what who whom whose how many much is are was were do does did can could would will
a an the some any all every one ones me us i im i'm we you please pls hey hi hello ok so um quick question
find list name show give tell get recommend suggest need want looking look for search searching there here
to of about know any good great best top famous popular recent new old classic other else more few several""".split())


_AUXILIARIES = frozenset("did do does has have had can could will would".split())  # not copulas: "what is the best X"
_CHUNK_END = frozenset("""of in on at by for with from about to into who whom whose that which where when is are was
were do does did has have had can could will would should and or but like as than made make directed starring
played worked work works lent""".split())


_ROLE_WORDS: dict[int, tuple[int, dict[str, str]]] = {}


def role_words(kg: KnowledgeGraph) -> dict[str, str]:
    """Role nouns of the schema ("director", "composer") -> the node type they name (a relation's source type)."""
    cached = _ROLE_WORDS.get(id(kg.schema))
    if cached is not None and cached[0] == len(kg.schema.relations):
        return cached[1]
    out: dict[str, str] = {}
    for spec in kg.schema.relations.values():
        for noun in spec.source_nouns:
            key = normalize_name(noun)
            if key and spec.source_type:
                out.setdefault(key, spec.source_type)
                out.setdefault(key + "s", spec.source_type)
                out.setdefault(key + "es", spec.source_type)
    _ROLE_WORDS[id(kg.schema)] = (len(kg.schema.relations), out)
    return out


def asked_type(text: str, kg: KnowledgeGraph) -> str | None:
    """The node type the question asks for, among the KG's types (``None`` if none is said or the KG is untyped).

    "who" asks for a person, "when"/"what year" for a year, "where" for a place. Otherwise it is the head
    noun of the request, the first noun after the lead words ("which *composers*…", "a *director* of…",
    "*films* by…"): a type noun ("films", "studios") or one of the schema's role nouns ("composer", which
    names a person). A type word later in the question ("…a theme park…") asks for nothing.
    """
    types = set(kg.node_types())
    if len(types) <= 1:
        return None
    if _YEAR_Q.search(text) and "year" in types:
        return "year"
    if _WHO.search(text) and "person" in types:
        return "person"
    lowered = normalize_name(text)
    if re.search(r"^where\b|\bwhere (is|was|did|does|are)\b", lowered):
        for t in types:
            if any(w in t for w in _WHERE_TYPES):
                return t
    words = type_words()
    roles = role_words(kg)
    tokens = lowered.split()
    rest = [t for t in tokens[1:3] if t not in ("else", "other")]
    if tokens[:1] == ["what"] and rest[:1] and rest[0] in _AUXILIARIES:
        return None  # "what (else) did X make": the object of the verb, whose type is not said
    start = next((i for i, t in enumerate(tokens) if t not in _LEAD), len(tokens))
    chunk: list[str] = []
    for token in tokens[start:start + 4]:  # the first noun phrase: up to a preposition, pronoun or verb
        if token in _CHUNK_END:
            break
        chunk.append(token)
    for token in reversed(chunk):  # its head is its last noun: "stop motion *animators*", "casting *directors*"
        node_type = words.get(token) or roles.get(token)
        if node_type == "project" and "project" not in types and "movie" in types:
            node_type = "movie"
        if node_type in types and node_type != "year":
            return node_type
        if token.endswith(("ers", "ors", "ists")) and "person" in types:
            return "person"  # "animators", "screenwriters", "puppeteers": people named by what they do
        if token not in STOPWORDS:
            return None  # the head noun names no type: the question does not say
    return None


_KINDS_SEEN: dict[int, tuple[KnowledgeGraph, int, bool]] = {}


def _has_kinds(kg: KnowledgeGraph) -> bool:
    """Whether any node has a ``kind`` attribute (documentary, series...): only then are kind words filters.
    Every node is looked at once per KG version (a sample of the first nodes may hold no project at all)."""
    seen = _KINDS_SEEN.get(id(kg))
    if seen is None or seen[0] is not kg or seen[1] != kg.version:
        found = any("kind" in (n.attributes or {}) for n in kg.nodes.values())
        seen = _KINDS_SEEN[id(kg)] = (kg, kg.version, found)
    return seen[2]


def question_context(text: str, kg: KnowledgeGraph, history: list | None = None) -> QuestionContext:
    lowered = normalize_name(text)
    kind = None
    if _has_kinds(kg):
        padded = f" {lowered} "
        for word, value in sorted(PROJECT_KINDS.items(), key=lambda kv: -len(kv[0])):
            if value != "film" and f" {word} " in padded:
                kind = value
                break
    return QuestionContext(
        text=text, asked_type=asked_type(text, kg), count=bool(_COUNT.search(text)), most=bool(_MOST.search(text)),
        similar_cue=bool(_SIMILAR.search(text)), recommend=bool(_RECOMMEND.search(text)),
        other=bool(_OTHER.search(text)),
        qualifiers=find_qualifiers(text), years=find_years(text), decade=find_decade(text), kind=kind,
        content=[w for w in lowered.split() if w not in STOPWORDS], history=list(history or []))
