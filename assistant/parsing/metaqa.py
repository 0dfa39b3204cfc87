"""MetaQA question types (``movie_to_director_to_movie``) as relation paths of the MetaQA KB."""

from __future__ import annotations

from assistant.query import PathStep, path_label

QTYPE_RELATION = {
    "director": "directed_by", "writer": "written_by", "actor": "starred_actors", "year": "release_year",
    "language": "in_language", "genre": "has_genre", "tags": "has_tags", "tag": "has_tags",
    "imdbrating": "has_imdb_rating", "imdbvotes": "has_imdb_votes",
}


def qtype_to_path(qtype: str) -> tuple[PathStep, ...]:
    """``actor_to_movie_to_director`` -> ``(^starred_actors, directed_by)``."""
    parts = qtype.strip().split("_to_")
    steps = []
    for a, b in zip(parts, parts[1:], strict=False):
        if a == "movie":
            steps.append(PathStep(QTYPE_RELATION[b], False))
        elif b == "movie":
            steps.append(PathStep(QTYPE_RELATION[a], True))
        else:
            raise ValueError(f"unsupported MetaQA question type {qtype!r}")
    return tuple(steps)


def qtype_label(qtype: str) -> str:
    return path_label(qtype_to_path(qtype))
