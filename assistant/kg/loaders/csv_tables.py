"""CSV exports, as a recruiter's tool would produce them.

Two layouts are accepted in one folder:

* generic: ``nodes.csv`` (``id,type,name`` + optional ``aliases`` (``;``-separated),
  ``description`` and any attribute columns) and ``edges.csv`` (``source,relation,target`` +
  optional qualifier columns such as ``role`` or ``year``);
* people-centric: ``people.csv`` (``name`` + optional ``headline``, ``bio``, ``skills``
  (``;``-separated), ``aliases``), optional ``projects.csv`` (``name`` + optional ``year``,
  ``kind``, ``description``) and optional ``roles.csv`` (``person,project,role`` + optional
  ``year``): a person ``worked_on`` a project with the role as a qualifier, and ``has_skill``
  each listed skill.

An optional ``schema.json`` beside them gives relation verbalisations; otherwise they are derived
from the relation names.
"""

from __future__ import annotations

import csv
from pathlib import Path

from assistant.kg.errors import ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import numbered_lines, parse_schema
from assistant.kg.normalize import slugify
from assistant.kg.schema import RelationSpec, Schema, humanize_relation


def is_csv_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "nodes.csv").exists() or (path / "people.csv").exists())


def _rows(path: Path, required: list[str], log: ProblemLog):
    """Yield ``(line_number, row)`` dicts; the header must name every required column."""
    lines = list(numbered_lines(path, log))
    if not lines:
        log.add(str(path), 1, f"empty file: expected a header with columns {required}")
        return
    reader = csv.reader([text for _, text in lines])
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        log.add(str(path), 1, f"cannot read CSV header: {exc}")
        return
    missing = [c for c in required if c not in header]
    if missing:
        log.add(str(path), 1, f"header lacks column(s) {missing}; found {header}")
        return
    for (number, _), values in zip(lines[1:], reader, strict=False):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            log.add(str(path), number, f"expected {len(header)} fields ({', '.join(header)}), got {len(values)}")
            continue
        row = {k: v.strip() for k, v in zip(header, values, strict=True)}
        blank = [c for c in required if not row[c]]
        if blank:
            log.add(str(path), number, f"empty required field(s) {blank}")
            continue
        yield number, row


def _scalar(value: str):
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _inverse_text(forward: str) -> str:
    words = forward.split()
    if words and words[0] == "has" and len(words) > 1:
        return " ".join(words[1:]) + " of"
    return f"{forward} (inverse)"


def load_csv_tables(folder: str | Path) -> KnowledgeGraph:
    """Load a CSV export folder; every bad row is reported with file and line."""
    folder = Path(folder)
    log = ProblemLog()
    kg = KnowledgeGraph(name=folder.name)
    if (folder / "nodes.csv").exists():
        _load_generic(folder, kg, log)
    elif (folder / "people.csv").exists():
        _load_people(folder, kg, log)
    else:
        log.add(str(folder), None, "expected nodes.csv + edges.csv, or people.csv")
    log.raise_if_any()
    schema_path = folder / "schema.json"
    declared = parse_schema(schema_path, log) if schema_path.exists() else Schema()
    log.raise_if_any()
    kg.schema = _derive_schema(kg, declared)
    return kg


def _derive_schema(kg: KnowledgeGraph, declared: Schema) -> Schema:
    schema = Schema(node_types={t: declared.node_types.get(t, "") for t in kg.node_types()})
    for relation in kg.relations():
        if relation in declared.relations:
            schema.relations[relation] = declared.relations[relation]
            continue
        ends = [(kg.nodes[e.source].type, kg.nodes[e.target].type) for e in kg.iter_edges()
                if e.relation == relation]
        sources, targets = {s for s, _ in ends}, {t for _, t in ends}
        forward = humanize_relation(relation)
        schema.relations[relation] = RelationSpec(
            relation,
            sources.pop() if len(sources) == 1 else None,
            targets.pop() if len(targets) == 1 else None,
            forward,
            _inverse_text(forward),
        )
    return schema


def _load_generic(folder: Path, kg: KnowledgeGraph, log: ProblemLog) -> None:
    nodes_path, edges_path = folder / "nodes.csv", folder / "edges.csv"
    for number, row in _rows(nodes_path, ["id", "type", "name"], log):
        if row["id"] in kg.nodes:
            log.add(str(nodes_path), number, f"duplicate node id {row['id']!r}")
            continue
        attrs = {k: _scalar(v) for k, v in row.items()
                 if k not in ("id", "type", "name", "aliases", "description") and v}
        kg.add_node(Node(row["id"], row["type"], row["name"], tuple(_split(row.get("aliases", ""))),
                         row.get("description", ""), attrs or None))
    if not edges_path.exists():
        log.add(str(edges_path), None, "missing: expected source,relation,target rows")
        return
    for number, row in _rows(edges_path, ["source", "relation", "target"], log):
        missing = [row[k] for k in ("source", "target") if row[k] not in kg.nodes]
        if missing:
            log.add(str(edges_path), number, f"unknown node id(s) {missing}: not in nodes.csv")
            continue
        quals = {k: _scalar(v) for k, v in row.items() if k not in ("source", "relation", "target") and v}
        kg.add_edge(Edge(row["source"], row["relation"], row["target"], quals or None))


def _get_or_add(kg: KnowledgeGraph, node_type: str, name: str, **extra) -> str:
    node_id = f"{node_type}:{slugify(name)}"
    if node_id not in kg.nodes:
        kg.add_node(Node(node_id, node_type, name, **extra))
    return node_id


def _load_people(folder: Path, kg: KnowledgeGraph, log: ProblemLog) -> None:
    people_path = folder / "people.csv"
    for number, row in _rows(people_path, ["name"], log):
        if kg.find(row["name"], "person"):
            log.add(str(people_path), number, f"duplicate person {row['name']!r}")
            continue
        headline = row.get("headline", "")
        attrs = {"headline": headline} if headline else None
        person = _get_or_add(kg, "person", row["name"], aliases=tuple(_split(row.get("aliases", ""))),
                             description=row.get("bio", ""), attributes=attrs)
        for skill in _split(row.get("skills", "")):
            kg.add_edge(Edge(person, "has_skill", _get_or_add(kg, "skill", skill)))
    projects_path = folder / "projects.csv"
    if projects_path.exists():
        for _, row in _rows(projects_path, ["name"], log):
            attrs = {k: _scalar(row[k]) for k in ("year", "kind") if row.get(k)}
            _get_or_add(kg, "project", row["name"], description=row.get("description", ""),
                        attributes=attrs or None)
    roles_path = folder / "roles.csv"
    if roles_path.exists():
        for number, row in _rows(roles_path, ["person", "project", "role"], log):
            people = kg.find(row["person"], "person")
            if not people:
                log.add(str(roles_path), number, f"person {row['person']!r} is not in people.csv")
                continue
            project = _get_or_add(kg, "project", row["project"])
            quals = {"role": row["role"]}
            if row.get("year"):
                quals["year"] = _scalar(row["year"])
            kg.add_edge(Edge(people[0].id, "worked_on", project, quals))
