"""Getting the assistant ready in the background: build a missing index and fit the parser, reporting progress."""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field

from assistant.api import Assistant


def _bars() -> list[tuple[str, int, int]]:
    """``(description, done, total)`` of the progress counters running in this process (the indexer's among
    them), then of any plain tqdm bars (trainers that do not use :mod:`assistant.progress` yet)."""
    from tqdm import tqdm as std_tqdm

    from assistant.progress import running

    bars = [(s.desc, s.done, s.total) for s in running() if s.total]
    ours = {desc for desc, _, _ in bars}  # a counter on a terminal is also a tqdm bar: list it once
    for bar in list(getattr(std_tqdm, "_instances", [])):
        if getattr(bar, "total", None) and str(bar.desc) not in ours:
            bars.append((str(bar.desc or "working"), int(bar.n), int(bar.total)))
    return bars


@dataclass
class Warmup:
    """Builds the index if it is missing or stale and loads the question parser, in a daemon thread.

    The UI polls :meth:`status` and answers "still preparing" instead of blocking or failing meanwhile.
    """

    bot: Assistant
    #: after "ready", the KG's 3-hop paths are encoded in the same thread (and cached for later starts): the
    #: 2-hop ones are enough to answer, but a 3-hop reading met first on a question costs its encoding then
    #: (films: ~16k verbalisations, about two minutes on 2 cores, once per KG and matcher)
    deep_hops: int = 3
    phase: str = "starting"
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)
    _done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Warmup:
        threading.Thread(target=self._run, name="kgqa-warmup", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            # always through build_index: a no-op check when the index matches the KG, a (re)build when it is
            # missing or the KG changed since it was built
            verb = "checking" if self.bot.has_index else "building"
            self.phase = f"{verb} the vector index of {self.bot.kg.num_nodes:,} nodes"
            self.bot.build_index(progress=True)
            self.phase = "preparing the reading matcher (the KG's paths encoded once, then cached)"
            self.bot.warm_up()
            self.phase = "ready"
        except Exception as exc:  # noqa: BLE001 -- shown in the UI as a sentence; the trace goes to the console
            traceback.print_exc()
            self.error = f"{type(exc).__name__}: {exc}"
            self.phase = "failed"
        finally:
            self._done.set()
        if self.ready:
            self._warm_deeper()

    def _warm_deeper(self) -> None:
        if self.deep_hops <= 2:
            return
        try:
            self.bot.warm_up(max_hops=self.deep_hops)
        except Exception as exc:  # noqa: BLE001 -- only later questions pay for it; the server keeps serving
            print(f"warning: encoding the KG's {self.deep_hops}-hop paths failed: {exc}", flush=True)

    @property
    def ready(self) -> bool:
        return self.phase == "ready"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the warm-up finished (ready or failed); ``True`` when ready."""
        self._done.wait(timeout)
        return self.ready

    def status(self) -> str:
        """One Markdown line: what is happening, with the progress of the running bar."""
        if self.ready:
            return ""
        if self.error:
            return f"⚠️ The assistant could not start: {self.error}"
        elapsed = time.perf_counter() - self.started
        text = f"⏳ {self.phase}… ({elapsed:.0f} s)"
        for desc, done, total in _bars()[:1]:
            text += f" — {desc}: {done:,}/{total:,} ({100 * done / total:.0f}%)"
        return text
