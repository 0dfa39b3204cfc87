"""The link-prediction slot of the reranker: the :class:`LinkPredictor` interface and its errors.

A link predictor scores ``(head, relation, tail)`` triples by node id and relation name and ranks
candidate tails for a ``(head, relation)`` query. Implementations save themselves to a folder
and load back from it without the library that trained them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from training.checkpoint import CheckpointError, read_checkpoint_config

__all__ = ["CONFIG_FILE", "FORMAT", "CheckpointError", "LinkPredictor", "UnknownIdError", "load_link_predictor",
           "read_config"]

CONFIG_FILE = "config.json"
#: Marker in ``config.json`` that says the folder holds a link-predictor checkpoint.
FORMAT = "kgqa-link-predictor"


class UnknownIdError(KeyError):
    """A node id or relation name the link predictor was not trained on."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class LinkPredictor(ABC):
    """Scores triples ``(head, relation, tail)`` given by node id and relation name.

    Higher scores mean more plausible. Scores are only comparable within one predictor.
    """

    @abstractmethod
    def score(self, heads: Sequence[str], relations: Sequence[str], tails: Sequence[str]) -> np.ndarray:
        """Score a batch of triples.

        Args:
            heads: Head node ids.
            relations: Relation names, one per head.
            tails: Tail node ids, one per head.

        Returns:
            A float array of shape ``(len(heads),)``.

        Raises:
            UnknownIdError: A node id or relation name is unknown to the predictor.
            ValueError: The three sequences differ in length.
        """

    @abstractmethod
    def rank_tails(self, head: str, relation: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best-scoring tails for ``(head, relation, ?)``, best first.

        Args:
            head: Head node id.
            relation: Relation name.
            k: How many tails to return (fewer when the predictor knows fewer nodes).

        Returns:
            ``(node_id, score)`` pairs sorted by descending score.

        Raises:
            UnknownIdError: ``head`` or ``relation`` is unknown to the predictor.
            ValueError: ``k`` is below 1.
        """

    @abstractmethod
    def save(self, directory: str | Path) -> Path:
        """Write the predictor to ``directory`` atomically and return the folder.

        Args:
            directory: Target folder; an existing checkpoint there is replaced, anything else is refused.
        """

    @classmethod
    @abstractmethod
    def load(cls, directory: str | Path) -> LinkPredictor:
        """Load a predictor saved with :meth:`save`.

        Args:
            directory: A folder written by :meth:`save`.

        Raises:
            CheckpointError: The folder is missing, incomplete or corrupt.
        """


def read_config(directory: str | Path) -> dict:
    """Read and check ``config.json`` of a checkpoint folder.

    Args:
        directory: The checkpoint folder.

    Returns:
        The parsed configuration.

    Raises:
        CheckpointError: No folder, no ``config.json``, invalid JSON, not a JSON object or not a
            link-predictor checkpoint.
    """
    return read_checkpoint_config(directory, FORMAT, "link-predictor", "kgqa train lp")


def load_link_predictor(directory: str | Path) -> LinkPredictor:
    """Load any link predictor from its checkpoint folder, choosing the class from ``config.json``.

    Args:
        directory: A folder written by :meth:`LinkPredictor.save`.

    Raises:
        CheckpointError: The folder is missing, incomplete, corrupt or of an unknown kind.
    """
    config = read_config(directory)
    kind = config.get("kind")
    if kind == "kge":
        from training.link_prediction.kge import KGEPredictor

        return KGEPredictor.load(directory)
    raise CheckpointError(f"{Path(directory) / CONFIG_FILE}: unknown link-predictor kind {kind!r}")
