"""Answers the graph does not state: link prediction where the question's relation is missing.

"Who directed Jaws?" over a KG that lost Jaws's ``directed`` edge has no path reading for it. For each
linked entity, the relations its type has elsewhere in the graph but it lacks itself are verbalised
and scored by the matcher like any path; the best are asked of the KG's calibrated link predictor
(:mod:`training.link_prediction.inference`), one batched matrix product per relation. The same is done
for the last hop of the best multi-hop readings, from their intermediate nodes that lack it ("who scored
the films Spielberg directed" when one film has no composer). Every answer carries its predicted edge and
calibrated probability; below ``min_probability`` nothing is proposed.
"""

from __future__ import annotations

from functools import partial

from assistant.answering.filters import apply_filters
from assistant.answering.generators.base import Question
from assistant.answering.generators.paths import _node_links
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.query import PathStep
from assistant.traversal import SupportPath

MIN_PROBABILITY = 0.25  # calibrated P(edge true) below which an inferred answer is not worth showing


class InferredGenerator:
    name = "inferred"

    def __init__(self, links: int = 2, per_link: int = 2, k: int = 10, min_probability: float = MIN_PROBABILITY,
                 prefixes: int = 3) -> None:
        self.max_links = links
        self.per_link = per_link
        self.k = k
        self.min_probability = min_probability
        self.prefixes = prefixes

    def generate(self, question: Question) -> list[Reading]:
        edges = question.services.inferred
        if edges is None or not question.ctx.inferred:
            return []
        services = question.services
        kg = services.kg
        steps_by_type = services.steps_by_type()
        out: list[Reading] = []
        for link in _node_links(question.links, self.max_links):
            node = kg.nodes[link.node_id]
            missing = [(step, end) for step, end in steps_by_type.get(node.type, ())
                       if step.relation in edges.relations
                       and kg.relation_degree(node.id, step.relation, step.inverse) == 0]
            if not missing:
                continue
            texts = [services.text_of((step,), (end,)) for step, end in missing]
            scores = services.matcher.vectors(texts) @ question.vector(link)
            ranked = sorted(zip(scores.tolist(), missing, texts, strict=True), key=lambda t: -t[0])
            for score, (step, end), text in ranked[: self.per_link]:
                predicted = edges.tails([node.id], step.relation, inverse=step.inverse, k=self.k)[0]
                answers = {}
                for other, probability in predicted:
                    if probability < self.min_probability or other not in kg.nodes:
                        continue
                    head, tail = (other, node.id) if step.inverse else (node.id, other)
                    answers[other] = Evidence(count=0, probability=round(float(probability), 4),
                                              predicted=(head, step.relation, tail))
                if answers:
                    out.append(self._reading(question, link, (step,), (end,), text, score, answers))
        out += self._last_hops(question, edges)
        return out

    def _last_hops(self, question: Question, edges) -> list[Reading]:
        """The last hop of the best path readings, predicted from the intermediate nodes that lack it."""
        services = question.services
        kg = services.kg
        steps_by_type = services.steps_by_type()
        paths = sorted(question.readings.get("paths", []), key=lambda r: -r.matcher)[: self.prefixes]
        out = []
        for prefix in paths:
            branch = prefix.branches[0]
            if len(branch.steps) >= services.max_hops or not prefix.answers:
                continue
            middles = [n for n in list(prefix.answers)[:20]]
            options = [(step, end) for step, end in steps_by_type.get(prefix.answer_type, ())
                       if step.relation in edges.relations]
            texts = [services.text_of(branch.steps + (step,), branch.types + (end,)) for step, end in options]
            if not texts:
                continue
            scores = services.matcher.vectors(texts) @ question.vector(branch.link)
            best = max(range(len(texts)), key=lambda i: scores[i])
            step, end = options[best]
            lacking = [n for n in middles if kg.relation_degree(n, step.relation, step.inverse) == 0]
            if not lacking:
                continue
            answers: dict[str, Evidence] = {}
            for middle, predicted in zip(lacking, edges.tails(lacking, step.relation, inverse=step.inverse, k=3),
                                         strict=True):
                for other, probability in predicted:
                    if probability < self.min_probability or other not in kg.nodes:
                        continue
                    old = answers.get(other)
                    if old is None or (old.probability or 0) < probability:
                        head, tail = (other, middle) if step.inverse else (middle, other)
                        answers[other] = Evidence(resolve=partial(_first_path, prefix.answers[middle]), count=0,
                                                  probability=round(float(probability), 4),
                                                  predicted=(head, step.relation, tail))
            if answers:
                out.append(self._reading(question, branch.link, branch.steps + (step,), branch.types + (end,),
                                         texts[best], float(scores[best]), answers))
        return out

    def _reading(self, question: Question, link, steps: tuple[PathStep, ...], types: tuple, text: str, score: float,
                 answers: dict[str, Evidence]) -> Reading:
        ordered = dict(sorted(answers.items(), key=lambda kv: -(kv[1].probability or 0)))
        reading = Reading("inferred", [Branch(link, steps, types, text, float(score))], ordered, types[-1])
        reading.features["inferred_probability"] = max(e.probability or 0 for e in ordered.values())
        apply_filters(question, reading)
        return reading


def _first_path(evidence: Evidence) -> list[SupportPath]:
    return list(evidence.paths[:1])
