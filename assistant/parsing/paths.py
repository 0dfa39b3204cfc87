"""Relation paths over a KG's schema, and the question generator built on them.

The generator is how any KG gets a parser: it walks type-consistent relation paths of the KG and
verbalises them with the schema's relation verbalisations and paraphrases ("films directed by X",
"who composed the music for the films starring X") to produce labelled training questions for the
relation-path classifier.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from assistant.kg.graph import KnowledgeGraph
from assistant.parsing.cues import base_form, noun
from assistant.query import IDENTITY, PathStep, path_label

MASK = "NE"
GENERATOR_VERSION = 1  # bump when the generated questions change, so cached parsers are refit


@dataclass(frozen=True, slots=True)
class TypedStep:
    step: PathStep
    start_type: str
    end_type: str


def typed_relations(kg: KnowledgeGraph) -> Counter:
    """``(source type, relation, target type) -> edge count`` as found in the data."""
    counts: Counter = Counter()
    for edge in kg.iter_edges():
        counts[(kg.nodes[edge.source].type, edge.relation, kg.nodes[edge.target].type)] += 1
    return counts


def typed_steps(kg: KnowledgeGraph, min_edges: int = 1) -> list[TypedStep]:
    steps = []
    for (src, rel, dst), count in typed_relations(kg).items():
        if count >= min_edges:
            steps.append(TypedStep(PathStep(rel, False), src, dst))
            steps.append(TypedStep(PathStep(rel, True), dst, src))
    return steps


def enumerate_paths(kg: KnowledgeGraph, max_hops: int = 2, hub_types: set[str] | None = None,
                    min_edges: int = 1, multi_hop_relations: int = 14) -> dict[str, tuple[str, str]]:
    """Type-consistent relation paths, as ``label -> (start type, end type)``.

    Multi-hop paths only pass through ``hub_types`` (default: the commonest relation endpoint type,
    e.g. films) and only use the ``multi_hop_relations`` commonest relations, which keeps the label
    set to questions people ask ("who directed the films starring X") rather than every combination.
    """
    steps = typed_steps(kg, min_edges)
    rel_counts: Counter = Counter()
    for (_, rel, _), count in typed_relations(kg).items():
        rel_counts[rel] += count
    frequent = {r for r, _ in rel_counts.most_common(multi_hop_relations)}
    if hub_types is None:
        ends = Counter()
        for s in steps:
            ends[s.start_type] += 1
        hub_types = {ends.most_common(1)[0][0]} if ends else set()
    paths: dict[str, tuple[str, str]] = {}
    frontier: list[tuple[tuple[TypedStep, ...], str, str]] = [((s,), s.start_type, s.end_type) for s in steps]
    for hop in range(1, max_hops + 1):
        next_frontier = []
        for chain, start, end in frontier:
            paths[path_label([c.step for c in chain])] = (start, end)
            if hop < max_hops and end in hub_types:
                if chain[-1].step.relation not in frequent:
                    continue
                for s in steps:
                    if s.start_type == end and s.step.relation in frequent:
                        next_frontier.append((chain + (s,), start, s.end_type))
        frontier = next_frontier
    return paths


def _clean(verb: str) -> str:
    for note in ("(inverse)", "(company)", "(studio)"):
        verb = verb.replace(note, "")
    return " ".join(verb.split())


_PREPOSITIONS = {"in", "from", "about", "with", "by", "for", "on", "at", "of", "into", "under", "as", "to"}
# Participles that read as passive before a preposition ("released in"), unlike "acted in".
_PARTICIPLES = {"tagged", "released", "based", "produced", "made", "set", "written", "directed", "shot", "filmed",
                "edited", "designed", "animated", "voiced", "spoken", "distributed", "owned", "founded",
                "headquartered", "photographed", "scored", "cast", "started", "created", "known", "described"}
_COPULA = {"has": "have", "is": "are", "was": "were"}


def _is_type_noun(verb_head: str, end_type: str) -> bool:
    return end_type.replace("_", " ") in verb_head or noun(end_type) in verb_head


def attach(plural: str, verb: str, phrase: str, end_type: str, rng: random.Random) -> str:
    """Join answer noun, relation verbalisation and the rest: ``films`` + ``directed by`` + ``X``.

    The verbalisation decides the grammar: participles and prepositions attach directly
    ("films directed by X"), "<type> of" becomes "<types> of X", copulas agree in number, and
    active verbs take a relative pronoun ("people who directed X").
    """
    words = verb.split()
    if not words:
        return f"{plural} related to {phrase}"
    if verb.endswith(" of") and _is_type_noun(verb[:-3], end_type):
        return f"{plural} of {phrase}"
    if words[0] in _COPULA:
        return f"{plural} that {' '.join([_COPULA[words[0]], *words[1:]])} {phrase}"
    passive = len(words) > 1 and words[0] in _PARTICIPLES and words[1] in _PREPOSITIONS
    if words[0] in _PREPOSITIONS or words[0].endswith("ing") or verb.endswith(" by") or passive:
        return rng.choice([f"{plural} {verb} {phrase}", f"{plural} that are {verb} {phrase}"])
    if verb.endswith(" of") and not words[0].endswith("ed"):  # a noun: "subject of", "composer of"
        return f"{plural} that are {verb} {phrase}"
    pronoun = "who" if end_type == "person" else rng.choice(["that", "which"])
    return f"{plural} {pronoun} {verb} {phrase}"


def _verb(kg: KnowledgeGraph, ts: TypedStep, rng: random.Random) -> str:
    """The verbalisation read from the new node towards the previous one."""
    spec = kg.schema.relation(ts.step.relation)
    if ts.step.inverse:  # the new node is the edge's source: "<source> <forward> <target>"
        return _clean(rng.choice([spec.forward, *spec.paraphrases]))
    return _clean(rng.choice([spec.inverse, *spec.inverse_paraphrases]))


def _role_plural(kg: KnowledgeGraph, ts: TypedStep) -> str:
    nouns = kg.schema.relation(ts.step.relation).source_nouns
    return (nouns[0] + "s") if nouns else noun(ts.end_type, plural=True)


def noun_phrase(kg: KnowledgeGraph, steps: list[TypedStep], anchor: str, rng: random.Random) -> str:
    """Verbalise the answers of a path from ``anchor``: ``"films directed by George Lucas"``."""
    if len(steps) == 2 and steps[0].step.relation == steps[1].step.relation and \
            steps[0].step.inverse != steps[1].step.inverse and rng.random() < 0.5:
        # "films that share directors with X", "people who share films with X"
        middle = _role_plural(kg, steps[0]) if steps[0].step.inverse else noun(steps[0].end_type, plural=True)
        plural = noun(steps[1].end_type, plural=True, rng=rng)
        one = middle[:-1]
        return rng.choice([f"{plural} that share {middle} with {anchor}", f"{plural} sharing {middle} with {anchor}",
                           f"{plural} with the same {one} as {anchor}", f"{plural} that share a {one} with {anchor}",
                           f"{plural} by the same {one} as {anchor}", f"other {plural} by the {one} of {anchor}"])
    phrase = anchor
    for i, ts in enumerate(steps):
        last = i == len(steps) - 1
        plural = ("" if last else "the ") + noun(ts.end_type, plural=True, rng=rng)
        spec = kg.schema.relation(ts.step.relation)
        active = _clean(spec.forward)
        if not ts.step.inverse and i == 0 and ts.start_type == "person" and rng.random() < 0.4:
            # "films that George Lucas directed" / "films Harrison Ford starred in"
            verb = _clean(rng.choice([spec.forward, *spec.paraphrases]))
            if verb.split()[0] not in _COPULA:
                phrase = rng.choice([f"{plural} that {phrase} {verb}", f"{plural} {phrase} {verb}"])
                continue
        if active and ts.step.inverse and rng.random() < 0.35 and spec.source_nouns:
            role = rng.choice(spec.source_nouns)
            the_ = "the " if i == len(steps) - 1 and rng.random() < 0.5 else ""
            phrase = rng.choice([f"{the_}{role}s of {phrase}", f"the {role} of {phrase}", f"{role}s for {phrase}",
                                 f"{role}s who worked on {phrase}"])
            continue
        phrase = attach(plural, _verb(kg, ts, rng), phrase, ts.end_type, rng)
    return phrase


def question_forms(np: str, answer_type: str, rng: random.Random) -> str:
    forms = [f"which {np}", f"what are the {np}", f"list the {np}", np, f"name the {np}",
             f"show me {np}", f"find {np}", f"can you tell me the {np}"]
    if answer_type == "person":
        forms += [f"who are the {np}", f"who are {np}"]
    return rng.choice(forms)


def short_forms(kg: KnowledgeGraph, ts: TypedStep, anchor: str, rng: random.Random) -> list[str]:
    """Direct one-hop questions: ``who directed X``, ``what is the genre of X``."""
    verb = _verb(kg, ts, rng)
    words = verb.split()
    spec = kg.schema.relation(ts.step.relation)
    if not ts.step.inverse and ts.start_type == "person":  # "what films did X direct"
        active = _clean(rng.choice([spec.forward, *spec.paraphrases]))
        if active.split()[0] not in _COPULA:
            base = base_form(active)
            return [f"what {noun(ts.end_type, True)} did {anchor} {base}", f"which {noun(ts.end_type, True)} did "
                    f"{anchor} {base}", f"what did {anchor} {base}"]
    if verb.endswith(" of") and _is_type_noun(verb[:-3], ts.end_type):
        return [f"what is the {verb} {anchor}", f"what {verb} {anchor}"]
    if ts.end_type == "person" and words and words[0] not in _COPULA and words[0] not in _PREPOSITIONS:
        return [f"who {verb} {anchor}", f"who {verb} {anchor}?", f"which person {verb} {anchor}"]
    one = noun(ts.end_type)
    return [attach(f"which {one}", verb, anchor, ts.end_type, rng),
            attach(f"what {one}", verb, anchor, ts.end_type, rng)]


@dataclass(frozen=True, slots=True)
class GeneratedQuestion:
    question: str
    masked: str
    label: str
    anchor_id: str
    answers: tuple[str, ...]


def execute_path(kg: KnowledgeGraph, start: str, label_steps: tuple[PathStep, ...]) -> set[str]:
    frontier = {start}
    for step in label_steps:
        nxt: set[str] = set()
        for node in frontier:
            nxt.update(h.node for h in kg.neighbors(node, step.relation, "in" if step.inverse else "out"))
        frontier = nxt
    if len(label_steps) > 1:
        frontier.discard(start)
    return frontier


IDENTITY_FORMS = ["{}", "{}", "who is {}", "what is {}", "tell me about {}", "{}?", "information about {}",
                  "show me {}", "what do you know about {}", "who was {}", "look up {}", "details on {}"]


def identity_questions(kg: KnowledgeGraph, count: int, rng: random.Random) -> list[GeneratedQuestion]:
    """Questions that ask for the entity itself ("who is X", "tell me about X"): the empty path."""
    nodes = list(kg.nodes.values())
    out = []
    for node in rng.sample(nodes, min(count, len(nodes))):
        form = rng.choice(IDENTITY_FORMS)
        out.append(GeneratedQuestion(form.format(node.name), form.format(MASK), IDENTITY, node.id, (node.id,)))
    return out


def generate_questions(kg: KnowledgeGraph, per_path: int = 12, max_hops: int = 2, seed: int = 0,
                       max_answers: int = 50) -> list[GeneratedQuestion]:
    """Labelled questions for every relation path of ``kg`` with answerable anchors."""
    rng = random.Random(seed)
    steps_by_label = {}
    for ts in typed_steps(kg):
        steps_by_label[(str(ts.step), ts.start_type)] = ts
    out: list[GeneratedQuestion] = list(identity_questions(kg, per_path * 3, rng))
    for label, (start_type, _) in sorted(enumerate_paths(kg, max_hops).items()):
        parts = label.split("/")
        typed: list[TypedStep] = []
        current = start_type
        for part in parts:
            ts = steps_by_label.get((part, current))
            if ts is None:
                break
            typed.append(ts)
            current = ts.end_type
        if len(typed) != len(parts):
            continue
        candidates = [n for n in kg.nodes_of_type(start_type)
                      if kg.neighbors(n.id, typed[0].step.relation, "in" if typed[0].step.inverse else "out")]
        rng.shuffle(candidates)
        made = 0
        for node in candidates[: per_path * 4]:
            answers = execute_path(kg, node.id, tuple(t.step for t in typed))
            if not answers or len(answers) > max_answers:
                continue
            if len(typed) == 1 and rng.random() < 0.4:
                masked = rng.choice(short_forms(kg, typed[0], MASK, rng))
            else:
                masked = question_forms(noun_phrase(kg, typed, MASK, rng), current, rng)
            out.append(GeneratedQuestion(masked.replace(MASK, node.name), masked, label, node.id,
                                         tuple(sorted(answers))))
            made += 1
            if made >= per_path:
                break
    return out
