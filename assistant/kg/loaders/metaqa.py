"""MetaQA / WikiMovies ``kb.txt``: ``subject|relation|object`` lines (``.gz`` accepted).

Node types are inferred from the relations: the subject of every MetaQA relation is a movie and
the object's type follows from the relation (``directed_by`` -> person, ``has_genre`` -> genre...).
The same string may name nodes of two types ("Jaws" the movie, "jaws" the tag); each type gets
its own node, ``type:name``.
"""

from __future__ import annotations

from pathlib import Path

from assistant.kg.errors import ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import bad_identifier, numbered_lines
from assistant.kg.schema import RelationSpec, Schema

# relation -> (object type, forward verbalisation, inverse verbalisation)
METAQA_RELATIONS: dict[str, tuple[str, str, str]] = {
    "directed_by": ("person", "directed by", "directed"),
    "written_by": ("person", "written by", "wrote"),
    "starred_actors": ("person", "starring", "acted in"),
    "release_year": ("year", "released in", "year of release of"),
    "in_language": ("language", "in language", "language of"),
    "has_tags": ("tag", "tagged with", "tag of"),
    "has_genre": ("genre", "has genre", "genre of"),
    "has_imdb_votes": ("votes", "has IMDb votes", "IMDb votes of"),
    "has_imdb_rating": ("rating", "has IMDb rating", "IMDb rating of"),
}
SUBJECT_TYPE = "movie"


def metaqa_schema() -> Schema:
    schema = Schema(node_types={SUBJECT_TYPE: "a film in the WikiMovies KB"})
    for relation, (obj_type, forward, inverse) in METAQA_RELATIONS.items():
        schema.node_types.setdefault(obj_type, "")
        schema.relations[relation] = RelationSpec(relation, SUBJECT_TYPE, obj_type, forward, inverse)
    schema.node_types["entity"] = "an object of a relation unknown to the MetaQA schema"
    return schema


def looks_like_metaqa(path: Path) -> bool:
    if not path.is_file():
        return False
    log = ProblemLog()
    for _, line in numbered_lines(path, log):
        if line.strip():
            return line.count("|") == 2 and "\t" not in line
    return False


def load_metaqa(path: str | Path) -> KnowledgeGraph:
    """Load a MetaQA KB file; every malformed line is reported with its number."""
    path = Path(path)
    log = ProblemLog()
    if not path.exists():
        log.add(str(path), None, "file not found")
        log.raise_if_any()
    schema = metaqa_schema()
    kg = KnowledgeGraph(schema=schema, name=path.name.split(".")[0])
    seen: set[tuple[str, str, str]] = set()
    for number, line in numbered_lines(path, log):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            log.add(str(path), number, f"expected 'subject|relation|object', got {line[:80]!r}")
            continue
        subject, relation, obj = (p.strip() for p in parts)
        problem = (bad_identifier(subject, "subject") or bad_identifier(relation, "relation")
                   or bad_identifier(obj, "object"))
        if problem:
            log.add(str(path), number, problem)
            continue
        obj_type = METAQA_RELATIONS.get(relation, ("entity",))[0]
        source, target = f"{SUBJECT_TYPE}:{subject}", f"{obj_type}:{obj}"
        if (source, relation, target) in seen:
            continue
        seen.add((source, relation, target))
        for node_id, node_type, name in ((source, SUBJECT_TYPE, subject), (target, obj_type, obj)):
            if node_id not in kg.nodes:
                kg.add_node(Node(node_id, node_type, name))
        kg.add_edge(Edge(source, relation, target))
    if not kg.nodes and not log:
        log.add(str(path), None, "holds no facts; expected 'subject|relation|object' lines")
    log.raise_if_any()
    return kg
