"""Input checks run before parsing: empty, too long, binary-looking, prompt-injection-style text."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1000
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(previous|prior|above|all)\b.{0,40}\b(instructions?|prompts?|rules?)\b"
    r"|\b(system prompt|you are now|act as|jailbreak|developer mode)\b",
    re.IGNORECASE,
)


def check_input(text: object) -> str | None:
    """A polite error message for input that cannot be a question, or ``None`` if it is fine."""
    if not isinstance(text, str):
        return "Please send the question as text."
    stripped = text.strip()
    if not stripped:
        return "Please type a question, for example “who directed Jaws?”."
    if len(stripped) > MAX_CHARS:
        return (f"That message is {len(stripped):,} characters long; questions are limited to {MAX_CHARS:,}. "
                "Please ask something shorter.")
    controls = sum(1 for ch in stripped if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n")
    if "\x00" in stripped or controls > max(2, len(stripped) // 20):
        return "That looks like binary data rather than a question. Please type your question as plain text."
    letters = sum(ch.isalnum() for ch in stripped)
    if letters == 0:
        return "I could not find any words in that message. Please ask a question about the film graph."
    if _INJECTION.search(stripped):
        return ("I only answer questions about the knowledge graph and cannot change my instructions. "
                "Try asking about a film, a person or a skill.")
    return None
