"""Name normalisation used by every name lookup (case, accents, punctuation)."""

from __future__ import annotations

import functools
import re
import unicodedata

_DROPPED = re.compile(r"[.'’`]")  # "E.T." -> "et", "Schindler's" -> "schindlers"
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1 << 15)  # bounded: KG names repeat across questions, arbitrary text must not pile up
def normalize_name(text: str) -> str:
    """Fold a name to its lookup key.

    Lower-cases, strips accents, turns ``&`` into ``and`` and drops punctuation, so that
    ``"Amélie"``, ``"amelie"`` and ``"AMÉLIE!"`` share one key.

    Args:
        text: A name or alias as written.

    Returns:
        The normalised key; empty when the text has no letters or digits.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DROPPED.sub("", text.replace("&", " and ").lower())
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def slugify(text: str) -> str:
    """A stable, readable id fragment: ``"Star Wars (1977)"`` -> ``"star-wars-1977"``."""
    return normalize_name(text).replace(" ", "-") or "x"
