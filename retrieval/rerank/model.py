"""The reranker: a linear model over :data:`FEATURES`, fit by pairwise logistic regression
(``kgqa train reranker``) and stored as JSON with the data it was fit on and its reported scores."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.rerank.features import FEATURES

#: the fitted weights shipped with the package (refit with ``kgqa train reranker``)
SHIPPED = Path(__file__).with_name("reranker.json")


def default_reranker_path() -> Path:
    return SHIPPED


@dataclass
class Reranker:
    """score(x) = Σ_f w_f · (x_f − mean_f) / scale_f; the terms are the features' contributions.

    Attributes:
        weights: Per-feature weight on the standardised feature.
        mean: Per-feature mean over the training candidates (centres contributions at 0).
        scale: Per-feature standard deviation over the training candidates.
        report: How it was fit: question sets, pair counts, held-out metrics before and after.
    """

    weights: dict[str, float]
    mean: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    def contributions(self, features: dict[str, float]) -> dict[str, float]:
        out = {}
        for name, w in self.weights.items():
            x = (features.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
            if w * x:
                out[name] = w * x
        return out

    def score(self, features: dict[str, float]) -> tuple[float, dict[str, float]]:
        parts = self.contributions(features)
        return float(sum(parts.values())), parts

    def score_matrix(self, matrix: np.ndarray, names: tuple[str, ...] = FEATURES) -> np.ndarray:
        w = np.array([self.weights.get(n, 0.0) for n in names])
        mu = np.array([self.mean.get(n, 0.0) for n in names])
        sd = np.array([self.scale.get(n, 1.0) or 1.0 for n in names])
        return ((matrix - mu) / sd) @ w

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"features": list(self.weights), "weights": self.weights, "mean": self.mean,
                                   "scale": self.scale, "report": self.report}, indent=1) + "\n")
        tmp.replace(path)  # never a half-written file
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> Reranker:
        path = Path(path) if path else SHIPPED
        try:
            data = json.loads(path.read_text())
            return cls(dict(data["weights"]), dict(data.get("mean", {})), dict(data.get("scale", {})),
                       data.get("report", {}))
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{path}: not a reranker file ({exc}); refit it with `kgqa train reranker`") from exc
