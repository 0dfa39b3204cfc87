"""The 1-vs-all training loop of the ComplEx-N3 recipe (Lacroix et al., 2018), for DistMult and ComplEx.

Every training example is a triple ``(h, r, t)`` or its reciprocal ``(t, r^-1, h)``, so tails and heads
are both learnt as tails. The query ``q(h, r)`` is scored against every entity with one matrix product,
and the loss is the softmax cross-entropy of the true tail (optionally label-smoothed) plus the N3
penalty: the weighted sum of the cubed moduli of the three factors the example used (head, relation,
tail), averaged over the batch. As in the paper's code (facebookresearch/kbc): embeddings start at
``N(0, 1) * 1e-3`` and Adagrad (learning rate 0.1) updates them. The reciprocal relation rows are kept
(the exported predictor ranks heads as the tails of ``(t, r^-1, ?)``), as the recipe evaluates.

Why not PyKEEN's LCWA loop for this recipe (profile in ``bench/RESULTS.md``, ``python bench/lp.py
--profile``): LCWA trains on distinct ``(h, r)`` pairs with multi-hot targets, so it is a different
objective (1-vs-all with every tail of a query positive), and per step it builds the dense target
rows from a sparse matrix on the Python side, runs the generic representation/interaction stack and
its regulariser hooks; at film-KG size that overhead is most of the step. The loop here is the small
part of the recipe that matters (about 60 lines): gather, one matrix product, cross-entropy, N3,
Adagrad. Models without a matrix-product form or with extra modules (RotatE, TuckER) stay on PyKEEN.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch.nn import functional as F  # noqa: N812

from training.common import bf16_autocast
from training.link_prediction.kge import KGEModelSpec

Tensor = torch.Tensor

#: Models the 1-vs-all loop trains (a query vector compared with every entity by a dot product).
LOOP_MODELS = ("distmult", "complex")


@dataclass
class CurvePoint:
    """One point of the learning curve.

    Attributes:
        epoch: Epochs completed.
        step: Optimizer steps taken.
        train_seconds: Training time so far (evaluations excluded).
        loss: Mean loss of the epoch just completed.
        metrics: What the evaluation callback returned (e.g. ``{"valid_mrr": .., "test_mrr": ..}``).
    """

    epoch: int
    step: int
    train_seconds: float
    loss: float
    metrics: dict = field(default_factory=dict)


@dataclass
class LoopResult:
    """Trained matrices and how the run went (``relations`` has forward rows then reciprocal rows)."""

    entities: Tensor
    relations: Tensor
    steps: int
    epochs_run: int
    losses: list[float]
    curve: list[CurvePoint]
    train_seconds: float
    stopped_by_time: bool
    optimizer_state: dict | None = None


def n3_penalty(spec: KGEModelSpec, *factors: Tensor) -> Tensor:
    """Sum over the factors of ``|x|^3`` (complex moduli for ComplEx), per example, averaged over the batch."""
    total = factors[0].new_zeros(())
    for x in factors:
        if spec.is_complex:
            d = x.shape[-1] // 2
            x = torch.sqrt(x[..., :d] ** 2 + x[..., d:] ** 2 + 1e-12)
        total = total + (x.abs() ** 3).sum()
    return total / factors[0].shape[0]


def training_examples(triples: Tensor, num_relations: int) -> Tensor:
    """``(h, r, t)`` rows and their reciprocals ``(t, r + num_relations, h)``, as one ``(2n, 3)`` tensor."""
    reciprocal = torch.stack([triples[:, 2], triples[:, 1] + num_relations, triples[:, 0]], dim=1)
    return torch.cat([triples, reciprocal])


def train_one_vs_all(spec: KGEModelSpec, triples: Tensor, num_entities: int, num_relations: int, *,
                     width: int, epochs: int, batch_size: int, learning_rate: float, optimizer: str = "adagrad",
                     regularizer_weight: float = 0.0, label_smoothing: float = 0.0, init_scale: float = 1e-3,
                     seed: int = 0, device: str = "cpu", max_steps: int | None = None,
                     max_seconds: float | None = None, eval_every: int = 0,
                     evaluate: Callable[[Tensor, Tensor], dict] | None = None,
                     progress: bool = True, log: Callable[[str], None] | None = None,
                     answer_table: Tensor | None = None, warm_start: LoopResult | None = None,
                     bf16: bool = True) -> LoopResult:
    """Train entity and relation matrices for ``spec`` by 1-vs-all cross-entropy with reciprocal relations.

    Args:
        spec: DistMult or ComplEx.
        triples: ``(n, 3)`` long tensor of training rows ``(head, relation, tail)``.
        num_entities: Entity rows.
        num_relations: Relations (the relation matrix gets ``2 * num_relations`` rows).
        width: Row width (``2 * dim`` for ComplEx: ``[real | imaginary]``).
        epochs: Passes over the examples (triples and reciprocals).
        batch_size: Examples per optimizer step.
        learning_rate: Of the optimizer.
        optimizer: ``"adagrad"`` (the recipe) or ``"adam"``.
        regularizer_weight: N3 weight (0: none).
        label_smoothing: Of the cross-entropy targets.
        init_scale: Standard deviation of the initial embeddings.
        seed: Seed of the initialisation and the example order.
        device: Where to train.
        max_steps: Stop after this many steps (``None``: no limit).
        max_seconds: Stop after this much training time, evaluations excluded (``None``: no limit).
        eval_every: Call ``evaluate`` after every this many epochs (0: never during training).
        evaluate: ``(entities, relations) -> metrics`` for the learning curve.
        progress: Show a progress bar on a terminal, periodic lines elsewhere.
        log: Where a curve point's line goes (default: print).
        answer_table: ``(2 * num_relations, num_entities)`` bool: the entities each relation row may have as
            its answer (type-constrained 1-vs-all: the softmax runs over those only, and each batch holds
            examples of one relation row). ``None``: every entity, batches mixed.
        warm_start: Continue from this run's matrices and optimizer state (a refit on more edges).
        bf16: On a CUDA device with bf16, autocast the scores' matrix product to bf16 (cross-entropy, N3 and
            the fp32 parameters stay fp32); on a CPU training is fp32 either way.

    Returns:
        The trained matrices (on the CPU) and the run's record.
    """
    from assistant.progress import Progress

    if spec.name not in LOOP_MODELS:
        raise ValueError(f"the 1-vs-all loop trains {', '.join(LOOP_MODELS)}, not {spec.name}")
    gen = torch.Generator().manual_seed(seed)
    ent = torch.randn(num_entities, width, generator=gen) * init_scale
    rel = torch.randn(2 * num_relations, width, generator=gen) * init_scale
    if warm_start is not None:
        ent, rel = warm_start.entities.clone(), warm_start.relations.clone()
    ent = torch.nn.Parameter(ent.to(device))
    rel = torch.nn.Parameter(rel.to(device))
    if optimizer == "adagrad":
        opt: torch.optim.Optimizer = torch.optim.Adagrad([ent, rel], lr=learning_rate)
    elif optimizer == "adam":
        opt = torch.optim.Adam([ent, rel], lr=learning_rate)
    else:
        raise ValueError(f"optimizer must be 'adagrad' or 'adam', got {optimizer!r}")
    if warm_start is not None and warm_start.optimizer_state is not None:
        # the accumulated squared gradients keep Adagrad's steps as small as where A stopped (a fresh state
        # would take full-size first steps and undo what A learnt)
        opt.load_state_dict(warm_start.optimizer_state)
    examples = training_examples(triples.to(torch.long), num_relations)
    candidates: list[Tensor] = []
    position = None
    if answer_table is not None:
        table = answer_table.to(torch.bool).cpu()
        candidates = [row.nonzero()[:, 0].to(device) for row in table]
        position = torch.full(table.shape, -1, dtype=torch.long)  # entity -> its column among the candidates
        for r, cols in enumerate(candidates):
            position[r, cols.cpu()] = torch.arange(len(cols))
        ok = position[examples[:, 1], examples[:, 2]] >= 0
        if not bool(ok.all()):  # an answer outside its relation's types (cannot happen with types from these rows)
            raise ValueError(f"{int((~ok).sum())} training answers are not among their relation's answer types")
        position = position.to(device)
    by_relation = [torch.nonzero(examples[:, 1] == r)[:, 0] for r in range(2 * num_relations)] \
        if answer_table is not None else []
    per_epoch = (sum(-(-len(ix) // batch_size) for ix in by_relation) if answer_table is not None
                 else -(-len(examples) // batch_size))
    total = per_epoch * epochs if max_steps is None else min(per_epoch * epochs, max_steps)
    say = log or print
    losses: list[float] = []
    curve: list[CurvePoint] = []
    steps, epochs_run, train_seconds, stopped_by_time = 0, 0, 0.0, False

    def out_of_budget() -> bool:
        return (max_steps is not None and steps >= max_steps) or (
            max_seconds is not None and train_seconds >= max_seconds)

    with Progress(total=total, desc=f"{spec.name} 1-vs-all", unit="step", enabled=progress) as bar:
        for epoch in range(epochs):
            batches = _epoch_batches(examples, by_relation, batch_size, gen)
            epoch_loss, epoch_steps = 0.0, 0
            started = time.perf_counter()
            for index in batches:
                batch = examples[index].to(device)
                h, r = ent[batch[:, 0]], rel[batch[:, 1]]
                with bf16_autocast(device, bf16):
                    if position is None:
                        scores = spec.tail_query(h, r) @ ent.T  # the one matrix product: every entity as the tail
                        target = batch[:, 2]
                    else:  # one relation row per batch: its answer types only
                        row = int(batch[0, 1])
                        scores = spec.tail_query(h, r) @ ent[candidates[row]].T
                        target = position[row, batch[:, 2]]
                loss = F.cross_entropy(scores.float(), target, label_smoothing=label_smoothing)
                if regularizer_weight > 0:
                    loss = loss + regularizer_weight * n3_penalty(spec, h, r, ent[batch[:, 2]])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                steps += 1
                epoch_steps += 1
                epoch_loss += float(loss.detach())
                bar.update(1)
                if out_of_budget() or (max_seconds is not None
                                       and train_seconds + time.perf_counter() - started >= max_seconds):
                    break
            train_seconds += time.perf_counter() - started
            epochs_run = epoch + 1
            losses.append(epoch_loss / max(1, epoch_steps))
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
            stopped_by_time = max_seconds is not None and train_seconds >= max_seconds
            last = epoch + 1 == epochs or out_of_budget()
            if evaluate is not None and eval_every and ((epoch + 1) % eval_every == 0 or last):
                metrics = evaluate(ent.detach(), rel.detach())
                curve.append(CurvePoint(epoch + 1, steps, round(train_seconds, 1), losses[-1], metrics))
                figures = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float))
                say(f"epoch {epoch + 1}: {train_seconds / 60:.1f} min, loss {losses[-1]:.4f}  {figures}")
            if out_of_budget():
                break
    return LoopResult(ent.detach().cpu(), rel.detach().cpu(), steps, epochs_run, losses, curve, train_seconds,
                      stopped_by_time, opt.state_dict())


def _epoch_batches(examples: Tensor, by_relation: list[Tensor], batch_size: int,
                   gen: torch.Generator) -> list[Tensor]:
    """Index batches of one epoch: shuffled and mixed, or (type-constrained) shuffled within each relation
    row and then the batches shuffled."""
    if not by_relation:
        order = torch.randperm(len(examples), generator=gen)
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    batches = []
    for ix in by_relation:
        order = ix[torch.randperm(len(ix), generator=gen)]
        batches.extend(order[i:i + batch_size] for i in range(0, len(order), batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=gen).tolist()]
