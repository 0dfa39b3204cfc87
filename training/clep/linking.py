"""Zero-shot entity linking through CLEP's aligned space.

A mention (any text: "George Lucas", "the shark movie") goes through the text tower and is compared
with every entity's graph-side vector (see :func:`training.clep.checkpoint.node_vectors_from_triples`);
entities without triples are compared through the text tower of their own text instead. Nothing is
trained for linking: it falls out of the text-graph alignment.

Plugging into the parser: ``QuestionParser(kg, classifier, dense_lookup=...)`` takes any
``Callable[[str], list[tuple[str, float]]]``; ``lambda text: link_mention(clep, text, 3)`` is one.
"""

from __future__ import annotations

import numpy as np


class MentionLinker:
    """Links mentions with one :class:`~training.clep.checkpoint.Clep` model (entity matrix built once)."""

    def __init__(self, clep) -> None:
        self.clep = clep
        vectors, known = clep.entity_vectors(clep.entity_ids)
        if not known.all():
            vectors[~known] = clep.entity_text_vectors()[~known]
        self.vectors = vectors

    def __call__(self, mention: str, k: int = 5) -> list[tuple[str, float]]:
        return self.link(mention, k)

    def link(self, mention: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` entities closest to ``mention`` as ``(node id, cosine)``, best first."""
        if not mention.strip() or k < 1:
            return []
        scores = self.vectors @ self.clep.text_vectors([mention])[0]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.clep.entity_ids[i], float(scores[i])) for i in top]


_LINKERS: dict[int, MentionLinker] = {}


def link_mention(model, mention: str, k: int = 5) -> list[tuple[str, float]]:
    """Link ``mention`` to the ``k`` best nodes of ``model`` (a ``Clep``); the entity matrix is cached per model."""
    linker = _LINKERS.get(id(model))
    if linker is None or linker.clep is not model:
        linker = _LINKERS[id(model)] = MentionLinker(model)
    return linker.link(mention, k)
