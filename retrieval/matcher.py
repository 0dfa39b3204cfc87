"""The reading matcher at answer time: scores a masked question against the verbalised readings the
graph offers for it (``training.matcher`` trains it).

Which model scores, best first:
1. a full fine-tune of the KG's own (``kgqa train sbert``, ``$KGQA_HOME/checkpoints/<kg>/matcher-full``);
2. a LoRA adapter trained for this KG (``kgqa train matcher --kg``, ``$KGQA_HOME/checkpoints/<kg>/matcher``);
3. the adapter shipped with the package (``retrieval/matcher_default/``), trained once on several KGs'
   generated questions so that it transfers to KGs it has never seen;
4. the plain base encoder, when none of these can be loaded (said so in :attr:`ReadingMatcher.source`).

Verbalisations repeat across questions (every film has "the director of NE"), so their vectors are
cached; a question costs one encoding plus a matrix product over its readings.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from assistant.config import base_model_path, set_offline
from assistant.progress import library_bars_off

SHIPPED = Path(__file__).with_name("matcher_default")
MANIFEST = "matcher.json"
FORMAT = "kgqa-matcher/1"
CACHE_SIZE = 50_000  # verbalisation vectors kept (384 floats each: ~75 MB at the limit)


def matcher_folders(kg_name: str | None) -> list[Path]:
    """Candidate matcher folders for a KG, best first (see the module docstring)."""
    folders: list[Path] = []
    if kg_name:
        from assistant.config import kgqa_home

        root = kgqa_home() / "checkpoints" / kg_name
        folders += [root / "matcher-full", root / "matcher"]
    return [*folders, SHIPPED]


def shipped_kgs() -> set[str]:
    """Names of the KGs the shipped matcher was trained on (no first-use fitting is needed for them)."""
    manifest = _manifest(SHIPPED) or {}
    return set(manifest.get("trained_on", {}))


def _manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


class ReadingMatcher:
    """Cosine similarity between a masked question and reading verbalisations, both unit vectors.

    Args:
        folder: A matcher folder (a LoRA adapter or a full model with ``matcher.json``), or ``None``
            for the plain base encoder.
        device: Torch device (``None``: CUDA when present).
    """

    def __init__(self, folder: str | Path | None = None, device: str | None = None) -> None:
        set_offline()
        library_bars_off()
        import torch
        from sentence_transformers import SentenceTransformer

        self.folder = Path(folder) if folder else None
        manifest = _manifest(self.folder) if self.folder else None
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.head = None
        if manifest and manifest.get("kind") == "full":
            self.model = SentenceTransformer(str(self.folder), device=device)
        else:
            self.model = SentenceTransformer(str(base_model_path()), device=device)
            if manifest:
                self._verify(manifest)
                if manifest.get("kind") == "head":  # two linear maps over the frozen base encoder
                    from training.matcher.head import MatcherHead

                    self.head = MatcherHead.load(self.folder / manifest.get("weights", "head.safetensors"))
                else:
                    self.model.load_adapter(str(self.folder))
        self.manifest = manifest or {}
        self.model.max_seq_length = int(self.manifest.get("settings", {}).get("max_seq_length", 64))
        self.source = (f"{manifest.get('kind', 'lora')} matcher at {self.folder}" if manifest else
                       "the base encoder (no trained matcher found)")
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _verify(self, manifest: dict) -> None:
        from training.checkpoint import verify_weights

        verify_weights(self.folder, manifest, manifest.get("weights") or "adapter_model.safetensors",
                       "kgqa train matcher", MANIFEST)

    @property
    def model_id(self) -> str:
        return f"matcher:{self.folder}:{self.manifest.get('sha256', 'base')}"

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        return self.model.encode(texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False).astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of (masked) questions."""
        vectors = self._embed(texts)
        return self.head.questions(vectors) if self.head is not None and len(texts) else vectors

    def encode_readings(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of reading verbalisations (uncached; :meth:`vectors` caches)."""
        vectors = self._embed(texts)
        return self.head.readings(vectors) if self.head is not None and len(texts) else vectors

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of verbalisations, from the cache where possible (new ones encoded in one batch)."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            encoded = self.encode_readings(missing)
            with self._lock:
                for text, vector in zip(missing, encoded, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for text in texts:
                vector = self._cache.get(text)
                if vector is None:  # evicted meanwhile by another thread: encode it alone
                    vector = self.encode_readings([text])[0]
                out.append(vector)
            return np.stack(out) if out else np.zeros((0, self.model.get_embedding_dimension()), np.float32)

    def scores(self, question: str | np.ndarray, readings: list[str]) -> np.ndarray:
        """Cosine of the masked ``question`` (text or its vector) with each reading's verbalisation."""
        q = self.encode([question])[0] if isinstance(question, str) else question
        return self.vectors(readings) @ q if readings else np.zeros(0, dtype=np.float32)

    def warm(self, texts: list[str]) -> int:
        """Encode verbalisations ahead of the first question (the KG's short paths, at start-up);
        returns how many were new."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for start in range(0, len(missing), 512):
            self.vectors(missing[start:start + 512])
        return len(missing)

    def save_cache(self, path: str | Path) -> None:
        """Keep the verbalisation vectors for the next start (atomically; the matcher's id is recorded)."""
        path = Path(path)
        with self._lock:
            texts = list(self._cache)
            vectors = np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, vectors=vectors.astype(np.float16), texts=np.array(texts, dtype=object).astype(str),
                 model_id=np.array(self.model_id))
        tmp.replace(path)

    def load_cache(self, path: str | Path) -> int:
        """Vectors saved by :meth:`save_cache` for this same matcher; returns how many were loaded."""
        path = Path(path)
        if not path.exists():
            return 0
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model_id"]) != self.model_id:
                    return 0
                texts, vectors = data["texts"].tolist(), data["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError):  # a damaged cache is only a slower start
            return 0
        with self._lock:
            for text, vector in zip(texts, vectors, strict=False):
                self._cache.setdefault(text, vector)
        return len(texts)


_LOADED: dict[str, ReadingMatcher] = {}
_LOAD_LOCK = threading.Lock()


def load_matcher(kg_name: str | None = None, folder: str | Path | None = None) -> ReadingMatcher:
    """The best matcher available for ``kg_name`` (or the one at ``folder``; ``"base"`` for the plain base
    encoder, the untrained baseline), loaded once per process."""
    if folder is not None and str(folder) == "base":
        with _LOAD_LOCK:
            if "base" not in _LOADED:
                _LOADED["base"] = ReadingMatcher(None)
            return _LOADED["base"]
    candidates = [Path(folder)] if folder else matcher_folders(kg_name)
    with _LOAD_LOCK:
        for candidate in candidates:
            if _manifest(candidate) is None:
                continue
            key = str(candidate.resolve())
            if key not in _LOADED:
                try:
                    _LOADED[key] = ReadingMatcher(candidate)
                except Exception as exc:  # a damaged checkpoint must not stop answering: try the next one
                    print(f"warning: cannot load the matcher at {candidate}: {exc}", file=sys.stderr)
                    continue
            return _LOADED[key]
        if "base" not in _LOADED:
            _LOADED["base"] = ReadingMatcher(None)
        return _LOADED["base"]
