"""The relation schema: node types, relations and their human verbalisations both ways."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """One relation of the schema.

    Attributes:
        name: Identifier used on edges, e.g. ``"directed"``.
        source_type: Node type at the tail of the arrow (``"person"``), or ``None`` if mixed.
        target_type: Node type at the head of the arrow (``"project"``), or ``None`` if mixed.
        forward: Verbalisation read source -> target: ``"directed"``.
        inverse: Verbalisation read target -> source: ``"directed by"``.
        paraphrases: Other ways to say ``forward`` ("helmed"), used for relation detection.
        inverse_paraphrases: Other ways to say ``inverse`` ("a film by").
        source_nouns: Role nouns for the source ("director"), so "sci-fi directors" parses.
    """

    name: str
    source_type: str | None
    target_type: str | None
    forward: str
    inverse: str
    paraphrases: tuple[str, ...] = ()
    inverse_paraphrases: tuple[str, ...] = ()
    source_nouns: tuple[str, ...] = ()  # what a source is called: "director" for ``directed``


def humanize_relation(name: str) -> str:
    """``"/film/film/genre"`` -> ``"film film genre"``; ``"has_genre"`` and ``"hasGenre"`` -> ``"has genre"``."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)  # camelCase, as in RDF exports ("placeOfBirth")
    text = text.strip("/_").replace("/", " ").replace("_", " ").replace(".", " ").replace("-", " ")
    return " ".join(text.split()).lower() if text != text.upper() else " ".join(text.split())


@dataclass(slots=True)
class Schema:
    """Node types (with descriptions) and relations of a KG."""

    node_types: dict[str, str] = field(default_factory=dict)
    relations: dict[str, RelationSpec] = field(default_factory=dict)

    def relation(self, name: str) -> RelationSpec:
        """The spec of ``name``; unknown relations get a humanised default so any KG verbalises."""
        spec = self.relations.get(name)
        if spec is None:
            text = humanize_relation(name)
            spec = RelationSpec(name, None, None, text, f"{text} (inverse)")
        return spec

    def verbalize(self, relation: str, inverse: bool = False) -> str:
        spec = self.relation(relation)
        return spec.inverse if inverse else spec.forward

    def to_dict(self) -> dict:
        return {
            "node_types": [{"name": k, "description": v} for k, v in self.node_types.items()],
            "relations": [
                {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(spec).items()}
                for spec in self.relations.values()
            ],
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
