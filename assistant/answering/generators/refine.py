"""Follow-ups that narrow the previous answers: "only the ones from the 80s", "which of them are documentaries"."""

from __future__ import annotations

from assistant.answering.filters import apply_filters, constraints, order_answers
from assistant.answering.generators.base import Question
from assistant.answering.readings import Evidence, Reading


class RefineGenerator:
    name = "refine"

    def generate(self, question: Question) -> list[Reading]:
        history = question.ctx.history
        if not history or not constraints(question):
            return []
        previous = history[-1]
        kg = question.services.kg
        ids = [n for n in (getattr(previous, "all_answers", None) or [a.node_id for a in previous.answers])
               if n in kg.nodes]
        if not ids:
            return []
        kept = {n: Evidence(count=1) for n in ids}
        reading = Reading("refine", [], kept, kg.nodes[ids[0]].type)
        reading.text = f"the previous answers ({getattr(previous, 'question', '')!r}) narrowed down"
        before = len(reading.answers)
        apply_filters(question, reading)
        if reading.features.get("relaxed") or len(reading.answers) == before:
            return []
        order_answers(question, reading)
        return [reading]
