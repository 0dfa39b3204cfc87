"""Zero-shot entity linking through CLEP's aligned space.

A mention (any text: "George Lucas", "the shark movie") goes through the text tower and is compared
with each entity in the aligned space: with its graph-side vector (``space="graph"``, see
:func:`training.clep.checkpoint.node_vectors_from_triples`: what the graph says the entity is), with the
text tower of its own text (``"text"``), or with the mean of both cosines (``"both"``, the default: the
text side keeps names precise, the graph side adds what the neighbourhood implies). Entities without
triples use the text side only. Nothing is trained for linking: it falls out of the alignment.

Plugging into the parser: ``QuestionParser(kg, classifier, dense_lookup=...)`` takes any
``Callable[[str], list[tuple[str, float]]]``; ``lambda text: link_mention(clep, text, 3)`` is one.
"""

from __future__ import annotations

import numpy as np


class MentionLinker:
    """Links mentions with one :class:`~training.clep.checkpoint.Clep` model (entity matrix built once)."""

    def __init__(self, clep, space: str = "both") -> None:
        if space not in ("graph", "text", "both"):
            raise ValueError(f"space must be 'graph', 'text' or 'both', got {space!r}")
        self.clep = clep
        text = clep.entity_text_vectors()
        graph, known = clep.entity_vectors(clep.entity_ids)
        graph[~known] = text[~known]
        self.vectors = {"graph": [graph], "text": [text], "both": [graph, text]}[space]

    def __call__(self, mention: str, k: int = 5) -> list[tuple[str, float]]:
        return self.link(mention, k)

    def link(self, mention: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` entities closest to ``mention`` as ``(node id, cosine)``, best first."""
        if not mention.strip() or k < 1:
            return []
        query = self.clep.text_vectors([mention])[0]
        scores = np.mean([vectors @ query for vectors in self.vectors], axis=0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.clep.entity_ids[i], float(scores[i])) for i in top]


_LINKERS: dict[tuple[int, str], MentionLinker] = {}


def link_mention(model, mention: str, k: int = 5, space: str = "both") -> list[tuple[str, float]]:
    """Link ``mention`` to the ``k`` best nodes of ``model`` (a ``Clep``), best first, as ``(node id, score)``.

    The entity matrices are built once per model and ``space`` (``"graph"``, ``"text"`` or ``"both"``).
    """
    linker = _LINKERS.get((id(model), space))
    if linker is None or linker.clep is not model:
        linker = _LINKERS[(id(model), space)] = MentionLinker(model, space)
    return linker.link(mention, k)
