"""The relation-path classifier: which relation path leads from the question's entity to its answer.

Features are the SentenceTransformer embedding of the question with the entity mention masked,
joined with word 1-2-gram TF-IDF; a multinomial logistic regression is fit on labelled questions
(MetaQA dev with its qtype labels, or questions generated from a KG's schema). Saved as plain
arrays (``.npz`` + JSON), never pickles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from retrieval.encoders import SentenceEncoder

WEIGHTS, META = "path_classifier.npz", "path_classifier.json"


@dataclass
class PathPrediction:
    label: str
    probability: float


class RelationPathClassifier:
    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder = encoder
        self.labels: list[str] = []
        self.vectorizer: TfidfVectorizer | None = None
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None
        self.source = ""  # what it was fit on ("schema:<signature>", "metaqa:<n>")

    def _features(self, masked: list[str], dense: np.ndarray | None = None):
        if dense is None:
            dense = self.encoder.encode(masked)
        words = self.vectorizer.transform([m.lower() for m in masked])
        return sparse.hstack([sparse.csr_matrix(dense), words]).tocsr()

    def fit(self, masked: list[str], labels: list[str], c: float = 20.0, progress: bool = False,
            dense: np.ndarray | None = None) -> RelationPathClassifier:
        """Fit on masked questions; ``dense`` may pass precomputed embeddings."""
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.vectorizer.fit([m.lower() for m in masked])
        if dense is None:
            dense = self.encoder.encode(masked, progress=progress)
        features = self._features(masked, dense)
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(features, labels)
        self.labels = [str(x) for x in model.classes_]
        coef, intercept = model.coef_, model.intercept_
        if len(self.labels) == 2:  # binary LR stores one row; expand to two for a uniform softmax
            coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
        self.coef, self.intercept = coef.astype(np.float32), intercept.astype(np.float32)
        return self

    def predict_proba(self, masked: list[str]) -> np.ndarray:
        """``(len(masked), len(labels))`` probabilities."""
        if self.coef is None:
            raise RuntimeError("the relation-path classifier is not trained")
        if len(self.labels) == 1:
            return np.ones((len(masked), 1), dtype=np.float32)
        logits = self._features(masked) @ self.coef.T + self.intercept
        logits = np.asarray(logits)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return probs / probs.sum(axis=1, keepdims=True)

    def predict(self, masked: str, top: int = 3) -> list[PathPrediction]:
        probs = self.predict_proba([masked])[0]
        order = np.argsort(-probs)[:top]
        return [PathPrediction(self.labels[i], float(probs[i])) for i in order]

    # ---- persistence ------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / WEIGHTS, coef=self.coef, intercept=self.intercept, idf=self.vectorizer.idf_)
        vocab = {k: int(v) for k, v in self.vectorizer.vocabulary_.items()}
        (folder / META).write_text(json.dumps({"labels": self.labels, "vocabulary": vocab, "source": self.source,
                                               "encoder": self.encoder.model_id}))

    @classmethod
    def load(cls, folder: str | Path, encoder: SentenceEncoder) -> RelationPathClassifier:
        folder = Path(folder)
        meta = json.loads((folder / META).read_text())
        arrays = np.load(folder / WEIGHTS)
        clf = cls(encoder)
        clf.labels = meta["labels"]
        clf.source = meta.get("source", "")
        clf.coef, clf.intercept = arrays["coef"], arrays["intercept"]
        clf.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        clf.vectorizer.vocabulary_ = meta["vocabulary"]
        clf.vectorizer.idf_ = arrays["idf"]
        return clf

    @staticmethod
    def exists(folder: str | Path) -> bool:
        return (Path(folder) / WEIGHTS).exists() and (Path(folder) / META).exists()
