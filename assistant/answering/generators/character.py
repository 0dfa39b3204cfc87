"""Characters named in credits: "who played Han Solo", "which film has Darth Vader in it".

A credit edge may carry the character played (``{"character": "Han Solo"}``); a character link
gives two readings, the people credited with it and the projects it appears in.
"""

from __future__ import annotations

from assistant.answering.filters import apply_filters, order_answers
from assistant.answering.generators.base import Question
from assistant.answering.readings import Branch, Evidence, Reading
from assistant.kg.graph import Hop
from assistant.kg.normalize import normalize_name
from assistant.kg.verbalize import MASK
from assistant.traversal import SupportPath

PLAYED = f"the person who played the character {MASK}"
APPEARS = f"the film featuring the character {MASK}"


class CharacterGenerator:
    name = "character"

    def generate(self, question: Question) -> list[Reading]:
        kg = question.services.kg
        out: list[Reading] = []
        seen: set[str] = set()
        for link in question.links:
            if not link.character or link.character in seen:
                continue
            seen.add(link.character)
            key = normalize_name(link.character)
            people: dict[str, Evidence] = {}
            works: dict[str, Evidence] = {}
            for idx in question.services.character_edges(key):
                edge = kg.edges[idx]
                if edge is None:
                    continue
                path = SupportPath(edge.target, (Hop(edge, edge.source, True),))
                ev = people.setdefault(edge.source, Evidence())
                ev.count += 1
                if len(ev.paths) < 3:
                    ev.paths.append(path)
                wv = works.setdefault(edge.target, Evidence())
                wv.count += 1
                if len(wv.paths) < 3:
                    wv.paths.append(SupportPath(edge.source, (Hop(edge, edge.target, False),)))
            vector = question.vector(link)
            texts = question.services.matcher.vectors([PLAYED, APPEARS])
            for answers, text, vec in ((people, PLAYED, texts[0]), (works, APPEARS, texts[1])):
                if not answers:
                    continue
                types = {kg.nodes[n].type for n in answers}
                reading = Reading("character", [Branch(link, (), tuple(types), text, float(vec @ vector))],
                                  answers, next(iter(types)))
                apply_filters(question, reading)
                order_answers(question, reading)
                out.append(reading)
        return out
