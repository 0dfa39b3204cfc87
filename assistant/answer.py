"""What the assistant returns for a question: ranked answers, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.query import Query


@dataclass(slots=True)
class EvidencePath:
    """A KG path from an anchor or constraint to the answer, as node ids and hops."""

    nodes: list[str]
    relations: list[str]
    inverse: list[bool]
    text: str  # "Steven Spielberg —directed→ Jurassic Park (1993)"

    def to_dict(self) -> dict:
        return {"nodes": self.nodes, "relations": self.relations, "inverse": self.inverse, "text": self.text}


@dataclass(slots=True)
class RankedAnswer:
    node_id: str
    name: str
    type: str
    score: float
    paths: list[EvidencePath] = field(default_factory=list)
    semantic: float | None = None  # dense similarity when that is (part of) the evidence
    features: dict[str, float] = field(default_factory=dict)
    #: each feature's share of ``score`` (the reranker's weight times the standardised feature)
    contributions: dict[str, float] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # "graph", "dense:base", ...

    def to_dict(self) -> dict:
        return {
            "node_id": self.node_id, "name": self.name, "type": self.type, "score": round(self.score, 4),
            "paths": [p.to_dict() for p in self.paths], "semantic": self.semantic,
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()}, "sources": self.sources,
        }


@dataclass(slots=True)
class Answer:
    question: str
    query: Query
    answers: list[RankedAnswer] = field(default_factory=list)
    message: str = ""
    latency_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.query.error is None and self.query.clarification is None

    def to_dict(self) -> dict:
        return {
            "question": self.question, "message": self.message, "query": self.query.to_dict(),
            "answers": [a.to_dict() for a in self.answers], "latency_ms": round(self.latency_ms, 2),
        }
