"""EGES: item embeddings from behaviour-graph random walks enhanced with side information, for cold-start items.

Data: :func:`movielens_graph` (MovieLens rating sequences) or :func:`film_kg_graph` (the film KG's shared
credits, genres and keywords). Training: :func:`train_eges`. A new item from its side information only:
:func:`embed_cold_start` and :func:`similar_items`.
"""

from training.eges.data import ItemGraph, film_kg_graph, movielens_graph
from training.eges.model import EGES, EgesSettings
from training.eges.train import (
    EgesModel,
    embed_cold_start,
    evaluate_cold_start,
    load_eges,
    random_walks,
    similar_items,
    train_eges,
)

__all__ = ["EGES", "EgesModel", "EgesSettings", "ItemGraph", "embed_cold_start", "evaluate_cold_start",
           "film_kg_graph", "load_eges", "movielens_graph", "random_walks", "similar_items", "train_eges"]
