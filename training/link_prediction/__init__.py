"""Link prediction: the :class:`LinkPredictor` interface, the models behind it, and inferred edges for answering.

- KGE models (DistMult, ComplEx, RotatE, TuckER): DistMult and ComplEx train in the 1-vs-all loop of
  the ComplEx-N3 recipe (:mod:`training.link_prediction.loop`), RotatE and TuckER in PyKEEN's LCWA loop
  (:func:`train_kge`); CompGCN (:mod:`training.link_prediction.compgcn`) and an R-GCN
  (:mod:`training.link_prediction.gnn`) encoder, both optionally CLEP-initialised. All export to
  :class:`KGEPredictor`, whose inference (:func:`load_link_predictor`) needs only torch and safetensors.
- :func:`train_for_answering` (what ``kgqa train lp --kg PATH`` runs): the predictor answering uses, on all
  triples, with probabilities calibrated on held-out edges (:mod:`training.link_prediction.calibration`).
- :class:`InferredEdges` / :func:`load_inferred_edges` (:mod:`training.link_prediction.inference`): what the
  answering pipeline asks: the most probable missing answers of ``(h, r, ?)`` and P(edge is true).
"""

from training.link_prediction.answering import AnsweringResult, train_for_answering
from training.link_prediction.base import CheckpointError, LinkPredictor, UnknownIdError, load_link_predictor
from training.link_prediction.data import LinkSplit, split_kg
from training.link_prediction.evaluation import evaluate_filtered
from training.link_prediction.inference import InferredEdges, load_inferred_edges
from training.link_prediction.kge import MODELS, KGEPredictor, get_model_spec
from training.link_prediction.train import TrainResult, TrainSettings, default_output_dir, resolve_device, train_kge

__all__ = [
    "MODELS", "AnsweringResult", "CheckpointError", "InferredEdges", "KGEPredictor", "LinkPredictor", "LinkSplit",
    "TrainResult", "TrainSettings", "UnknownIdError", "default_output_dir", "evaluate_filtered", "get_model_spec",
    "load_inferred_edges", "load_link_predictor", "resolve_device", "split_kg", "train_for_answering", "train_kge",
]
