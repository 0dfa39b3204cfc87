"""Link prediction for the reranker: the :class:`LinkPredictor` interface and the models behind it.

KGE models (DistMult, ComplEx, RotatE, TuckER) are trained with PyKEEN (:func:`train_kge`); the
R-GCN encoder + DistMult decoder with PyG (:func:`training.link_prediction.gnn.train_gnn`, optionally
CLEP-initialised). All export to :class:`KGEPredictor`, whose inference (:func:`load_link_predictor`)
needs only torch and safetensors.
"""

from training.link_prediction.base import CheckpointError, LinkPredictor, UnknownIdError, load_link_predictor
from training.link_prediction.data import LinkSplit, split_kg
from training.link_prediction.evaluation import evaluate_filtered
from training.link_prediction.kge import MODELS, KGEPredictor, get_model_spec
from training.link_prediction.train import TrainResult, TrainSettings, default_output_dir, resolve_device, train_kge

__all__ = [
    "MODELS", "CheckpointError", "KGEPredictor", "LinkPredictor", "LinkSplit", "TrainResult", "TrainSettings",
    "UnknownIdError", "default_output_dir", "evaluate_filtered", "get_model_spec", "load_link_predictor",
    "resolve_device", "split_kg", "train_kge",
]
