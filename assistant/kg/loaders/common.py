"""Helpers shared by the loaders: reading plain or gzipped text safely, strict JSON, value checks, schema parsing.

Limits (generous for real data, there so that a hostile or broken file is refused with a message instead of
exhausting memory or the stack):

- a line may hold up to :data:`MAX_LINE_CHARS` characters (16 Mi): longer lines are reported and skipped
  without being read into memory whole;
- a CSV field may hold up to :data:`MAX_FIELD_CHARS` characters (8 Mi; a 200,000-character description is
  real data);
- JSON may nest up to :data:`MAX_JSON_DEPTH` levels (64; the project's records nest three);
- ``schema.json`` may be up to :data:`MAX_SCHEMA_BYTES` (16 MiB).

Text must be UTF-8; a byte-order mark at the very start of a file is removed (spreadsheet exports write one),
anywhere else it is an error. Ids and names may not hold control characters, and JSON may not hold ``NaN`` or
``Infinity`` (not JSON, and not a value any lookup or filter can use).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from assistant.kg.errors import ProblemLog
from assistant.kg.schema import RelationSpec, Schema

MAX_LINE_CHARS = 16 * 1024 * 1024
MAX_FIELD_CHARS = 8 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
BOM = "\ufeff"
#: C0 and C1 control characters other than tab, newline and carriage return, plus DEL
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ALL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
READ_ERRORS = (OSError, EOFError, zlib.error)


def open_text(path: str | Path) -> IO[str]:
    """Open a UTF-8 text file, transparently gunzipping ``*.gz``; a leading BOM is dropped."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _read_error(exc: BaseException) -> str:
    if isinstance(exc, IsADirectoryError):
        return "is a folder, expected a file"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if isinstance(exc, (gzip.BadGzipFile, zlib.error, EOFError)):
        return f"is not a readable gzip file (damaged or truncated: {exc})"
    return f"cannot be read: {exc}"


def numbered_lines(path: str | Path, log: ProblemLog, keep_ends: bool = False,
                   max_chars: int = MAX_LINE_CHARS) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` (without its line break unless ``keep_ends``).

    Lines are split on ``\\n`` only (``\\r\\n`` too), never on the other Unicode line separators, so that a
    description holding U+2028 stays one line, as JSON allows. Undecodable bytes, damaged gzip data, lines over
    ``max_chars`` and stray BOMs become problems with their line number.
    """
    number = 0
    try:
        with open_text(path) as fh:
            while True:
                line = fh.readline(max_chars + 1)
                if not line:
                    return
                number += 1
                if len(line) > max_chars and not line.endswith("\n"):
                    log.add(str(path), number, f"line longer than {max_chars:,} characters; skipped")
                    while line and not line.endswith("\n"):  # skip the rest of it without keeping it
                        line = fh.readline(max_chars)
                    continue
                if BOM in line:
                    log.add(str(path), number, "holds a byte-order mark (U+FEFF) inside the text; expected one "
                            "only at the start of the file (were two files concatenated?)")
                    continue
                yield number, (line if keep_ends else line.rstrip("\r\n"))
    except UnicodeDecodeError as exc:
        line, column = _bad_utf8_line(path)
        log.add(str(path), line or number + 1, f"is not valid UTF-8 text ({exc.reason}"
                + (f" at byte {column} of the line" if column is not None else "") + "); save the file as UTF-8")
    except READ_ERRORS as exc:
        log.add(str(path), number + 1 if number else None, _read_error(exc))


def _bad_utf8_line(path: str | Path) -> tuple[int | None, int | None]:
    """The line and byte offset of the first undecodable bytes (text decoding reads ahead in blocks, so the
    line being read when the error surfaced is not the one at fault)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return number, exc.start
    except READ_ERRORS:
        pass
    return None, None


def first_existing(folder: Path, names: list[str]) -> Path | None:
    for name in names:
        if (folder / name).exists():
            return folder / name
    return None


# ---- strict JSON ---------------------------------------------------------------------------------------------
class JSONValueError(ValueError):
    """A JSON text that parses but is not acceptable: NaN/Infinity, duplicate keys, too deep."""


def _constant(name: str) -> float:
    raise JSONValueError(f"{name} is not valid JSON (use null or a number)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONValueError(f"number {text} is too large for a float")
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise JSONValueError(f"key {dup!r} appears twice in one object (the first value would be lost)")
    return out


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for ch in _STRINGS.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def strict_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses NaN/Infinity, overflowing numbers, duplicate keys and deep nesting.

    Raises:
        json.JSONDecodeError: Not JSON.
        JSONValueError: JSON, but not acceptable (the message says why).
    """
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:  # cheap test first
        raise JSONValueError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_finite, object_pairs_hook=_pairs)
    except RecursionError as exc:  # not reached after the depth check, but never a traceback
        raise JSONValueError(f"nested more than {max_depth} levels deep") from exc


def json_error(exc: ValueError) -> str:
    """A problem message for an exception from :func:`strict_json`."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    return f"invalid JSON value: {exc}"


# ---- value checks ---------------------------------------------------------------------------------------------
def bad_identifier(value: object, what: str) -> str | None:
    """Why ``value`` cannot be an id, a type or a relation name (``None`` when it can)."""
    if not isinstance(value, str) or not value:
        return f"expected a non-empty string {what}"
    if not value.strip():
        return f"{what} {value!r} is only white space"
    if value != value.strip():
        return f"{what} {value!r} has white space at its start or end"
    if _ALL_CONTROLS.search(value):
        return f"{what} {value!r} holds a control character or line separator"
    return None


def bad_text(value: object, what: str, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be a name (one line) or a description (``multiline``); ``None`` when it can."""
    if not isinstance(value, str):
        return f"{what} must be a string"
    pattern = _CONTROLS if multiline else _ALL_CONTROLS
    found = pattern.search(value.replace(BOM, "") if multiline else value)
    if found or (multiline and BOM in value):
        char = found.group() if found else BOM
        return f"{what} holds the control character U+{ord(char):04X}"
    return None


def bad_value(value: object, what: str) -> str | None:
    """Attribute and qualifier values are JSON scalars (string, finite number, boolean, null) or lists of them."""
    scalars = (str, int, float, bool, type(None))
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, scalars):
            return f"{what} must be a string, number, boolean or a list of them, not {type(item).__name__}"
        if isinstance(item, float) and not math.isfinite(item):
            return f"{what} is {item}, not a finite number"
        if isinstance(item, str) and _CONTROLS.search(item):
            return f"{what} holds a control character"
    return None


def bad_mapping(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"{what} must be an object"
    for key, item in value.items():
        problem = bad_identifier(key, f"{what} key") or bad_value(item, f"{what} {key!r}")
        if problem:
            return problem
    return None


# ---- schema.json ----------------------------------------------------------------------------------------------
def _line_of(text: str, pattern: str, start: int = 0) -> tuple[int | None, int]:
    """Line (1-based) of the first match of ``pattern`` at or after ``start``, and where the match ends."""
    match = re.compile(pattern).search(text, start)
    if match is None:
        return None, start
    return text.count("\n", 0, match.start()) + 1, match.end()


def _str_tuple(entry: dict, key: str, where: str, line: int | None, path: str, log: ProblemLog) -> tuple[str, ...]:
    value = entry.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        log.add(path, line, f"{where}: {key!r} must be a list of non-empty strings, got {value!r:.80}")
        return ()
    return tuple(value)


def parse_schema(path: Path, log: ProblemLog) -> Schema:
    """Parse a ``schema.json`` (node types and relations with verbalisations); every wrong type is a problem
    naming the entry and its line."""
    schema = Schema()
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_SCHEMA_BYTES:
            log.add(where, None, f"is {size:,} bytes; a schema is expected to be under {MAX_SCHEMA_BYTES:,}")
            return schema
        raw = path.read_bytes()
    except OSError as exc:
        log.add(where, None, _read_error(exc))
        return schema
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.add(where, raw.count(b"\n", 0, exc.start) + 1, f"is not valid UTF-8 text ({exc.reason} at byte "
                f"{exc.start}); save the file as UTF-8")
        return schema
    try:
        data = strict_json(text)
    except json.JSONDecodeError as exc:
        log.add(where, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
        return schema
    except JSONValueError as exc:
        log.add(where, None, f"invalid JSON value: {exc}")
        return schema
    if not isinstance(data, dict):
        log.add(where, 1, "expected a JSON object with 'node_types' and 'relations'")
        return schema
    for key in ("node_types", "relations"):
        if key in data and not isinstance(data[key], list):
            line, _ = _line_of(text, rf'"{key}"\s*:')
            log.add(where, line, f"{key!r} must be a list, got {type(data[key]).__name__} {data[key]!r:.60}")
    node_types = data.get("node_types") if isinstance(data.get("node_types"), list) else []
    relations = data.get("relations") if isinstance(data.get("relations"), list) else []
    if "node_types" not in data:
        log.add(where, 1, "expected a 'node_types' list (the KG's node types)")
    pos = 0
    for i, entry in enumerate(node_types):
        name = entry if isinstance(entry, str) else entry.get("name") if isinstance(entry, dict) else None
        line, pos = _line_of(text, re.escape(json.dumps(name, ensure_ascii=False)) if isinstance(name, str)
                             else r"[\[{,]", pos)
        problem = bad_identifier(name, "node type name")
        if problem:
            log.add(where, line, f"node_types[{i}]: {problem} (a name or {{'name': ..., 'description': ...}})")
            continue
        description = entry.get("description", "") if isinstance(entry, dict) else ""
        if description is None:
            description = ""
        if (problem := bad_text(description, "description", multiline=True)) is not None:
            log.add(where, line, f"node type {name!r}: {problem}")
            continue
        if name in schema.node_types:
            log.add(where, line, f"node type {name!r} is declared twice")
            continue
        schema.node_types[name] = description
    pos = 0
    for i, entry in enumerate(relations):
        name = entry.get("name") if isinstance(entry, dict) else None
        line, pos = _line_of(text, rf'"name"\s*:\s*{re.escape(json.dumps(name, ensure_ascii=False))}'
                             if isinstance(name, str)
                             else r"[\[{,]", pos)
        problem = bad_identifier(name, "relation name") if isinstance(entry, dict) else "expected an object"
        if problem:
            log.add(where, line, f"relations[{i}]: {problem} (an object with a 'name')")
            continue
        label = f"relation {name!r}"
        if name in schema.relations:
            log.add(where, line, f"{label} is declared twice")
            continue
        ok = True
        for key in ("source_type", "target_type"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, str) or value not in schema.node_types):
                log.add(where, line, f"{label}: {key} {value!r} is not a declared node type")
                ok = False
        texts = {}
        for key in ("forward", "inverse"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip() or bad_text(value, key)):
                log.add(where, line, f"{label}: {key!r} must be a non-empty one-line string, got {value!r:.60}")
                ok = False
            texts[key] = value if isinstance(value, str) and value.strip() else None
        lists = {key: _str_tuple(entry, key, label, line, where, log)
                 for key in ("paraphrases", "inverse_paraphrases", "source_nouns")}
        if not ok or any(entry.get(k) not in (None, []) and not lists[k] for k in lists):
            continue
        forward = texts["forward"] or name.replace("_", " ")
        schema.relations[name] = RelationSpec(
            name=name,
            source_type=entry.get("source_type"),
            target_type=entry.get("target_type"),
            forward=forward,
            inverse=texts["inverse"] or f"{forward} (inverse)",
            paraphrases=lists["paraphrases"],
            inverse_paraphrases=lists["inverse_paraphrases"],
            source_nouns=lists["source_nouns"],
        )
    return schema
