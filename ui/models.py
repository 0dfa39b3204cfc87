"""Which encoders and trained checkpoints exist, and calls that work with older and newer ``Assistant`` APIs."""

from __future__ import annotations

import inspect
from pathlib import Path

from assistant.answer import Answer
from assistant.api import Assistant

#: trained model folders under ``$KGQA_HOME/checkpoints/<kg>/`` and the command that makes each
TRAINED = {"sbert-ft": ("sbert-ft", "kgqa train sbert"), "clep": ("clep", "kgqa train clep")}


def index_encoders(bot: Assistant) -> list[str]:
    """Encoders whose collections are in the index and load, ``base`` first."""
    searchers = getattr(bot, "searchers", None)
    if callable(searchers):
        try:
            return list(searchers().keys())
        except Exception:  # noqa: BLE001 -- a broken extra encoder must not hide the base one
            pass
    names = list(bot.index.manifest().get("encoders", {}))
    return sorted(names, key=lambda n: (n != "base", n))


def supports_encoders(bot: Assistant) -> bool:
    """Whether ``bot.ask`` takes ``encoders=`` (restrict dense search to named encoders)."""
    return "encoders" in inspect.signature(bot.ask).parameters


def ask(bot: Assistant, question: str, k: int = 10, node_type: str | None = None,
        encoders: list[str] | None = None, history: list | None = None, inferred: bool = True) -> Answer:
    """``bot.ask``, passing ``encoders`` only when the API has it and a subset was chosen."""
    extra = {"history": list(history or []), "inferred": inferred}
    if encoders and supports_encoders(bot):
        return bot.ask(question, k=k, node_type=node_type, encoders=list(encoders), **extra)
    return bot.ask(question, k=k, node_type=node_type, **extra)


def search(bot: Assistant, text: str, node_type: str | None, k: int, encoder: str):
    """Dense top-``k`` of one encoder, through ``bot.search(encoder=)`` or a searcher of its own."""
    if "encoder" in inspect.signature(bot.search).parameters:
        return bot.search(text, node_type, k, encoder=encoder)
    if encoder == "base":
        return bot.search(text, node_type, k)
    from retrieval.encoders import load_encoder
    from retrieval.search import DenseSearcher

    entry = bot.index.manifest()["encoders"][encoder]
    return DenseSearcher(bot.index, load_encoder(encoder, entry.get("checkpoint")), bot.searcher.store).search(
        text, node_type, k)


def checkpoint_folder(bot: Assistant, what: str) -> Path:
    from training.common import checkpoint_dir

    return checkpoint_dir(bot.kg.name, what)


def missing_models_note(bot: Assistant) -> str:
    """A plain sentence about each fine-tuned encoder that is not searchable yet, and how to get it."""
    have = set(index_encoders(bot))
    notes = []
    for what, (encoder, command) in TRAINED.items():
        if encoder in have:
            continue
        folder = checkpoint_folder(bot, what)
        if folder.exists():
            notes.append(f"`{encoder}` is trained ({folder}) but not indexed: run "
                         f"`kgqa index --encoder {encoder} --checkpoint {folder}`.")
        else:
            notes.append(f"no `{encoder}` encoder yet: run `{command}`, then `kgqa index --encoder {encoder}`.")
    return " ".join(notes)
