"""CLEP: contrastive alignment of a graph tower g(head, relation) with a text tower t(description).

Inference (:func:`load_clep`, :class:`Clep`) needs torch and safetensors; training is :func:`train_clep`.
"""

from training.clep.checkpoint import Clep, ClepCheckpointError, load_clep
from training.clep.data import NoDescriptionsError
from training.clep.train import ClepResult, ClepSettings, train_clep

__all__ = ["Clep", "ClepCheckpointError", "ClepResult", "ClepSettings", "NoDescriptionsError", "load_clep",
           "train_clep"]
