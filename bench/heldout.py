"""Held-out evaluation: score the assistant on the question sets in bench/heldout/, written blind.

    python bench/heldout.py                          # every set in bench/heldout/sets.json, one table
    python bench/heldout.py --set family --set recruiter
    python bench/heldout.py --limit 20               # the first 20 questions of each file (a smoke run)
    python bench/heldout.py --json results.json      # also write every question's result
    python bench/heldout.py --baseline               # the reference: the KG's paths ranked by untrained MiniLM

Questions go through the public evaluation runner (``assistant.evaluation.evaluate``). Two kinds need more than a
plain question, and are handed to the runner only when its interface shows that it handles them (otherwise this
script scores them itself, with the runner's metrics and result records):

* ``"expect": "abstain"`` (a film or person not in the KG, ``answers: []``): correct, at every cut-off, when the
  assistant returns no answers at all;
* follow-up turns with ``"history": [earlier user turns]``: asked as ``Assistant.ask(question, history=[...])``
  when ``ask`` takes a ``history`` argument, and otherwise skipped with a printed note (their first turns, which
  have no history, are still scored).

The table gives, per set and per question type: n, Hits@1, Hits@5, MRR (over the first k=10 answers) and how many
questions raised. Gold answers are node ids (names for counts); a stale ``answers`` list (the KG changed since the
gold was recomputed) is reported, and ``python bench/heldout/recompute.py`` brings it up to date.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "bench" / "heldout"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HELDOUT))

from goldspec import GoldError, answers_of  # noqa: E402

from assistant.config import set_offline  # noqa: E402
from assistant.evaluation.datasets import QAItem  # noqa: E402
from assistant.evaluation.metrics import ZERO, QuestionScore, score_ranking  # noqa: E402
from assistant.evaluation.runner import EvalReport, QuestionResult, evaluate  # noqa: E402
from assistant.kg.errors import KGQAError  # noqa: E402

K = 10
ABSTAIN = "abstain"


class HeldoutError(KGQAError):
    """A held-out question file that cannot be read (file and line named)."""


@dataclass
class SetRun:
    """One set's outcome: the scored results and what could not be scored."""

    name: str
    results: list[QuestionResult] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> questions
    stale: int = 0
    wall_s: float = 0.0


def read_questions(path: Path) -> list[QAItem]:
    """Read a held-out JSONL file into runner items; ``gold``, ``history`` and ``expect`` go to ``extra``.

    Unlike ``assistant.evaluation.read_jsonl`` this accepts ``"answers": []`` on an abstention question.
    """
    items: list[QAItem] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HeldoutError(f"{path}:{lineno}: invalid JSON ({exc.msg}); expected one question object",
                               str(path), lineno) from exc
        question, answers = obj.get("question"), obj.get("answers")
        abstain = obj.get("expect") == ABSTAIN
        if not isinstance(question, str) or not question.strip() or not isinstance(answers, list) \
                or (not answers and not abstain) or (answers and abstain):
            raise HeldoutError(f"{path}:{lineno}: expected a 'question' string and a non-empty 'answers' list "
                               "(an empty one only with \"expect\": \"abstain\")", str(path), lineno)
        history = obj.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise HeldoutError(f"{path}:{lineno}: expected 'history' to be a list of earlier user turns",
                               str(path), lineno)
        extra = {k: v for k, v in obj.items() if k not in {"id", "question", "answers", "type"}}
        items.append(QAItem(str(obj.get("id") or f"{path.name}:{lineno}"), question.strip(), list(answers),
                            obj.get("type"), None, extra))
    return items


def runner_support() -> tuple[bool, bool]:
    """Whether the public runner itself scores ``(abstentions, follow-ups with history)``.

    Read from the runner's own interface (its ``Asker`` protocol taking ``history``, the metrics' abstention score),
    so that this bench hands those questions to the runner as soon as it handles them.
    """
    from assistant.evaluation import metrics, runner

    abstain = hasattr(metrics, "ABSTAINED")
    try:
        history = "history" in inspect.signature(runner.Asker.ask).parameters
    except (AttributeError, TypeError, ValueError):
        history = False
    return abstain, history


def takes_history(bot: object) -> bool:
    """Whether ``bot.ask`` accepts the earlier turns of a conversation (``history=``)."""
    try:
        return "history" in inspect.signature(bot.ask).parameters  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False


def _ask(bot, item: QAItem, history: list[str] | None) -> tuple[list, object | None, str | None, float]:
    started = time.perf_counter()
    try:
        answer = bot.ask(item.question, k=K, history=history) if history is not None else bot.ask(item.question, k=K)
    except Exception as exc:  # noqa: BLE001 -- one bad question must not stop the run (the runner does the same)
        return [], None, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000
    return list(answer.answers)[:K], answer, None, (time.perf_counter() - started) * 1000


def _result(item: QAItem, top: list, answer, error: str | None, latency: float, score: QuestionScore) -> QuestionResult:
    predicted = [{"node_id": a.node_id, "name": a.name, "type": a.type, "score": round(float(a.score), 4)} for a in top]
    if error is not None:
        return QuestionResult(item, ZERO, latency, message=error, error=error)
    return QuestionResult(item, score, latency, predicted, answer.query.to_dict(), answer.message)


def ask_abstention(bot, item: QAItem) -> QuestionResult:
    """An abstention question is right, at every cut-off, when no answer comes back."""
    history = item.extra.get("history") or None
    top, answer, error, latency = _ask(bot, item, history if history and takes_history(bot) else None)
    right = float(not top)
    score = QuestionScore(1 if right else None, right, right, right, right, right, right, len(top))
    return _result(item, top, answer, error, latency, score)


def ask_followup(bot, item: QAItem) -> QuestionResult:
    """A conversation turn, asked with the earlier turns as its history."""
    top, answer, error, latency = _ask(bot, item, list(item.extra["history"]))
    return _result(item, top, answer, error, latency, score_ranking(top, item.answers, K))


def hits_at(results: list[QuestionResult], k: int) -> float:
    """Hits@k for any k up to ``K``, from each question's rank of its first correct answer."""
    if not results:
        return 0.0
    return sum(1.0 for r in results if r.score.rank is not None and r.score.rank <= k) / len(results)


def count_stale(kg, items: list[QAItem]) -> int:
    """Questions whose stored answers differ from their gold recomputed over the KG being evaluated."""
    stale = 0
    for item in items:
        try:
            if answers_of(kg, item.extra["gold"], where=item.id) != item.answers:
                stale += 1
        except (GoldError, KeyError):
            stale += 1
    return stale


def run_set(entry: dict, limit: int | None, workers: int, progress: bool, baseline: bool = False) -> SetRun | None:
    from assistant.api import Assistant

    kg_path = (ROOT / entry["kg"]).resolve()
    run = SetRun(entry["name"])
    if not kg_path.exists():
        print(f"{entry['name']}: KG {kg_path} not found; set skipped")
        return None
    items: list[QAItem] = []
    for file in entry["files"]:
        loaded = read_questions(HELDOUT / file)
        items += loaded[:limit] if limit is not None else loaded
    started = time.perf_counter()
    print(f"\n== {entry['name']}: {len(items)} questions on {kg_path}", flush=True)
    bot = Assistant.from_path(kg_path, progress=progress)
    if baseline:  # the reference the issue measured: the graph's paths ranked by the untrained MiniLM alone
        bot = bot.paths_only_baseline()
    run.stale = count_stale(bot.kg, items)
    single = [i for i in items if not i.extra.get("history") and i.extra.get("expect") != ABSTAIN]
    abstain = [i for i in items if i.extra.get("expect") == ABSTAIN]
    followups = [i for i in items if i.extra.get("history") and i.extra.get("expect") != ABSTAIN]
    runner_abstains, runner_follows = runner_support()
    bot_follows = takes_history(bot)
    if followups and not bot_follows:
        run.skipped["follow-up turns (Assistant.ask takes no history=)"] = len(followups)
        print(f"note: {len(followups)} follow-up turns skipped: Assistant.ask has no 'history' parameter yet")
        followups = []
    to_runner = single + (abstain if runner_abstains else []) + (followups if runner_follows else [])
    if to_runner:
        report = evaluate(bot, to_runner, k=K, workers=workers, progress=progress, meta={"set": entry["name"]})
        run.results += report.results
    if not runner_abstains:
        run.results += [ask_abstention(bot, i) for i in abstain]
    if not runner_follows:
        run.results += [ask_followup(bot, i) for i in followups]
    run.wall_s = time.perf_counter() - started
    return run


def table(runs: list[SetRun]) -> str:
    head = f"{'set / type':<34} {'n':>5} {'Hits@1':>7} {'Hits@5':>7} {'MRR':>7} {'errors':>6}"
    lines = [head, "-" * len(head)]

    def row(name: str, results: list[QuestionResult]) -> str:
        report = EvalReport(K, results)
        agg = report.overall
        return (f"{name:<34} {agg.n:>5} {agg.hits1:>7.3f} {hits_at(results, 5):>7.3f} {agg.mrr:>7.3f} "
                f"{agg.errors:>6}")

    for run in runs:
        if not run.results:
            lines.append(f"{run.name:<34} {0:>5}  (nothing scored)")
            continue
        lines.append(row(run.name, run.results))
        groups: dict[str, list[QuestionResult]] = {}
        for result in run.results:
            groups.setdefault(result.type, []).append(result)
        lines += [row(f"  {t}", groups[t]) for t in sorted(groups)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", help="only this set (by name in sets.json); repeatable")
    parser.add_argument("--limit", type=int, default=None, help="the first N questions of each question file")
    parser.add_argument("--workers", type=int, default=1, help="threads asking single-turn questions concurrently")
    parser.add_argument("--json", type=Path, default=None, help="write every question's result to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--baseline", action="store_true",
                        help="the untrained MiniLM ranking the KG's paths alone (no trained matcher, no ranker)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    set_offline()
    manifest = json.loads((HELDOUT / "sets.json").read_text(encoding="utf-8"))
    names = {e["name"] for e in manifest}
    unknown = sorted(set(args.set or []) - names)
    if unknown:
        parser.error(f"unknown set(s) {unknown}; choose from {sorted(names)}")
    runs: list[SetRun] = []
    try:
        for entry in manifest:
            if args.set and entry["name"] not in args.set:
                continue
            run = run_set(entry, args.limit, args.workers, progress=not args.quiet, baseline=args.baseline)
            if run is not None:
                runs.append(run)
    except KGQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nheld-out sets, k={K}; {datetime.date.today()}, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load average {load} (1/5/15 min); wall {sum(r.wall_s for r in runs):.0f} s")
    print(table(runs))
    for run in runs:
        for reason, n in run.skipped.items():
            print(f"note: {run.name}: {n} {reason} not scored")
        if run.stale:
            print(f"note: {run.name}: {run.stale} question(s) have answers that no longer match their gold on this "
                  "KG; run python bench/heldout/recompute.py")
    if args.json:
        out = {run.name: {"skipped": run.skipped, "stale": run.stale, "wall_s": round(run.wall_s, 1),
                          **EvalReport(K, run.results).to_dict(include_questions=True)} for run in runs}
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
