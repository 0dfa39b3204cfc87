"""The compare view: one question answered with each encoder's dense search, side by side."""

from __future__ import annotations

from assistant.api import Assistant
from ui import models
from ui.render import escape


def compare_markdown(bot: Assistant, text: str, node_type: str | None = None, k: int = 10) -> str:
    """A Markdown table: rank × encoder (dense top-``k``, with similarity), then each encoder's full answer.

    With only the base encoder in the index it shows the base column and says how to add a fine-tuned one.
    """
    text = (text or "").strip()
    if not text:
        return "Type a question or a name to compare the encoders on."
    names = models.index_encoders(bot)
    columns = {}
    for name in names:
        try:
            columns[name] = models.search(bot, text, node_type, k, name)
        except Exception as exc:  # noqa: BLE001 -- one broken encoder shows its error, the others still compare
            columns[name] = f"{type(exc).__name__}: {exc}"
    lines = [f"**Dense top-{k}** for “{escape(text)}”" + (f" among `{node_type}` nodes" if node_type else ""), ""]
    lines.append("| rank | " + " | ".join(f"`{n}`" for n in names) + " |")
    lines.append("|---:|" + "---|" * len(names))
    for i in range(k):
        cells = []
        for name in names:
            hits = columns[name]
            if isinstance(hits, str):
                cells.append(escape(hits) if i == 0 else "")
            elif i < len(hits):
                cells.append(f"{escape(hits[i].name)} ({hits[i].score:.2f})")
            else:
                cells.append("")
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    if models.supports_encoders(bot):
        lines += ["", "**Full answers** (graph evidence + that encoder's dense search):", ""]
        for name in names:
            answer = models.ask(bot, text, k=5, node_type=node_type, encoders=[name])
            top = ", ".join(escape(a.name) for a in answer.answers[:5]) or "(none)"
            lines.append(f"- `{name}`: {escape(answer.message)} — {top}")
    note = models.missing_models_note(bot)
    if note:
        lines += ["", f"*{note}*"]
    return "\n".join(lines)
