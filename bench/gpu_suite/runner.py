"""Run the suite's steps one after another, each time-boxed, into one JSON-lines results file."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.kg.errors import KGQAError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "bench" / "results" / "gpu_suite.jsonl"


class StepTimeout(Exception):
    """The hard guard of a step's wall budget fired (the step did not stop by itself in time)."""


class StepSkipped(Exception):
    """A step cannot run here (its data is absent, an earlier step it needs did not finish); the reason is said."""


@dataclass
class StepContext:
    """What a running step knows about its budget, and where it notes how far it got.

    Attributes:
        name: The step.
        budget_s: Wall seconds the whole step may take (training, evaluation, saving).
        eval_reserve_s: Of the budget, kept for what follows training (evaluation, export).
        started: ``time.perf_counter()`` when the step began.
        reached: What the step has done so far (phase, steps, partial metrics): kept if the guard fires.
        workdir: A scratch folder for checkpoints the next steps read.
        tiny: The ``--tiny`` profile.
    """

    name: str
    budget_s: float
    eval_reserve_s: float
    started: float
    workdir: Path
    tiny: bool
    reached: dict = field(default_factory=dict)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def train_seconds(self, share: float = 1.0) -> float:
        """Training wall time left to this step (``share`` of it), keeping the evaluation reserve; at least 1 s."""
        return max(1.0, (self.budget_s - self.eval_reserve_s - self.elapsed()) * share)


StepFn = Callable[[StepContext], dict]


@dataclass
class Step:
    name: str
    title: str
    run: StepFn
    budget_s: float
    tiny_budget_s: float
    eval_reserve_s: float = 20.0


def device_facts() -> dict:
    import torch

    facts = {"torch": torch.__version__, "cuda": torch.version.cuda, "cpu_count": os.cpu_count(),
             "torch_threads": torch.get_num_threads(), "machine": platform.machine(),
             "python": platform.python_version()}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        facts.update(device="cuda", gpu=props.name, gpu_memory_gb=round(props.total_memory / 2**30, 1),
                     bf16=torch.cuda.is_bf16_supported())
    else:
        facts.update(device="cpu", gpu=None)
    return facts


def _finite(value) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _clean(obj):
    """JSON-safe: non-finite floats become None (and are reported as a failure of that step)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _non_finite(obj, prefix: str = "") -> list[str]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _non_finite(v, f"{prefix}{k}.")]
    if isinstance(obj, (list, tuple)):
        return [p for i, v in enumerate(obj) for p in _non_finite(v, f"{prefix}{i}.")]
    return [] if _finite(obj) else [prefix.rstrip(".")]


def _alarm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(0.0, seconds))


def run_step(step: Step, ctx: StepContext, hard_limit_s: float) -> dict:
    """Run one step under its budget; never raises (a failure is a record with the reason)."""
    import torch

    def on_alarm(signum, frame):  # noqa: ARG001 - signal's signature
        raise StepTimeout(f"{step.name} ran past its hard limit of {hard_limit_s:.0f} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    record: dict = {"kind": "step", "step": step.name, "title": step.title, "budget_s": round(ctx.budget_s, 1)}
    try:
        _alarm(hard_limit_s)
        out = step.run(ctx)
        _alarm(0)
        record.update(out)
        record["timed_out"] = bool(out.get("timed_out", False))
        record["status"] = "timed_out" if record["timed_out"] else "ok"
    except StepTimeout as exc:
        record.update(status="timed_out", timed_out=True, reason=str(exc))
    except StepSkipped as exc:
        record.update(status="skipped", timed_out=False, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - one failed step must not stop the others
        record.update(status="failed", timed_out=False, reason=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=6))
    finally:
        _alarm(0)
        signal.signal(signal.SIGALRM, previous)
    record["wall_s"] = round(ctx.elapsed(), 2)
    record["reached"] = dict(ctx.reached)
    if torch.cuda.is_available():
        record["peak_gpu_memory_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        torch.cuda.empty_cache()
    bad = _non_finite(record)
    if bad and record["status"] == "ok":
        record.update(status="failed", reason=f"non-finite values in {', '.join(bad[:5])}")
    return _clean(record)


def _fmt(value, spec: str = ".3f") -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, spec)
    return str(value)


def table(records: list[dict]) -> str:
    """The printed table: one row per result (a step may give several rows: its ``rows``)."""
    lines = ["| step | dataset | device | dtype | status | wall s / budget | MRR | H@1 | H@10 | other |",
             "|---|---|---|---|---|---:|---:|---:|---:|---|"]
    for r in records:
        if r.get("kind") != "step":
            continue
        rows = r.get("rows") or [{"name": r["step"], "metrics": r.get("metrics") or {}}]
        for row in rows:
            m = row.get("metrics") or {}
            other = row.get("other") or r.get("reason") or ""
            lines.append(f"| {row['name']} | {r.get('dataset', '')} | {r.get('device', '')} | {r.get('dtype', '')} "
                         f"| {r['status']} | {r['wall_s']:.1f} / {r['budget_s']:.0f} | {_fmt(m.get('mrr'))} "
                         f"| {_fmt(m.get('hits@1'))} | {_fmt(m.get('hits@10'))} | {other} |")
    throughput = next((r for r in records if r.get("step") == "throughput" and r.get("throughput")), None)
    if throughput:
        lines += ["", "| throughput | value | unit | device | from |", "|---|---:|---|---|---|"]
        for t in throughput["throughput"]:
            lines.append(f"| {t['what']} | {t['value']:,.0f} | {t['unit']} | {t.get('device', '')} | {t['source']} |")
    return "\n".join(lines)


def parse_budgets(items: list[str], names: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in names:
            raise KGQAError(f"--budget expects STEP=SECONDS with STEP one of {', '.join(names)}, got {item!r}")
        try:
            out[name] = float(value)
        except ValueError:
            raise KGQAError(f"--budget {item!r}: {value!r} is not a number of seconds") from None
        if not out[name] > 0:
            raise KGQAError(f"--budget {item!r}: the budget must be positive")
    return out


def parse_overrides(items: list[str], names: list[str]) -> dict[str, dict]:
    """``["lp.batch_size=100"]`` -> ``{"lp": {"batch_size": 100}}`` (values parsed as JSON where they are)."""
    out: dict[str, dict] = {}
    for item in items:
        key, sep, value = item.partition("=")
        step, dot, name = key.partition(".")
        if not sep or not dot or step not in names or not name:
            raise KGQAError(f"--set expects STEP.KEY=VALUE with STEP one of {', '.join(names)}, got {item!r}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.setdefault(step, {})[name] = parsed
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.gpu_suite import steps as suite_steps

    names = [s.name for s in suite_steps.STEPS]
    parser = argparse.ArgumentParser(prog="bench/gpu_suite.sh", description=sys.modules["bench.gpu_suite"].__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true",
                        help="shrink every step to a slice of the film KG and a few steps (CPU, well under a minute)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"results file, JSON lines (default: {DEFAULT_OUT.relative_to(ROOT)}; --tiny: none "
                             "unless given)")
    parser.add_argument("--only", nargs="+", choices=names, default=None, help="run only these steps")
    parser.add_argument("--budget", action="append", default=[], metavar="STEP=SECONDS",
                        help="wall budget of one step (repeatable)")
    parser.add_argument("--total-budget", type=float, default=None,
                        help="wall seconds for the whole suite (default 570; --tiny 120): later steps shrink to fit")
    parser.add_argument("--set", action="append", default=[], metavar="STEP.KEY=VALUE",
                        help="change one setting of a step's profile, e.g. --set lp.batch_size=100 (repeatable)")
    parser.add_argument("--fb15k", type=Path, default=suite_steps.FB15K, help="FB15k-237 folder")
    parser.add_argument("--films", type=Path, default=suite_steps.FILMS, help="the film KG")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="scratch folder for the checkpoints steps pass on (default: a temporary folder)")
    args = parser.parse_args(argv)
    try:
        budgets = parse_budgets(args.budget, names)
        overrides = parse_overrides(args.set, names)
        return _run(args, budgets, overrides, suite_steps)
    except KGQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, budgets: dict[str, float], overrides: dict[str, dict], suite_steps) -> int:
    import tempfile

    import torch

    from assistant.config import set_offline
    from assistant.progress import library_bars_off

    set_offline()
    library_bars_off()  # Hugging Face's loading bars only on a terminal
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True  # fp32 matrix products in TF32 where autocast leaves fp32
        torch.backends.cudnn.allow_tf32 = True
    out = args.out if args.out is not None else (None if args.tiny else DEFAULT_OUT)
    total_budget = args.total_budget or (120.0 if args.tiny else 570.0)
    suite_started = time.perf_counter()
    chosen = [s for s in suite_steps.STEPS if args.only is None or s.name in args.only]
    header = {"kind": "suite", "profile": "tiny" if args.tiny else "full", **device_facts(),
              "date": time.strftime("%Y-%m-%d %H:%M:%S"), "load_before": list(os.getloadavg()),
              "steps": [s.name for s in chosen], "total_budget_s": total_budget, "argv": sys.argv[1:]}
    print(f"gpu suite ({header['profile']}): device {header['device']}"
          f"{' (' + header['gpu'] + ')' if header.get('gpu') else ''}, steps {', '.join(header['steps'])}, "
          f"total budget {total_budget:.0f} s", file=sys.stderr, flush=True)
    records: list[dict] = []
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("")

    def emit(record: dict) -> None:
        records.append(record)
        if out is not None:
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    emit(header)
    with tempfile.TemporaryDirectory(prefix="kgqa-gpu-suite-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        suite_steps.configure(args.tiny, args.fb15k, args.films, records, overrides)
        for i, step in enumerate(chosen):
            left = total_budget - (time.perf_counter() - suite_started)
            later = sum(budgets.get(s.name, s.tiny_budget_s if args.tiny else s.budget_s) for s in chosen[i + 1:])
            budget = budgets.get(step.name, step.tiny_budget_s if args.tiny else step.budget_s)
            if step.name not in budgets:  # shrink to what the suite has left, keeping the later steps' share
                budget = max(5.0, min(budget, left - later))
            reserve = min(step.eval_reserve_s if not args.tiny else step.eval_reserve_s / 4, budget / 3)
            ctx = StepContext(step.name, budget, reserve, time.perf_counter(), workdir, args.tiny)
            hard = budget * 1.15 + (5.0 if args.tiny else 15.0)
            print(f"== {step.name}: {step.title} (budget {budget:.0f} s, hard limit {hard:.0f} s)", file=sys.stderr,
                  flush=True)
            record = run_step(step, ctx, hard)
            emit(record)
            print(f"   {step.name}: {record['status']} in {record['wall_s']:.1f} s"
                  + (f" ({record['reason']})" if record.get("reason") else ""), file=sys.stderr, flush=True)
    summary = {"kind": "summary", "wall_s": round(time.perf_counter() - suite_started, 2),
               "load_after": list(os.getloadavg()),
               "status": {r["step"]: r["status"] for r in records if r.get("kind") == "step"}}
    emit(summary)
    print("\n" + table(records))
    print(f"\ntotal {summary['wall_s']:.1f} s" + (f"; results in {out}" if out else ""))
    failed = [name for name, status in summary["status"].items() if status == "failed"]
    return 1 if failed else 0
