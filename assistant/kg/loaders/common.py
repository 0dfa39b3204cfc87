"""Helpers shared by the loaders: opening plain or gzipped text, schema parsing."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from assistant.kg.errors import ProblemLog
from assistant.kg.schema import RelationSpec, Schema


def open_text(path: str | Path) -> IO[str]:
    """Open a UTF-8 text file, transparently gunzipping ``*.gz``."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def numbered_lines(path: str | Path, log: ProblemLog) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` without the newline; undecodable bytes become a problem."""
    try:
        with open_text(path) as fh:
            for number, line in enumerate(fh, start=1):
                yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        log.add(str(path), None, f"is not valid UTF-8 text ({exc.reason} at byte {exc.start})")
    except (OSError, EOFError) as exc:
        log.add(str(path), None, f"cannot be read: {exc}")


def first_existing(folder: Path, names: list[str]) -> Path | None:
    for name in names:
        if (folder / name).exists():
            return folder / name
    return None


def parse_schema(path: Path, log: ProblemLog) -> Schema:
    """Parse a ``schema.json`` (node types and relations with verbalisations)."""
    schema = Schema()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        log.add(str(path), exc.lineno, f"invalid JSON: {exc.msg}")
        return schema
    except OSError as exc:
        log.add(str(path), None, f"cannot be read: {exc}")
        return schema
    if not isinstance(data, dict):
        log.add(str(path), 1, "expected a JSON object with 'node_types' and 'relations'")
        return schema
    for i, entry in enumerate(data.get("node_types", [])):
        if isinstance(entry, str):
            schema.node_types[entry] = ""
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            schema.node_types[entry["name"]] = str(entry.get("description", ""))
        else:
            log.add(str(path), None, f"node_types[{i}]: expected a name or {{'name': ...}}")
    for i, entry in enumerate(data.get("relations", [])):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            log.add(str(path), None, f"relations[{i}]: expected an object with a 'name'")
            continue
        name = entry["name"]
        for key in ("source_type", "target_type"):
            value = entry.get(key)
            if value is not None and value not in schema.node_types:
                log.add(str(path), None, f"relation {name!r}: {key} {value!r} is not a node type")
        forward = entry.get("forward") or name.replace("_", " ")
        schema.relations[name] = RelationSpec(
            name=name,
            source_type=entry.get("source_type"),
            target_type=entry.get("target_type"),
            forward=forward,
            inverse=entry.get("inverse") or f"{forward} (inverse)",
            paraphrases=tuple(entry.get("paraphrases", ())),
            inverse_paraphrases=tuple(entry.get("inverse_paraphrases", ())),
            source_nouns=tuple(entry.get("source_nouns", ())),
        )
    return schema
