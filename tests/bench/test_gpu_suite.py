"""The GPU suite (bench/gpu_suite.sh) runs on a CPU with --tiny, every step time-boxed, into one results file."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "gpu_suite.sh"
STEPS = ["lp", "clep", "compgcn", "sbert", "throughput"]

if str(REPO) not in sys.path:  # bench/ is not an installed package: the suite runs from the repo root
    sys.path.insert(0, str(REPO))


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "KGQA_HOME": str(tmp_path / "home"), "PYSTOW_HOME": str(tmp_path / "pystow"),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
            "OMP_NUM_THREADS": "1", "KGQA_PROGRESS": "lines", "PYTHON": sys.executable}


def _run(tmp_path: Path, *args: str, timeout: float = 240) -> tuple[subprocess.CompletedProcess, list[dict]]:
    out = tmp_path / "results.jsonl"
    proc = subprocess.run(["bash", str(SCRIPT), "--tiny", "--out", str(out), *args], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout)
    assert out.is_file(), proc.stderr[-3000:]
    return proc, [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield obj


def _mrr(x) -> bool:
    return isinstance(x, float) and 0.0 <= x <= 1.0


@pytest.mark.slow
def test_tiny_suite_runs_every_step_into_one_file(tmp_path: Path) -> None:
    started = time.perf_counter()
    proc, records = _run(tmp_path)
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    header, *steps, summary = records
    assert header["kind"] == "suite" and header["profile"] == "tiny" and header["device"] == "cpu"
    assert summary["kind"] == "summary" and summary["wall_s"] < 120 and wall < 180
    assert [r["step"] for r in steps] == STEPS
    by_step = {r["step"]: r for r in steps}
    for r in steps:
        assert r["status"] == "ok" and r["timed_out"] is False, (r["step"], r.get("reason"), r.get("traceback"))
        assert r["device"] == "cpu" and r["dtype"].startswith("fp32"), r
        assert 0 < r["wall_s"] <= r["budget_s"] * 1.15 + 5, r
        assert all(math.isfinite(x) for x in _numbers(r)), r
    lp = by_step["lp"]["metrics"]
    assert _mrr(lp["mrr"]) and lp["hits@1"] <= lp["hits@10"] <= 1 and lp["mr"] >= 1 and lp["test_triples"] > 0
    assert lp["mrr"] > 0.1  # 300 well-connected film nodes: a trained model is far better than random (~0.02)
    assert _mrr(by_step["clep"]["metrics"]["mrr"]) and by_step["clep"]["steps"] == 3
    assert by_step["clep"]["trainable_text_parameters"] > 0
    runs = by_step["compgcn"]["runs"]
    assert [r["init"] for r in runs] == ["random", "clep"] and all(_mrr(r["metrics"]["mrr"]) for r in runs)
    assert runs[1]["init_detail"].startswith("clep (")  # the CLEP step's checkpoint initialised it
    assert math.isfinite(by_step["compgcn"]["clep_minus_random_mrr"])
    sbert = by_step["sbert"]["metrics"]
    assert _mrr(sbert["mrr@10"]) and _mrr(sbert["base_mrr@10"]) and by_step["sbert"]["steps"] == 2
    units = {row["unit"] for row in by_step["throughput"]["throughput"]}
    assert units == {"nodes/s", "triples/s", "pairs/s"}
    assert all(row["value"] > 0 for row in by_step["throughput"]["throughput"])
    sources = {row["source"] for row in by_step["throughput"]["throughput"]}
    assert {"lp step", "clep step", "compgcn step", "sbert step", "throughput step"} <= sources
    for name in ("ComplEx-N3", "CLEP", "CompGCN", "sbert-ft", "nodes/s", "pairs/s"):
        assert name in proc.stdout


@pytest.mark.slow
def test_a_step_out_of_time_stops_records_and_the_next_runs(tmp_path: Path) -> None:
    proc, records = _run(tmp_path, "--only", "lp", "compgcn", "--budget", "lp=3", "--set", "lp.epochs=1000000")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lp, compgcn = records[1], records[2]
    assert lp["step"] == "lp" and lp["status"] == "timed_out" and lp["timed_out"] is True
    assert _mrr(lp["metrics"]["mrr"]) and lp["epochs_run"] < 1000000  # stopped itself, then still evaluated
    assert lp["wall_s"] < 3 * 1.15 + 5
    assert compgcn["status"] == "ok" and compgcn["runs"][0]["init"] == "random"
    assert "skipped: no CLEP checkpoint" in compgcn["rows"][1]["other"]  # the clep step did not run


def test_hard_guard_stops_a_step_that_ignores_its_budget(tmp_path: Path) -> None:
    from bench.gpu_suite.runner import Step, StepContext, run_step

    def spin(ctx: StepContext) -> dict:
        ctx.reached["phase"] = "spinning"
        while True:
            ctx.reached["loops"] = ctx.reached.get("loops", 0) + 1

    step = Step("spin", "a step that never looks at its budget", spin, budget_s=0.2, tiny_budget_s=0.2)
    ctx = StepContext("spin", 0.2, 0.0, time.perf_counter(), tmp_path, True)
    record = run_step(step, ctx, hard_limit_s=0.5)
    assert record["status"] == "timed_out" and record["timed_out"] is True and "hard limit" in record["reason"]
    assert record["reached"]["phase"] == "spinning" and record["reached"]["loops"] > 0
    assert 0.4 < record["wall_s"] < 5


def test_fb15k_steps_are_skipped_with_the_reason_when_the_data_is_absent(tmp_path: Path, monkeypatch) -> None:
    from bench.gpu_suite.runner import main

    monkeypatch.setenv("KGQA_HOME", str(tmp_path / "home"))
    out = tmp_path / "full.jsonl"
    missing = tmp_path / "no-fb15k"
    assert main(["--only", "lp", "clep", "--fb15k", str(missing), "--out", str(out), "--workdir",
                 str(tmp_path / "work")]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["profile"] == "full"
    for r in records[1:3]:
        assert r["status"] == "skipped" and str(missing) in r["reason"] and "FB15k-237" in r["reason"]


def test_bad_arguments_are_one_clear_error(capsys) -> None:
    from bench.gpu_suite.runner import main

    assert main(["--tiny", "--budget", "lp=soon"]) == 2
    assert "is not a number of seconds" in capsys.readouterr().err
    assert main(["--tiny", "--set", "nosuchstep.x=1"]) == 2
    assert "STEP.KEY=VALUE" in capsys.readouterr().err
