"""Training throughput of ``kgqa train sbert`` (pairs per second), for ``bench/train.py``."""

from __future__ import annotations

import tempfile
import time

from assistant.kg.graph import KnowledgeGraph


def measure(kg: KnowledgeGraph, steps: int, batch_size: int, device: str = "auto",
            hard_negatives: bool = True) -> dict:
    """Run ``steps`` optimizer steps of the real training (same data, loss and sampler; no evaluation).

    Returns:
        ``{"model", "items", "seconds", "items_per_s", "unit"}``: training pairs (with their hard negative when
        mined) per second of optimizer steps, mining and model loading excluded (reported as ``setup_s``).
    """
    from training.sbert.train import SBertSettings, train_sbert

    settings = SBertSettings(epochs=1, batch_size=batch_size, max_steps=steps, holdout=0.0,
                             hard_negatives=hard_negatives, device=device)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kgqa-sbert-throughput-") as tmp:
        report = train_sbert(kg, f"{tmp}/sbert-ft", settings, progress=False)
    train_s = report.seconds["train"]
    return {"model": "sbert-ft (MNRL" + (" + hard negatives)" if hard_negatives else ")"),
            "items": round(report.pairs_per_s * train_s), "seconds": train_s, "items_per_s": report.pairs_per_s,
            "unit": "pairs/s", "device": report.device, "setup_s": time.perf_counter() - started - train_s}
