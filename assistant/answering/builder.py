"""From ranked readings to the answer people read: ranked answers with their evidence, one sentence
that says where they come from, a calibrated confidence, and honest abstention.

- Answers come from the best reading, then from runner-up readings that are nearly as likely.
- Each answer cites up to three KG paths, and one sentence for people: "the director of Jaws (1975)",
  "through 3 films, among them Alien (1979)", "shares Science Fiction and alien with Alien (1979)",
  "similar by description (0.71)" or "not stated in the graph; predicted with 0.82 confidence".
- A question about a name the graph does not hold ("Who directed Amadeus?") says so, with the nearest
  names, and lists no answers; "similar by description" answers are offered only to questions that
  describe something or ask for a recommendation.
- Two readings of one name that the graph cannot tell apart ("Dune" 1984 and 2021) become a question
  back to the user.
"""

from __future__ import annotations

import math
from collections import Counter

from assistant.answer import Answer, RankedAnswer
from assistant.answering.filters import constraints
from assistant.answering.generators.base import Question
from assistant.answering.readings import Reading
from assistant.explain import render_path
from assistant.kg.normalize import normalize_name
from assistant.kg.verbalize import verbalise
from assistant.query import Anchor, Clarification, Query

RUNNER_UP_SHARE = 0.3  # runner-up readings add answers when at least this likely relative to the best
DESCRIPTIVE_WORDS = 4  # content words no entity explains: the question describes something
CLARIFY_RATIO = 3.0  # homonyms are asked about when neither is this much more prominent


class AnswerBuilder:
    def __init__(self, min_confidence: float = 0.0) -> None:
        self.min_confidence = min_confidence

    def build(self, question: Question, readings: list[Reading], k: int, answer: Answer) -> Answer:
        kg = question.services.kg
        ctx = question.ctx
        answer.query = self.query(question, readings)
        if not readings:
            answer.abstained = bool(question.unknown)
            answer.message = self._nothing(question)
            return answer
        top = readings[0]
        answer.readings = [{"kind": r.kind, "text": self.reading_text(question, r),
                            "probability": round(r.probability, 4), "answers": len(r.answers),
                            "score": round(r.score, 3)} for r in readings[:5]]
        reason = self.abstain_reason(question, top)
        if reason:
            answer.abstained = True
            answer.message = reason
            answer.confidence = 0.0
            return answer
        clarification = self.clarification(question, readings)
        if clarification is not None:
            answer.query.clarification = clarification
            answer.message = clarification.question
            return answer
        answer.confidence = top.probability
        answer.all_answers = list(top.answers)[:1000]
        chosen = [top] + [r for r in readings[1:] if r.probability >= RUNNER_UP_SHARE * top.probability]
        seen: set[str] = set(self.excluded(question))
        for reading in chosen:
            text = self.reading_text(question, reading)
            for rank, (node_id, evidence) in enumerate(reading.answers.items()):
                if len(answer.answers) >= k:
                    break
                if node_id in seen or node_id not in kg.nodes:
                    continue
                seen.add(node_id)
                node = kg.nodes[node_id]
                paths = [render_path(kg, p) for p in evidence.paths[:3]]
                semantic = evidence.similarity if reading.kind in ("describe", "similar") else None
                inferred = reading.kind == "inferred" and bool(evidence.predicted)
                # an inferred answer is as sure as its reading and the predicted edge it stands on together
                confidence = reading.probability * (evidence.probability if inferred else 1.0)
                ranked = RankedAnswer(node.id, node.name, node.type, confidence * (0.999 ** rank),
                                      paths=paths, semantic=semantic, features=dict(reading.features),
                                      sources=self.sources(reading), confidence=confidence,
                                      explanation=self.explain(question, reading, node_id, evidence), reading=text)
                if inferred:
                    ranked.inferred = True
                    head, relation, tail = evidence.predicted
                    ranked.predicted = {"head": head, "relation": relation, "tail": tail,
                                        "probability": evidence.probability}
                answer.answers.append(ranked)
            if len(answer.answers) >= k:
                break
        # a neighbourhood reading holds one type of answer ("how many Pixar films": the films connected to it)
        if ctx.count and top.kind in ("path", "intersection", "character", "refine", "neighbourhood"):
            answer.count = len(top.answers)
            answer.answers.insert(0, RankedAnswer(f"count:{answer.count}", str(answer.count), "count",
                                                  top.probability, confidence=top.probability,
                                                  explanation=f"{answer.count} {self.reading_text(question, top)}",
                                                  reading=self.reading_text(question, top), sources=["graph"]))
            del answer.answers[k:]
        if top.kind == "inferred" and answer.answers:
            answer.confidence = answer.answers[0].confidence
        answer.message = self.sentence(question, top, answer)
        return answer

    def excluded(self, question: Question) -> set[str]:
        """"What else did he make": the entities of the previous turn are not answers again."""
        if not question.ctx.other or not question.ctx.history:
            return set()
        previous = question.ctx.history[-1]
        query = getattr(previous, "query", None)
        return {a.node_id for a in getattr(query, "anchors", []) if a.node_id}

    # ---- the query the reading stands for ----------------------------------------------------
    def query(self, question: Question, readings: list[Reading]) -> Query:
        """The chosen reading as an entity-type-aware query (anchors, paths, filters), for display and JSON."""
        query = Query(text=question.ctx.text, qualifiers=list(question.ctx.qualifiers),
                      constraints=constraints(question), unknown=[{"mention": u["mention"], "nearest": u["nearest"]}
                                                                  for u in question.unknown])
        if not readings:
            return query
        top = readings[0]
        query.target_type = top.answer_type
        query.path_confidence = top.probability
        query.anchors = self._anchors(question, top)
        covered = {i for b in top.branches for i in range(b.link.start, b.link.end)}
        rest = "".join(" " if i in covered else ch for i, ch in enumerate(question.ctx.text))
        query.free_text = " ".join(rest.split())
        for alt in readings[1:4]:
            query.alternatives.append(Query(text=question.ctx.text, target_type=alt.answer_type,
                                            anchors=self._anchors(question, alt), path_confidence=alt.probability))
        return query

    def _anchors(self, question: Question, reading: Reading) -> list[Anchor]:
        kg = question.services.kg
        out = []
        for b in reading.branches:
            link = b.link
            if link.node_id:
                node = kg.nodes[link.node_id]
                out.append(Anchor(link.mention, node.id, node.name, node.type, link.score, b.steps, link.method))
            else:
                out.append(Anchor(link.mention, "", link.character, "character", link.score, (), link.method))
        return out

    # ---- abstention and clarification ------------------------------------------------------
    def descriptive(self, question: Question) -> bool:
        """Whether the question describes something (a plot, a profile) or asks for a recommendation."""
        ctx = question.ctx
        strong = [lk for lk in question.links if lk.score >= 0.6]
        covered = {w for lk in strong for w in normalize_name(lk.mention).split()}
        free = [w for w in ctx.content if w not in covered]
        return ctx.recommend or len(free) >= DESCRIPTIVE_WORDS

    def abstain_reason(self, question: Question, top: Reading) -> str | None:
        if top.kind == "describe" and not self.descriptive(question):
            return self._nothing(question)
        # "who is Denzel Washington" read through Kerry Washington, "Steven Soderbergh" through Steven Zaillian:
        # the reading stands on a part of a name the graph does not hold, so it answers about someone else
        for u in question.unknown:
            if _within(u, top):
                return self._nothing(question, u)
        unknown = [u for u in question.unknown if not _covered(u, top)]
        # a plot or a profile naturally names things the graph lacks ("...left behind on an empty Earth"): a
        # description answers it; a short question about an unknown name ("who directed Amadeus?") does not
        described = top.kind == "describe" and self.descriptive(question) and len(unknown) <= 1
        if unknown and top.kind in ("describe", "similar", "identity") and not described:
            return self._nothing(question)
        if unknown and (top.probability < 0.5 or min((b.link.score for b in top.branches), default=0.0) < 0.55):
            return self._nothing(question)
        return None

    def _nothing(self, question: Question, unknown: dict | None = None) -> str:
        if unknown or question.unknown:
            u = unknown or question.unknown[0]
            near = ", ".join(u["nearest"]) or "nothing close"
            return f"“{u['mention']}” is not in this graph, so I cannot answer that. Nearest names: {near}."
        return "I found nothing in the graph for that."

    def clarification(self, question: Question, readings: list[Reading]) -> Clarification | None:
        """Ask back when the best readings differ only by which homonym the name links to."""
        kg = question.services.kg
        top = readings[0]
        if len(top.branches) != 1 or not top.branches[0].link.node_id:
            return None
        link = top.branches[0].link
        years = set(question.ctx.years)
        if years and kg.nodes[link.node_id].attr("year") in years:
            return None
        name = normalize_name(kg.nodes[link.node_id].name)
        rivals = [r for r in readings[1:6] if r.kind == top.kind and len(r.branches) == 1
                  and r.branches[0].label == top.branches[0].label and r.branches[0].link.node_id
                  and r.branches[0].link.node_id != link.node_id
                  and normalize_name(kg.nodes[r.branches[0].link.node_id].name) == name
                  # homonyms tie on everything but link order (the first-listed link's feature), so a
                  # rival may trail well behind; which name dominates is the degree test's to say
                  and r.probability >= 0.15 * top.probability and set(r.answers) != set(top.answers)]
        if not rivals:
            return None
        nodes = [kg.nodes[link.node_id]] + [kg.nodes[r.branches[0].link.node_id] for r in rivals]
        nodes = list({n.id: n for n in nodes}.values())
        degrees = sorted((kg.degree(n.id) for n in nodes), reverse=True)
        if degrees[0] >= CLARIFY_RATIO * max(1, degrees[1]):
            return None
        options = [{"node_id": n.id, "label": n.label, "type": n.type, "description": (n.description or "")[:160]}
                   for n in nodes]
        return Clarification(f"Which “{link.mention}” do you mean: " + ", ".join(o["label"] for o in options) + "?",
                             link.mention, options)

    # ---- words for people -------------------------------------------------------------------
    def reading_text(self, question: Question, reading: Reading) -> str:
        if reading.text:
            return reading.text
        kg = question.services.kg
        parts = []
        for b in reading.branches:
            anchor = kg.nodes[b.link.node_id].label if b.link.node_id else b.link.character
            if reading.kind == "path" or reading.kind == "intersection" or reading.kind == "inferred":
                parts.append(verbalise(kg, b.steps, b.types, anchor))
            else:
                parts.append(b.text.replace("NE", anchor))
        if reading.kind == "describe":
            return f"a {question.ctx.asked_type or reading.answer_type or 'node'} matching the description"
        reading.text = " and ".join(parts)
        return reading.text

    def sources(self, reading: Reading) -> list[str]:
        return {"describe": ["dense"], "similar": ["graph:similar"], "inferred": ["inferred"]}.get(reading.kind,
                                                                                                  ["graph"])

    def explain(self, question: Question, reading: Reading, node_id: str, evidence) -> str:
        kg = question.services.kg
        if reading.kind == "describe":
            return f"similar by description ({evidence.similarity:.2f}); no KG path was used"
        if reading.kind == "inferred":
            return (f"not stated in the graph; predicted with {evidence.probability:.2f} confidence "
                    f"({self.reading_text(question, reading)})")
        if reading.kind == "identity":
            link = reading.branches[0].link
            how = "its exact name" if link.method == "exact" else f"a {link.method} match of “{link.mention}”"
            return f"{kg.nodes[node_id].label} ({kg.nodes[node_id].type}), found by {how}"
        if reading.kind == "similar":
            anchor = reading.branches[0].link.node_id
            mine = {h.node for h in kg.neighbors(anchor, direction="both")}
            shared = [h.node for h in kg.neighbors(node_id, direction="both") if h.node in mine]
            shared = sorted(set(shared), key=lambda n: kg.degree(n))[:3]
            names = ", ".join(kg.nodes[n].label for n in shared)
            base = f"shares {names} with {kg.nodes[anchor].label}" if shared else f"close to {kg.nodes[anchor].label}"
            return base
        if reading.kind == "character":
            return "; ".join(p.text for p in [render_path(kg, p) for p in evidence.paths[:2]])
        text = self.reading_text(question, reading)
        hops = max((len(b.steps) for b in reading.branches), default=0)
        if hops >= 2 and evidence.count > 1:
            middles = Counter(p.hops[-2].node for p in evidence.paths if len(p.hops) >= 2)
            examples = ", ".join(kg.nodes[n].label for n, _ in middles.most_common(2))
            noun = kg.nodes[next(iter(middles))].type if middles else ""
            noun = "film" if noun == "project" else noun
            return f"{text}: through {evidence.count} {noun} paths, among them {examples}"
        return text

    def sentence(self, question: Question, top: Reading, answer: Answer) -> str:
        kg = question.services.kg
        names = ", ".join(a.name for a in answer.answers[:3] if a.type != "count")
        text = self.reading_text(question, top)
        confidence = f"{top.probability:.0%}"
        if answer.count is not None:
            msg = f"{answer.count} — {text} ({confidence} sure of the reading)."
        elif top.kind == "identity":
            msg = answer.answers[0].explanation + "." if answer.answers else "Found."
        elif top.kind == "describe":
            msg = f"{names} — similar by description; no KG path connects them to the question."
        elif top.kind == "inferred":
            best = next((a.predicted["probability"] for a in answer.answers if a.predicted), None)
            edge = f"; predicted with {best:.2f} confidence" if best is not None else ""
            msg = f"{names} — not stated in the graph{edge} by link prediction ({text})."
        else:
            msg = f"{names} — {text}, found through the graph ({confidence} sure of the reading)."
        notes = list(dict.fromkeys(top.notes))
        unknown = [u for u in question.unknown if not _covered(u, top)]
        if unknown:
            u = unknown[0]
            msg += f" (“{u['mention']}” is not in this graph; nearest: {', '.join(u['nearest'])}.)"
        for note in notes:
            msg += f" Note: {note}."
        if not kg:
            return msg
        return msg


def _covered(unknown: dict, reading: Reading) -> bool:
    start, end = unknown.get("start", -1), unknown.get("end", -1)
    return any(b.link.start < end and start < b.link.end for b in reading.branches)


def _within(unknown: dict, reading: Reading) -> bool:
    """Whether one of the reading's links matched only a part of the unknown name (none matched all of it)."""
    start, end = unknown.get("start", -1), unknown.get("end", -1)
    return any(b.link.start < end and start < b.link.end and (b.link.start, b.link.end) != (start, end)
               and b.link.method in ("partial", "character", "fuzzy", "dense") for b in reading.branches)


def softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]
