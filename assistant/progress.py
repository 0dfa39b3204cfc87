"""Progress reporting for long work: a tqdm bar on a terminal, a few plain lines in a log.

    from assistant.progress import Progress, progress

    with Progress(total=len(ids), desc="embedding (base)", unit="node") as bar:
        for chunk in chunks:
            ...
            bar.update(len(chunk))

    for item in progress(items, desc="eval", unit="q"):
        ...

On a terminal (the output stream, stderr by default, is a TTY) this is tqdm. Anywhere else (a log file, CI,
a pipe, a server's console captured by systemd) a bar redraws itself hundreds of times and every redraw becomes
a line, so it prints instead one line when it starts, one line per 5% done (no more often than every 5 s, and
at least every 30 s while work goes on), and one line at the end::

    embedding (base): 1,536/5,800 nodes (26%), 31.9 nodes/s, 2m 14s left

``KGQA_PROGRESS=bar|lines|off`` overrides the choice. Running counters are listed by :func:`running`, so a UI
can show the progress of work that runs in another thread (the chat's start-up shows the index build's).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar

T = TypeVar("T")

#: the share of the total between two log lines
LINE_FRACTION = 0.05
#: never two log lines closer together than this (a fast job prints fewer than 20 lines)
MIN_INTERVAL_S = 5.0
#: at least one log line this often while work goes on (a slow job still shows it is alive)
MAX_INTERVAL_S = 30.0
MODES = ("bar", "lines", "off")

_running: weakref.WeakSet[Progress] = weakref.WeakSet()
_running_lock = threading.Lock()


def mode_for(stream: IO[str] | None) -> str:
    """``bar`` on a terminal, ``lines`` elsewhere; ``$KGQA_PROGRESS`` (bar, lines, off) overrides."""
    forced = os.environ.get("KGQA_PROGRESS", "").strip().lower()
    if forced in MODES:
        return forced
    try:
        return "bar" if stream is not None and stream.isatty() else "lines"
    except (AttributeError, ValueError, OSError):  # a closed or unusual stream: no terminal
        return "lines"


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Where one running counter stands (for a UI that polls)."""

    desc: str
    done: int
    total: int | None
    elapsed_s: float


class Progress:
    """A thread-safe progress counter that renders as a tqdm bar on a terminal and as log lines elsewhere.

    Args:
        total: How many units the work has (``None`` when unknown: lines then say how many so far).
        desc: What is being done, e.g. ``"embedding (base)"``.
        unit: The unit counted, e.g. ``"node"``.
        enabled: ``False`` shows nothing (the counter still counts and is listed by :func:`running`).
        stream: Where to write (default ``sys.stderr``, read when the counter is created).
        mode: ``"bar"``, ``"lines"`` or ``"off"``; default from :func:`mode_for`.
        min_interval_s: Fewest seconds between two log lines.
        max_interval_s: Most seconds between two log lines while work goes on.
        fraction: Share of ``total`` between two log lines.
    """

    def __init__(self, total: int | None = None, desc: str = "working", unit: str = "it", enabled: bool = True,
                 stream: IO[str] | None = None, mode: str | None = None, min_interval_s: float = MIN_INTERVAL_S,
                 max_interval_s: float = MAX_INTERVAL_S, fraction: float = LINE_FRACTION) -> None:
        self.total = int(total) if total is not None else None
        self.desc = desc
        self.unit = unit
        self.n = 0
        self.stream = stream if stream is not None else sys.stderr
        self.mode = "off" if not enabled else (mode or mode_for(self.stream))
        if self.mode not in MODES:
            raise ValueError(f"progress mode must be one of {MODES}, not {self.mode!r}")
        self.min_interval_s = min_interval_s
        self.max_interval_s = max_interval_s
        self.fraction = fraction
        self.started = time.monotonic()
        self._last_line = self.started
        self._last_line_n = 0
        self._lock = threading.Lock()
        self._closed = False
        self._postfix = ""
        self._bar: Any = None
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=self.stream, dynamic_ncols=True)
        elif self.mode == "lines":
            size = f"{self.total:,} {self._units(self.total)}" if self.total is not None else "started"
            self._write(f"{desc}: {size}" + ("" if self.total is None else " to do"))
        with _running_lock:
            _running.add(self)

    # ---- counting ------------------------------------------------------------------------------
    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        with self._lock:
            if self._closed:
                return
            self.n += n
            if self._bar is not None:
                self._bar.update(n)
            elif self.mode == "lines" and self._line_due(time.monotonic()):
                self._line()

    def set(self, n: int) -> None:
        """Set the count of units done (for work that reports where it stands rather than increments)."""
        with self._lock:
            delta = int(n) - self.n
        if delta:
            self.update(delta)

    def set_postfix(self, **values: object) -> None:
        """Extra figures shown after the count (``hits1=0.912``), as tqdm's ``set_postfix``."""
        with self._lock:
            self._postfix = ", ".join(f"{k}={v}" for k, v in values.items())
            if self._bar is not None:
                self._bar.set_postfix(values, refresh=False)

    def set_total(self, total: int | None) -> None:
        with self._lock:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
                self._bar.refresh()

    def close(self) -> None:
        """Finish: close the bar, or write the final line (how many, how long)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._bar is not None:
                self._bar.close()
            elif self.mode == "lines":
                elapsed = time.monotonic() - self.started
                rate = self.n / elapsed if elapsed > 0 else 0.0
                of = f"/{self.total:,}" if self.total is not None else ""
                self._write(f"{self.desc}: done, {self.n:,}{of} {self._units(self.n)} in {_duration(elapsed)}"
                            + (f" ({rate:,.1f} {self.unit}/s)" if self.n and elapsed >= 1 else "")
                            + (f", {self._postfix}" if self._postfix else ""))
        with _running_lock:
            _running.discard(self)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def snapshot(self) -> Snapshot:
        return Snapshot(self.desc, self.n, self.total, time.monotonic() - self.started)

    # ---- log lines -----------------------------------------------------------------------------
    def _line_due(self, now: float) -> bool:
        since = now - self._last_line
        if since < self.min_interval_s:
            return False
        if since >= self.max_interval_s:
            return True
        if self.total:
            return (self.n - self._last_line_n) >= self.fraction * self.total
        return False

    def _line(self) -> None:
        now = time.monotonic()
        elapsed = now - self.started
        rate = self.n / elapsed if elapsed > 0 else 0.0
        text = f"{self.desc}: {self.n:,}"
        if self.total:
            text += f"/{self.total:,} {self._units(self.total)} ({100 * self.n / self.total:.0f}%)"
        else:
            text += f" {self._units(self.n)}"
        text += f", {rate:,.1f} {self.unit}/s"
        if self.total and rate > 0 and self.n < self.total:
            text += f", {_duration((self.total - self.n) / rate)} left"
        if self._postfix:
            text += f", {self._postfix}"
        self._write(text)
        self._last_line, self._last_line_n = now, self.n

    def _units(self, count: int | None) -> str:
        return self.unit if count == 1 or self.unit.endswith("s") or len(self.unit) <= 2 else self.unit + "s"

    def _write(self, text: str) -> None:
        try:
            print(text, file=self.stream, flush=True)
        except (OSError, ValueError):  # a closed console must not stop the work it reports on
            pass


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "working", unit: str = "it",
             enabled: bool = True, **kwargs: Any) -> Iterator[T]:
    """Iterate over ``iterable`` while counting it with a :class:`Progress` (``total`` from ``len()`` if it has one)."""
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with Progress(total=total, desc=desc, unit=unit, enabled=enabled, **kwargs) as bar:
        for item in iterable:
            yield item
            bar.update(1)


def running() -> list[Snapshot]:
    """Snapshots of the counters running in this process, oldest first."""
    with _running_lock:
        bars = list(_running)
    return sorted((b.snapshot() for b in bars), key=lambda s: -s.elapsed_s)


def library_bars_off() -> None:
    """Silence the download/loading bars of Hugging Face libraries when not on a terminal (each is a few log lines
    per model load, and nothing is downloaded here anyway)."""
    if mode_for(sys.stderr) == "bar":
        return
    try:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    except ImportError:
        pass
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
