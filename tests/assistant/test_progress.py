"""The progress helper: a bar on a terminal, a few lines in a log, counters visible to a polling UI."""

from __future__ import annotations

import io
import threading

import pytest

from assistant.progress import Progress, mode_for, progress, running


class _Clock:
    """A controllable monotonic clock (the helper's pacing is by time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("assistant.progress.time.monotonic", clock)
    return clock


def test_not_a_terminal_gives_a_few_lines_not_a_redrawn_bar(clock, monkeypatch):
    monkeypatch.delenv("KGQA_PROGRESS", raising=False)
    out = io.StringIO()  # not a TTY
    assert mode_for(out) == "lines"
    with Progress(total=1000, desc="embedding (base)", unit="node", stream=out) as bar:
        for _ in range(1000):
            clock.now += 0.5  # 500 s of work in 1000 steps
            bar.update(1)
    lines = out.getvalue().splitlines()
    assert lines[0] == "embedding (base): 1,000 nodes to do"
    assert lines[-1].startswith("embedding (base): done, 1,000/1,000 nodes in 8m 20s")
    # one line per 5% (every 25 s here) at most: about 20 lines, not one per update
    assert 15 <= len(lines) <= 22, lines
    assert "(50%)" in out.getvalue() and "left" in out.getvalue()


def test_lines_are_paced_by_time_when_work_is_fast_or_slow(clock):
    out = io.StringIO()
    with Progress(total=100, desc="fast", stream=out, mode="lines") as bar:
        for _ in range(100):
            clock.now += 0.01  # all of it in one second: no line between start and end
            bar.update()
    assert len(out.getvalue().splitlines()) == 2
    out = io.StringIO()
    with Progress(total=10_000, desc="slow", stream=out, mode="lines") as bar:
        for _ in range(5):
            clock.now += 31  # under 5% done every 31 s: still a line each time
            bar.update(10)
    assert len(out.getvalue().splitlines()) == 2 + 5


def test_unknown_total_and_iterables(clock):
    out = io.StringIO()
    seen = list(progress(iter(range(7)), desc="reading", unit="line", stream=out, mode="lines"))
    assert seen == list(range(7))
    assert out.getvalue().splitlines() == ["reading: started", "reading: done, 7 lines in 0s"]


def test_off_shows_nothing_but_still_counts_for_the_ui(clock):
    out = io.StringIO()
    bar = Progress(total=50, desc="index build", enabled=False, stream=out)
    bar.update(20)
    assert [(s.desc, s.done, s.total) for s in running() if s.desc == "index build"] == [("index build", 20, 50)]
    bar.close()
    assert out.getvalue() == ""
    assert all(s.desc != "index build" for s in running())


def test_environment_overrides_the_choice(monkeypatch):
    monkeypatch.setenv("KGQA_PROGRESS", "off")
    assert mode_for(io.StringIO()) == "off"
    monkeypatch.setenv("KGQA_PROGRESS", "bar")
    assert mode_for(io.StringIO()) == "bar"
    with pytest.raises(ValueError, match="progress mode"):
        Progress(mode="fancy")


def test_counts_are_exact_from_many_threads():
    bar = Progress(total=8000, mode="off")
    threads = [threading.Thread(target=lambda: [bar.update() for _ in range(1000)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bar.n == 8000
    bar.close()
    bar.update(5)  # after close: ignored, never an error
    assert bar.n == 8000
