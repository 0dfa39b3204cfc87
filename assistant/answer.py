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
    #: calibrated probability that this answer's reading is what the question means
    confidence: float = 0.0
    #: one sentence for people: "directed 3 science-fiction films, among them Alien (1979)"
    explanation: str = ""
    #: the reading it answers, in words ("the director of Jaws")
    reading: str = ""
    #: not stated in the graph: predicted by link prediction (``predicted`` holds the edge and probability)
    inferred: bool = False
    predicted: dict | None = None

    def to_dict(self) -> dict:
        return {
            "node_id": self.node_id, "name": self.name, "type": self.type, "score": round(self.score, 4),
            "confidence": round(self.confidence, 4), "explanation": self.explanation, "reading": self.reading,
            "inferred": self.inferred, "predicted": self.predicted,
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
    #: calibrated probability of the chosen reading (0 when nothing was answered)
    confidence: float = 0.0
    #: the question is about something the graph does not hold: no answers are listed
    abstained: bool = False
    #: the question as read with the conversation resolved ("what else did he make" -> "… Steven Spielberg")
    resolved: str = ""
    #: the best readings considered, best first: kind, text, probability, answer count
    readings: list[dict] = field(default_factory=list)
    #: a count ("how many films did X direct"): the number, with the answers listed as its evidence
    count: int | None = None
    #: every answer of the chosen reading (not only the first ``k``), for follow-ups that narrow them
    all_answers: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.query.error is None and self.query.clarification is None

    def to_dict(self) -> dict:
        return {
            "question": self.question, "message": self.message, "query": self.query.to_dict(),
            "answers": [a.to_dict() for a in self.answers], "latency_ms": round(self.latency_ms, 2),
            "confidence": round(self.confidence, 4), "abstained": self.abstained, "resolved": self.resolved,
            "count": self.count, "readings": self.readings,
        }
