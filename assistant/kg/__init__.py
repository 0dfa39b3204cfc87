"""The KG model: typed nodes and edges, the relation schema, and the loaders."""

from assistant.kg.errors import KGLoadError, Problem
from assistant.kg.graph import Edge, Hop, KnowledgeGraph, Node
from assistant.kg.loaders import detect_format, load_kg, save_native
from assistant.kg.normalize import normalize_name, slugify
from assistant.kg.schema import RelationSpec, Schema

__all__ = [
    "Edge", "Hop", "KGLoadError", "KnowledgeGraph", "Node", "Problem", "RelationSpec", "Schema",
    "detect_format", "load_kg", "normalize_name", "save_native", "slugify",
]
