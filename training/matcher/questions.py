"""Training questions for the reading matcher, generated from any KG.

For a sampled entity, :func:`~assistant.traversal.discover_paths` lists the relation paths that
really exist from it; one path is put into words the way different people ask (nested noun phrases,
possessives, relative clauses, "who directed …", "what year did … come out", lower case, dropped
articles, typos) and paired with that path's canonical verbalisation
(:func:`assistant.kg.verbalize.verbalise`), the text the matcher compares questions with at answer
time. The other paths from the same entity are the hard negatives: what the matcher must learn is
which of the readings the graph offers *this* question means.

Words come from the schema (verbalisations both ways, paraphrases, role nouns), from WordNet when
installed (:mod:`training.matcher.lexicon`: "mom" for ``parents``, "kids" for its inverse), and from a
small phrasebook of how English asks about common concepts (``where was X born`` for a birthplace),
keyed by the relation's own words, so it applies to any KG that names its relations.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.verbalize import (
    MASK,
    StepText,
    base_form,
    clean,
    phrase_kind,
    plural,
    singular,
    step_text,
    type_noun,
    verbalise,
)
from assistant.query import PathStep
from assistant.traversal import PathReach, discover_paths
from training.matcher.lexicon import Lexicon

SIMILAR = "similar"  # the verbalisation of the similarity reading: "films similar to NE"
IDENTITY = "identity"


@dataclass(frozen=True, slots=True)
class MatcherExample:
    """One training question for the matcher.

    Attributes:
        masked: The question with its entity replaced by :data:`MASK`.
        positive: The verbalisation of the reading it asks for.
        negatives: Verbalisations of other readings the graph offers for the same entity.
        kind: ``1-hop``, ``2-hop``, ``3-hop``, ``identity``, ``similar`` or ``character``.
        kg: Name of the KG it was generated from.
    """

    masked: str
    positive: str
    negatives: tuple[str, ...]
    kind: str
    kg: str


def similar_text(answer_type: str | None) -> str:
    return f"{type_noun(answer_type, plural=True)} similar to {MASK}"


def character_text() -> str:
    return f"the person who played the character {MASK}"


# How English asks about common concepts, keyed by words of the relation: (keys, forward, inverse).
# "{x}" is the known entity's phrase; forward forms ask for the edge's target, inverse ones for its source.
PHRASEBOOK: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("birth", "born"), ("where was {x} born", "where is {x} from originally", "{x}'s hometown",
                         "the hometown of {x}", "the place {x} was born"),
     ("who was born in {x}", "people born in {x}", "who comes from {x}")),
    (("death", "died"), ("where did {x} die", "the place {x} died"), ("who died in {x}",)),
    (("lived", "lives", "residence", "live"), ("where does {x} live", "where did {x} live", "{x}'s home town"),
     ("who lives in {x}", "people living in {x}", "residents of {x}")),
    (("nationality", "citizenship"), ("what country is {x} from", "where is {x} from", "what nationality is {x}",
                                      "{x}'s country"), ("who is from {x}", "people from {x}", "citizens of {x}")),
    (("spouse", "married", "marriage", "wife", "husband", "partner"),
     ("who is {x} married to", "who did {x} marry", "{x}'s other half", "who is {x}'s partner"),
     ("who is married to {x}", "who married {x}")),
    (("children", "child", "son", "daughter", "kids"), ("{x}'s kids", "who are {x}'s children", "the kids of {x}"),
     ("{x}'s parents", "who are the parents of {x}")),
    (("parents", "parent", "father", "mother"), ("who are {x}'s parents", "who raised {x}", "{x}'s folks",
                                                 "the parents of {x}"),
     ("the kids of {x}", "{x}'s kids", "who are {x}'s children", "the offspring of {x}")),
    (("sibling", "siblings", "brother", "sister"), ("{x}'s brothers and sisters", "who are {x}'s siblings"),
     ("{x}'s brothers and sisters",)),
    (("employer", "employment", "works", "worked"), ("where does {x} work", "who does {x} work for",
                                                     "{x}'s employer"), ("who works for {x}", "employees of {x}")),
    (("occupation", "profession", "job"), ("what does {x} do for a living", "what is {x}'s job",
                                           "what does {x} do"), ("who works as {x}", "people who are {x}")),
    (("educated", "education", "school", "university", "institution", "alma"),
     ("where did {x} study", "where did {x} go to school", "which university did {x} attend"),
     ("who studied at {x}", "alumni of {x}")),
    (("located", "location", "contains", "country", "city", "headquarters", "region"),
     ("where is {x}", "where is {x} located", "what place is {x} in"), ("what is in {x}", "places in {x}")),
    (("language", "languages"), ("what language is {x} in", "which language does {x} use", "{x} language"),
     ("what is in {x}", "things in {x}")),
    (("year", "date", "released", "release"), ("when was {x} released", "what year did {x} come out",
                                               "when did {x} come out", "what year is {x} from"),
     ("what came out in {x}", "releases from {x}")),
    (("genre", "genres"), ("what kind of thing is {x}", "what type of genre is {x}", "{x} genre"),
     ("examples of {x}",)),
    (("directed", "director"), ("who directed {x}", "who made {x}", "{x} director"), ("what did {x} direct",)),
    (("written", "wrote", "writer", "author", "screenplay"), ("who wrote {x}", "the author of {x}"),
     ("what did {x} write",)),
    (("starring", "actor", "actors", "cast", "acted", "starred"), ("who is in {x}", "who starred in {x}",
                                                                    "the cast of {x}"),
     ("what is {x} in", "what has {x} been in", "what did {x} act in")),
    (("music", "composer", "composed", "scored"), ("who did the music for {x}", "who scored {x}"),
     ("what did {x} score",)),
)

IDENTITY_FORMS = ("{x}", "who is {x}", "what is {x}", "tell me about {x}", "{x}?", "information about {x}",
                  "what do you know about {x}", "who was {x}", "look up {x}", "details on {x}", "show me {x}",
                  "i want to know about {x}", "{x} info", "anything on {x}", "the {t} {x}", "{x} {t}",
                  "{x} the {t}", "that {t} {x}", "search {x}")
SIMILAR_FORMS = ("{t} like {x}", "{t} similar to {x}", "something like {x}", "if i liked {x} what else would i like",
                 "recommend {t} like {x}", "more {t} like {x}", "anything similar to {x}", "{t} in the vein of {x}",
                 "what should i watch after {x}", "{x} but different", "stuff like {x}", "similar {t} to {x}")
CHARACTER_FORMS = ("who played {x}", "who plays {x}", "who voiced {x}", "who was {x}", "the actor who played {x}",
                   "who portrayed {x}", "who is the voice of {x}", "{x} actor", "who was cast as {x}")
FRAMES = ("what is {np}", "what are {np}", "{np}", "{np}?", "tell me {np}", "name {np}", "list {np}",
          "give me {np}", "show me {np}", "do you know {np}", "i'd like to know {np}", "find {np}",
          "can you tell me {np}", "{np} please", "which is {np}", "what was {np}", "any idea what {np} is",
          "looking for {np}", "quick question: {np}?")
PERSON_FRAMES = ("who is {np}", "who are {np}", "who was {np}", "who were {np}", "who's {np}")
# Everyday nouns for common node types (WordNet's synonyms of "film" include "moving-picture show").
TYPE_VARIANTS = {"project": ("movie", "film", "picture", "title", "flick"), "movie": ("film", "movie", "picture"),
                 "person": ("person", "someone", "individual"), "company": ("studio", "company", "firm"),
                 "keyword": ("theme", "topic", "keyword"), "tag": ("tag", "topic", "label")}
_CLAUSE = re.compile(r"\b(that|who|which|whose|whom)\b")
FILLERS = ("", "", "", "", "hey ", "hi, ", "um ", "so ", "ok ", "please: ", "question: ")


@dataclass
class _Words:
    """The ways one step can be said (see :meth:`QuestionGenerator._step_words`)."""

    nps: list[str]  # noun phrases for the answers around "{x}"
    clauses: list[str]  # whole questions around "{x}" ("who directed {x}", "what did {x} direct")


class QuestionGenerator:
    """Generates :class:`MatcherExample` s from one KG (seeded, so a run is reproducible)."""

    def __init__(self, kg: KnowledgeGraph, lexicon: Lexicon | None = None, seed: int = 0,
                 max_hops: int = 3) -> None:
        self.kg = kg
        self.lexicon = lexicon or Lexicon(enabled=False)
        self.rng = random.Random(seed)
        self.max_hops = max_hops
        self._characters: list[str] | None = None
        self.categories = category_types(kg)
        self._anchor: str | None = None

    # ---- words for one step ---------------------------------------------------------------
    def _type_nouns(self, node_type: str | None) -> list[str]:
        base = type_noun(node_type)
        if base in ("one", "word"):
            return [base]
        if node_type in TYPE_VARIANTS:
            return [base, *TYPE_VARIANTS[node_type]]
        return [base, *[w for w in self.lexicon.nouns(base, kinds=False, min_count=1) if len(w.split()) <= 2][:3]]

    def _step_words(self, step: PathStep, text: StepText, answer_type: str | None) -> _Words:
        spec = self.kg.schema.relation(step.relation)
        rng = self.rng
        tn = rng.choice(self._type_nouns(answer_type))
        tnp = plural(tn) if tn != "one" else "ones"
        who = "who" if answer_type == "person" else rng.choice(("that", "which"))
        wh = "who" if answer_type in ("person", "entity", None) else "what"
        nps: list[str] = []
        clauses: list[str] = []
        if text.auto:
            nps, clauses = self._name_words(step, text, tn, tnp, who, wh)
        else:
            forward = [clean(v) for v in (spec.forward, *spec.paraphrases)]
            inverse = [clean(v) for v in (spec.inverse, *spec.inverse_paraphrases)]
            answer_side = forward if step.inverse else inverse  # read answer -> known node
            nps += [_attach(v, tn, tnp, who) for v in answer_side]
            # the answer does what an active answer-side verb says: its doer has a name ("wrote" -> writer)
            agents = [n for v in answer_side if phrase_kind(v) == "active" for n in self.lexicon.agent_nouns(v)]
            for role in list(dict.fromkeys(agents))[:2]:
                nps += [f"the {role} of {{x}}", f"{{x}}'s {role}", f"{plural(role)} of {{x}}", f"the {role} for {{x}}"]
                clauses += [f"who was the {role} of {{x}}", f"who are the {plural(role)} of {{x}}"]
            if step.inverse:
                roles = (*spec.source_nouns, *self.lexicon.nouns(spec.source_nouns[0], kinds=False, min_count=2)[:2]) \
                    if spec.source_nouns else ()
                for role in roles:
                    nps += [f"the {role} of {{x}}", f"{{x}}'s {role}", f"{plural(role)} of {{x}}",
                            f"the {role} for {{x}}", f"{{x}} {role}"]
                    clauses += [f"who was the {role} of {{x}}", f"who was {{x}}'s {role}"]
                for v in forward:
                    if phrase_kind(v) == "active":
                        clauses += [f"{wh} {v} {{x}}", f"which {tn} {v} {{x}}", f"{tnp} {who} {v} {{x}}"]
            else:
                for v in forward:
                    kind = phrase_kind(v)
                    if kind == "active":
                        base = base_form(v)
                        nps += [f"the {tnp} {{x}} {v}", f"{tnp} that {{x}} {v}"]
                        clauses += [f"what {tnp} did {{x}} {base}", f"which {tnp} did {{x}} {base}",
                                    f"what did {{x}} {base}", f"{tnp} {{x}} {v}"]
                    elif kind == "passive":  # MetaQA's "directed by": a film is directed by its director
                        nps += [f"the {tn} {{x}} was {v}", f"the {tnp} {{x}} is {v}"]
                        clauses += [f"{wh} was {{x}} {v}", f"{wh} is {{x}} {v}"]
                for v in inverse:
                    if phrase_kind(v) == "type_of":
                        head = v[:-3]
                        nps += [f"{{x}}'s {head}", f"the {head} of {{x}}"]
                        clauses += [f"what {head} is {{x}}", f"{{x}} {head}?", f"what's the {head} of {{x}}"]
        if not text.auto:  # echo questions, the answer last: "the movies starring NE were directed by who"
            known_side = clean(spec.inverse if step.inverse else spec.forward)  # read known node -> answer
            if phrase_kind(known_side) == "passive":
                ask = "who" if answer_type in ("person", None) else "what"
                clauses += [f"{{x}} was {known_side} {ask}", f"{{x}} were {known_side} {ask}",
                            f"{{x}} {known_side} {ask}?", f"{{x}} is {known_side} {ask}"]
        keys = set(re.findall(r"[a-z]+", (text.text + " " + " ".join(spec.source_nouns)).lower()))
        for concepts, forward_forms, inverse_forms in PHRASEBOOK:
            if keys & set(concepts):
                clauses += list(inverse_forms if step.inverse else forward_forms)
                break
        if not nps:
            nps.append(verbalise(self.kg, [step], [answer_type], "{x}"))
        return _Words(nps, clauses)

    def _name_words(self, step: PathStep, text: StepText, tn: str, tnp: str, who: str,
                    wh: str) -> tuple[list[str], list[str]]:
        """Ways to say a step of a relation known only by its name (see :func:`~assistant.kg.verbalize.name_kind`)."""
        words, kind = text.text, text.kind
        nps: list[str] = []
        clauses: list[str] = []
        # WordNet knows single words and its own compounds, not "tv regular personal appearances"
        lexical = len(words.split()) == 1 or bool(self.lexicon.nouns(words.replace(" ", "_")))
        if kind == "noun":
            head = singular(words.split()[-1])
            if not step.inverse:
                nouns = [words, singular(words), *(self.lexicon.nouns(head)[:12] if lexical else ())]
                for n in nouns:
                    nps += [f"the {n} of {{x}}", f"{{x}}'s {n}", f"{n} of {{x}}", f"the {plural(n)} of {{x}}",
                            f"{{x}}'s {n}", f"{{x}}'s {n}"]  # possessives are how people ask ("X's mom")
                clauses += [f"what is {{x}}'s {words}", f"{wh} is {{x}}'s {self.rng.choice(nouns)}",
                            f"{wh} is the {self.rng.choice(nouns)} of {{x}}"]
            else:
                for m in (self.lexicon.inverse_nouns(head)[:8] if lexical else ()):
                    nps += [f"the {plural(m)} of {{x}}", f"{{x}}'s {plural(m)}", f"{{x}}'s {m}", f"the {m} of {{x}}"]
                nps += [f"the {tn} whose {words} is {{x}}", f"{tnp} with {{x}} as {words}",
                        f"{tnp} that have {{x}} as their {words}", f"the {tn} whose {singular(words)} is {{x}}"]
                clauses += [f"who has {{x}} as {words}", f"whose {words} is {{x}}", f"{wh} has {{x}} as their {words}"]
        elif kind == "noun_of":  # "h capital of t": the capital of NE is the inverse step
            head = words[:-3]
            if step.inverse:
                nouns = [head, *(self.lexicon.nouns(head.split()[-1], kinds=False)[:4] if lexical else ())]
                for n in nouns:
                    nps += [f"the {n} of {{x}}", f"{{x}}'s {n}", f"{plural(n)} of {{x}}"]
                clauses += [f"{wh} is the {head} of {{x}}", f"{wh} are {{x}}'s {plural(head)}"]
            else:
                nps += [f"the {tn} {{x}} is {words}", f"what {{x}} is the {words}"]
                clauses += [f"what is {{x}} the {words}", f"{{x}} is {words} what", f"{wh} is {{x}} a {words}"]
        elif kind == "credit":  # "h score by t": t did the score of h
            head = words[:-3]
            if not step.inverse:
                nps += [f"the {tn} who did the {head} of {{x}}", f"the {head} person of {{x}}"]
                clauses += [f"who did the {head} of {{x}}", f"who did the {head} for {{x}}"]
            else:
                nps += [f"the {tnp} with {words} {{x}}", f"{tnp} with {head} by {{x}}"]
                clauses += [f"what did {{x}} do the {head} of"]
        elif kind == "passive":  # "located in", "married to", "born in"
            if not step.inverse:
                nps += [f"the {tn} {{x}} is {words}", f"what {{x}} is {words}"]
                clauses += [f"what is {{x}} {words}", f"{wh} is {{x}} {words}", f"{{x}} is {words} what"]
            else:
                nps += [f"the {tnp} {words} {{x}}", f"{tnp} that are {words} {{x}}"]
                clauses += [f"what is {words} {{x}}", f"{wh} is {words} {{x}}"]
        else:  # a verb: "lives in", "works for", "has part", "knows"
            if not step.inverse:
                nps += [f"the {tn} {{x}} {words}", f"the {tn} that {{x}} {words}"]
                clauses += [f"what does {{x}} {base_form(words)}", f"{wh} does {{x}} {base_form(words)}"]
            else:
                nps += [f"the {tnp} {who} {words} {{x}}", f"{tnp} {words} {{x}}"]
                clauses += [f"{wh} {words} {{x}}", f"{wh} {'are' if words.split()[0] == 'is' else ''} {words} {{x}}"]
        return nps, [" ".join(c.split()) for c in clauses]

    # ---- questions ----------------------------------------------------------------------
    def realise(self, steps: Sequence[PathStep], types: Sequence[str | None]) -> str:
        """One way a person might ask for the answers of ``steps`` from the masked entity."""
        rng = self.rng
        inner = MASK
        first = 0
        compact = self._category_forms(steps, types) if rng.random() < 0.4 else None
        if compact:
            frames = FRAMES + (PERSON_FRAMES if types and types[-1] == "person" else ()) + (
                "recommend some {np}", "any good {np}?", "i need {np}", "looking for {np}")
            return _noise(rng.choice(frames).replace("{np}", compact), rng)
        shared = self._shared(steps, types)
        if shared and rng.random() < 0.6:  # "films that share a director with NE"
            inner, first = shared, 2
            if len(steps) == 2:
                frames = (*FRAMES, "which {np}", "other {np}")
                return _noise(rng.choice(frames).replace("{np}", inner), rng)
        for i, step in enumerate(steps):
            if i < first:
                continue
            words = self._step_words(step, step_text(self.kg, step), types[i])
            last = i == len(steps) - 1
            if last and words.clauses and rng.random() < 0.5:
                return _noise(rng.choice(words.clauses).replace("{x}", inner), rng)
            nps = words.nps
            if _CLAUSE.search(inner) or " of " in inner or len(inner.split()) > 3:
                # "X's" only on a name or a possessive: "the nationality of NE's medals" reads as NE's medals
                nps = [n for n in nps if "{x}'s" not in n and not n.startswith("{x} ")] or nps
            inner = rng.choice(nps).replace("{x}", inner)
        frames = FRAMES + (PERSON_FRAMES * 2 if types and types[-1] == "person" else ())
        return _noise(rng.choice(frames).replace("{np}", inner), rng)

    def _category_forms(self, steps: Sequence[PathStep], types: Sequence[str | None]) -> str | None:
        """"horror movies", "stop-motion experts", "western cinematographers": a category named before the
        noun it qualifies, the commonest way to ask for what a genre, skill or language groups."""
        start = self.kg.nodes.get(self._anchor or "")
        if start is None or start.type not in self.categories or not steps:
            return None
        rng = self.rng
        first = types[0]
        nouns = ["people", "experts", "specialists", "artists", "professionals"] if first == "person" else \
            [plural(n) for n in self._type_nouns(first)]
        if len(steps) == 1:
            noun = rng.choice(nouns)
            return rng.choice([f"{MASK} {noun}", f"{MASK} {noun}", f"{noun} in {MASK}", f"{MASK}-related {noun}"])
        if len(steps) == 2:
            roles = [r for r in self._roles(steps[1]) if not step_text(self.kg, steps[1]).auto]
            if roles:
                role = rng.choice(roles)
                inner = rng.choice(nouns)
                return rng.choice([f"{MASK} {plural(role)}", f"{plural(role)} of {MASK} {inner}",
                                   f"a {role} of {MASK} {inner}", f"{MASK} {inner} {plural(role)}"])
        return None

    def _roles(self, step: PathStep) -> list[str]:
        """Nouns for the answers of a step: the schema's role noun, or WordNet's doer of its active verb."""
        text = step_text(self.kg, step)
        roles = [text.role] if text.role else []
        if not text.auto:
            spec = self.kg.schema.relation(step.relation)
            side = clean(spec.forward if step.inverse else spec.inverse)
            if phrase_kind(side) == "active":
                roles += list(self.lexicon.agent_nouns(side))[:2]
        elif text.kind == "noun":
            roles.append(singular(text.text))
        return roles

    def _shared(self, steps: Sequence[PathStep], types: Sequence[str | None]) -> str | None:
        """"films that share a director with NE" for a walk out and back along one relation."""
        if len(steps) < 2 or steps[0].relation != steps[1].relation or steps[0].inverse == steps[1].inverse:
            return None
        middle = [*self._roles(steps[0]), type_noun(types[0])]
        one = self.rng.choice(middle)
        tnp = plural(self.rng.choice(self._type_nouns(types[1])))
        return self.rng.choice((f"{tnp} that share a {one} with {MASK}", f"{tnp} with the same {one} as {MASK}",
                                f"{tnp} sharing the {one} of {MASK}", f"other {tnp} by the {one} of {MASK}",
                                f"{tnp} that have the same {one} as {MASK}",
                                f"{tnp} which share the same {one} of {MASK}"))

    def examples_for(self, anchor: str, count: int = 2, negatives: int = 7) -> list[MatcherExample]:
        """Up to ``count`` questions about ``anchor``, each with hard negatives from its other paths."""
        rng = self.rng
        self._anchor = anchor
        reaches = discover_paths(self.kg, anchor, self.max_hops, frontier_cap=20, max_paths=400)
        if not reaches:
            return []
        by_hops: dict[int, list[PathReach]] = {}
        for reach in reaches:
            if _natural(reach.steps):
                by_hops.setdefault(len(reach.steps), []).append(reach)
        start_type = self.kg.nodes[anchor].type
        texts = {r.steps: verbalise(self.kg, r.steps, r.types) for rs in by_hops.values() for r in rs}
        out = []
        for _ in range(count):
            hops = rng.choices([1, 2, 3], weights=[0.4, 0.35, 0.25])[0]
            options = by_hops.get(hops) or by_hops.get(1)
            if not options:
                break
            reach = rng.choice(options)
            positive = texts[reach.steps]
            pool = [t for s, t in texts.items() if s != reach.steps and t != positive]
            hard = [texts[s] for s in texts if s != reach.steps and s[:1] == reach.steps[:1] and texts[s] != positive]
            # the hardest: one hop shorter or longer than the right reading ("the composer of the films by NE"
            # against "the films with music by the composer of the films by NE"), and the same prefix ending
            # in another relation
            n = len(reach.steps)
            length = [texts[s] for s in texts if s != reach.steps and texts[s] != positive and (
                s == reach.steps[:-1] or s[:n] == reach.steps or (len(s) == n and s[:-1] == reach.steps[:-1]))]
            chosen = list(dict.fromkeys(rng.sample(length, min(len(length), negatives // 3)) +
                                        rng.sample(hard, min(len(hard), negatives // 3)) +
                                        rng.sample(pool, min(len(pool), negatives))))[:negatives]
            if rng.random() < 0.1:
                chosen = [MASK, *chosen][:negatives]
            out.append(MatcherExample(self.realise(reach.steps, reach.types), positive, tuple(chosen),
                                      f"{len(reach.steps)}-hop", self.kg.name))
        if rng.random() < 0.12:
            pool = list(texts.values())
            form = rng.choice(IDENTITY_FORMS).replace("{t}", rng.choice(self._type_nouns(start_type)))
            out.append(MatcherExample(_noise(form.replace("{x}", MASK), rng), MASK,
                                      tuple(rng.sample(pool, min(len(pool), negatives))), IDENTITY, self.kg.name))
        if rng.random() < 0.08:
            pool = list(texts.values())
            noun = rng.choice(self._type_nouns(start_type))
            form = rng.choice(SIMILAR_FORMS).replace("{t}", plural(noun) if noun != "one" else "things")
            out.append(MatcherExample(_noise(form.replace("{x}", MASK), rng), similar_text(start_type),
                                      tuple(rng.sample(pool, min(len(pool), negatives))), SIMILAR, self.kg.name))
        return out

    def character_examples(self, count: int, negatives: int = 5) -> list[MatcherExample]:
        """Questions about characters named in credit qualifiers ("who played NE"), when the KG has them."""
        if self._characters is None:
            self._characters = sorted({str(e.qualifiers["character"]) for e in self.kg.iter_edges()
                                       if e.qualifiers and e.qualifiers.get("character")})
        if not self._characters:
            return []
        person_paths = [f"the {type_noun(t)} starring {MASK}" for t in ("project",)] + [
            f"the person who directed {MASK}", f"the film with the voice of {MASK}", MASK,
            f"the film that is about {MASK}", f"the actor of {MASK}"]
        return [MatcherExample(_noise(self.rng.choice(CHARACTER_FORMS).replace("{x}", MASK), self.rng),
                               character_text(), tuple(self.rng.sample(person_paths, negatives)), "character",
                               self.kg.name) for _ in range(count)]

    def generate(self, count: int, per_anchor: int = 2, types: Sequence[str] | None = None) -> list[MatcherExample]:
        """About ``count`` examples from anchors sampled evenly over node types (then uniformly within)."""
        by_type: dict[str, list[str]] = {}
        for node in self.kg.nodes.values():
            if types is None or node.type in types:
                by_type.setdefault(node.type, []).append(node.id)
        kinds = sorted(by_type)
        out: list[MatcherExample] = []
        tries = 0
        while len(out) < count and tries < count * 3:
            tries += 1
            node_type = self.rng.choice(kinds)
            anchor = self.rng.choice(by_type[node_type])
            out += self.examples_for(anchor, per_anchor)
        out += self.character_examples(max(1, count // 40))
        return out[: count + count // 40]


def category_types(kg: KnowledgeGraph) -> set[str]:
    """Node types that group others (genres, skills, languages, tags): few nodes, many edges each."""
    from collections import Counter

    counts = Counter(n.type for n in kg.nodes.values())
    total = max(1, kg.num_nodes)
    if len(counts) <= 1:
        return set()
    degree: Counter = Counter()
    for edge in kg.iter_edges():
        degree[kg.nodes[edge.target].type] += 1
    return {t for t, c in counts.items() if c / total < 0.05 and c <= 2000 and degree[t] / c >= 3}


def _attach(verb: str, tn: str, tnp: str, who: str) -> str:
    """A noun phrase for "answers that <verb> {x}", grammatical for the verb's form (see ``phrase_kind``)."""
    kind = phrase_kind(verb)
    if kind == "type_of":
        return f"the {verb} {{x}}"  # "genre of", "home country of"
    if kind == "copula":
        return f"the {tn} {who} {verb} {{x}}"
    if kind == "credit":
        return f"{tnp} with {verb} {{x}}"  # "music by"
    if kind in ("passive", "prepositional"):
        return f"the {tnp} {verb} {{x}}"
    return f"the {tn} {who} {verb} {{x}}"


def _natural(steps: tuple[PathStep, ...]) -> bool:
    """Skip walks that go straight back along the same relation twice in a row at three hops
    ("films starring the actors of the films starring X" is asked; a back-and-forth-and-back is not)."""
    if len(steps) < 3:
        return True
    return not (steps[0].relation == steps[1].relation == steps[2].relation)


_TYPO_KEYS = "abcdefghijklmnopqrstuvwxyz"


def _noise(text: str, rng: random.Random) -> str:
    """How people type: lower case, no question mark, dropped articles, a filler, now and then a typo."""
    words = text.split()
    if rng.random() < 0.3:
        words = [w for w in words if w != "the" or rng.random() < 0.5]
    if rng.random() < 0.08:  # one typo in a word that is not the entity
        idx = [i for i, w in enumerate(words) if len(w) > 4 and MASK not in w]
        if idx:
            i = rng.choice(idx)
            w = words[i]
            j = rng.randrange(1, len(w) - 1)
            words[i] = rng.choice([w[:j] + w[j + 1:], w[:j] + w[j + 1] + w[j] + w[j + 2:],
                                   w[:j] + rng.choice(_TYPO_KEYS) + w[j + 1:]])
    text = " ".join(words)
    text = rng.choice(FILLERS) + text
    if rng.random() < 0.4:
        text = text.rstrip("?") + ("?" if rng.random() < 0.7 else "")
    if rng.random() < 0.15:
        text = text[:1].upper() + text[1:]
    return text


# ---- whole questions with gold answers (for fitting the reading ranker) ---------------------------

@dataclass(frozen=True, slots=True)
class GeneratedItem:
    """A question as typed (the entity named, not masked) and its gold answers (node ids)."""

    question: str
    answers: tuple[str, ...]
    kind: str
    anchor: str
    path: str = ""  # the intended relation path ("directed/^wrote"); "" for identity and descriptions


def surface_name(kg: KnowledgeGraph, node_id: str, rng: random.Random) -> str:
    """How a person might type a node's name: as it is, in lower case, only the surname or the title
    without its article, with the year, or with a typo."""
    node = kg.nodes[node_id]
    name = node.name
    roll = rng.random()
    words = name.split()
    if roll < 0.5:
        return name
    if roll < 0.72:
        return name.lower()
    if roll < 0.82 and len(words) > 1:
        if node.type == "person":
            return words[-1] if rng.random() < 0.7 else words[-1].lower()
        if words[0].lower() in ("the", "a", "an"):
            return " ".join(words[1:])
        return name
    if roll < 0.9 and node.attr("year") is not None:
        return f"{name} ({node.attr('year')})" if rng.random() < 0.5 else f"{name} {node.attr('year')}"
    if len(name) > 6:
        i = rng.randrange(1, len(name) - 2)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # two letters swapped
    return name


_FRAMES_DESCRIBE = ("a {n} where {t}", "the {n} about {t}", "which {n}: {t}", "looking for a {n} in which {t}",
                    "is there a {n} where {t}", "{t}", "that {n} where {t}", "recommend a {n} like this: {t}",
                    "the one where {t}", "a {n} with {t}", "what's the {n} with {t}")


def _describe_question(kg: KnowledgeGraph, node_id: str, noun: str, rng: random.Random,
                       lexicon: Lexicon | None = None) -> str | None:
    """How someone describes a thing they cannot name: part of its description in other words (words dropped,
    some replaced by WordNet synonyms, the order of its clauses kept), or a few of its graph facts ("a horror
    film about a shark and a beach town")."""
    node = kg.nodes[node_id]
    if rng.random() < 0.4:  # from the graph: genres, keywords, subjects — what people remember of a plot
        facts = [kg.nodes[h.node].name.lower() for h in kg.neighbors(node_id, direction="out")
                 if kg.nodes[h.node].type not in (node.type, "year", "person", "company", "language", "country")]
        if len(facts) >= 2:
            picked = rng.sample(facts, min(len(facts), rng.randint(2, 3)))
            text = rng.choice(("{a} and {b}", "{a} with {b}", "about {a} and {b}")).format(
                a=picked[0], b=" and ".join(picked[1:]))
            return rng.choice(_FRAMES_DESCRIBE).format(n=noun, t=text)
    sentence = re.split(r"(?<=[.!?])\s", node.description.strip())[0]
    sentence = re.sub(re.escape(node.name), "it", sentence, flags=re.IGNORECASE)
    words = []
    for w in sentence.split():
        if rng.random() < 0.3:
            continue  # people remember parts
        bare = w.strip(".,;:").lower()
        if lexicon is not None and len(bare) > 3 and rng.random() < 0.2:
            options = [o for o in lexicon.nouns(bare, kinds=False, min_count=1) if " " not in o]
            w = rng.choice(options) if options else w
        words.append(w)
    if len(words) < 5:
        return None
    text = " ".join(words).rstrip(".").lower()
    return rng.choice(_FRAMES_DESCRIBE).format(n=noun, t=text)


def generated_items(kg: KnowledgeGraph, count: int, lexicon: Lexicon | None = None, seed: int = 0,
                    describe_share: float = 0.1, max_answers: int = 100) -> list[GeneratedItem]:
    """Questions about sampled entities, with their gold answers computed from the graph."""
    from assistant.traversal import walk

    gen = QuestionGenerator(kg, lexicon, seed=seed)
    rng = gen.rng
    nodes = list(kg.nodes)
    out: list[GeneratedItem] = []
    # descriptions describe the things people look for by plot: the main type (films), not its people
    ends: Counter = Counter()
    for edge in kg.iter_edges():
        ends[kg.nodes[edge.source].type] += 1
        ends[kg.nodes[edge.target].type] += 1
    main = ends.most_common(1)
    described = [n for n in nodes if len(kg.nodes[n].description.split()) >= 8 and main and
                 kg.nodes[n].type == main[0][0]]
    tries = 0
    while len(out) < count and tries < count * 5:
        tries += 1
        if described and rng.random() < describe_share:
            node_id = rng.choice(described)
            text = _describe_question(kg, node_id, type_noun(kg.nodes[node_id].type), rng, gen.lexicon)
            if text:
                out.append(GeneratedItem(text, (node_id,), "describe", node_id))
            continue
        anchor = rng.choice(nodes)
        reaches = [r for r in discover_paths(kg, anchor, gen.max_hops, frontier_cap=20, max_paths=300)
                   if _natural(r.steps)]
        if not reaches:
            continue
        name = surface_name(kg, anchor, rng)
        if rng.random() < 0.1:
            form = rng.choice(IDENTITY_FORMS).replace("{t}", type_noun(kg.nodes[anchor].type))
            out.append(GeneratedItem(_noise(form.replace("{x}", name), rng), (anchor,), IDENTITY, anchor))
            continue
        hops = rng.choices([1, 2, 3], weights=[0.45, 0.35, 0.2])[0]
        options = [r for r in reaches if len(r.steps) == hops] or reaches
        reach = rng.choice(options)
        answers = walk(kg, anchor, reach.steps)
        if not answers or len(answers) > max_answers:
            continue
        gen._anchor = anchor
        masked = gen.realise(reach.steps, reach.types)
        out.append(GeneratedItem(masked.replace(MASK, name), tuple(answers), f"{len(reach.steps)}-hop", anchor,
                                 "/".join(str(s) for s in reach.steps)))
    return out
