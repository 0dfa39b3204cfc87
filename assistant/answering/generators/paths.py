"""Relation paths from each linked entity: the readings the graph itself offers.

For every linked entity, the paths that exist from it (1-3 hops, both directions, hubs sampled:
:func:`~assistant.traversal.discover_paths`) are verbalised from the schema and scored by the
matcher against the question masked at that entity, as a beam: all one-hop paths, then the two-hop
extensions of the best ones, then the three-hop extensions of the best of those. The best few per
entity are executed over the graph (every answer with its supporting paths) and filtered by the
question's year, decade and kind.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from assistant.answering.filters import apply_filters, order_answers
from assistant.answering.generators.base import Question
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.kg.matrices import CountedWalk, count_walk
from assistant.parsing.links import Link
from assistant.query import path_label
from assistant.traversal import PATHS_KEPT, SupportPath

MAX_ANSWERS = 3000  # answers kept per reading (a hub's whole neighbourhood is never an answer)


class PathGenerator:
    """One reading per (linked entity, relation path), the best ``per_link`` of each entity's paths.

    Args:
        links: How many distinct linked entities get paths.
        beam: Prefixes kept at each hop.
        per_link: Readings kept per entity.
    """

    name = "paths"

    def __init__(self, links: int = 4, beam: int = 8, per_link: int = 5) -> None:
        self.max_links = links
        self.beam = beam
        self.per_link = per_link

    def generate(self, question: Question) -> list[Reading]:
        services = question.services
        links = _node_links(question.links, self.max_links)
        question.encode_all(links)
        out: list[Reading] = []
        for link in links:
            reaches = services.paths_from(link.node_id)
            if not reaches:
                continue
            vector = question.vector(link)
            by_hops: dict[int, list] = {}
            for reach in reaches:
                by_hops.setdefault(len(reach.steps), []).append(reach)
            scored: list[tuple[float, object, str]] = []
            prefixes: set | None = None
            for hops in sorted(by_hops):
                level = [r for r in by_hops[hops] if prefixes is None or r.steps[:-1] in prefixes]
                if not level:
                    break
                texts = [services.text_of(r.steps, r.types) for r in level]
                scores = services.matcher.vectors(texts) @ vector
                ranked = sorted(zip(scores.tolist(), level, texts, strict=True), key=lambda t: -t[0])
                scored += ranked
                prefixes = {r.steps for _, r, _ in ranked[: self.beam]}
            gains = _hop_gains(scored)
            scored.sort(key=lambda t: -t[0])
            chosen = scored[: self.per_link]
            labelled = self._classifier(question, link)
            if labelled:  # a classifier fit on labelled questions: its favourite paths are readings too
                favourites = sorted(labelled, key=lambda lb: -labelled[lb])[:2]
                known = {path_label(r.steps) for _, r, _ in chosen}
                by_label = {path_label(r.steps): (sc, r, t) for sc, r, t in scored}
                chosen += [by_label[lb] for lb in favourites if lb not in known and lb in by_label]
            if link.method == "history":  # a follow-up goes on along the previous turn's relations
                previous = _previous_relations(question)
                known = {r.steps for _, r, _ in chosen}
                chosen += [t for t in scored if len(t[1].steps) == 1 and t[1].steps[0].relation in previous
                           and t[1].steps not in known][:2]
            for score, reach, text in chosen:
                reading = Reading("path", [Branch(link, reach.steps, reach.types, text, float(score))],
                                  answer_type=reach.types[-1] if reach.types else None)
                reading.features["last_hop_gain"], reading.features["longer_gain"] = gains.get(reach.steps, (0.0, 0.0))
                if labelled:
                    reading.features["classifier"] = labelled.get(path_label(reach.steps), 0.0)
                if execute(question, reading):
                    out.append(reading)
        return out

    @staticmethod
    def _classifier(question: Question, link: Link) -> dict[str, float]:
        """Path label -> probability from the labelled-question classifier, when one was fit."""
        clf = question.services.classifier
        if clf is None:
            return {}
        probs = clf.predict_proba([question.masked(link)])[0]
        return {label: float(p) for label, p in zip(clf.labels, probs, strict=True)}


def _hop_gains(scored: list[tuple[float, object, str]]) -> dict[tuple, tuple[float, float]]:
    """Path -> (its score minus its one-hop-shorter prefix's, the best one-hop extension's score minus its own).

    A verbalisation that says more can match a question a little better only because it is longer: a 3-hop
    reading then beats the 2-hop one the question asks for. What the last hop adds, and what a further hop would
    add, let the ranker tell a hop the question asks for from one it does not (every prefix of a path in the beam
    was scored; an extension exists only for paths kept in the beam, 0 otherwise)."""
    score = {reach.steps: sc for sc, reach, _ in scored}
    longer: dict[tuple, float] = {}
    for steps, sc in score.items():
        if len(steps) > 1:
            longer[steps[:-1]] = max(longer.get(steps[:-1], -1.0), sc)
    return {steps: (sc - score[steps[:-1]] if len(steps) > 1 and steps[:-1] in score else 0.0,
                    longer[steps] - sc if steps in longer else 0.0)
            for steps, sc in score.items()}


def _previous_relations(question: Question) -> set[str]:
    """The relations the conversation's previous turn followed ("who directed Jaws?": ``directed``)."""
    history = question.ctx.history
    query = getattr(history[-1], "query", None) if history else None
    return {step.relation for a in getattr(query, "anchors", None) or [] for step in a.path}


def _node_links(links: list[Link], limit: int) -> list[Link]:
    """The best links to distinct nodes (characters have their own generator), at most two per span."""
    out, seen, per_span = [], set(), {}
    for link in links:
        if not link.node_id or link.node_id in seen:
            continue
        span = (link.start, link.end)
        if per_span.get(span, 0) >= 3:
            continue
        per_span[span] = per_span.get(span, 0) + 1
        seen.add(link.node_id)
        out.append(link)
        if len(out) >= limit:
            break
    return out


def execute(question: Question, reading: Reading) -> bool:
    """Walk the reading's path over the graph and fill its answers; ``False`` when it has none.

    The walk counts paths with sparse matrices (:func:`~assistant.kg.matrices.count_walk`); the KG paths
    behind an answer are recovered only when something reads them (the answers shown, an intersection).
    """
    kg = question.services.kg
    branch = reading.branches[0]
    anchor = branch.link.node_id
    reach = count_walk(kg, anchor, branch.steps, limit=MAX_ANSWERS)
    if not reach.counts:
        return False
    if reach.reached > MAX_ANSWERS:
        reading.capped = True
        reading.notes.append(f"{reach.reached:,} answers; the {MAX_ANSWERS:,} best supported are considered")
    reading.answers = {node: Evidence(count=count, resolve=partial(_support, reach, anchor, node))
                       for node, count in reach.counts.items()}
    apply_filters(question, reading)
    order_answers(question, reading)
    return bool(reading.answers)


def _support(reach: CountedWalk, anchor: str, node: str) -> list[SupportPath]:
    return [SupportPath(anchor, hops) for hops in reach.paths(node, PATHS_KEPT)]


def matcher_scores(question: Question, link: Link, texts: list[str]) -> np.ndarray:
    """The matcher's cosines of ``texts`` with the question masked at ``link``."""
    return question.services.matcher.vectors(texts) @ question.vector(link) if texts else np.zeros(0)
