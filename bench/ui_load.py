"""Load test of the chat server: concurrent users asking questions through Gradio's API (gradio_client).

    python bench/ui_load.py                          # starts `kgqa chat` on a free 127.0.0.1 port, 20 users x 10
    python bench/ui_load.py --url http://127.0.0.1:7860 --users 20 --questions 10   # against a running server

Each user has its own client (its own session and queue position) and asks its questions one after another,
as a person would; all users start together. Questions are drawn (seeded) from the film question set and the
app's example questions. An error is an exception, an empty reply or a reply that is an error message.
Latency is measured around each ``predict`` call (queue wait + answer + transport).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation.metrics import percentile  # noqa: E402

QUESTIONS = ROOT / "data" / "films" / "questions.jsonl"
ERROR_MARKS = ("⚠️", "⏳", "Please type", "too long")


@dataclass
class Settings:
    url: str | None = None
    users: int = 20
    questions: int = 10
    seed: int = 0
    timeout_s: float = 600.0


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def question_pool() -> list[str]:
    from ui.app import EXAMPLES

    with open(QUESTIONS, encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()] + list(EXAMPLES)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(timeout_s: float) -> tuple[subprocess.Popen, str]:
    """`kgqa chat` in a child process; returns once its page answers (the warm-up finishes later)."""
    import urllib.request

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "chat", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`kgqa chat` exited with {proc.returncode}; run it by hand to see why")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise TimeoutError(f"`kgqa chat` did not answer on {url} within {timeout_s:.0f} s")


def wait_ready(url: str, timeout_s: float) -> None:
    """Ask until the server is past its warm-up (index and parser ready)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        reply = client.predict("George Lucas", api_name="/chat")
        if not reply.startswith("⏳"):
            return
        time.sleep(2)
    raise TimeoutError(f"{url} still warming up after {timeout_s:.0f} s")


def user(url: str, questions: list[str], outcome: Outcome, start: threading.Barrier) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start.wait()
    for q in questions:
        t0 = time.perf_counter()
        try:
            reply = client.predict(q, api_name="/chat")
            error = None if reply and not reply.startswith(ERROR_MARKS) else f"{q!r}: {str(reply)[:120]}"
        except Exception as exc:  # noqa: BLE001 -- counted and reported
            error = f"{q!r}: {type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - t0) * 1000
        with outcome.lock:
            outcome.latencies_ms.append(ms)
            if error:
                outcome.errors.append(error)


def run(settings: Settings) -> dict:
    proc = None
    url = settings.url
    if url is None:
        print("starting `kgqa chat` (builds the index and fits the parser first if needed)...", flush=True)
        proc, url = start_server(settings.timeout_s)
    try:
        wait_ready(url, settings.timeout_s)
        rng = random.Random(settings.seed)
        pool = question_pool()
        plans = [rng.sample(pool, settings.questions) for _ in range(settings.users)]
        outcome = Outcome()
        start = threading.Barrier(settings.users + 1)
        from tqdm import tqdm

        with ThreadPoolExecutor(settings.users) as ex:
            futures = [ex.submit(user, url, plan, outcome, start) for plan in plans]
            start.wait()
            t0 = time.perf_counter()
            total = settings.users * settings.questions
            with tqdm(total=total, desc="questions", unit="q") as bar:
                while any(not f.done() for f in futures):
                    bar.n = len(outcome.latencies_ms)
                    bar.refresh()
                    time.sleep(0.5)
                bar.n = len(outcome.latencies_ms)
                bar.refresh()
            for f in futures:
                f.result()
            wall = time.perf_counter() - t0
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    lat = outcome.latencies_ms
    return {"url": url, "users": settings.users, "per_user": settings.questions, "asked": len(lat),
            "errors": len(outcome.errors), "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
            "max_ms": max(lat), "wall_s": wall, "q_per_s": len(lat) / wall, "error_samples": outcome.errors[:5]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=None, help="a running `kgqa chat` (default: start one on a free port)")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--questions", type=int, default=10, help="questions per user")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.users < 1 or args.questions < 1:
        p.error("--users and --questions must be at least 1")
    r = run(Settings(args.url, args.users, args.questions, args.seed))
    print(f"\nserver {r['url']}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    print("| users | questions/user | asked | errors | p50 ms | p95 ms | max ms | wall s | questions/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {r['users']} | {r['per_user']} | {r['asked']} | {r['errors']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} "
          f"| {r['max_ms']:.0f} | {r['wall_s']:.1f} | {r['q_per_s']:.2f} |")
    for sample in r["error_samples"]:
        print("error:", sample)
    sys.exit(1 if r["errors"] else 0)


if __name__ == "__main__":
    main()
