"""Readings: the candidate query graphs a question may mean, each with its answers and their evidence.

A reading is what the answering pipeline ranks. A ``path`` reading is one linked entity and a
relation path from it ("the person who directed NE" from *Jaws*); an ``intersection`` joins the
paths of two entities ("films starring NE" from Harrison Ford and from Carrie Fisher); the other
kinds are the entity itself (``identity``), everything one hop from it (``neighbourhood``), its
look-alikes (``similar``), the people credited with a
character (``character``), a description matched in meaning (``describe``), the previous turn's
answers narrowed by the new question (``refine``) and answers predicted by link prediction where the
graph has no edge (``inferred``). Every reading knows its answers, and every answer the KG paths
(or the similarity, or the predicted edge) that support it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.parsing.links import Link
from assistant.query import PathStep
from assistant.traversal import SupportPath

KINDS = ("path", "intersection", "identity", "neighbourhood", "similar", "character", "describe", "refine",
         "inferred")


@dataclass(slots=True)
class Branch:
    """One linked entity and the relation path from it to the answers.

    Attributes:
        link: The entity as linked from the question.
        steps: The relation path (empty for the entity itself).
        types: Node type reached after each step.
        text: The verbalisation the matcher compared the question with.
        matcher: The matcher's cosine between the question (masked at this link) and ``text``.
    """

    link: Link
    steps: tuple[PathStep, ...] = ()
    types: tuple[str, ...] = ()
    text: str = ""
    matcher: float = 0.0

    @property
    def label(self) -> str:
        return "/".join(str(s) for s in self.steps) or "="


class Evidence:
    """Why one node answers a reading.

    Attributes:
        paths: Supporting KG paths (anchor → … → answer), a few; recovered on first use when the reading was
            counted by a sparse walk (``resolve``), since only the answers shown need them.
        count: All supporting paths counted, not only the kept ones.
        similarity: Cosine or overlap score for ``similar`` / ``describe`` answers.
        probability: Calibrated probability of a predicted edge for ``inferred`` answers.
        predicted: ``(head, relation, tail)`` of the predicted edge for ``inferred`` answers.
    """

    __slots__ = ("_paths", "_resolve", "count", "similarity", "probability", "predicted")

    def __init__(self, paths: list[SupportPath] | None = None, count: int = 0, similarity: float | None = None,
                 probability: float | None = None, predicted: tuple[str, str, str] | None = None,
                 resolve: Callable[[], list[SupportPath]] | None = None) -> None:
        self._paths = paths if paths is not None or resolve is not None else []
        self._resolve = resolve
        self.count = count
        self.similarity = similarity
        self.probability = probability
        self.predicted = predicted

    @property
    def paths(self) -> list[SupportPath]:
        if self._paths is None:
            self._paths = self._resolve() if self._resolve is not None else []
            self._resolve = None
        return self._paths

    @paths.setter
    def paths(self, value: list[SupportPath]) -> None:
        self._paths, self._resolve = value, None

    def __repr__(self) -> str:
        shown = "…" if self._paths is None else len(self._paths)
        return f"Evidence(paths={shown}, count={self.count}, similarity={self.similarity}, " \
               f"probability={self.probability})"


@dataclass(slots=True)
class Reading:
    """One candidate reading of the question (see the module docstring).

    Attributes:
        kind: One of :data:`KINDS`.
        branches: The entities and paths it starts from (two or more for an intersection).
        answers: node id -> evidence, in the reading's own order (best supported first).
        answer_type: The type of most answers.
        notes: Caveats for the answer sentence (a relaxed filter, a capped hub).
        features: What the ranker scores it by.
        score: The ranker's score; ``probability`` is its share among this question's readings.
    """

    kind: str
    branches: list[Branch] = field(default_factory=list)
    answers: dict[str, Evidence] = field(default_factory=dict)
    answer_type: str | None = None
    notes: list[str] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    probability: float = 0.0
    text: str = ""  # a verbalisation for people ("the person who directed Jaws")
    capped: bool = False

    @property
    def key(self) -> tuple:
        return (self.kind, tuple((b.link.node_id or b.link.character, b.label) for b in self.branches))

    @property
    def matcher(self) -> float:
        return sum(b.matcher for b in self.branches) / len(self.branches) if self.branches else 0.0

    @property
    def anchors(self) -> list[str]:
        return [b.link.node_id for b in self.branches if b.link.node_id]
