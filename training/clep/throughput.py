"""CLEP training throughput (triples per second), for ``bench/train.py``."""

from __future__ import annotations

import time

from assistant.kg import KnowledgeGraph


def measure(kg: KnowledgeGraph, steps: int, batch_size: int, device: str) -> dict:
    """Time ``steps`` optimizer steps of CLEP training on ``kg`` (text embeddings are computed, or read
    from the cache, before the clock starts; one warm-up step is not counted).

    Returns:
        ``{"model": "clep", "items", "seconds", "items_per_s", "unit": "triples/s", "device", "batch_size"}``.
    """
    import torch

    from training.clep.data import build_data, embed_texts
    from training.clep.train import ClepSettings, Trainer, resolve_device
    from training.text_encoder import load_text_encoder as load_encoder

    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    settings = ClepSettings(batch_size=batch_size, device=device)
    settings.validate()
    dev = resolve_device(device)
    data = build_data(kg, settings.holdout, settings.seed)
    features = embed_texts(data.texts, load_encoder(settings.text_encoder, device=dev), settings.cache_dir)
    trainer = Trainer(data, features, settings, dev)
    opt = torch.optim.AdamW(trainer.model.parameters(), lr=settings.learning_rate)
    batches = trainer.batches()
    trainer.model.train()

    def step() -> int:
        batch = next(batches)
        loss = trainer.loss(batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return len(batch)

    step()  # warm-up: allocator and kernels
    if dev == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    items = sum(step() for _ in range(steps))
    if dev == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return {"model": "clep", "items": items, "seconds": seconds, "items_per_s": items / seconds,
            "unit": "triples/s", "device": dev, "batch_size": min(batch_size, len(data.train))}
