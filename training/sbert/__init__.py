"""SentenceTransformer fine-tuning on a KG (``kgqa train sbert``) and the skill-affinity view of its stages.

- :mod:`training.sbert.verbalize`: KG edges, descriptions and people's roles/skills as (anchor, positive) pairs.
- :mod:`training.sbert.data`: seeded held-out edges, hard negatives mined within a node type, the IR evaluator.
- :mod:`training.sbert.train`: settings and the sentence-transformers trainer run (stages, metrics.csv, training.json).
- :mod:`training.sbert.affinity`: a person's distribution over skill nodes per model stage, and its chart.
"""
