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
    """

    max_paths: int = 3
    blurb_chars: int = 140


def escape(text: str) -> str:
    """Escape Markdown/HTML specials so node names and descriptions render literally."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def one_line(text: str, limit: int) -> str:
    """First ``limit`` characters of ``text`` on one line, cut at a word with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def answer_card(kg: KnowledgeGraph, rank: int, item: RankedAnswer, settings: RenderSettings = RenderSettings()) -> str:
    """One answer as a Markdown card: name, type, confidence and description, why it answers (in words),
    then its cited paths; an inferred answer says in its first line that the graph does not state it."""
    node = kg.nodes.get(item.node_id) if hasattr(kg.nodes, "get") else None
    label = node.label if node is not None else item.name
    blurb = one_line(node.description if node is not None else "", settings.blurb_chars)
    confidence = getattr(item, "confidence", 0.0) or 0.0
    head = f"**{rank}. {escape(label)}** · `{item.type}`" + (f" · {confidence:.0%} sure" if confidence else "")
    if getattr(item, "inferred", False):
        predicted = getattr(item, "predicted", None) or {}
        probability = predicted.get("probability")
        head += " · **INFERRED: not stated in the graph**" + (
            f", predicted with {probability:.2f} probability" if probability is not None else "")
    lines = [head]
    if blurb:
        lines.append(f"> {escape(blurb)}")
    explanation = getattr(item, "explanation", "")
    if explanation:
        lines.append(f"> *why:* {escape(explanation)}")
    for path in item.paths[: settings.max_paths]:
        lines.append(f"- {escape(path.text)}")
    if getattr(item, "inferred", False):
        predicted = getattr(item, "predicted", None) or {}
        if predicted:
            head_node, tail_node = kg.nodes.get(predicted["head"]), kg.nodes.get(predicted["tail"])
            if head_node is not None and tail_node is not None:
                verb = kg.schema.verbalize(predicted["relation"])
                lines.append(f"- ⇢ {escape(head_node.label)} —{escape(verb)}?→ {escape(tail_node.label)} "
                             "(predicted edge)")
    elif not item.paths and item.type != "count":
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
