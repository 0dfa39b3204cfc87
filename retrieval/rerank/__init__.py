"""Reranking: candidates from the graph and the vector store, scored by a fitted model over
dense-similarity, graph-neighbourhood, prominence and link-prediction features."""

from retrieval.rerank.candidates import Candidate
from retrieval.rerank.features import FEATURES, FeatureExtractor
from retrieval.rerank.graph_signals import GraphSignals
from retrieval.rerank.model import Reranker, default_reranker_path

__all__ = ["FEATURES", "Candidate", "FeatureExtractor", "GraphSignals", "Reranker", "default_reranker_path"]
