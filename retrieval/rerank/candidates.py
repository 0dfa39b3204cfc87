"""A candidate answer with its provenance: which generator found it and the evidence it brought."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.traversal import SupportPath


@dataclass(slots=True)
class Candidate:
    """One node proposed as an answer.

    Attributes:
        node_id: The node.
        paths: Supporting KG paths (anchor → … → node), up to a few.
        path_count: All supporting paths the traversal counted, not only the kept ones.
        reading: 0 when the parser's main reading reached it, i for its i-th runner-up reading,
            ``None`` when no reading did (dense search or a bare entity's neighbourhood only).
        neighbourhood: Reached as a neighbour of a bare entity ("George Lucas" → his films).
        dense: Cosine similarity to the question per encoder that returned it.
        prior_rank: Position in the generator's own order (0 = first), before reranking.
    """

    node_id: str
    paths: list[SupportPath] = field(default_factory=list)
    path_count: int = 0
    reading: int | None = None
    neighbourhood: bool = False
    dense: dict[str, float] = field(default_factory=dict)
    prior_rank: int = 0

    @property
    def sources(self) -> list[str]:
        out = []
        if self.reading == 0 or self.neighbourhood:
            out.append("graph")
        elif self.reading:
            out.append("graph:alternative-reading")
        out += [f"dense:{name}" for name in self.dense]
        return out
