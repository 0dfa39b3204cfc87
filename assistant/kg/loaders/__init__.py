"""Loaders: one per input format, chosen by :func:`load_kg` from what the path looks like."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.kg.errors import KGLoadError, Problem
from assistant.kg.graph import KnowledgeGraph
from assistant.kg.loaders.csv_tables import is_csv_folder, load_csv_tables
from assistant.kg.loaders.metaqa import load_metaqa, looks_like_metaqa
from assistant.kg.loaders.native import is_native, load_native, save_native
from assistant.kg.loaders.triples import is_triples_folder, load_triples

LOADERS: dict[str, Callable[[Path], KnowledgeGraph]] = {
    "native": load_native,
    "triples": load_triples,
    "metaqa": load_metaqa,
    "csv": load_csv_tables,
}


def detect_format(path: Path) -> str:
    """Name the loader for ``path`` from its layout; raise a clear error if none fits."""
    if is_native(path):
        return "native"
    if is_csv_folder(path):
        return "csv"
    if is_triples_folder(path):
        return "triples"
    if path.is_file():
        if looks_like_metaqa(path):
            return "metaqa"
        return "triples"
    reason = "not found" if not path.exists() else (
        "unrecognised layout: expected nodes.jsonl+edges.jsonl+schema.json, nodes.csv/people.csv, "
        "a train/valid/test triples folder, a triples TSV or a MetaQA kb.txt"
    )
    raise KGLoadError([Problem(str(path), None, reason)])


def load_kg(path: str | Path, fmt: str | None = None) -> KnowledgeGraph:
    """Load a KG from any supported format; ``fmt`` overrides detection."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in LOADERS:
        raise KGLoadError([Problem(str(path), None, f"unknown KG format {fmt!r}; choose one of {sorted(LOADERS)}")])
    return LOADERS[fmt](path)


__all__ = ["LOADERS", "detect_format", "load_kg", "save_native"]
