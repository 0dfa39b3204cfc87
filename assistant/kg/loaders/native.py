"""The project's own format: ``nodes.jsonl`` + ``edges.jsonl`` + ``schema.json`` in one folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from assistant.kg.errors import ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import (
    bad_identifier,
    bad_mapping,
    bad_text,
    json_error,
    numbered_lines,
    parse_schema,
    strict_json,
)

NODE_FILE, EDGE_FILE, SCHEMA_FILE = "nodes.jsonl", "edges.jsonl", "schema.json"


def is_native(path: Path) -> bool:
    return path.is_dir() and (path / NODE_FILE).exists() and (path / EDGE_FILE).exists()


def _json_lines(path: Path, log: ProblemLog) -> Iterator[tuple[int, dict]]:
    for number, line in numbered_lines(path, log):
        if not line.strip():
            continue
        try:
            record = strict_json(line)
        except ValueError as exc:  # JSONDecodeError, or NaN / duplicate key / too deep
            log.add(str(path), number, json_error(exc))
            continue
        if not isinstance(record, dict):
            log.add(str(path), number, f"expected a JSON object, got {type(record).__name__}")
            continue
        yield number, record


def node_problem(rec: dict, schema_types: dict[str, str]) -> str | None:
    """Why a node record cannot be loaded (``None`` when it can)."""
    node_id, node_type, name = rec.get("id"), rec.get("type"), rec.get("name")
    if (problem := bad_identifier(node_id, "'id'")) is not None:
        return problem
    label = f"node {node_id!r}"
    if not isinstance(name, str) or not name.strip():
        return f"{label}: expected a non-empty string 'name'"
    if (problem := bad_text(name, "'name'")) is not None:
        return f"{label}: {problem}"
    if node_type not in schema_types:
        return f"{label}: type {node_type!r} is not one of {sorted(schema_types)} declared in {SCHEMA_FILE}"
    aliases = rec.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return f"{label}: 'aliases' must be a list of strings"
    for alias in aliases:
        if (problem := bad_text(alias, "an alias")) is not None:
            return f"{label}: {problem}"
    description = rec.get("description", "")
    if description is not None and (problem := bad_text(description, "'description'", multiline=True)):
        return f"{label}: {problem}"
    attributes = rec.get("attributes") or None
    if (problem := bad_mapping(attributes, "'attributes'")) is not None:
        return f"{label}: {problem}"
    return None


def load_native(folder: str | Path) -> KnowledgeGraph:
    """Load and validate a KG in the project's own format.

    Raises:
        KGLoadError: with every problem found (file, line, what was expected).
    """
    folder = Path(folder)
    log = ProblemLog()
    schema_path = folder / SCHEMA_FILE
    if not schema_path.exists():
        log.add(str(schema_path), None, "missing: expected the schema file (node types, relations)")
        log.raise_if_any()
    schema = parse_schema(schema_path, log)
    kg = KnowledgeGraph(schema=schema, name=folder.name)
    nodes_path, edges_path = folder / NODE_FILE, folder / EDGE_FILE
    for number, rec in _json_lines(nodes_path, log):
        where = (str(nodes_path), number)
        problem = node_problem(rec, schema.node_types)
        if problem is not None:
            log.add(*where, problem)
            continue
        if rec["id"] in kg.nodes:
            log.add(*where, f"duplicate node id {rec['id']!r}")
            continue
        kg.add_node(Node(rec["id"], rec["type"], rec["name"], tuple(rec.get("aliases", [])),
                         rec.get("description") or "", rec.get("attributes") or None))
    if not kg.nodes and not log:
        log.add(str(nodes_path), None, "holds no nodes; expected one JSON object per line "
                '({"id": ..., "type": ..., "name": ...})')
    for number, rec in _json_lines(edges_path, log):
        where = (str(edges_path), number)
        source, relation, target = rec.get("source"), rec.get("relation"), rec.get("target")
        problem = next((p for v, k in ((source, "'source'"), (relation, "'relation'"), (target, "'target'"))
                        if (p := bad_identifier(v, k)) is not None), None)
        if problem is not None:
            log.add(*where, f"expected non-empty strings 'source', 'relation', 'target' ({problem})")
            continue
        spec = schema.relations.get(relation)
        if spec is None:
            log.add(*where, f"relation {relation!r} is not declared in {SCHEMA_FILE}")
            continue
        missing = [v for v in (source, target) if v not in kg.nodes]
        if missing:
            log.add(*where, f"edge endpoint(s) {missing} are not nodes in {NODE_FILE}")
            continue
        for end, want in ((source, spec.source_type), (target, spec.target_type)):
            if want is not None and kg.nodes[end].type != want:
                log.add(*where, f"relation {relation!r} expects a {want} at {end!r}, "
                        f"found a {kg.nodes[end].type}")
                break
        else:
            qualifiers = rec.get("qualifiers") or None
            if (problem := bad_mapping(qualifiers, "'qualifiers'")) is not None:
                log.add(*where, problem)
                continue
            kg.add_edge(Edge(source, relation, target, qualifiers))
    log.raise_if_any()
    return kg


def save_native(kg: KnowledgeGraph, folder: str | Path) -> None:
    """Write ``kg`` in the project's own format (the inverse of :func:`load_native`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kg.schema.save(folder / SCHEMA_FILE)
    with open(folder / NODE_FILE, "w", encoding="utf-8") as fh:
        for node in kg.nodes.values():
            fh.write(json.dumps(node.to_dict(), ensure_ascii=False) + "\n")
    with open(folder / EDGE_FILE, "w", encoding="utf-8") as fh:
        for edge in kg.iter_edges():
            fh.write(json.dumps(edge.to_dict(), ensure_ascii=False) + "\n")
