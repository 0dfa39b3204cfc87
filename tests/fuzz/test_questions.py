"""10,000 fuzzed questions through ``Assistant.ask``: no exception, replies that serialise, bounded memory.

The mix keeps the suite fast: a question refused at the boundary (``check_input``) costs microseconds and a
real-looking one goes through the whole pipeline (40-100 ms on an idle core), so by default 5% of the 10,000 are
real-looking (~500 full answers) and the rest are boundary inputs; the RSS growth is measured over all
10,000, after a warm-up of 100 real-looking questions. ``KGQA_FUZZ_QUESTIONS=N`` and ``KGQA_FUZZ_REAL_SHARE=1``
run the full-pipeline variant (10,000 real-looking questions take 7-15 minutes on 2 cores).
"""

from __future__ import annotations

import gc
import json
import os
import time

import pytest

from tests.fuzz.questions import fuzz_questions

QUESTIONS = int(os.environ.get("KGQA_FUZZ_QUESTIONS", "10000"))
REAL_SHARE = float(os.environ.get("KGQA_FUZZ_REAL_SHARE", "0.05"))
WARMUP = 100
MAX_GROWTH_MB = 50.0


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _payload(answer) -> dict:
    return answer.to_dict() if hasattr(answer, "to_dict") else {"message": answer.message}


@pytest.mark.slow
def test_fuzzed_questions_never_raise_and_memory_stays_bounded(films_assistant):
    bot = films_assistant
    began = time.perf_counter()
    warm = [q for _, q in fuzz_questions(bot.kg, WARMUP, seed=1234, real_share=1.0)]
    for question in warm:
        bot.ask(question, k=5)
    gc.collect()
    start = peak = rss_mb()
    warmed = time.perf_counter()
    failures: list[str] = []
    counts = {"real": 0, "boundary": 0, "answered": 0}
    for i, (kind, question) in enumerate(fuzz_questions(bot.kg, QUESTIONS, seed=13, real_share=REAL_SHARE)):
        counts[kind] += 1
        try:
            answer = bot.ask(question, k=5)
            assert isinstance(answer.message, str) and answer.message.strip(), "an empty reply"
            # the reply must serialise as UTF-8 JSON (CLI --json, the chat): no lone surrogate may leak through
            json.dumps(_payload(answer), ensure_ascii=False, default=str).encode("utf-8")
            if kind == "boundary":
                assert not answer.answers, f"answers for a refused input: {answer.message[:80]}"
            counts["answered"] += bool(answer.answers)
        except Exception as exc:  # noqa: BLE001 -- every one is collected and reported
            failures.append(f"{question!r:.120}: {type(exc).__name__}: {exc}")
        if i % 1000 == 999:
            gc.collect()
            peak = max(peak, rss_mb())
    gc.collect()
    end = rss_mb()
    assert not failures, f"{len(failures)} of {QUESTIONS} questions raised; first: " + "\n".join(failures[:5])
    assert counts["real"] >= QUESTIONS * REAL_SHARE * 0.8 and counts["answered"] > counts["real"] * 0.3, counts
    growth = max(end, peak) - start
    print(f"\n{QUESTIONS} questions ({counts['real']} real-looking, {counts['answered']} answered): RSS {start:.0f} -> "
          f"{end:.0f} MB (peak {peak:.0f}), growth {growth:.1f} MB; warm-up {warmed - began:.0f} s, "
          f"questions {time.perf_counter() - warmed:.0f} s")
    assert growth <= MAX_GROWTH_MB, f"RSS grew {growth:.1f} MB over {QUESTIONS} questions (limit {MAX_GROWTH_MB})"
