"""The question boundary: normalisation of whatever was typed or sent, then checks run before parsing
(empty, too long, binary-looking, prompt-injection-style text).

:func:`normalize_question` runs first, on every question, so that nothing downstream (tokenizer, fuzzy matcher,
vector store, renderer) sees text that is not valid Unicode: a lone UTF-16 surrogate (what a JavaScript client or
a broken copy-paste sends) made the tokenizer raise ``TypeError``. :func:`check_input` then refuses what cannot
be a question, with a polite sentence.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1000
#: stands for every character that was not valid text (lone surrogates, controls, non-characters)
REPLACEMENT = "\ufffd"
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(previous|prior|above|all)\b.{0,40}\b(instructions?|prompts?|rules?)\b"
    r"|\b(system prompt|you are now|act as|jailbreak|developer mode)\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
# Invisible format characters that only change how text is drawn (zero-width spaces and joiners, bidi marks,
# embeddings, overrides and isolates, the BOM, soft hyphen, word joiner, Mongolian vowel separator, tags):
# "Ja\u200bws" is "Jaws" to a reader and must be to the linker; a bidi override must not reorder a reply.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]")
# Line and paragraph separators (U+2028, U+2029, NEL) and other whitespace-like controls read as a space.
_AS_SPACE = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_TO_SPACE = str.maketrans({ch: " " for ch in _AS_SPACE})
# Control characters (C0, DEL, C1), surrogates and the 66 non-characters: never part of a question. A regex,
# not a per-character loop, so that a megabyte sent to the API costs milliseconds before it is refused. NUL is
# kept as it is: it marks binary data, which check_input refuses outright.
_GARBAGE = re.compile("[\x01-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                      + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17)) + "]")


def normalize_question(text: object) -> object:
    """The question as valid, visible Unicode text; anything that is not a ``str`` is returned as it is (and
    :func:`check_input` refuses it).

    - a valid surrogate pair (two code points, as some JSON decoders leave them) becomes its character, and a
      lone surrogate becomes U+FFFD;
    - line breaks, tabs and other separators become spaces; other control characters and non-characters
      become U+FFFD, and NUL stays (so that binary data still looks like binary data to :func:`check_input`);
    - invisible format characters (zero-width, bidi controls, BOM, soft hyphen) are removed;
    - the text is NFC-composed, runs of white space are collapsed and the ends stripped.
    """
    if not isinstance(text, str):
        return text
    # utf-16 with surrogatepass joins split pairs; decoding with "replace" turns lone ones into U+FFFD
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = text.translate(_TO_SPACE)
    text = _INVISIBLE.sub("", text)
    text = _GARBAGE.sub(REPLACEMENT, text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


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
    controls = len(_GARBAGE.findall(stripped)) - stripped.count("\t") - stripped.count("\n") + stripped.count("\0")
    controls += stripped.count(REPLACEMENT) + sum(1 for ch in stripped if unicodedata.category(ch) in ("Co", "Cn"))
    if "\x00" in stripped or controls > max(2, len(stripped) // 20):
        return "That looks like binary data rather than a question. Please type your question as plain text."
    letters = sum(ch.isalnum() for ch in stripped)
    if letters == 0:
        return "I could not find any words in that message. Please ask a question about the film graph."
    if _INJECTION.search(stripped):
        return ("I only answer questions about the knowledge graph and cannot change my instructions. "
                "Try asking about a film, a person or a skill.")
    return None
