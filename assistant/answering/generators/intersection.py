"""Two entities, one answer: "films with both Harrison Ford and Carrie Fisher", "a horror film from the
1970s" (genre and decade keyword), "Pixar films Randy Newman scored".

The best path readings of two links on different spans that end in the same type are joined: the
answers both reach. Each branch keeps the matcher's score of the question masked at its own entity.
"""

from __future__ import annotations

from functools import partial

from assistant.answering.filters import order_answers
from assistant.answering.generators.base import Question
from assistant.answering.readings import Evidence, Reading
from assistant.traversal import SupportPath

MIN_LINK = 0.55


class IntersectionGenerator:
    name = "intersection"

    def __init__(self, per_link: int = 3, limit: int = 12) -> None:
        self.per_link = per_link
        self.limit = limit

    def generate(self, question: Question) -> list[Reading]:
        paths = question.readings.get("paths", [])
        by_link: dict[str, list[Reading]] = {}
        for reading in sorted(paths, key=lambda r: -r.matcher):
            key = reading.branches[0].link.node_id
            if len(by_link.setdefault(key, [])) < self.per_link:
                by_link[key].append(reading)
        groups = list(by_link.values())
        out: list[Reading] = []
        for i, first in enumerate(groups):
            for second in groups[i + 1:]:
                a_link, b_link = first[0].branches[0].link, second[0].branches[0].link
                if a_link.start < b_link.end and b_link.start < a_link.end:
                    continue  # the same words: two readings of one span, not two entities
                if min(a_link.score, b_link.score) < MIN_LINK:
                    continue  # two entities asked about together are named, not guessed from a word
                for a in first:
                    for b in second:
                        if a.answer_type != b.answer_type:
                            continue
                        common = [n for n in a.answers if n in b.answers]
                        if not common or len(common) == len(a.answers) == len(b.answers):
                            continue
                        answers = {}
                        for n in common:
                            ea, eb = a.answers[n], b.answers[n]
                            answers[n] = Evidence(count=ea.count + eb.count, resolve=partial(_joined, ea, eb))
                        joined = Reading("intersection", [a.branches[0], b.branches[0]], answers, a.answer_type)
                        joined.notes = list(dict.fromkeys(a.notes + b.notes))
                        order_answers(question, joined)
                        out.append(joined)
        out.sort(key=lambda r: -r.matcher)
        return out[: self.limit]


def _joined(a: Evidence, b: Evidence) -> list[SupportPath]:
    return a.paths[:2] + b.paths[:2]  # recovered only for the answers shown
