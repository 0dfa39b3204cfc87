"""Input checks for every endpoint of the app, private ones included.

Gradio marks the chat's event handlers ``api_visibility="private"``, but anyone who can open the page can still
post to ``/gradio_api/queue/join`` with any ``fn_index`` and any data. So each handler is registered through
:func:`guarded`, which coerces every input to what the page itself could have sent (a string, a known node
type, a bounded history, a file that Gradio itself received) before the handler runs; what cannot be coerced
becomes the empty value, which each handler already answers politely.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from assistant.parsing.validation import normalize_question

#: most chat messages kept from the history a request carries (a page holds far fewer; a forged request could
#: send millions, and every turn is copied into the reply)
MAX_HISTORY = 200
#: most encoder names one request may filter on
MAX_ENCODERS = 16
#: longest text coerced as it is; anything longer is cut to this (the handlers then refuse it as too long)
MAX_TEXT = 100_000
_FOCUS = re.compile(r"^\d{1,4}\. ")

Check = Callable[[Any], Any]


def text(value: Any) -> str:
    """A string, normalised like a question (valid Unicode, no controls); anything else is ``""``."""
    if not isinstance(value, str):
        return ""
    return str(normalize_question(value[:MAX_TEXT]))


def optional_text(value: Any) -> str | None:
    return text(value) or None


def history(value: Any) -> list:
    """A chat history: messages with a known role and text content, the last :data:`MAX_HISTORY` of them."""
    if not isinstance(value, list):
        return []
    kept = [m for m in value[-MAX_HISTORY:] if isinstance(m, dict) and m.get("role") in ("user", "assistant")
            and isinstance(m.get("content"), (str, list))]
    return kept


def flag(value: Any) -> bool:
    """A checkbox: ``True`` only for a real ``True``."""
    return value is True


def state(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def one_of(choices: Callable[[], Collection[str]], default: str | None) -> Check:
    """A value from ``choices()`` (read at request time), else ``default``."""
    def check(value: Any) -> str | None:
        return value if isinstance(value, str) and value in choices() else default
    return check


def names(value: Any) -> list[str]:
    """A short list of strings (encoder names); the handler reports unknown ones itself."""
    if not isinstance(value, list):
        return []
    return [v for v in value[:MAX_ENCODERS] if isinstance(v, str) and len(v) <= 200]


def focus(top: str) -> Check:
    """The evidence dropdown's value: the 'top answers' entry or ``"N. name"``; anything else is ``None``."""
    def check(value: Any) -> str | None:
        if isinstance(value, str) and (value == top or _FOCUS.match(value)):
            return value
        return None
    return check


def upload_dirs() -> list[Path]:
    """Where Gradio keeps the files it received (``$GRADIO_TEMP_DIR`` or ``<tmp>/gradio``)."""
    base = os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")
    return [Path(base).resolve()]


def uploaded_file(value: Any) -> str | None:
    """A path that Gradio itself stored from an upload; a path a request names elsewhere is ``None``."""
    if isinstance(value, dict):  # FileData as some clients send it
        value = value.get("path")
    if not isinstance(value, str) or not value or "\x00" in value:
        return None
    try:
        path = Path(value).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not any(path.is_relative_to(d) for d in upload_dirs()):
        return None
    return str(path)


def guarded(fn: Callable, *checks: Check) -> Callable:
    """``fn`` with its first ``len(checks)`` positional inputs passed through ``checks`` first."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cleaned = [check(arg) for check, arg in zip(checks, args, strict=False)]
        return fn(*cleaned, *args[len(cleaned):], **kwargs)
    return wrapper
