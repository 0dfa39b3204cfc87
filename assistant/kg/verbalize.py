"""Relation paths in words, from the schema's verbalisations or, for a KG without them, from the
relation names themselves.

One module decides how a path is said, because three places must agree: the answering pipeline
scores a question against these phrases with the matcher, the matcher's training generates
questions around them, and explanations quote them. A path is read from the question's entity
(the mask, ``NE``) outwards, the way English nests it: ``(^acted_in, directed)`` from an actor is
"the person who directed the film starring NE".

Every phrase is classified by its form (:func:`phrase_kind`), because the form decides the grammar:
"genre of" names the answer ("the genre of NE"), "directed by" is passive ("the films directed by
NE"), "directed" is active ("the person who directed NE"), and a relation known only by its name
is a noun ("parents": "the parents of NE", inverse "the one whose parents is NE"), a noun with "of"
("capital of": "the capital of NE" is its inverse) or a verb ("lives in").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.schema import RelationSpec, humanize_relation
from assistant.query import PathStep

MASK = "NE"  # stands for the question's entity, in questions and in verbalisations alike
AUTO_INVERSE = "(inverse)"  # the marker Schema.relation() and the triples loader give text-less inverses

PREPOSITIONS = frozenset("in from about with by for on at of into under as to over".split())
COPULAS = frozenset("has have had is are was were does".split())
# Passive participles: "released in" reads "the film released in 1977", unlike the active "acted in".
PARTICIPLES = frozenset("""tagged released based produced made set written directed shot filmed edited designed
animated voiced spoken distributed owned founded headquartered photographed scored cast started created known
described located born buried situated named married employed educated published adapted composed performed
drawn done taken given built run led held sung sold won chosen seen""".split())
# Common verbs that are not participles but head a phrase ending in "of" ("did the animation of").
VERBS = frozenset("did do does made make tells tell deals deal belongs belong comes come lent lend wrote".split())
# Nouns that end in -ing, which would otherwise read as verbs ("sibling", "offspring").
_ING_NOUNS = frozenset("sibling siblings offspring thing king ring string spring wing building painting setting "
                       "ending meaning rating recording wedding feeling housing clothing morning evening ceiling "
                       "funding ranking listing booking".split())
# Third-person verbs that name a relation alone ("knows", "owns"), which would otherwise read as plural nouns.
_S_VERBS = frozenset("knows loves likes follows owns plays speaks wins holds uses contains includes employs features "
                     "stars teaches studies supports sponsors produces directs writes creates hosts manages "
                     "coaches trains influences precedes succeeds".split())
# Plural nouns that start a compound relation name ("awards won", "films directed"): not verbs.
_PLURAL_HEADS = frozenset("awards films movies works books songs albums parents children siblings friends members "
                          "places languages genres people characters products subjects honors titles".split())
_NOTES = re.compile(r"\((?:inverse|company|studio)\)")

TYPE_NOUNS: dict[str, tuple[str, str]] = {
    "project": ("film", "films"), "person": ("person", "people"), "movie": ("movie", "movies"),
    "entity": ("one", "ones"), "synset": ("word", "words"), "company": ("company", "companies"),
    "country": ("country", "countries"), "votes": ("number of votes", "numbers of votes"),
    "rating": ("rating", "ratings"), "franchise": ("franchise", "franchises"), "year": ("year", "years"),
}


def type_noun(node_type: str | None, plural: bool = False) -> str:
    """A readable noun for a node type: ``project`` -> ``film``; unknown types use their own name."""
    if not node_type:
        return "ones" if plural else "one"
    if node_type in TYPE_NOUNS:
        return TYPE_NOUNS[node_type][plural]
    words = node_type.replace("_", " ").replace("/", " ").strip()
    if not plural:
        return words
    return words[:-1] + "ies" if words.endswith("y") and words[-2:-1] not in "aeiou" else words + "s"


def clean(text: str) -> str:
    """A verbalisation without the schema's disambiguating notes: ``produced by (company)`` -> ``produced by``."""
    return " ".join(_NOTES.sub("", text).split())


def relation_words(relation: str) -> str:
    """Words for a relation id that has no text of its own.

    Plain names are humanised (``place_of_birth`` and ``placeOfBirth`` -> ``place of birth``); a Freebase
    path keeps its meaningful properties (``/people/person/spouse_s./people/marriage/spouse`` -> ``spouse``,
    ``/organization/organization/headquarters./location/mailing_address/country`` -> ``headquarters country``).
    """
    if relation.startswith("/") and relation.count("/") >= 3:
        props = [humanize_relation(part.strip("/").split("/")[-1]) for part in relation.split(".")]
        props = [re.sub(r"\bs$", "", p).strip() for p in props if p]
        if not props:
            return humanize_relation(relation)
        last = props[-1]
        if len(props) > 1 and last not in props[0]:
            return f"{props[0]} {last}"
        return props[0]
    return humanize_relation(relation)


def is_auto(spec: RelationSpec) -> bool:
    """Whether the relation's text was made up from its id (no schema verbalisation was given)."""
    return spec.inverse.endswith(AUTO_INVERSE)


def _verbish(word: str) -> bool:
    return word in COPULAS or word in PARTICIPLES or word in VERBS or word.endswith("ed") or (
        word.endswith("ing") and word not in _ING_NOUNS)


def phrase_kind(text: str) -> str:
    """The grammatical form of a schema verbalisation, read from the answer to the known node.

    ``type_of`` ("genre of"), ``copula`` ("is part of"), ``credit`` ("music by"), ``passive``
    ("directed by", "released in"), ``prepositional`` ("starring", "with the voice of") or ``active``
    ("directed", "composed the music for").
    """
    words = text.split()
    if not words:
        return "active"
    head = words[0]
    if text.endswith(" of") and 0 < len(words) - 1 <= 3 and not _verbish(head) and head not in PREPOSITIONS:
        return "type_of"
    if head in COPULAS:
        return "copula"
    if text.endswith(" by") and not _verbish(head):
        return "credit"
    if head in PARTICIPLES and len(words) > 1 and (words[1] in PREPOSITIONS or text.endswith(" by")):
        return "passive"
    if text.endswith(" by"):
        return "passive"
    if head in PREPOSITIONS or (head.endswith("ing") and head not in _ING_NOUNS):
        return "prepositional"
    return "active"


def name_kind(words: str) -> str:
    """The form of a relation known only by its name: ``noun`` (parents), ``noun_of`` (capital of),
    ``credit`` (score by), ``passive`` (located in, married to) or ``verb`` (lives in, has part)."""
    tokens = words.split()
    if not tokens:
        return "noun"
    head, last = tokens[0], tokens[-1]
    if len(tokens) > 1 and last == "of" and not _verbish(head):
        return "noun_of"
    if len(tokens) > 1 and last == "by" and not _verbish(head):
        return "credit"
    if len(tokens) > 1 and last in PREPOSITIONS and (head in PARTICIPLES or head.endswith("ed")):
        return "passive"  # "located in", "married to"; "won award" is active
    if (len(tokens) > 1 and last in PREPOSITIONS) or head in COPULAS or head in _S_VERBS or _verbish(head) or (
            len(tokens) > 1 and head.endswith("s") and not head.endswith("ss") and head not in _PLURAL_HEADS):
        return "verb"  # "plays instrument", "speaks language": a verb and its object
    return "noun"


@dataclass(frozen=True, slots=True)
class StepText:
    """How one step is said, from the known node to the answer.

    Attributes:
        text: For a schema relation, the answer-side phrase read answer -> known node (``directed by``
            for a director's films, ``directed`` for a film's director); for a relation known only by
            name, its words (``place of birth``).
        kind: :func:`phrase_kind` of a schema phrase, :func:`name_kind` of a name, or ``role``.
        role: A noun for the answer when the schema names one (``director``), else ``""``.
        auto: The words are the relation's name, not a schema verbalisation.
    """

    text: str
    kind: str
    role: str = ""
    auto: bool = False


def step_text(kg: KnowledgeGraph, step: PathStep) -> StepText:
    """The words of one step: the answer is the edge's target for a forward step, its source for an inverse one."""
    spec = kg.schema.relation(step.relation)
    if is_auto(spec):
        # a Freebase path's own words beat its relation2text ("people person spouse s. people marriage spouse")
        words = relation_words(step.relation) if step.relation.startswith("/") else \
            humanize_relation(clean(spec.forward))
        return StepText(words, name_kind(words), auto=True)
    if step.inverse and spec.source_nouns:
        return StepText(clean(spec.forward), "role", spec.source_nouns[0])
    text = clean(spec.forward if step.inverse else spec.inverse)
    return StepText(text, phrase_kind(text))


def attach(step: StepText, inner: str, answer_type: str | None, inverse: bool) -> str:
    """A noun phrase for the answers of one step around ``inner`` (the known node, or a nested phrase)."""
    noun = type_noun(answer_type)
    pronoun = "who" if answer_type == "person" else "that"
    text, kind = step.text, step.kind
    if kind == "role":
        return f"the {step.role} of {inner}"
    if step.auto:
        if kind == "noun":
            return f"the {text} of {inner}" if not inverse else f"the {noun} whose {text} is {inner}"
        if kind == "noun_of":  # "h capital of t": the capital of NE is an inverse step
            return f"the {noun} that {inner} is {text}" if not inverse else f"the {text} {inner}"
        if kind == "credit":  # "h score by t": t did the score of h
            head = text[:-3]
            return f"the {noun} who did the {head} of {inner}" if not inverse else f"the {noun} with {text} {inner}"
        if kind == "passive":
            return f"the {noun} {inner} is {text}" if not inverse else f"the {noun} {text} {inner}"
        return f"the {noun} {pronoun} {inner} {text}" if not inverse else f"the {noun} {pronoun} {text} {inner}"
    if kind == "type_of":
        return f"the {text} {inner}"
    if kind == "copula":
        return f"the {noun} {pronoun} {text} {inner}"
    if kind == "credit":
        return f"the {noun} with {text} {inner}"
    if kind in ("passive", "prepositional"):
        return f"the {noun} {text} {inner}"
    return f"the {noun} {pronoun} {text} {inner}"


def end_types(kg: KnowledgeGraph) -> dict[tuple[str, str, bool], Counter]:
    """``(start type, relation, inverse) -> Counter(end type)`` over the KG's edges."""
    out: dict[tuple[str, str, bool], Counter] = {}
    for edge in kg.iter_edges():
        s, t = kg.nodes[edge.source].type, kg.nodes[edge.target].type
        out.setdefault((s, edge.relation, False), Counter())[t] += 1
        out.setdefault((t, edge.relation, True), Counter())[s] += 1
    return out


def path_types(kg: KnowledgeGraph, start_type: str, steps: Sequence[PathStep],
               types: dict[tuple[str, str, bool], Counter] | None = None) -> list[str | None]:
    """The commonest node type after each step (``None`` where the data has no such step)."""
    types = types if types is not None else end_types(kg)
    out: list[str | None] = []
    current: str | None = start_type
    for step in steps:
        counts = types.get((current, step.relation, step.inverse)) if current else None
        current = counts.most_common(1)[0][0] if counts else None
        out.append(current)
    return out


def verbalise(kg: KnowledgeGraph, steps: Sequence[PathStep], answer_types: Sequence[str | None],
              anchor: str = MASK) -> str:
    """The answers of a path from ``anchor`` as a noun phrase: ``the person who directed the films starring NE``.

    ``answer_types[i]`` is the node type reached by step ``i`` (see :func:`path_types`).
    """
    phrase = anchor
    for i, step in enumerate(steps):
        phrase = attach(step_text(kg, step), phrase, answer_types[i], step.inverse)
    return phrase


def typed_paths(kg: KnowledgeGraph, max_hops: int = 2, limit: int = 20_000,
                types: dict[tuple[str, str, bool], Counter] | None = None
                ) -> list[tuple[tuple[PathStep, ...], tuple[str, ...]]]:
    """The KG's relation paths by node type (from its edges), up to ``max_hops``: what questions can
    ask of each type, e.g. for warming the matcher's cache before the first question."""
    types = types if types is not None else end_types(kg)
    by_start: dict[str, list[tuple[PathStep, str]]] = {}
    for (start, relation, inverse), ends in types.items():
        by_start.setdefault(start, []).append((PathStep(relation, inverse), ends.most_common(1)[0][0]))
    out: list[tuple[tuple[PathStep, ...], tuple[str, ...]]] = []
    level = [((), (start,)) for start in by_start]
    for _ in range(max_hops):
        nxt = []
        for steps, reached in level:
            for step, end in by_start.get(reached[-1], ()):
                item = (steps + (step,), reached + (end,))
                out.append((item[0], item[1][1:]))
                nxt.append(item)
                if len(out) >= limit:
                    return out
        level = nxt
    return out


# ---- English morphology the verbalisations and the question generator share ------------------------------

_IRREGULAR = {"wrote": "write", "made": "make", "shot": "shoot", "cut": "cut", "was": "be", "were": "be",
              "lent": "lend", "did": "do", "chose": "choose", "set": "set", "led": "lead", "had": "have",
              "came": "come", "began": "begin", "told": "tell", "took": "take", "gave": "give", "is": "be",
              "has": "have", "founded": "found", "sang": "sing", "won": "win", "drew": "draw", "ran": "run"}


def base_form(verb: str) -> str:
    """``scored`` -> ``score``, ``acted in`` -> ``act in``, ``lives in`` -> ``live in``."""
    words = verb.split()
    if not words:
        return verb
    head = words[0]
    if head in _IRREGULAR:
        head = _IRREGULAR[head]
    elif head.endswith("ied") and len(head) > 4:
        head = head[:-3] + "y"
    elif head.endswith("ed") and len(head) > 4:
        stem = head[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            stem = stem[:-1]  # starred -> star
        elif stem.endswith(("at", "c", "s", "v", "z", "g", "u", "or", "ir", "in", "ur", "as")) and \
                not stem.endswith(("ss", "ng", "rn", "ain")):
            stem += "e"  # created, produced, composed, voiced, scored
        head = stem
    elif head.endswith("es") and head[:-2].endswith(("ch", "sh", "ss", "x")):
        head = head[:-2]
    elif head.endswith("s") and not head.endswith("ss"):
        head = head[:-1]
    return " ".join([head, *words[1:]])


def singular(word: str) -> str:
    """A crude English singular: ``operas`` -> ``opera``, ``comedies`` -> ``comedy`` (``1980s`` stays)."""
    if word[:-1].isdigit():
        return word
    if word in ("children", "people"):
        return {"children": "child", "people": "person"}[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def plural(word: str) -> str:
    """A crude English plural of a noun phrase's last word: ``director`` -> ``directors``, ``child`` -> ``children``."""
    words = word.split()
    last = words[-1]
    irregular = {"child": "children", "person": "people", "man": "men", "woman": "women", "wife": "wives"}
    if last in irregular:
        last = irregular[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return " ".join([*words[:-1], last])
