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
    for node_type, (singular, plural, extra) in TYPE_NOUNS.items():
        for word in (singular, plural, *extra):
            out.setdefault(word, node_type)
    return out


# Alternative nouns used when generating training questions, so "documentaries" or "studios" are seen.
NOUN_VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "project": (("film", "movie", "project", "title", "documentary", "series", "show"),
                ("films", "movies", "projects", "titles", "documentaries", "series", "shows", "pictures")),
    "movie": (("movie", "film"), ("movies", "films")),
    "person": (("person", "artist", "filmmaker"), ("people", "persons", "artists", "filmmakers")),
    "company": (("company", "studio"), ("companies", "studios")),
    "keyword": (("keyword", "theme", "topic"), ("keywords", "themes", "topics")),
    "tag": (("tag", "topic"), ("tags", "topics")),
}


def noun(node_type: str, plural: bool = False, rng=None) -> str:
    """A readable noun for a node type (``project`` -> ``film``); unknown types use their name.

    With ``rng``, a random variant ("movies", "documentaries") for varied generated questions.
    """
    if rng is not None and node_type in NOUN_VARIANTS and rng.random() < 0.5:
        return rng.choice(NOUN_VARIANTS[node_type][1 if plural else 0])
    singular, plural_form, _ = TYPE_NOUNS.get(node_type, (node_type.replace("_", " "),
                                                           node_type.replace("_", " ") + "s", ()))
    return plural_form if plural else singular


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


def singular(word: str) -> str:
    """A crude English singular: ``operas`` -> ``opera``, ``comedies`` -> ``comedy`` (``1980s`` stays)."""
    if word[:-1].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


_IRREGULAR = {"wrote": "write", "made": "make", "shot": "shoot", "cut": "cut", "was": "be", "were": "be",
              "lent": "lend", "did": "do", "chose": "choose", "set": "set", "led": "lead", "had": "have",
              "came": "come", "began": "begin", "told": "tell", "took": "take", "gave": "give", "is": "be"}


def base_form(verb: str) -> str:
    """The bare form of a past-tense verb phrase: ``scored`` -> ``score``, ``acted in`` -> ``act in``."""
    words = verb.split()
    if not words:
        return verb
    head = words[0]
    if head in _IRREGULAR:
        head = _IRREGULAR[head]
    elif head.endswith("ed") and len(head) > 4:
        stem = head[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            stem = stem[:-1]  # starred -> star
        elif stem.endswith(("at", "c", "s", "v", "z", "g", "u")) or stem.endswith("or"):
            stem += "e"  # created, produced, composed, voiced, scored
        head = stem
    elif head.endswith("s") and not head.endswith("ss"):
        head = head[:-1]  # "features" -> "feature"
    return " ".join([head, *words[1:]])
