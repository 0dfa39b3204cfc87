"""Follow-ups that narrow or reorder the previous answers: "only the ones from the 80s", "which of them are
documentaries", "which one is the oldest"."""

from __future__ import annotations

from assistant.answering.filters import apply_filters, constraints, order_answers
from assistant.answering.generators.base import Question
from assistant.answering.readings import Evidence, Reading


class RefineGenerator:
    name = "refine"

    def generate(self, question: Question) -> list[Reading]:
        history = question.ctx.history
        ordering = bool(set(question.ctx.qualifiers) & ORDERINGS) and not _names_its_own(question)
        narrowing = bool(constraints(question))
        if not history or not (narrowing or ordering):
            return []
        previous = history[-1]
        kg = question.services.kg
        ids = [n for n in (getattr(previous, "all_answers", None) or [a.node_id for a in previous.answers])
               if n in kg.nodes]
        if not ids:
            return []
        answer_type = kg.nodes[ids[0]].type
        if question.ctx.asked_type and question.ctx.asked_type != answer_type:
            return []  # "who directed the latest one?" asks something of the previous answers, not for them
        kept = {n: Evidence(count=1) for n in ids}
        reading = Reading("refine", [], kept, answer_type)
        reading.text = f"the previous answers ({getattr(previous, 'question', '')!r}) " + (
            "narrowed down" if narrowing else "in the order asked for")
        before = list(reading.answers)
        apply_filters(question, reading)
        if reading.features.get("relaxed"):
            return []
        order_answers(question, reading)
        if list(reading.answers) == before and not ordering:  # not narrowed: the follow-up asks something else
            return []
        return [reading]


ORDERINGS = frozenset({"recent", "old", "best", "popular"})


def _names_its_own(question: Question) -> bool:
    """Whether the follow-up names an entity of its own ("the oldest Pixar film" is a new question)."""
    return any(lk.score >= 0.8 and lk.method != "history" for lk in question.links)
