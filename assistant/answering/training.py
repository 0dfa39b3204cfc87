"""Fitting the reading ranker: the shipped one (``kgqa train ranker``) and one per KG with labelled
questions (``kgqa train parser --metaqa``).

The shipped ranker learns from questions generated from several KGs (the film KG with its index, and
synthetic triples KGs with plain relation names; :mod:`training.matcher`) plus the film question set's
train split, and is checked on questions from KGs and splits it never saw. MetaQA's questions are not
used: zero-shot MetaQA must stay zero-shot.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.fit import QuestionReadings, collect, fit_ranker
from assistant.answering.ranker import SHIPPED, ReadingRanker
from assistant.evaluation.metrics import Gold


@dataclass(slots=True)
class _Named:
    node_id: str
    name: str


def gold_names(kg):
    """``is_gold`` for question sets whose answers are names or node ids (QAItem)."""

    def is_gold(item, node_id: str) -> bool:
        node = kg.nodes.get(node_id)
        return node is not None and Gold.of(item.answers).match(_Named(node_id, node.name)) is not None

    return is_gold


def gold_ids(item, node_id: str) -> bool:
    """``is_gold`` for generated items, whose answers are node ids."""
    return node_id in item.answers


def collect_generated(bot, count: int, seed: int, set_name: str, progress: bool = True) -> list[QuestionReadings]:
    """Generated questions about ``bot``'s KG, run through its pipeline."""
    from training.matcher.lexicon import Lexicon
    from training.matcher.questions import generated_items

    items = generated_items(bot.kg, count, Lexicon(), seed=seed,
                            describe_share=0.12 if bot.has_index else 0.0)
    return collect(bot.pipeline.understand, items, set_name, gold_ids, progress)


def fit_labelled_ranker(bot, items: Sequence, out: str | Path | None = None, limit: int = 2000,
                        seed: int = 0) -> dict:
    """Refit the ranker for one KG with its labelled questions (and its classifier feature, if fit)."""
    rng = random.Random(seed)
    items = list(items)
    rng.shuffle(items)
    stripped = [type(i)(i.id, i.question.replace("[", "").replace("]", ""), i.answers, i.type, i.topic)
                for i in items[:limit]]
    cut = int(len(stripped) * 0.8)
    bot._services = None  # the classifier just fit must be seen by the pipeline
    bot._pipeline = None
    train = collect(bot.pipeline.understand, stripped[:cut], "labelled", gold_names(bot.kg))
    held = collect(bot.pipeline.understand, stripped[cut:], "labelled-held-out", gold_names(bot.kg))
    ranker = fit_ranker(train, held)
    if out is not None:
        ranker.save(out)
    return ranker.report


def fit_shipped_ranker(films_bot, synthetic_bots: Sequence, films_items: Sequence, held_items: Sequence,
                       per_kg: int = 600, out: str | Path = SHIPPED, progress: bool = True) -> ReadingRanker:
    """The default ranker: generated questions from several KGs plus the film train split."""
    train: list[QuestionReadings] = []
    train += collect(films_bot.pipeline.understand, films_items, "films-train", gold_names(films_bot.kg), progress)
    train += collect_generated(films_bot, per_kg, 11, "films-generated", progress)
    for i, bot in enumerate(synthetic_bots):
        train += collect_generated(bot, per_kg, 20 + i, f"{bot.kg.name}-generated", progress)
    held = collect(films_bot.pipeline.understand, held_items, "films-test", gold_names(films_bot.kg), progress)
    ranker = fit_ranker(train, held)
    ranker.save(out)
    return ranker
