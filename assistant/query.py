"""The typed query a question is parsed into."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class PathStep:
    """One hop of a relation path: ``relation`` walked forwards, or backwards if ``inverse``."""

    relation: str
    inverse: bool = False

    def __str__(self) -> str:
        return f"{'^' if self.inverse else ''}{self.relation}"

    @classmethod
    def parse(cls, text: str) -> PathStep:
        return cls(text.lstrip("^"), text.startswith("^"))


IDENTITY = "="  # the label of the empty path: the question asks for the entity itself ("who is X")


def path_label(path: tuple[PathStep, ...] | list[PathStep]) -> str:
    """``"acted_in/^directed"``: a stable string for a relation path (a classifier label)."""
    return "/".join(str(s) for s in path) or IDENTITY


def parse_path_label(label: str) -> tuple[PathStep, ...]:
    return tuple(PathStep.parse(p) for p in label.split("/") if p and p != IDENTITY)


@dataclass(slots=True)
class Anchor:
    """An entity linked from the question, and the relation path from it to the answer."""

    mention: str
    node_id: str
    name: str
    type: str
    score: float
    path: tuple[PathStep, ...] = ()
    method: str = "exact"  # exact | normalised | fuzzy | dense

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"] = path_label(self.path)
        return d


@dataclass(slots=True)
class Constraint:
    """A filter on answers: ``kind=documentary``, ``genre=Science Fiction``, ``decade=1980``..."""

    kind: str  # genre | role | skill | project_kind | year | decade | type
    value: str
    node_id: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Clarification:
    """The parser could not choose between close readings; the user is asked which one."""

    question: str
    mention: str
    options: list[dict]  # {"node_id", "label", "type", "description"}

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Query:
    """An entity-type-aware query.

    Attributes:
        text: The question as typed.
        target_type: Type of the answers (``person``, ``project``...), or ``None`` if unknown.
        anchors: Linked entities, each with its relation path to the answer.
        constraints: Filters the answers must satisfy.
        qualifiers: ``good``, ``best``, ``recent``, ``popular``...
        free_text: What is left for semantic search once entities and cue words are removed.
        path_confidence: Probability the relation-path classifier gave its choice.
        clarification: Set when the question is ambiguous.
        unknown: Mentions that look like names but are not in the graph, with the nearest names.
        error: Set when the input is not a question that can be processed.
    """

    text: str
    target_type: str | None = None
    anchors: list[Anchor] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    qualifiers: list[str] = field(default_factory=list)
    free_text: str = ""
    path_confidence: float = 0.0
    clarification: Clarification | None = None
    unknown: list[dict] = field(default_factory=list)
    error: str | None = None
    alternatives: list[Query] = field(default_factory=list)  # runner-up readings, best first

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "target_type": self.target_type,
            "anchors": [a.to_dict() for a in self.anchors],
            "constraints": [c.to_dict() for c in self.constraints],
            "qualifiers": list(self.qualifiers),
            "free_text": self.free_text,
            "path_confidence": round(self.path_confidence, 4),
            "clarification": self.clarification.to_dict() if self.clarification else None,
            "unknown": self.unknown,
            "error": self.error,
            "alternatives": [{"anchors": [a.to_dict() for a in alt.anchors], "target_type": alt.target_type}
                             for alt in self.alternatives],
        }
