"""The one interface of the candidate generators, and what they share.

A generator turns a question (its cues and links) into readings with their answers::

    class CandidateGenerator(Protocol):
        name: str
        def generate(self, question: Question) -> list[Reading]: ...

Generators run in order and see the readings of those before them (the intersection generator
joins the path generator's best branches). :class:`Services` holds what lives as long as the KG:
the matcher, dense search, graph signals, the caches of discovered paths and verbalisations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.answering.context import QuestionContext
from assistant.answering.readings import Reading
from assistant.kg.graph import KnowledgeGraph
from assistant.kg.verbalize import MASK, verbalise
from assistant.parsing.links import Link
from assistant.query import PathStep
from assistant.traversal import PathReach, discover_paths

#: (text, node type or None, k) -> [(node id, cosine)]: dense search of the vector index
DenseSearch = Callable[[str, str | None, int], list[tuple[str, float]]]
#: (node id, k) -> [(node id, cosine)]: the node's nearest nodes of its own type by their stored vectors
NodeNeighbours = Callable[[str, int], list[tuple[str, float]]]


class LRU(OrderedDict):
    """A small least-recently-used dict (thread-safe enough for get/put under the services lock)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


@dataclass
class Services:
    """What every question shares: the KG, the matcher, search, graph signals, caches.

    Attributes:
        kg: The graph.
        matcher: A :class:`retrieval.matcher.ReadingMatcher` (``scores``, ``vectors``, ``encode``).
        dense: Dense search of the vector index, or ``None`` without one.
        neighbours: Stored-vector neighbours of a node, or ``None`` without an index.
        signals: :class:`retrieval.rerank.graph_signals.GraphSignals` (prominence, PPR).
        inferred: A calibrated link predictor (``training.link_prediction.inference``), or ``None``.
        classifier: A relation-path classifier fit on labelled questions, or ``None`` (a ranker feature).
    """

    kg: KnowledgeGraph
    matcher: object
    dense: DenseSearch | None = None
    neighbours: NodeNeighbours | None = None
    signals: object | None = None
    inferred: object | None = None
    classifier: object | None = None
    max_hops: int = 3
    lock: threading.RLock = field(default_factory=threading.RLock)
    _paths: LRU = field(default_factory=lambda: LRU(4096))
    _texts: dict = field(default_factory=dict)
    _steps: dict | None = None
    _characters: dict | None = None

    def paths_from(self, node_id: str) -> list[PathReach]:
        """The relation paths that exist from a node (cached; :meth:`forget` drops them after an update)."""
        with self.lock:
            return self._paths.get_or(node_id, lambda: discover_paths(self.kg, node_id, self.max_hops,
                                                                       frontier_cap=30, max_paths=500))

    def text_of(self, steps: tuple[PathStep, ...], types: tuple[str, ...]) -> str:
        """The canonical verbalisation of a path (cached per path and types)."""
        key = (steps, types)
        text = self._texts.get(key)
        if text is None:
            text = verbalise(self.kg, steps, types)
            if len(self._texts) < 200_000:
                self._texts[key] = text
        return text

    def character_edges(self, key: str) -> list[int]:
        """Ids of the credit edges whose ``character`` qualifier normalises to ``key`` (indexed once)."""
        with self.lock:
            if self._characters is None:
                from assistant.kg.normalize import normalize_name

                index: dict[str, list[int]] = {}
                for idx, edge in enumerate(self.kg.edges):
                    if edge is not None and edge.qualifiers and edge.qualifiers.get("character"):
                        index.setdefault(normalize_name(str(edge.qualifiers["character"])), []).append(idx)
                self._characters = index
            return self._characters.get(key, [])

    def steps_by_type(self) -> dict[str, list[tuple[PathStep, str]]]:
        """``node type -> [(step, the type it reaches)]`` over the KG's edges (computed once)."""
        with self.lock:
            if self._steps is None:
                from assistant.kg.verbalize import end_types

                by_type: dict[str, list[tuple[PathStep, str]]] = {}
                for (start, relation, inverse), ends in end_types(self.kg).items():
                    by_type.setdefault(start, []).append((PathStep(relation, inverse), ends.most_common(1)[0][0]))
                self._steps = by_type
            return self._steps

    def forget(self) -> None:
        """Drop cached paths (the KG changed)."""
        with self.lock:
            self._paths.clear()
            self._steps = None
            self._characters = None


@dataclass
class Question:
    """One question on its way through the pipeline.

    Attributes:
        ctx: Its cues.
        links: Candidate entities, best first.
        unknown: Name-like spans that link to nothing.
        services: Shared services.
        readings: Readings generated so far, by generator name.
    """

    ctx: QuestionContext
    links: list[Link]
    unknown: list[dict]
    services: Services
    readings: dict[str, list[Reading]] = field(default_factory=dict)
    _vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _positions: list[tuple[int, int]] | None = None

    def masked(self, link: Link) -> str:
        return link.masked(self.ctx.text, MASK)

    def vector(self, link: Link) -> np.ndarray:
        """The matcher's vector of the question masked at ``link`` (encoded once per masked text)."""
        text = self.masked(link)
        if text not in self._vectors:
            self._vectors[text] = self.services.matcher.encode([text])[0]
        return self._vectors[text]

    def encode_all(self, links: list[Link]) -> None:
        """Encode the masked question of several links in one batch (cheaper than one by one)."""
        texts = [t for t in dict.fromkeys(self.masked(lk) for lk in links) if t not in self._vectors]
        if texts:
            for text, vec in zip(texts, self.services.matcher.encode(texts), strict=True):
                self._vectors[text] = vec

    def content_positions(self) -> list[tuple[int, int]]:
        """``(index among content words, character offset)`` of each content word (computed once)."""
        if self._positions is None:
            from assistant.kg.normalize import normalize_name
            from assistant.parsing.links import STOPWORDS

            lowered = self.ctx.text.lower()
            position, index, out = 0, 0, []
            for word in normalize_name(self.ctx.text).split():
                at = lowered.find(word, position)
                if at < 0:
                    continue
                position = at + len(word)
                if word in STOPWORDS:
                    continue
                out.append((index, at))
                index += 1
            self._positions = out
        return self._positions

    @property
    def all_readings(self) -> list[Reading]:
        return [r for rs in self.readings.values() for r in rs]


class CandidateGenerator(Protocol):
    """Turns a question into readings (see the module docstring)."""

    name: str

    def generate(self, question: Question) -> list[Reading]: ...
