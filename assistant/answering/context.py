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

_COUNT = re.compile(r"\b(how many|number of|count of|how much)\b", re.IGNORECASE)
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
    qualifiers: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    decade: int | None = None
    kind: str | None = None
    content: list[str] = field(default_factory=list)
    history: list = field(default_factory=list)


def asked_type(text: str, kg: KnowledgeGraph) -> str | None:
    """The node type the question's cue words ask for, among the KG's types (``None`` if none or untyped)."""
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
    tokens = lowered.split()
    for token in tokens:
        if token in ("who", "whom", "whose"):
            continue
        node_type = words.get(token)
        if node_type == "project" and "project" not in types and "movie" in types:
            return "movie"
        if node_type in types and node_type != "year":
            # "which genre", "what language": a type noun; "films" in "films by" asks for projects
            return node_type
    return None


def question_context(text: str, kg: KnowledgeGraph, history: list | None = None) -> QuestionContext:
    lowered = normalize_name(text)
    kind = None
    if "kind" in {k for n in list(kg.nodes.values())[:200] for k in (n.attributes or {})}:
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
