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
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # not on POSIX: temporary files are then removed whenever they are found
    fcntl = None  # type: ignore[assignment]

from assistant.kg.errors import KGLoadError, Problem, ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import bad_identifier, bad_mapping, json_error, numbered_lines, strict_json
from assistant.kg.loaders.native import node_problem

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
    """Parse an update file (UTF-8 JSONL, ``.gz`` too); every malformed line is reported with its number.

    Lines are split on ``\n`` only: a description holding U+2028 (valid in JSON) stays on its line. The
    limits of the KG loaders apply (line length, JSON nesting; no NaN, no duplicate keys).
    """
    path = Path(path)
    if not path.exists():
        raise KGLoadError([Problem(str(path), None, "file not found")])
    if path.is_dir():
        raise KGLoadError([Problem(str(path), None, "is a folder; expected a JSONL file of operations")])
    log = ProblemLog()
    records = []
    for number, line in numbered_lines(path, log):
        if not line.strip():
            continue
        try:
            record = strict_json(line)
        except ValueError as exc:
            log.add(str(path), number, json_error(exc))
            continue
        op = normalise(record)
        if op is None:
            got = record.get("op") if isinstance(record, dict) else None
            log.add(str(path), number, (f"unknown op {got!r}; " if got is not None else "")
                    + f"expected one of {OPS} (or a bare node/edge record)")
            continue
        records.append(op | {"_line": number})
    if not records and not log:
        log.add(str(path), None, "holds no operations; expected one JSON object per line "
                '({"op": "add_node", "node": {...}} or a bare node/edge record)')
    log.raise_if_any()
    return records


def normalise(record: object) -> dict | None:
    if not isinstance(record, dict):
        return None
    if "op" in record:  # an explicit op must be a known one: "add_nodes" is a typo, not a bare node
        return record if isinstance(record["op"], str) and record["op"] in OPS else None
    if {"id", "type", "name"} <= record.keys():
        return {"op": "add_node", "node": record}
    if {"source", "relation", "target"} <= record.keys():
        return {"op": "add_edge", "edge": record}
    return None


def _try_lock(handle: IO[bytes]) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def append_updates(path: str | Path, records: list[dict]) -> None:
    """Append operations to an update log so that a crash leaves either the old log or the new one, never a
    half-written line (which would stop the KG from loading): the new log is written beside it under an
    ``flock``, synced, then renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as out:
            _try_lock(out)  # tells clean_stale_updates that this one is being written (the kernel drops it on kill)
            if path.exists():
                with open(path, "rb") as old:
                    data = old.read()
                out.write(data)
                if data and not data.endswith(b"\n"):
                    out.write(b"\n")
            for rec in records:
                line = json.dumps({k: v for k, v in rec.items() if k != "_line"}, ensure_ascii=False)
                out.write(line.encode("utf-8") + b"\n")
            out.flush()
            os.fsync(out.fileno())
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def clean_stale_updates(path: str | Path) -> None:
    """Remove temporary files that a crash inside :func:`append_updates` left beside the log (not one that a
    running process is writing)."""
    path = Path(path)
    if not path.parent.is_dir():
        return
    for tmp in path.parent.glob(f"{path.name}.*.tmp"):
        try:
            with open(tmp, "rb") as handle:
                if _try_lock(handle):
                    tmp.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def check_updates(kg: KnowledgeGraph, records: list[dict], source: str = "<updates>") -> None:
    """Raise :class:`KGLoadError` with every operation that cannot apply to ``kg`` (in order); change nothing."""
    problems: list[Problem] = []
    ids = {node_id: node.type for node_id, node in kg.nodes.items()}  # as they will be when each operation runs
    for rec in records:
        problems += _check(kg, ids, rec, source)
    if problems:
        raise KGLoadError(problems)


def apply_updates(kg: KnowledgeGraph, records: list[dict], source: str = "<updates>") -> UpdateResult:
    """Validate every operation first, then apply them all; on any problem nothing is changed."""
    check_updates(kg, records, source)
    result = UpdateResult()
    for rec in records:
        op = rec["op"]
        if op in ("add_node", "update_node"):
            n = rec["node"]
            node = Node(n["id"], n["type"], n["name"], tuple(n.get("aliases") or ()), n.get("description") or "",
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
        types = kg.schema.node_types or {n["type"]: ""}
        if (problem := node_problem(n, types)) is not None:
            return bad(f"{op}: {problem}")
        if op == "add_node" and n["id"] in ids:
            return bad(f"add_node: {n['id']!r} already exists (use update_node to change it)")
        if op == "update_node" and n["id"] not in ids:
            return bad(f"update_node: {n['id']!r} is not in the KG")
        ids[n["id"]] = n["type"]
    elif op == "remove_node":
        node_id = rec.get("id")
        if not isinstance(node_id, str) or node_id not in ids:
            return bad(f"remove_node: {node_id!r} is not in the KG")
        del ids[node_id]
    elif op in ("add_edge", "remove_edge"):
        e = rec.get("edge")
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("source", "relation", "target")):
            return bad(f"{op}: expected an edge with 'source', 'relation' and 'target'")
        if op == "add_edge":
            problem = next((p for k in ("source", "relation", "target")
                            if (p := bad_identifier(e[k], repr(k))) is not None), None)
            problem = problem or bad_mapping(e.get("qualifiers") or None, "'qualifiers'")
            if problem is not None:
                return bad(f"add_edge: {problem}")
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
    else:
        return bad(f"expected one of {OPS} as 'op', got {op!r}")
    return []
