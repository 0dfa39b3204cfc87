"""Incremental KG updates: add, change or remove nodes and edges, read from JSONL or given in code.

One operation per line::

    {"op": "add_node", "node": {"id": "project:x-2025", "type": "project", "name": "X", ...}}
    {"op": "update_node", "node": {...}}           # replaces the node, keeps its edges
    {"op": "remove_node", "id": "project:x-2025"}  # and every edge touching it
    {"op": "add_edge", "edge": {"source": ..., "relation": ..., "target": ..., "qualifiers": {...}}}
    {"op": "remove_edge", "edge": {"source": ..., "relation": ..., "target": ...}}

A bare node record (``id``, ``type``, ``name``) means ``add_node`` and a bare edge record
(``source``, ``relation``, ``target``) means ``add_edge``, so a ``nodes.jsonl``/``edges.jsonl``
pair can be added as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.kg.errors import KGLoadError, Problem
from assistant.kg.graph import Edge, KnowledgeGraph, Node

OPS = ("add_node", "update_node", "remove_node", "add_edge", "remove_edge")


@dataclass
class UpdateResult:
    """What an update changed: nodes whose text changed (to re-embed) and nodes that are gone."""

    touched: set[str] = field(default_factory=set)
    #: the nodes an operation named (added or changed); ``touched`` also holds their neighbours
    primary: set[str] = field(default_factory=set)
    removed: dict[str, str] = field(default_factory=dict)  # node id -> its type
    operations: int = 0


def read_updates(path: str | Path) -> list[dict]:
    """Parse an update file; every malformed line is reported with its number."""
    path = Path(path)
    problems: list[Problem] = []
    records = []
    if not path.exists():
        raise KGLoadError([Problem(str(path), None, "file not found")])
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), number, f"invalid JSON ({exc.msg})"))
            continue
        op = normalise(record)
        if op is None:
            problems.append(Problem(str(path), number, f"expected one of {OPS} (or a bare node/edge record)"))
            continue
        records.append(op | {"_line": number})
    if problems:
        raise KGLoadError(problems)
    return records


def normalise(record: object) -> dict | None:
    if not isinstance(record, dict):
        return None
    if record.get("op") in OPS:
        return record
    if {"id", "type", "name"} <= record.keys():
        return {"op": "add_node", "node": record}
    if {"source", "relation", "target"} <= record.keys():
        return {"op": "add_edge", "edge": record}
    return None


def apply_updates(kg: KnowledgeGraph, records: list[dict], source: str = "<updates>") -> UpdateResult:
    """Validate every operation first, then apply them all; on any problem nothing is changed."""
    problems: list[Problem] = []
    ids = {node_id: node.type for node_id, node in kg.nodes.items()}  # as they will be when each operation runs
    for rec in records:
        problems += _check(kg, ids, rec, source)
    if problems:
        raise KGLoadError(problems)
    result = UpdateResult()
    for rec in records:
        op = rec["op"]
        if op in ("add_node", "update_node"):
            n = rec["node"]
            node = Node(n["id"], n["type"], n["name"], tuple(n.get("aliases", ())), n.get("description", ""),
                        n.get("attributes") or None)
            kg.add_node(node, replace=op == "update_node")
            result.touched.add(node.id)
            result.primary.add(node.id)
            result.touched.update(h.node for h in kg.neighbors(node.id, direction="both"))
        elif op == "remove_node":
            node = kg.nodes[rec["id"]]
            for edge in kg.remove_node(node.id):
                result.touched.update((edge.source, edge.target))
            result.removed[node.id] = node.type
        elif op == "add_edge":
            e = rec["edge"]
            kg.add_edge(Edge(e["source"], e["relation"], e["target"], e.get("qualifiers") or None))
            result.touched.update((e["source"], e["target"]))
        elif op == "remove_edge":
            e = rec["edge"]
            for idx in kg.find_edges(e["source"], e["relation"], e["target"]):
                kg.remove_edge(idx)
            result.touched.update((e["source"], e["target"]))
        result.operations += 1
    result.touched -= set(result.removed)
    result.touched &= set(kg.nodes)
    result.primary &= result.touched
    return result


def _check(kg: KnowledgeGraph, ids: dict[str, str], rec: dict, source: str) -> list[Problem]:
    line = rec.get("_line")
    op = rec.get("op")

    def bad(message: str) -> list[Problem]:
        return [Problem(source, line, message)]

    if op in ("add_node", "update_node"):
        n = rec.get("node")
        if not isinstance(n, dict) or not all(isinstance(n.get(k), str) and n.get(k) for k in ("id", "type", "name")):
            return bad(f"{op}: expected a node with non-empty 'id', 'type' and 'name'")
        if kg.schema.node_types and n["type"] not in kg.schema.node_types:
            return bad(f"{op}: node type {n['type']!r} is not in the schema ({', '.join(kg.schema.node_types)})")
        if op == "add_node" and n["id"] in ids:
            return bad(f"add_node: {n['id']!r} already exists (use update_node to change it)")
        if op == "update_node" and n["id"] not in ids:
            return bad(f"update_node: {n['id']!r} is not in the KG")
        ids[n["id"]] = n["type"]
    elif op == "remove_node":
        if rec.get("id") not in ids:
            return bad(f"remove_node: {rec.get('id')!r} is not in the KG")
        del ids[rec["id"]]
    elif op in ("add_edge", "remove_edge"):
        e = rec.get("edge")
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("source", "relation", "target")):
            return bad(f"{op}: expected an edge with 'source', 'relation' and 'target'")
        if op == "add_edge" and kg.schema.relations and e["relation"] not in kg.schema.relations:
            return bad(f"add_edge: relation {e['relation']!r} is not in the schema")
        missing = [x for x in (e["source"], e["target"]) if x not in ids]
        if op == "add_edge" and missing:
            return bad(f"add_edge: endpoint(s) {missing} are not in the KG")
        spec = kg.schema.relations.get(e["relation"]) if op == "add_edge" else None
        if spec is not None:
            for end, want in ((e["source"], spec.source_type), (e["target"], spec.target_type)):
                if want and ids[end] != want:
                    return bad(f"add_edge: {e['relation']!r} expects a {want} at {end!r}, which is a {ids[end]}")
    return []
