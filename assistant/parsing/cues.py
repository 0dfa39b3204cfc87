"""Cue words: what type of thing is asked for, qualifiers, project kinds, decades.

These are the closed-class words of questions (``who``, ``films``, ``best``); relations and
entities are detected by meaning and by the graph, not here.
"""

from __future__ import annotations

import re

# type -> (singular, plural, extra words that ask for it)
TYPE_NOUNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "person": ("person", "people", ("who", "whom", "someone", "somebody", "anyone", "persons", "artist",
                                    "artists", "filmmaker", "filmmakers", "talent", "crew", "recruit", "recruiting",
                                    "candidate", "candidates", "expert", "experts")),
    "project": ("film", "films", ("movie", "movies", "project", "projects", "series", "show", "shows",
                                  "documentary", "documentaries", "picture", "pictures", "title", "titles",
                                  "short", "shorts", "episode", "episodes", "special", "cartoon", "cartoons",
                                  "filmography", "credits", "works")),
    "movie": ("movie", "movies", ("film", "films", "picture", "pictures", "title", "titles")),
    "genre": ("genre", "genres", ("kind", "sort", "category", "categories")),
    "keyword": ("keyword", "keywords", ("theme", "themes", "topic", "topics", "motif", "motifs")),
    "tag": ("tag", "tags", ("topic", "topics", "described by", "about")),
    "skill": ("skill", "skills", ("expertise", "specialty", "specialties", "speciality")),
    "company": ("company", "companies", ("studio", "studios", "firm", "firms")),
    "franchise": ("franchise", "franchises", ("saga", "sagas", "universe")),
    "language": ("language", "languages", ("spoken", "tongue")),
    "country": ("country", "countries", ("nation", "nations")),
    "year": ("year", "years", ("when", "release date", "released", "came out")),
    "rating": ("rating", "ratings", ("rated", "imdb rating", "score")),
    "votes": ("votes", "votes", ("how popular", "imdb votes")),
}

PROJECT_KINDS: dict[str, str] = {
    "documentary": "documentary", "documentaries": "documentary", "docuseries": "documentary",
    "doc": "documentary", "docs": "documentary",
    "series": "series", "show": "series", "shows": "series", "tv series": "series", "sitcom": "series",
    "short": "short", "shorts": "short", "short film": "short", "short films": "short",
    "episode": "episode", "episodes": "episode", "tv special": "tv special", "special": "tv special",
    "film": "film", "films": "film", "feature": "film", "features": "film",
}

QUALIFIERS: dict[str, str] = {
    "good": "good", "great": "good", "notable": "good", "talented": "good", "acclaimed": "good",
    "best": "best", "top": "best", "greatest": "best", "finest": "best", "leading": "best",
    "famous": "popular", "popular": "popular", "well known": "popular", "well-known": "popular",
    "renowned": "popular", "celebrated": "popular", "prolific": "popular",
    "recent": "recent", "latest": "recent", "newest": "recent", "new": "recent",
    "old": "old", "classic": "old", "oldest": "old", "earliest": "old",
}

_DECADE = re.compile(r"\b(?:the\s+)?(19|20)?(\d0)'?s\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(18[89]\d|19\d\d|20[0-4]\d)\b")


def type_words() -> dict[str, str]:
    """``word -> node type`` for every noun in :data:`TYPE_NOUNS`."""
    out: dict[str, str] = {}
    for node_type, (one, many, extra) in TYPE_NOUNS.items():
        for word in (one, many, *extra):
            out.setdefault(word, node_type)
    return out


def find_decade(text: str) -> int | None:
    """``"80s"`` / ``"the 1980s"`` -> 1980."""
    match = _DECADE.search(text)
    if not match:
        return None
    century = match.group(1) or ("20" if match.group(2) in ("00", "10", "20") else "19")
    return int(century + match.group(2))


def find_years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


# a qualifier word stands alone: punctuation may touch it ("the best?"), letters and hyphens may not
_QUALIFIER_WORDS = re.compile(
    r"(?<![\w-])(" + "|".join(map(re.escape, sorted(QUALIFIERS, key=len, reverse=True))) + r")(?![\w-])",
    re.IGNORECASE)


def find_qualifiers(text: str) -> list[str]:
    """``good`` / ``best`` / ``popular`` / ``recent`` / ``old`` for the cue words in ``text``, once each."""
    found = [QUALIFIERS[m.group(1).lower()] for m in _QUALIFIER_WORDS.finditer(text)]
    return list(dict.fromkeys(found))

