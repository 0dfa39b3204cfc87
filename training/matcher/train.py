"""Train the reading matcher: a question encoder that scores a question against each reading the graph
offers (:mod:`training.matcher.questions`), fine-tuned with sentence-transformers.

The loss is MultipleNegativesRankingLoss over (masked question, right reading, wrong readings of the
same entity): the other paths from the entity are the hard negatives, the batch's other readings
the easy ones. By default only a LoRA adapter is trained (peft, through sentence-transformers'
``add_adapter``): the adapter is a few hundred kilobytes, ships with the package and loads onto the
packaged base model, and training it fits a CPU. ``full=True`` fine-tunes every weight instead (GPUs
and larger budgets; ``kgqa train sbert`` uses it), and its output replaces the shipped adapter.

Output folder::

    <output>/adapter_config.json, adapter_model.safetensors   (LoRA; or a whole model with full=True)
    <output>/matcher.json     format marker, what it was trained on, settings, sha256 of the weights,
                              held-out reading accuracy of the base model and of the trained one

The run writes ``<output>.partial`` and replaces ``<output>`` only when it completes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from assistant.progress import Progress
from training.checkpoint import file_sha256, staged_folder
from training.matcher.questions import MatcherExample

FORMAT = "kgqa-matcher/1"
MANIFEST = "matcher.json"
WEIGHT_FILES = ("adapter_model.safetensors", "model.safetensors")


@dataclass
class MatcherSettings:
    """Settings of one matcher training run (defaults: a LoRA adapter in minutes on 2 CPU cores).

    Attributes:
        epochs: Passes over the examples.
        batch_size: Questions per batch; every other reading in the batch is a negative too.
        learning_rate: AdamW peak learning rate (LoRA wants a larger one than full fine-tuning).
        negatives: Hard negatives per question (readings of the same entity).
        lora_rank: Rank of the LoRA matrices; 0 with ``full`` means no adapter.
        full: Fine-tune every weight instead of an adapter.
        max_seq_length: Questions and readings are short; 64 word pieces cover them and train fast.
        max_steps: Stop after this many optimizer steps (``None``: all epochs).
        seed: Seed of the data order and the adapter's initialisation.
        device: ``auto`` (CUDA when present), ``cpu`` or ``cuda``.
    """

    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 5e-4
    negatives: int = 3
    lora_rank: int = 16
    full: bool = False
    max_seq_length: int = 64
    max_steps: int | None = None
    seed: int = 0
    device: str = "auto"
    warmup_ratio: float = field(default=0.05)


def reading_accuracy(encode, examples: Sequence[MatcherExample]) -> float:
    """Share of examples whose positive reading beats all its negatives (``encode``: texts -> unit vectors)."""
    if not examples:
        return 0.0
    questions = encode([e.masked for e in examples])
    texts = sorted({t for e in examples for t in (e.positive, *e.negatives)})
    vectors = dict(zip(texts, encode(texts), strict=True))
    hits = 0
    for q, e in zip(questions, examples, strict=True):
        positive = float(vectors[e.positive] @ q)
        hits += all(float(vectors[n] @ q) < positive for n in e.negatives)
    return hits / len(examples)


def _dataset(examples: Sequence[MatcherExample], negatives: int, rng: random.Random):
    from datasets import Dataset

    rows: dict[str, list[str]] = {"anchor": [], "positive": [], **{f"negative_{i}": [] for i in range(negatives)}}
    for e in examples:
        if not e.negatives:
            continue
        picked = list(e.negatives[:negatives])
        while len(picked) < negatives:  # MNRL wants the same number of columns on every row
            picked.append(rng.choice(e.negatives))
        rows["anchor"].append(e.masked)
        rows["positive"].append(e.positive)
        for i, text in enumerate(picked):
            rows[f"negative_{i}"].append(text)
    return Dataset.from_dict(rows)


def train_matcher(examples: Sequence[MatcherExample], output: str | Path, settings: MatcherSettings | None = None,
                  held_out: Sequence[MatcherExample] = (), base: str | Path | None = None,
                  trained_on: dict | None = None, progress: bool = True) -> dict:
    """Fine-tune the matcher on ``examples``; returns the run's report (also written to ``matcher.json``)."""
    import torch
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import (
        BatchSamplers,
        SentenceTransformerTrainingArguments,
    )

    from assistant.config import base_model_path, set_offline
    from training.common import resolve_device

    settings = settings or MatcherSettings()
    set_offline()
    output = Path(output)
    device = resolve_device(settings.device)
    torch.manual_seed(settings.seed)
    base = Path(base) if base else base_model_path()
    model = SentenceTransformer(str(base), device=device)
    model.max_seq_length = settings.max_seq_length
    if not settings.full:
        from peft import LoraConfig, TaskType

        model.add_adapter(LoraConfig(task_type=TaskType.FEATURE_EXTRACTION, r=settings.lora_rank,
                                     lora_alpha=2 * settings.lora_rank, lora_dropout=0.05,
                                     target_modules=["query", "key", "value", "dense"]))

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)

    started = time.perf_counter()
    base_accuracy = reading_accuracy(encode, held_out) if held_out else None
    rng = random.Random(settings.seed)
    data = _dataset(examples, settings.negatives, rng)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(output.parent / f".{output.name}.trainer"), num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size, learning_rate=settings.learning_rate,
        warmup_ratio=settings.warmup_ratio, max_steps=settings.max_steps or -1, seed=settings.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES, save_strategy="no", report_to="none",
        logging_steps=max(1, len(data) // settings.batch_size // 20), disable_tqdm=True,
        use_cpu=device == "cpu", bf16=device.startswith("cuda") and torch.cuda.is_bf16_supported(),
        dataloader_drop_last=True)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data,
                                         loss=MultipleNegativesRankingLoss(model))
    steps = settings.max_steps or max(1, settings.epochs * (len(data) // settings.batch_size))
    with Progress(total=steps, desc="matcher", unit="step", enabled=progress) as bar:
        from transformers import TrainerCallback

        class _Tick(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):  # noqa: ARG002 - transformers' signature
                bar.update(1)

        trainer.add_callback(_Tick())
        trainer.train()
    train_seconds = time.perf_counter() - started
    accuracy = reading_accuracy(encode, held_out) if held_out else None
    with staged_folder(output, FORMAT, "matcher", MANIFEST) as partial:
        if settings.full:
            model.save(str(partial))
        else:
            model.save_pretrained(str(partial))  # the adapter only: adapter_config.json + adapter_model.safetensors
        weights = next((partial / name for name in WEIGHT_FILES if (partial / name).exists()), None)
        report = _report(settings, len(data), trained_on, device, train_seconds, steps, held_out, base_accuracy,
                         accuracy, weights)
        (partial / MANIFEST).write_text(json.dumps(report, indent=1) + "\n")
    return report


def _report(settings: MatcherSettings, examples: int, trained_on: dict | None, device: str, train_seconds: float,
            steps: int, held_out: Sequence[MatcherExample], base_accuracy: float | None, accuracy: float | None,
            weights: Path | None) -> dict:
    return {
        "format": FORMAT, "kind": "full" if settings.full else "lora", "settings": asdict(settings),
        "examples": examples, "trained_on": trained_on or {}, "device": device,
        "train_seconds": round(train_seconds, 1), "examples_per_second": round(steps * settings.batch_size /
                                                                               max(train_seconds, 1e-9), 1),
        "held_out": len(held_out), "held_out_accuracy_base": base_accuracy, "held_out_accuracy": accuracy,
        "weights": weights.name if weights else None, "sha256": file_sha256(weights) if weights else None,
    }
