"""Answering as a pipeline: cues → links → readings from every generator → ranked → the answer.

    pipeline = AnsweringPipeline(services, linker)
    answer = pipeline.answer("films by the director of the terminator", history=[previous_answer])

Each step is a small part with its own module: :mod:`~assistant.answering.context` (cue words),
:mod:`assistant.parsing.links` (entities), :mod:`~assistant.answering.conversation` (pronouns and
ellipsis), the generators in :mod:`assistant.answering.generators` (one interface, one reading kind
each), :mod:`~assistant.answering.ranker` (the learned choice among readings) and
:mod:`~assistant.answering.builder` (answers, evidence, confidence, abstention).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import Answer
from assistant.answering.builder import AnswerBuilder
from assistant.answering.context import question_context
from assistant.answering.conversation import history_links
from assistant.answering.generators import default_generators
from assistant.answering.generators.base import CandidateGenerator, Question, Services
from assistant.answering.ranker import ReadingRanker
from assistant.answering.readings import Reading
from assistant.parsing.links import Linker
from assistant.query import Query


class AnsweringPipeline:
    """Answers questions over one KG.

    Args:
        services: The KG, matcher, search and caches shared by every question.
        linker: Entity linking over the same KG.
        generators: Candidate generators, run in order (default: :func:`default_generators`).
        ranker: The reading ranker (default: the shipped fitted weights).
        builder: Turns ranked readings into the answer.
    """

    def __init__(self, services: Services, linker: Linker, generators: Sequence[CandidateGenerator] | None = None,
                 ranker: ReadingRanker | None = None, builder: AnswerBuilder | None = None) -> None:
        self.services = services
        self.linker = linker
        self.generators = list(generators) if generators is not None else default_generators()
        self.ranker = ranker or ReadingRanker.load()
        self.builder = builder or AnswerBuilder()

    def understand(self, text: str, history: Sequence[Answer] = (), inferred: bool = True,
                   node_type: str | None = None) -> tuple[Question, list[Reading]]:
        """The question's links and every generator's readings, ranked best first; ``node_type``, when the
        caller names the type of answer wanted, stands for what the question itself says."""
        ctx = question_context(text, self.services.kg, list(history))
        ctx.inferred = inferred
        if node_type and node_type in self.services.kg.node_types():
            ctx.asked_type = node_type
        result = self.linker.link(text)
        links = result.links + history_links(text, result.links, list(history), self.services.kg)
        question = Question(ctx, links, result.unknown, self.services)
        for generator in self.generators:
            question.readings[generator.name] = generator.generate(question)
        return question, self.ranker.rank(question, question.all_readings)

    def answer(self, text: str, k: int = 10, node_type: str | None = None,
               history: Sequence[Answer] = (), inferred: bool = True) -> Answer:
        question, readings = self.understand(text, history, inferred, node_type)
        if node_type:  # the caller asked for one type of answer: readings of other types step aside
            typed = [r for r in readings if r.answer_type == node_type]
            # a bare name with a type asked for ("George Lucas", projects) is a search: everything of that type
            # connected to it, ahead of any one relation the matcher would guess from a question with no words
            bare = [r for r in typed if r.features.get("bare_neighbourhood")]
            if bare:
                bare[0].probability = max(bare[0].probability, typed[0].probability)
                typed = [bare[0]] + [r for r in typed if r is not bare[0]]
            readings = typed or readings
        answer = Answer(text, Query(text=text))
        return self.builder.build(question, readings, k, answer)
