"""Run an assistant over a question set and report: ``evaluate`` -> :class:`EvalReport`.

The report renders as plain text (the CLI), a JSON-ready dict (``--json``) and Markdown with a per-type bar chart
(``--report OUT.md`` writes ``OUT.md`` and ``OUT.png``).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.answer import Answer
from assistant.evaluation.datasets import QAItem
from assistant.evaluation.metrics import ABSTAINED, ZERO, Aggregate, QuestionScore, aggregate, score_ranking
from assistant.progress import Progress

UNTYPED = "untyped"
MAX_FAILURES_MD = 50


class Asker(Protocol):
    """Anything with ``Assistant.ask``'s signature."""

    def ask(self, question: str, k: int = 10, node_type: str | None = None, history: Sequence = ()) -> Answer: ...


@dataclass(slots=True)
class QuestionResult:
    """One question's outcome.

    Attributes:
        item: The question and its gold answers.
        score: Its metrics.
        latency_ms: Wall time of ``ask``, measured around the call.
        predicted: The first ``k`` answers as ``{"node_id", "name", "type", "score"}``.
        query: ``answer.query.to_dict()``, or ``None`` when ``ask`` raised.
        message: ``answer.message``, or the exception text when ``ask`` raised.
        error: ``"ExceptionType: text"`` when ``ask`` raised, else ``None``.
    """

    item: QAItem
    score: QuestionScore
    latency_ms: float
    predicted: list[dict] = field(default_factory=list)
    query: dict | None = None
    message: str = ""
    error: str | None = None

    @property
    def type(self) -> str:
        """The question type, ``"untyped"`` when the set has none."""
        return self.item.type or UNTYPED

    @property
    def failed(self) -> bool:
        """A failure is a question whose top answer is not gold (errors included)."""
        return self.error is not None or self.score.hits1 < 1.0

    def failure_dict(self) -> dict:
        """The failure record: question, gold, top-3 predicted, parsed query and message."""
        return {
            "id": self.item.id, "question": self.item.question, "type": self.item.type, "topic": self.item.topic,
            "gold": list(self.item.answers), "predicted": self.predicted[:3], "rank": self.score.rank,
            "query": self.query, "message": self.message, "error": self.error,
        }

    def to_dict(self) -> dict:
        """Everything about the question, JSON-ready."""
        return {**self.failure_dict(), "predicted": self.predicted, "score": self.score.to_dict(),
                "latency_ms": round(self.latency_ms, 2)}


def _ask_one(assistant: Asker, item: QAItem, k: int) -> QuestionResult:
    history = list(item.extra.get("history") or [])
    started = time.perf_counter()
    try:
        answer = assistant.ask(item.question, k=k, history=history) if history else assistant.ask(item.question, k=k)
    except Exception as exc:  # noqa: BLE001 -- one bad question must not stop the run
        latency = (time.perf_counter() - started) * 1000
        text = f"{type(exc).__name__}: {exc}"
        return QuestionResult(item, ZERO, latency, message=text, error=text)
    latency = (time.perf_counter() - started) * 1000
    top = list(answer.answers)[:k]
    predicted = [{"node_id": a.node_id, "name": a.name, "type": a.type, "score": round(float(a.score), 4)}
                 for a in top]
    if item.extra.get("expect") == "abstain":  # right when nothing is claimed
        score = ABSTAINED if not top else ZERO
    else:
        score = score_ranking(top, item.answers, k)
    return QuestionResult(item, score, latency, predicted, answer.query.to_dict(), answer.message)


def evaluate(assistant: Asker, items: Sequence[QAItem], k: int = 10, workers: int = 1, progress: bool = True,
             meta: dict[str, Any] | None = None, warmup: bool = True) -> EvalReport:
    """Ask every question and score the answers.

    Args:
        assistant: An :class:`assistant.api.Assistant` (or anything with its ``ask``).
        items: The questions.
        k: Answers requested per question; the cut-off of Hits@k, MRR and the predicted set.
        workers: Threads asking concurrently (``ask`` is read-only once warmed up). With more than one,
            latencies include the contention between threads.
        progress: Show progress on stderr (a bar on a terminal, periodic lines in a log).
        meta: Free-form facts recorded in the report (dataset, KG path...).
        warmup: Ask the first question once, unscored and untimed, before the run. The assistant loads lazily
            (index client, parser classifier) on its first ``ask``; warming up keeps that one-off cost out of
            the latencies and keeps concurrent first calls from racing on the lazy loading.

    Returns:
        The report, with results in the order of ``items``.

    Raises:
        ValueError: ``k`` or ``workers`` < 1.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    results: list[QuestionResult | None] = [None] * len(items)
    if warmup and items:
        with contextlib.suppress(Exception):  # the scored call records any error
            assistant.ask(items[0].question, k=k)
    started = time.perf_counter()
    hits = finished = 0
    with Progress(total=len(items), desc="eval", unit="q", enabled=progress) as bar:
        def done(i: int, result: QuestionResult) -> None:
            nonlocal hits, finished
            results[i] = result
            hits += int(result.score.hits1)
            finished += 1
            bar.set_postfix(hits1=f"{hits / finished:.3f}")
            bar.update(1)

        if workers == 1:
            for i, item in enumerate(items):
                done(i, _ask_one(assistant, item, k))
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kgqa-eval") as pool:
                futures = {pool.submit(_ask_one, assistant, item, k): i for i, item in enumerate(items)}
                for future in as_completed(futures):
                    done(futures[future], future.result())
    wall = time.perf_counter() - started
    return EvalReport(k, [r for r in results if r is not None], wall, workers, dict(meta or {}))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _md_cell(value: Any) -> str:
    return _fmt(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


@dataclass(slots=True)
class EvalReport:
    """The outcome of :func:`evaluate`.

    Attributes:
        k: The cut-off used.
        results: One result per question, in question order.
        wall_s: Wall time of the whole run.
        workers: Threads used.
        meta: Free-form facts about the run (dataset, KG...).
    """

    k: int
    results: list[QuestionResult]
    wall_s: float = 0.0
    workers: int = 1
    meta: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def _aggregate(results: Sequence[QuestionResult]) -> Aggregate:
        return aggregate([r.score for r in results], [r.latency_ms for r in results],
                         errors=sum(r.error is not None for r in results))

    @property
    def overall(self) -> Aggregate:
        """Metrics over every question."""
        return self._aggregate(self.results)

    @property
    def per_type(self) -> dict[str, Aggregate]:
        """Metrics per question type, types sorted by name (``"untyped"`` for questions without one)."""
        groups: dict[str, list[QuestionResult]] = {}
        for result in self.results:
            groups.setdefault(result.type, []).append(result)
        return {t: self._aggregate(groups[t]) for t in sorted(groups)}

    @property
    def failures(self) -> list[QuestionResult]:
        """Questions whose top answer is wrong (or whose ``ask`` raised), in question order."""
        return [r for r in self.results if r.failed]

    def to_dict(self, include_questions: bool = False, max_failures: int | None = None) -> dict:
        """A JSON-ready summary.

        Args:
            include_questions: Add every question's result under ``"questions"``.
            max_failures: Keep at most this many failures (all when ``None``); ``"failures_total"`` has the count.

        Returns:
            ``{"k", "n", "workers", "wall_s", "questions_per_s", "meta", "overall", "per_type", "failures",
            "failures_total"}`` (and ``"questions"``).
        """
        failures = self.failures
        out: dict[str, Any] = {
            "k": self.k, "n": len(self.results), "workers": self.workers, "wall_s": round(self.wall_s, 3),
            "questions_per_s": round(len(self.results) / self.wall_s, 3) if self.wall_s > 0 else None,
            "meta": self.meta, "overall": self.overall.to_dict(),
            "per_type": {t: a.to_dict() for t, a in self.per_type.items()},
            "failures_total": len(failures),
            "failures": [f.failure_dict() for f in failures[:max_failures]],
        }
        if include_questions:
            out["questions"] = [r.to_dict() for r in self.results]
        return out

    def _columns(self) -> list[tuple[str, Callable[[Aggregate], Any]]]:
        return [
            ("n", lambda a: a.n), ("Hits@1", lambda a: a.hits1), (f"Hits@{self.k}", lambda a: a.hitsk),
            ("MRR", lambda a: a.mrr), ("P", lambda a: a.precision), ("R", lambda a: a.recall),
            ("F1", lambda a: a.f1), ("answered", lambda a: a.answered), ("errors", lambda a: a.errors),
            ("p50 ms", lambda a: f"{a.latency_p50_ms:.1f}"), ("p95 ms", lambda a: f"{a.latency_p95_ms:.1f}"),
        ]

    def _rows(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows: ``all`` first, then one row per type."""
        cols = self._columns()
        header = ["type"] + [name for name, _ in cols]
        groups = [("all", self.overall), *self.per_type.items()]
        return header, [[name] + [_fmt(get(agg)) for _, get in cols] for name, agg in groups]

    def to_text(self) -> str:
        """Plain-text tables: overall first, then one row per question type."""
        header, rows = self._rows()
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                                  strict=True)))

        rule = "-" * len(line(header))
        body = [line(header), rule, line(rows[0])]
        if len(rows) > 1:
            body += [rule, *(line(r) for r in rows[1:])]
        summary = (f"{len(self.results)} questions, k={self.k}, {self.workers} worker(s), {self.wall_s:.1f} s; "
                   f"{len(self.failures)} failure(s) at Hits@1")
        return "\n".join([summary, "", *body])

    def to_markdown(self, plot: str | None = None, max_failures: int = MAX_FAILURES_MD,
                    title: str = "KGQA evaluation") -> str:
        """A Markdown report: run facts, the overall table, the per-type table, the plot and the failures.

        Args:
            plot: Link to the per-type plot (relative to the Markdown file), or ``None`` to leave it out.
            max_failures: Failures listed (the first ones, in question order).
            title: Top heading.

        Returns:
            The Markdown text.
        """
        cols = self._columns()
        head = "| " + " | ".join(["type"] + [n for n, _ in cols]) + " |"
        sep = "|" + "|".join(["---"] + ["---:"] * len(cols)) + "|"

        def row(name: str, agg: Aggregate) -> str:
            return "| " + " | ".join([_md_cell(name)] + [_md_cell(get(agg)) for _, get in cols]) + " |"

        lines = [f"# {title}", ""]
        facts = {"questions": len(self.results), "k": self.k, "workers": self.workers,
                 "wall time": f"{self.wall_s:.1f} s", **self.meta}
        lines += [f"- **{key}**: {_md_cell(value)}" for key, value in facts.items()]
        lines += ["", "Hits@1 / Hits@k / MRR use the first k ranked answers; the predicted answer set for "
                      "P / R / F1 is every answer returned (up to k). Latency is measured around `ask`.", ""]
        lines += ["## Overall", "", head, sep, row("all", self.overall), ""]
        lines += ["## Per question type", "", head, sep, *(row(t, a) for t, a in self.per_type.items()), ""]
        if plot:
            lines += [f"![Hits@1, Hits@{self.k} and MRR per question type]({plot})", ""]
        failures = self.failures
        shown = failures[:max_failures]
        lines += [f"## Failures ({len(shown)} of {len(failures)} shown)", ""]
        if not failures:
            lines += ["None: every top answer was gold.", ""]
        for f in shown:
            predicted = ", ".join(f"{p['name']} (`{p['node_id']}`, {p['score']:.3f})" for p in f.predicted[:3])
            query = f.query or {}
            anchors = ", ".join(f"{a.get('name')} via `{a.get('path') or '-'}`" for a in query.get("anchors", []))
            lines += [
                f"### `{f.item.id}` ({f.type})", "",
                f"- **question**: {_md_cell(f.item.question)}",
                f"- **gold**: {_md_cell(' | '.join(f.item.answers))}",
                f"- **predicted (top 3)**: {_md_cell(predicted) if predicted else '(none)'}",
                f"- **gold rank**: {f.score.rank if f.score.rank else f'not in top {self.k}'}",
                f"- **parsed**: target `{query.get('target_type')}`, anchors: {_md_cell(anchors) or '(none)'}",
            ]
            if f.message:
                lines.append(f"- **message**: {_md_cell(f.message)}")
            if f.query is not None:
                lines += ["", "<details><summary>query</summary>", "", "```json",
                          json.dumps(f.query, indent=2, ensure_ascii=False), "```", "", "</details>"]
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"

    def save_plot(self, path: str | Path) -> Path:
        """Draw Hits@1, Hits@k and MRR per question type (plus ``all``) as grouped bars to a PNG.

        Uses matplotlib's Agg canvas directly (no pyplot state), so it is safe off the main thread and headless.

        Args:
            path: Where to write the PNG.

        Returns:
            The path written.
        """
        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        groups = [("all", self.overall), *self.per_type.items()]
        labels = [f"{name} (n={agg.n})" for name, agg in groups]
        series = [("Hits@1", [a.hits1 for _, a in groups]), (f"Hits@{self.k}", [a.hitsk for _, a in groups]),
                  ("MRR", [a.mrr for _, a in groups])]
        # horizontal bars: long type names (movie_to_director_to_movie_to_genre) stay readable
        fig = Figure(figsize=(9.0, max(3.0, 0.6 * len(groups) + 1.6)), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        y = np.arange(len(groups))
        height = 0.8 / len(series)
        for j, (name, values) in enumerate(series):
            bars = ax.barh(y + (j - (len(series) - 1) / 2) * height, values, height, label=name)
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()  # "all" on top
        ax.set_xlim(0, 1.1)
        ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_xlabel("score")
        ax.set_title(f"KGQA evaluation per question type ({len(self.results)} questions, k={self.k})", fontsize=10)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0 + 0.35 / fig.get_figheight()), ncol=len(series),
                  fontsize=8, frameon=False)
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, format="png")
        return path

    def write_report(self, path: str | Path, max_failures: int = MAX_FAILURES_MD) -> tuple[Path, Path]:
        """Write the Markdown report to ``path`` and its plot beside it (same name, ``.png``).

        Args:
            path: The Markdown file (its folder is created).
            max_failures: Failures listed in the Markdown.

        Returns:
            ``(markdown path, png path)``.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        png = self.save_plot(path.with_suffix(".png"))
        path.write_text(self.to_markdown(plot=png.name, max_failures=max_failures), encoding="utf-8")
        return path, png
