"""Errors raised while loading or validating a KG: each problem names file, line and expectation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class KGQAError(Exception):
    """Base of every error a user causes and can fix: a malformed file, a bad argument, a broken or
    missing checkpoint, an unsupported upload.

    The CLI and the UI show ``str(exc)`` as one sentence (naming the file, the line and what was
    expected where there is one) and exit non-zero; no traceback reaches the user. Any other
    exception that escapes is a bug. ``file`` and ``line`` are kept for callers that want them.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line

    def sentence(self) -> str:
        """The error as one line for a console or a chat bubble: the place (when the message does not already
        start with it) and the first line of the message."""
        text = (str(self).strip().splitlines() or [type(self).__name__])[0]
        if self.file and not text.startswith(str(self.file)):
            where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
            text = f"{where}: {text}"
        return text


class KGLoadError(KGQAError, ValueError):
    """Raised when a KG file is malformed; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem], max_shown: int = 20) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:max_shown])
        more = len(self.problems) - max_shown
        tail = f"\n  ... and {more} more" if more > 0 else ""
        first = self.problems[0] if self.problems else None
        super().__init__(f"{len(self.problems)} problem(s) in the KG input:\n{shown}{tail}",
                         first.file if first else None, first.line if first else None)

    def sentence(self) -> str:
        """The first problem, and how many more there are."""
        if not self.problems:
            return "the KG input has problems"
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        return f"{self.problems[0]}{tail}"


class ProblemLog:
    """Collects problems during a load; a loader raises once at the end if any were found."""

    def __init__(self, limit: int = 10_000) -> None:
        self.problems: list[Problem] = []
        self.limit = limit

    def add(self, file: str, line: int | None, message: str) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem(str(file), line, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise KGLoadError(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)
