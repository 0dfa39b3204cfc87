"""The question's filters (year, decade, kind, asked type) and the order of a reading's answers.

Filters narrow a reading's answers when some answers pass them; when none would, the filter is
relaxed and the reading says so, rather than answering nothing. Answers are ordered by how many
graph paths support them, then, when the question asks for good/best/famous ones, by prominence,
or by year for latest/oldest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.query import Constraint
from assistant.traversal import satisfies

if TYPE_CHECKING:
    from assistant.answering.generators.base import Question
    from assistant.answering.readings import Reading

PROMINENCE_QUALIFIERS = frozenset({"good", "best", "popular"})


def constraints(question: Question) -> list[Constraint]:
    ctx = question.ctx
    out = []
    if ctx.decade is not None:
        out.append(Constraint("decade", str(ctx.decade)))
    linked = {lk.mention for lk in question.links if lk.score >= 0.8}
    for year in ctx.years:
        if ctx.decade is None and not any(str(year) in m for m in linked):
            out.append(Constraint("year", str(year)))
    if ctx.kind:
        out.append(Constraint("project_kind", ctx.kind))
    return out


def apply_filters(question: Question, reading: Reading) -> None:
    """Keep the answers that pass the question's filters, unless none would."""
    kg = question.services.kg
    for constraint in constraints(question):
        if constraint.kind == "year" and reading.answer_type == "year":
            continue  # "what year…" asks for a year; a year named in it is the entity, not a filter
        kept = {n: e for n, e in reading.answers.items() if satisfies(kg, n, constraint)}
        if kept:
            if len(kept) < len(reading.answers):
                reading.features["filtered"] = reading.features.get("filtered", 0.0) + 1.0
            reading.answers = kept
        else:
            reading.notes.append(f"no answer is from {constraint.value}" if constraint.kind != "project_kind"
                                 else f"no answer is a {constraint.value}")
            reading.features["relaxed"] = reading.features.get("relaxed", 0.0) + 1.0


def order_answers(question: Question, reading: Reading) -> None:
    """Most supported first; prominence breaks ties, or leads when the question asks for the best."""
    kg = question.services.kg
    signals = question.services.signals
    qualifiers = set(question.ctx.qualifiers)

    def prominence(node_id: str) -> float:
        return signals.prominence(node_id) if signals is not None else float(kg.degree(node_id))

    def year(node_id: str) -> int:
        value = kg.nodes[node_id].attr("year")
        return int(value) if isinstance(value, int | float) else 0

    items = list(reading.answers.items())
    if qualifiers & PROMINENCE_QUALIFIERS and not question.ctx.most:
        # support first in coarse tiers (1, 2-3, 4-7... paths), fame within a tier: "a good sci-fi director"
        # is a well-known one among those with several science-fiction films, not a famous one with one
        items.sort(key=lambda kv: (-max(kv[1].count, 1).bit_length(), -prominence(kv[0]), -kv[1].count))
    elif "recent" in qualifiers:
        items.sort(key=lambda kv: (-year(kv[0]), -kv[1].count))
    elif "old" in qualifiers:
        items.sort(key=lambda kv: (year(kv[0]) or 9999, -kv[1].count))
    else:
        items.sort(key=lambda kv: (-kv[1].count, -prominence(kv[0]), kv[0]))
    reading.answers = dict(items)
