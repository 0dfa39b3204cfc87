"""Fine-tune the base SentenceTransformer on a KG's verbalised facts with the sentence-transformers trainer.

Layout of the output folder (itself a loadable SentenceTransformer: the final model)::

    <output>/                    config.json, model.safetensors, modules.json, …  (the final model)
    <output>/stages/epoch-N/     the model after each epoch (``step-N`` for a run stopped mid-epoch)
    <output>/metrics.csv         the held-out IR curve: one row per evaluation (step 0 = the base model)
    <output>/training.json       settings, pair counts, times, pairs/s, base and final IR metrics

The run works in ``<output>.partial`` and replaces ``<output>`` only when it completes, so an error or
Ctrl-C leaves the previous checkpoint intact (the interrupted run's finished stages stay in ``.partial``).
On a GPU the same code runs there (accelerate picks CUDA); ``accelerate launch -m assistant.cli train sbert``
spreads it over several GPUs.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.kg.graph import KnowledgeGraph
from training.checkpoint import check_replaceable, publish_folder

#: IR metrics reported everywhere (suffixes of the evaluator's keys)
METRICS = ("cosine_mrr@10", "cosine_ndcg@10", "cosine_recall@10", "cosine_accuracy@1")
EVAL_NAME = "held-out"
#: sequence length used for training: the pairs are short; the saved model keeps the base's 128 for indexing
INDEX_SEQ_LENGTH = 128


@dataclass
class SBertSettings:
    """Settings of one fine-tuning run (defaults finish on the embedded film KG in a few minutes on 2 CPU cores).

    Attributes:
        epochs: Passes over the training pairs; one stage is saved per epoch.
        batch_size: Pairs per batch; MNRL uses the other positives of the batch as negatives, so larger is better.
        learning_rate: AdamW peak learning rate (linear warm-up over ``warmup_ratio`` then linear decay).
        max_steps: Stop after this many optimizer steps (even mid-epoch); ``None`` runs all epochs.
        holdout: Share of edges held out for evaluation (seeded).
        max_eval_edges: At most this many held-out edges (keeps evaluation quick on big KGs).
        max_train_pairs: Seeded sample of training pairs (``None``: all); with ``max_steps`` only
            ``max_steps * batch_size`` pairs are kept (no point mining negatives for pairs never seen).
        max_per_anchor_relation: Pairs per (anchor, relation, direction), so hubs do not flood the data.
        hard_negatives: Mine one hard negative per pair within the anchor's node type.
        num_negatives: Hard negatives per pair.
        max_seq_length: Word pieces per text while training (the saved model indexes with 128).
        evals_per_epoch: Points of the held-out curve per epoch.
        cached_loss: ``CachedMultipleNegativesRankingLoss`` (large batches in small memory) instead of MNRL.
        device: ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
        seed: Seed of the split, the sampling and the trainer.
    """

    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    max_steps: int | None = None
    holdout: float = 0.05
    max_eval_edges: int = 300
    max_train_pairs: int | None = 3_000
    max_per_anchor_relation: int = 5
    hard_negatives: bool = True
    num_negatives: int = 1
    max_seq_length: int = 32
    evals_per_epoch: int = 2
    cached_loss: bool = False
    device: str = "auto"
    seed: int = 0
    max_minutes: float | None = None  # stop training after this many minutes (checked after each step)
    bf16: bool = True  # bf16 mixed precision on a CUDA device with bf16 (CPU: fp32)


@dataclass
class SBertReport:
    """What a run did; also written to ``training.json``."""

    output: str
    kg: str
    settings: dict
    pairs: dict
    steps: int = 0
    epochs_done: float = 0.0
    seconds: dict = field(default_factory=dict)
    pairs_per_s: float = 0.0
    base_metrics: dict = field(default_factory=dict)
    final_metrics: dict = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    device: str = ""
    dtype: str = "fp32"
    stopped_by_time: bool = False

    def __str__(self) -> str:
        def fmt(m: dict) -> str:
            return " ".join(f"{k.removeprefix('cosine_')}={v:.3f}" for k, v in m.items())

        return (f"trained sbert-ft on {self.kg}: {self.pairs.get('train', 0):,} pairs "
                f"({self.pairs.get('hard', 0):,} with hard negatives), {self.steps} steps, "
                f"{self.seconds.get('train', 0):.0f}s training ({self.pairs_per_s:.0f} pairs/s on {self.device})\n"
                f"  held-out edges, base : {fmt(self.base_metrics)}\n"
                f"  held-out edges, final: {fmt(self.final_metrics)}\n"
                f"  stages: {', '.join(self.stages)}\n"
                f"saved to {self.output}")


def pick_metrics(results: dict) -> dict[str, float]:
    """The reported metrics out of an evaluator's (or the trainer's ``eval_…``) result dict."""
    out = {}
    for metric in METRICS:
        for key, value in results.items():
            if key.endswith(f"{EVAL_NAME}_{metric}"):
                out[metric] = float(value)
    return out


def _stage_callback(partial: Path, metrics_csv: Path, state_box: dict):
    """A TrainerCallback saving a stage per epoch and appending each evaluation to metrics.csv."""
    from transformers import TrainerCallback

    class StagesAndCurve(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            state_box["train_started"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            state_box["last_step_end"] = time.perf_counter()
            deadline = state_box.get("max_seconds")
            if deadline is not None and state_box["last_step_end"] - state_box["train_started"] >= deadline:
                state_box["stopped_by_time"] = True
                control.should_training_stop = True

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                state_box["loss"] = float(logs["loss"])

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            # time since the last optimizer step was spent evaluating: not training throughput
            state_box["eval_seconds"] += time.perf_counter() - state_box.get("last_step_end", time.perf_counter())
            _append_row(metrics_csv, state.global_step, state.epoch or 0.0, state_box.get("loss"),
                        pick_metrics(metrics or {}))

        def on_epoch_end(self, args, state, control, model=None, **kwargs):
            epoch = round(state.epoch or 0)
            if abs((state.epoch or 0) - epoch) > 1e-6:  # the trainer also calls this when max_steps cut an epoch
                return
            _save_stage(state_box["model"], partial / "stages" / f"epoch-{epoch}", state.global_step, state.epoch)
            state_box["stages"].append(f"epoch-{epoch}")
            state_box["stage_steps"].add(state.global_step)

    return StagesAndCurve()


def _append_row(path: Path, step: int, epoch: float, loss: float | None, metrics: dict[str, float]) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(["step", "epoch", "train_loss", *METRICS])
        writer.writerow([step, f"{epoch:.3f}", "" if loss is None else f"{loss:.4f}",
                         *(f"{metrics[m]:.4f}" if m in metrics else "" for m in METRICS)])


def _save_stage(model, path: Path, step: int, epoch: float | None) -> None:
    """Save ``model`` (safetensors) with the sequence length used for indexing, plus ``stage.json``."""
    trained_len = model.max_seq_length
    model.max_seq_length = INDEX_SEQ_LENGTH
    try:
        model.save(str(path), create_model_card=False, safe_serialization=True)
    finally:
        model.max_seq_length = trained_len
    (path / "stage.json").write_text(json.dumps({"step": step, "epoch": epoch}) + "\n")


def train_sbert(kg: KnowledgeGraph, output: str | Path, settings: SBertSettings | None = None,
                progress: bool = True) -> SBertReport:
    """Fine-tune the base encoder on ``kg`` and save it to ``output`` (see the module docstring for the layout).

    Raises:
        retrieval.encoders.EncoderUnavailable: the base model package is missing.
        training.sbert.data.NoTrainingPairs: the KG has neither edges nor descriptions.
        KeyboardInterrupt: after saying which checkpoints are kept.
    """
    from training.common import resolve_device
    from training.sbert.data import ir_evaluator, mine_same_type_negatives, split_pairs, to_datasets
    from training.text_encoder import base_model_path

    s = settings or SBertSettings()
    output = Path(output)
    check_replaceable(output, ST_MARKER, "sentence-transformers", ST_CONFIG)  # refuse now, not after training
    partial = output.with_name(output.name + ".partial")
    if partial.exists():  # an earlier interrupted run; its stages were never the live checkpoint
        if progress:
            print(f"removing {partial} (left by an interrupted run)")
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    base_path = base_model_path()
    max_pairs = s.max_train_pairs
    if s.max_steps is not None:
        max_pairs = min(max_pairs or 10**12, s.max_steps * s.batch_size)
    split = split_pairs(kg, s.holdout, s.max_eval_edges, s.seed, s.max_per_anchor_relation, max_pairs)
    if not any(p.kind == "description" for p in split.train) and progress:
        print(f"note: the KG {kg.name!r} has no node descriptions; training on its edges only")
    times["pairs"] = time.perf_counter() - t0

    from sentence_transformers import SentenceTransformer

    device = resolve_device(s.device)
    model = SentenceTransformer(str(base_path), device=device)
    model.max_seq_length = s.max_seq_length
    t1 = time.perf_counter()
    negatives = {}
    if s.hard_negatives:
        if progress:
            print(f"mining hard negatives within each node type for {len(split.train):,} pairs …")
        negatives = mine_same_type_negatives(split.train, model, s.num_negatives, known=split.known,
                                             progress=progress)
    times["hard_negatives"] = time.perf_counter() - t1
    datasets = to_datasets(split.train, negatives)
    evaluator = ir_evaluator(split) if split.eval else None

    metrics_csv = partial / "metrics.csv"
    t2 = time.perf_counter()
    base_metrics = pick_metrics(evaluator(model)) if evaluator else {}
    times["base_eval"] = time.perf_counter() - t2
    _append_row(metrics_csv, 0, 0.0, None, base_metrics)

    report = SBertReport(str(output), kg.name, asdict(s), {
        "train": len(split.train), "hard": sum(len(d) for k, d in datasets.items() if k == "hard"),
        "eval": len(split.eval), "held_out_edges": len(split.held_out_edges),
        "by_kind": {k: sum(p.kind == k for p in split.train) for k in ("forward", "inverse", "description", "profile")},
    }, base_metrics=base_metrics, device=device)
    state_box: dict = {"model": model, "stages": [], "stage_steps": set(), "eval_seconds": 0.0,
                       "max_seconds": s.max_minutes * 60 if s.max_minutes else None, "stopped_by_time": False}
    trainer = _make_trainer(model, datasets, evaluator, s, partial, split, state_box, progress)
    t3 = time.perf_counter()
    try:
        trainer.train()
    except KeyboardInterrupt:
        kept = f"; finished stages of this run are in {partial / 'stages'}" if state_box["stages"] else ""
        print(f"\ninterrupted: {output} was left as it was{kept}")
        raise
    train_seconds = time.perf_counter() - t3
    state = trainer.state
    if state.global_step not in state_box["stage_steps"]:  # stopped mid-epoch by max_steps
        name = f"step-{state.global_step}"
        _save_stage(model, partial / "stages" / name, state.global_step, state.epoch)
        state_box["stages"].append(name)
    t4 = time.perf_counter()
    final_metrics = pick_metrics(evaluator(model)) if evaluator else {}
    times["final_eval"] = time.perf_counter() - t4
    times["train"] = train_seconds - state_box["eval_seconds"]
    times["train_evals"] = state_box["eval_seconds"]
    report.steps = state.global_step
    report.epochs_done = float(state.epoch or 0.0)
    # examples actually drawn: steps x batch size, capped by the data (the last batch of an epoch is smaller)
    seen = min(state.global_step * s.batch_size, math.ceil(report.epochs_done * len(split.train)) or 10**12)
    report.pairs_per_s = seen / times["train"] if times["train"] > 0 else 0.0
    report.final_metrics = final_metrics
    report.stages = state_box["stages"]
    report.stopped_by_time = bool(state_box["stopped_by_time"])
    report.dtype = "bf16 mixed precision" if trainer.args.bf16 else "fp32"
    _save_stage(model, partial / "final", state.global_step, state.epoch)
    times["total"] = time.perf_counter() - t0
    report.seconds = {k: round(v, 2) for k, v in times.items()}
    shutil.rmtree(partial / "trainer", ignore_errors=True)
    _publish(partial, output, report)
    return report


def device_is_cuda(device: str) -> bool:
    """Whether training will run on CUDA (pinned memory only helps there)."""
    from training.common import resolve_device

    return resolve_device(device).startswith("cuda")


def _make_trainer(model, datasets, evaluator, s: SBertSettings, partial: Path, split, state_box, progress: bool):
    import importlib.util

    from sentence_transformers.base.sampler import BatchSamplers, MultiDatasetBatchSamplers
    from sentence_transformers.sentence_transformer import losses
    from sentence_transformers.sentence_transformer.trainer import SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.training_args import SentenceTransformerTrainingArguments

    from assistant.progress import library_bars_off, mode_for
    from training.common import bf16_in_use, resolve_device

    on_terminal = mode_for(sys.stderr) == "bar"
    if not on_terminal:  # sentence-transformers' and datasets' own bars would print a line per redraw
        library_bars_off()
        try:
            from datasets.utils.logging import disable_progress_bar

            disable_progress_bar()
        except ImportError:
            pass
    steps_per_epoch = max(1, math.ceil(len(split.train) / s.batch_size))
    eval_steps = max(1, steps_per_epoch // max(1, s.evals_per_epoch))
    if s.max_steps is not None:
        eval_steps = max(1, min(eval_steps, s.max_steps))
    args = SentenceTransformerTrainingArguments(
        output_dir=str(partial / "trainer"),
        num_train_epochs=s.epochs,
        max_steps=s.max_steps if s.max_steps is not None else -1,
        per_device_train_batch_size=s.batch_size,
        per_device_eval_batch_size=s.batch_size,
        learning_rate=s.learning_rate,
        warmup_steps=s.warmup_ratio,  # a float below 1 is a share of the steps (transformers v5)
        batch_sampler=BatchSamplers.NO_DUPLICATES,  # MNRL: a duplicate text in a batch would be a false negative
        multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
        eval_strategy="steps" if evaluator is not None else "no",
        eval_steps=eval_steps,
        logging_steps=max(1, min(eval_steps, 50)),
        save_strategy="no",  # stages are saved by the callback, as plain SentenceTransformer folders
        report_to=["tensorboard"] if importlib.util.find_spec("tensorboard") else "none",
        use_cpu=s.device == "cpu",
        seed=s.seed,
        # a tqdm bar only on a terminal; in a log the PrinterCallback's line per logging step is the progress
        disable_tqdm=not (progress and on_terminal),
        dataloader_num_workers=0,
        dataloader_pin_memory=device_is_cuda(s.device),
        bf16=s.bf16 and bf16_in_use(resolve_device(s.device)),
    )
    loss_cls = losses.CachedMultipleNegativesRankingLoss if s.cached_loss else losses.MultipleNegativesRankingLoss
    loss = loss_cls(model)
    train_dataset = datasets if len(datasets) > 1 else next(iter(datasets.values()))
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train_dataset, loss=loss,
                                         evaluator=evaluator,
                                         callbacks=[_stage_callback(partial, partial / "metrics.csv", state_box)])
    if not progress:  # without tqdm the trainer prints every log dict instead
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    return trainer


#: The file and marker that identify a sentence-transformers checkpoint folder we may replace.
ST_CONFIG = "config_sentence_transformers.json"
ST_MARKER = "sentence_transformers"


def _publish(partial: Path, output: Path, report: SBertReport) -> None:
    """Make ``partial`` the live checkpoint: the final model at the top, then swap folders."""
    final = partial / "final"
    for item in final.iterdir():
        shutil.move(str(item), partial / item.name)
    final.rmdir()
    (partial / "training.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    # replaces only an earlier sentence-transformers checkpoint (or an empty folder), never someone else's folder
    publish_folder(partial, output, ST_MARKER, "sentence-transformers", ST_CONFIG)
