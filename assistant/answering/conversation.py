"""Follow-ups resolved against the conversation: "who directed Jaws?" → "what else did he make?" →
"and who wrote the music?" → "only the ones from the 80s".

A pronoun ("he", "she", "it", "they", "his", "that film") links to the previous turn's best answer
and, less strongly, to its entities; a question that names no entity at all ("and who wrote the
music?") gets the previous entities as links with an empty span, so every generator can read it as
a question about them; "only the ones from the 80s" is the refine generator's (previous answers,
narrowed). Every such link has the method ``history``, and the cited paths show whom "he" was taken
to mean.
"""

from __future__ import annotations

import re

from assistant.answering.context import role_words
from assistant.kg.graph import KnowledgeGraph
from assistant.parsing.cues import type_words
from assistant.parsing.links import Link

_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|theirs|it|its|that one|this one|"
                      r"(?:that|this|the same) (?:film|movie|show|person|guy|director|actor|one|company|studio))\b",
                      re.IGNORECASE)
_PERSONAL = frozenset({"he", "she", "him", "her", "his", "hers"})
_IMPERSONAL = frozenset({"it", "its"}) | {f"{d} {n}" for d in ("that", "this", "the same")
                                          for n in ("film", "movie", "show", "company", "studio")}
_DEMONSTRATIVE = re.compile(r"\b(?:that|this|the same|these|those) ([a-z]+)\b", re.IGNORECASE)
_FOLLOW_UP = re.compile(r"^\W*(and|also|what about|how about|only|just|but|ok and|so)\b", re.IGNORECASE)


def history_links(text: str, links: list[Link], history: list, kg: KnowledgeGraph | None = None) -> list[Link]:
    """Links to the conversation's entities for the pronouns and ellipses of ``text``."""
    if not history:
        return []
    previous = history[-1]
    answers = [a for a in getattr(previous, "answers", []) if not str(a.node_id).startswith("count:")]
    query = getattr(previous, "query", None)
    anchors = [a for a in getattr(query, "anchors", []) if a.node_id] if query is not None else []
    out: list[Link] = []
    strong = [lk for lk in links if lk.score >= 0.7]
    pronoun = _PRONOUN.search(text)
    named = _demonstrative(text, kg) if kg is not None else None
    if named is not None and not _of_type(answers + anchors, named[1]):
        named = None  # "what did he direct this year": no year was talked about, so "he" is the reference
    if named is not None:  # "that composer", "the same studio": the referent of the type the noun names
        pronoun, node_type = named
        answers, anchors = _of_type(answers, node_type), _of_type(anchors, node_type)
    if pronoun:
        start, end = pronoun.span()
        # "he"/"she" stand for a person and "it"/"that film" for a thing: the referents of the pronoun's kind
        # come first, and the others only when the previous turn has none of that kind
        word = pronoun.group().lower()
        if named is None and (word in _PERSONAL or word in _IMPERSONAL):
            personal = word in _PERSONAL
            if _agreeing(answers + anchors, personal):
                answers, anchors = _agreeing(answers, personal), _agreeing(anchors, personal)
        for rank, a in enumerate(answers[:2]):
            out.append(Link(a.node_id, pronoun.group(), start, end, "history", 0.9 - 0.15 * rank,
                            {"history_answer": 1.0, "method_history": 1.0, "coverage": 1.0}))
        for a in anchors[:2]:
            out.append(Link(a.node_id, pronoun.group(), start, end, "history", 0.7,
                            {"history_anchor": 1.0, "method_history": 1.0, "coverage": 1.0}))
    elif not strong or _FOLLOW_UP.search(text):
        # no entity named: the question goes on about the last one ("and who wrote the music?")
        for a in anchors[:2]:
            out.append(Link(a.node_id, "", len(text), len(text), "history", 0.8,
                            {"history_anchor": 1.0, "method_history": 1.0, "coverage": 0.0}))
        for a in answers[:1]:
            out.append(Link(a.node_id, "", len(text), len(text), "history", 0.6,
                            {"history_answer": 1.0, "method_history": 1.0, "coverage": 0.0}))
    seen = set()
    unique = []
    for link in out:
        key = (link.node_id, link.start, link.end)
        if key not in seen:
            seen.add(key)
            unique.append(link)
    return unique


def _agreeing(items: list, personal: bool) -> list:
    """The items (answers or anchors, with a ``type``) of a person type when ``personal``, of other types if not
    (the caller keeps them all when none of the previous turn's agrees: a KG without a person type)."""
    return [a for a in items if (getattr(a, "type", None) == "person") == personal]


def _demonstrative(text: str, kg: KnowledgeGraph) -> tuple[re.Match, str] | None:
    """"that composer", "this studio", "the same director": the phrase and the node type its noun names (a
    type noun or one of the schema's role nouns), when the KG has that type."""
    types = set(kg.node_types())
    nouns, roles = type_words(), role_words(kg)
    for match in _DEMONSTRATIVE.finditer(text):
        noun = match.group(1).lower()
        node_type = nouns.get(noun) or roles.get(noun)
        if node_type is None and noun.endswith(("er", "or", "ist")) and "person" in types:
            node_type = "person"  # "that animator", "this puppeteer": a person named by what they do
        if node_type in types:
            return match, node_type
    return None


def _of_type(items: list, node_type: str) -> list:
    return [a for a in items if getattr(a, "type", None) == node_type]
