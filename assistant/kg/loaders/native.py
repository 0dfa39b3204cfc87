"""The project's own format: ``nodes.jsonl`` + ``edges.jsonl`` + ``schema.json`` in one folder."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.kg.errors import ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import numbered_lines, parse_schema

NODE_FILE, EDGE_FILE, SCHEMA_FILE = "nodes.jsonl", "edges.jsonl", "schema.json"


def is_native(path: Path) -> bool:
    return path.is_dir() and (path / NODE_FILE).exists() and (path / EDGE_FILE).exists()


def _json_lines(path: Path, log: ProblemLog):
    for number, line in numbered_lines(path, log):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            log.add(str(path), number, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            log.add(str(path), number, "expected a JSON object")
            continue
        yield number, record


def _str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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
        node_id, node_type, name = rec.get("id"), rec.get("type"), rec.get("name")
        if not isinstance(node_id, str) or not node_id:
            log.add(*where, "expected a non-empty string 'id'")
            continue
        if not isinstance(name, str) or not name.strip():
            log.add(*where, f"node {node_id!r}: expected a non-empty string 'name'")
            continue
        if node_type not in schema.node_types:
            log.add(*where, f"node {node_id!r}: type {node_type!r} is not one of "
                    f"{sorted(schema.node_types)} declared in {SCHEMA_FILE}")
            continue
        aliases = rec.get("aliases", [])
        if not _str_list(aliases):
            log.add(*where, f"node {node_id!r}: 'aliases' must be a list of strings")
            continue
        description = rec.get("description", "")
        attributes = rec.get("attributes") or None
        if not isinstance(description, str):
            log.add(*where, f"node {node_id!r}: 'description' must be a string")
            continue
        if attributes is not None and not isinstance(attributes, dict):
            log.add(*where, f"node {node_id!r}: 'attributes' must be an object")
            continue
        if node_id in kg.nodes:
            log.add(*where, f"duplicate node id {node_id!r}")
            continue
        kg.add_node(Node(node_id, node_type, name, tuple(aliases), description, attributes))
    for number, rec in _json_lines(edges_path, log):
        where = (str(edges_path), number)
        source, relation, target = rec.get("source"), rec.get("relation"), rec.get("target")
        if not all(isinstance(v, str) and v for v in (source, relation, target)):
            log.add(*where, "expected non-empty strings 'source', 'relation', 'target'")
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
            if qualifiers is not None and not isinstance(qualifiers, dict):
                log.add(*where, "'qualifiers' must be an object")
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
