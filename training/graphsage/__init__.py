"""GraphSAGE link models (PyG ``SAGEConv``) with and without text features, as the seed experiments I and II.

Training and evaluation: :func:`train_sage`; the trained model as an index encoder: :class:`SageNodeEncoder`.
"""

from training.graphsage.embedder import SageNodeEncoder, load_sage_encoder
from training.graphsage.model import VARIANTS, SageLinkModel, SageSettings
from training.graphsage.train import SageGraph, SageResult, build_graph, evaluate_links, load_sage, train_sage

__all__ = ["VARIANTS", "SageGraph", "SageLinkModel", "SageNodeEncoder", "SageResult", "SageSettings",
           "build_graph", "evaluate_links", "load_sage", "load_sage_encoder", "train_sage"]
