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

Ids of the people-centric layout come from names (``person:ada-lovelace``): a name with no letter or digit
(``!!!``, an emoji) would give every such name the same id and merge them, so it is refused; so is a second
project row with the same name (its year and description would be lost). A number cell that is not finite
(``NaN``, ``inf``, ``1e999``) is refused too: leave the cell empty for no value. Quoted fields may span lines
and hold up to 8 Mi characters.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

from assistant.kg.errors import ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import MAX_FIELD_CHARS, bad_identifier, bad_text, numbered_lines, parse_schema
from assistant.kg.normalize import normalize_name, slugify
from assistant.kg.schema import RelationSpec, Schema, humanize_relation


def is_csv_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "nodes.csv").exists() or (path / "people.csv").exists())


MULTILINE_COLUMNS = ("description", "bio")


class _CellError(ValueError):
    """A cell that cannot be loaded; the message names the column."""


def _rows(path: Path, required: list[str], log: ProblemLog) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` dicts; the header must name every required column once."""
    lines = list(numbered_lines(path, log, keep_ends=True))
    if not lines:
        if not log:
            log.add(str(path), 1, f"empty file: expected a header with columns {required}")
        return
    if csv.field_size_limit() < MAX_FIELD_CHARS:  # the module's default (131,072) refuses real descriptions
        csv.field_size_limit(MAX_FIELD_CHARS)
    first = lines[0][0]
    reader = csv.reader(text for _, text in lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        log.add(str(path), first, f"cannot read the CSV header: {exc}")
        return
    missing = [c for c in required if c not in header]
    if missing:
        log.add(str(path), first, f"header lacks column(s) {missing}; found {header}")
        return
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled or "" in header:
        log.add(str(path), first, f"header names column(s) {doubled} twice" if doubled
                else f"header has an unnamed column: {header}")
        return
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            log.add(str(path), lines[min(reader.line_num, len(lines)) - 1][0], f"malformed CSV: {exc}")
            return
        number = lines[min(reader.line_num, len(lines)) - 1][0]  # the record's last line
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
        bad = next((f"column {k!r}: {p}" for k, v in row.items()
                    if (p := bad_text(v, "the cell", multiline=k in MULTILINE_COLUMNS)) is not None), None)
        if bad:
            log.add(str(path), number, bad)
            continue
        yield number, row


def _scalar(value: str, column: str = "") -> int | float | str:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    if not math.isfinite(number):
        raise _CellError(f"column {column!r}: {value!r} is not a finite number; leave the cell empty for no value")
    return number


def _scalars(row: dict[str, str], skip: tuple[str, ...]) -> dict[str, int | float | str]:
    return {k: _scalar(v, k) for k, v in row.items() if k not in skip and v}


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
        problem = bad_identifier(row["id"], "id") or bad_identifier(row["type"], "type")
        if problem:
            log.add(str(nodes_path), number, problem)
            continue
        if row["id"] in kg.nodes:
            log.add(str(nodes_path), number, f"duplicate node id {row['id']!r}")
            continue
        try:
            attrs = _scalars(row, ("id", "type", "name", "aliases", "description"))
        except _CellError as exc:
            log.add(str(nodes_path), number, str(exc))
            continue
        kg.add_node(Node(row["id"], row["type"], row["name"], tuple(_split(row.get("aliases", ""))),
                         row.get("description", ""), attrs or None))
    if not kg.nodes and not log:
        log.add(str(nodes_path), None, "holds no nodes; expected id,type,name rows under the header")
    if not edges_path.exists():
        log.add(str(edges_path), None, "missing: expected source,relation,target rows")
        return
    for number, row in _rows(edges_path, ["source", "relation", "target"], log):
        if (problem := bad_identifier(row["relation"], "relation")) is not None:
            log.add(str(edges_path), number, problem)
            continue
        missing = [row[k] for k in ("source", "target") if row[k] not in kg.nodes]
        if missing:
            log.add(str(edges_path), number, f"unknown node id(s) {missing}: not in nodes.csv")
            continue
        try:
            quals = _scalars(row, ("source", "relation", "target"))
        except _CellError as exc:
            log.add(str(edges_path), number, str(exc))
            continue
        kg.add_edge(Edge(row["source"], row["relation"], row["target"], quals or None))


def _nameless(name: str) -> bool:
    """A name with no letter or digit has no id of its own (``!!!``, ``🎬`` would all become ``…:x``)."""
    return not normalize_name(name)


def _get_or_add(kg: KnowledgeGraph, node_type: str, name: str, **extra) -> str:
    node_id = f"{node_type}:{slugify(name)}"
    if node_id not in kg.nodes:
        kg.add_node(Node(node_id, node_type, name, **extra))
    return node_id


def _load_people(folder: Path, kg: KnowledgeGraph, log: ProblemLog) -> None:
    people_path = folder / "people.csv"
    nameless = "has no letter or digit, so it cannot be told apart from other such names; give a real name"
    for number, row in _rows(people_path, ["name"], log):
        if _nameless(row["name"]):
            log.add(str(people_path), number, f"person name {row['name']!r} {nameless}")
            continue
        if kg.find(row["name"], "person"):
            log.add(str(people_path), number, f"duplicate person {row['name']!r}")
            continue
        skills = _split(row.get("skills", ""))
        bad_skill = next((s for s in skills if _nameless(s)), None)
        if bad_skill is not None:
            log.add(str(people_path), number, f"skill {bad_skill!r} {nameless}")
            continue
        headline = row.get("headline", "")
        attrs = {"headline": headline} if headline else None
        person = _get_or_add(kg, "person", row["name"], aliases=tuple(_split(row.get("aliases", ""))),
                             description=row.get("bio", ""), attributes=attrs)
        for skill in skills:
            kg.add_edge(Edge(person, "has_skill", _get_or_add(kg, "skill", skill)))
    if not kg.nodes and not log:
        log.add(str(people_path), None, "holds no people; expected a 'name' column with one person per row")
    projects_path = folder / "projects.csv"
    if projects_path.exists():
        first_line: dict[str, int] = {}
        for number, row in _rows(projects_path, ["name"], log):
            if _nameless(row["name"]):
                log.add(str(projects_path), number, f"project name {row['name']!r} {nameless}")
                continue
            node_id = f"project:{slugify(row['name'])}"
            if node_id in first_line:
                log.add(str(projects_path), number, f"project {row['name']!r} has the same name as line "
                        f"{first_line[node_id]} (its year and description would be lost); name it apart, "
                        f"e.g. '{row['name']} ({row.get('year') or 'year'})'")
                continue
            first_line[node_id] = number
            try:
                attrs = {k: _scalar(row[k], k) for k in ("year", "kind") if row.get(k)}
            except _CellError as exc:
                log.add(str(projects_path), number, str(exc))
                continue
            _get_or_add(kg, "project", row["name"], description=row.get("description", ""),
                        attributes=attrs or None)
    roles_path = folder / "roles.csv"
    if roles_path.exists():
        for number, row in _rows(roles_path, ["person", "project", "role"], log):
            people = kg.find(row["person"], "person")
            if not people:
                log.add(str(roles_path), number, f"person {row['person']!r} is not in people.csv")
                continue
            if _nameless(row["project"]):
                log.add(str(roles_path), number, f"project name {row['project']!r} {nameless}")
                continue
            project = _get_or_add(kg, "project", row["project"])
            quals: dict[str, object] = {"role": row["role"]}
            if row.get("year"):
                try:
                    quals["year"] = _scalar(row["year"], "year")
                except _CellError as exc:
                    log.add(str(roles_path), number, str(exc))
                    continue
            kg.add_edge(Edge(people[0].id, "worked_on", project, quals))
