"""Markdown for one chat reply: the answer sentence, then one card per ranked answer with its cited KG paths."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer import Answer, RankedAnswer
from assistant.kg.graph import KnowledgeGraph

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """How much of each answer a reply shows.

    Attributes:
        max_paths: Cited paths listed under each answer card.
        blurb_chars: Length of the one-line description before it is cut with an ellipsis.
        max_contributions: Score contributions (feature → share) shown per card, when the ranker gives them.
    """

    max_paths: int = 3
    blurb_chars: int = 140
    max_contributions: int = 3


def escape(text: str) -> str:
    """Escape Markdown/HTML specials so node names and descriptions render literally."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def one_line(text: str, limit: int) -> str:
    """First ``limit`` characters of ``text`` on one line, cut at a word with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _contributions(item: RankedAnswer, limit: int) -> str:
    # the ranker may add `contributions` (feature -> score share); older answers do not have it
    contrib = getattr(item, "contributions", None) or {}
    features = getattr(item, "features", None) or {}
    # contributions are relative to an average candidate; a feature this answer lacks (value 0)
    # only says what it is not, so the card lists the evidence it has
    present = {k: v for k, v in contrib.items() if features.get(k, 1.0) != 0}
    top = sorted(present.items(), key=lambda kv: -abs(kv[1]))[:limit]
    return ", ".join(f"{name} {value:+.2f}" for name, value in top)


def answer_card(kg: KnowledgeGraph, rank: int, item: RankedAnswer, settings: RenderSettings = RenderSettings()) -> str:
    """One answer as a Markdown card: name, type, score and description, then its cited paths."""
    node = kg.nodes.get(item.node_id) if hasattr(kg.nodes, "get") else None
    label = node.label if node is not None else item.name
    blurb = one_line(node.description if node is not None else "", settings.blurb_chars)
    head = f"**{rank}. {escape(label)}** · `{item.type}` · score {item.score:.2f}"
    if "graph:alternative-reading" in item.sources:
        head += " · *another reading of the question*"
    lines = [head]
    if blurb:
        lines.append(f"> {escape(blurb)}")
    why = _contributions(item, settings.max_contributions)
    if why:
        lines.append(f"> *why:* {escape(why)}")
    for path in item.paths[: settings.max_paths]:
        lines.append(f"- {escape(path.text)}")
    if not item.paths:
        sim = f" ({item.semantic:.2f})" if item.semantic is not None else ""
        lines.append(f"- ≈ similar by description{sim}; no KG path cites it")
    return "\n".join(lines)


def answer_markdown(kg: KnowledgeGraph, answer: Answer, settings: RenderSettings = RenderSettings()) -> str:
    """The whole reply: the answer sentence, then the cards (or the clarifying question / the error)."""
    parts = [escape(answer.message) or "No answer."]
    if answer.query.error or answer.query.clarification:
        if answer.query.clarification:
            parts.append("*Choose a reading below the chat.*")
        return "\n\n".join(parts)
    for rank, item in enumerate(answer.answers, 1):
        parts.append(answer_card(kg, rank, item, settings))
    return "\n\n".join(parts)


def chosen_reading(question: str, mention: str, label: str) -> str:
    """The question with the ambiguous mention replaced by the chosen node's unique label.

    ``who directed Dune`` + ``Dune (2021)`` → ``who directed Dune (2021)``; the parser links the label exactly.
    When the mention is not found verbatim the label alone is asked.
    """
    pattern = re.compile(re.escape(mention), re.IGNORECASE)
    if mention and pattern.search(question):
        return pattern.sub(lambda _: label, question, count=1)
    return label
