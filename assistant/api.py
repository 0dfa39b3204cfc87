"""The one Python entry point that the CLI, the evaluation harness and the UI all call."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer import Answer
from assistant.answering.generators.base import Services
from assistant.answering.pipeline import AnsweringPipeline
from assistant.answering.ranker import ReadingRanker
from assistant.config import DEFAULT_KG, default_index_dir, set_offline
from assistant.kg import KnowledgeGraph, load_kg
from assistant.kg.errors import KGQAError
from assistant.kg.updates import UpdateResult, apply_updates, normalise, read_updates
from assistant.parsing.links import Linker
from assistant.parsing.path_classifier import RelationPathClassifier
from assistant.parsing.validation import check_input, normalize_question
from assistant.query import Query
from retrieval.encoders import EncoderUnavailable, SentenceEncoder, load_encoder
from retrieval.graph_signals import GraphSignals
from retrieval.index import Index, RemoteIndex
from retrieval.indexer import IndexReport, build_index, update_index
from retrieval.matcher import load_matcher
from retrieval.search import DenseHit, DenseSearcher

UPDATES = "updates.jsonl"
RANKER_FILE = "ranker.json"  # a reading ranker fit with this KG's labelled questions (kgqa train parser)
FIRST_USE_MIN_EDGES = 2000  # smaller KGs read well with the shipped matcher; fitting them teaches little


def open_index(kg_path: str | Path, index_dir: str | Path | None = None,
               chroma_url: str | None = None) -> Index | RemoteIndex:
    """The index of a KG: a versioned local folder, or collections on a Chroma server."""
    local = Path(index_dir) if index_dir else default_index_dir(kg_path)
    if chroma_url:
        return RemoteIndex(chroma_url, namespace=f"{local.name}-", root=local)
    return Index(local)


@dataclass
class Assistant:
    """A KG, its index and the encoders that query it."""

    kg: KnowledgeGraph
    index: Index | RemoteIndex
    encoder: SentenceEncoder
    kg_path: Path | None = None
    _searcher: DenseSearcher | None = field(default=None, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _has_index: bool | None = field(default=None, repr=False)
    _searcher_version: Path | None = field(default=None, repr=False)
    _extra_searchers: dict[str, DenseSearcher] = field(default_factory=dict, repr=False)
    _encoders_seen: tuple | None = field(default=None, repr=False)
    _pending: list[threading.Thread] = field(default_factory=list, repr=False)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _linker: object | None = field(default=None, repr=False)  # CLEP mention linker; False when there is none
    _services: Services | None = field(default=None, repr=False)
    _pipeline: AnsweringPipeline | None = field(default=None, repr=False)
    #: a matcher folder to use instead of the best one found for this KG (``retrieval.matcher``)
    matcher_path: str | Path | None = None
    #: the KG's calibrated link predictor for inferred answers: "auto" (the one `kgqa train lp` saved for
    #: this KG), a checkpoint folder, or ``None`` for stated facts only
    link_predictor: str | Path | None = "auto"

    @classmethod
    def from_path(
        cls,
        kg_path: str | Path = DEFAULT_KG,
        index_dir: str | Path | None = None,
        build: bool = True,
        progress: bool = True,
        chroma_url: str | None = None,
    ) -> Assistant:
        """Load the KG at ``kg_path`` and open (building if needed and allowed) its index, in a local
        folder or, with ``chroma_url``, on a Chroma server."""
        set_offline()
        kg = load_kg(kg_path)
        index = open_index(kg_path, index_dir, chroma_url)
        overlay = index.root / UPDATES
        if overlay.exists():  # updates added with `kgqa kg add` since the KG files were written
            apply_updates(kg, read_updates(overlay), str(overlay))
        assistant = cls(kg, index, load_encoder("base"), Path(kg_path))
        if build:
            assistant.build_index(progress=progress)
        return assistant

    def build_index(self, progress: bool = True, force: bool = False) -> IndexReport:
        report = build_index(self.kg, self.index, self.encoder, progress=progress, force=force)
        self.prepare_matcher(progress=progress)
        self._searcher = None
        self._extra_searchers.clear()
        self._encoders_seen = None
        self._has_index = True
        return report

    def update(self, records: list[dict], persist: bool = True, background: bool = True) -> UpdateResult:
        """Add, change or remove nodes and edges without rebuilding (see :mod:`assistant.kg.updates`).

        The graph indexes, the name indexes and the graph signals change at once, and the nodes the
        operations name are re-embedded before this returns, so a new film is answerable and
        retrievable immediately. Their neighbours (whose text lists the new facts) are re-embedded in
        a background thread with ``background`` (:meth:`wait_for_updates` joins it). With ``persist``
        the operations are appended to the index folder's ``updates.jsonl`` and replayed whenever this
        KG is loaded again.
        """
        records = [r for r in (normalise(x) for x in records) if r is not None]
        with self._lock:
            result = apply_updates(self.kg, records)
            now = (result.primary or result.touched) if background else result.touched
            if self.has_index:
                for searcher in self.searchers().values():
                    update_index(self.index, self.kg, now, result.removed, searcher.encoder, searcher.store)
            if self._services is not None:
                self._services.forget()
                if self._services.signals is not None:
                    self._services.signals.mark_changed()
            if self._pipeline is not None:
                self._pipeline.linker.refresh()
            if persist:
                self.index.root.mkdir(parents=True, exist_ok=True)
                with open(self.index.root / UPDATES, "a", encoding="utf-8") as fh:
                    for rec in records:
                        fh.write(json.dumps({k: v for k, v in rec.items() if k != "_line"}, ensure_ascii=False)
                                 + "\n")
            later = result.touched - now
            if later and self.has_index:
                thread = threading.Thread(target=self._refresh_neighbours, args=(later,), daemon=True,
                                          name="kgqa-neighbour-refresh")
                self._pending.append(thread)
                thread.start()
        return result

    def _refresh_neighbours(self, node_ids: set[str]) -> None:
        with self._refresh_lock:  # one refresh at a time; queries keep running meanwhile
            ids = {n for n in node_ids if n in self.kg.nodes}
            for searcher in self.searchers().values():
                update_index(self.index, self.kg, ids, {}, searcher.encoder, searcher.store)

    def wait_for_updates(self, timeout: float | None = None) -> None:
        """Block until background neighbour re-embedding from :meth:`update` has finished."""
        while self._pending:
            self._pending.pop(0).join(timeout)

    @property
    def has_index(self) -> bool:
        """Whether the index is there (checked once; a server is not asked on every question)."""
        if self._has_index is None:
            self._has_index = self.index.exists()
        return self._has_index

    @property
    def searcher(self) -> DenseSearcher:
        version = self.index.current if isinstance(self.index, Index) else None
        if self._searcher is None or self._searcher_version != version:
            with self._lock:  # first use, or another process published a new version of the index
                if self._searcher is None or self._searcher_version != version:
                    self._searcher = DenseSearcher(self.index, self.encoder)
                    self._searcher_version = version
        return self._searcher

    def searchers(self, names: list[str] | None = None) -> dict[str, DenseSearcher]:
        """A searcher per encoder that has filled the index (``base`` first), or only ``names``."""
        base = self.searcher
        if self._encoders_seen != (self._searcher_version, True):  # read the manifest once per index version
            self._load_extra_encoders(base)
            self._encoders_seen = (self._searcher_version, True)
        found = {"base": base, **{n: s for n, s in self._extra_searchers.items() if s is not None}}
        if names:
            unknown = [n for n in names if n not in found]
            if unknown:
                raise KGQAError(f"encoder(s) {', '.join(unknown)} not in this index; it has {', '.join(found)} "
                                f"(fill one with `kgqa index --encoder NAME`)")
            found = {n: found[n] for n in names}
        return found

    def _load_extra_encoders(self, base: DenseSearcher) -> None:
        for name, entry in self.index.manifest().get("encoders", {}).items():
            if name == "base" or name in self._extra_searchers:
                continue
            try:
                encoder = load_encoder(name, entry.get("checkpoint"))
            except EncoderUnavailable as exc:  # its checkpoint was moved or deleted: search without it
                print(f"warning: encoder {name!r} is in the index but cannot be loaded: {exc}", file=sys.stderr)
                self._extra_searchers[name] = None  # type: ignore[assignment]
                continue
            self._extra_searchers[name] = DenseSearcher(self.index, encoder, base.store)

    def search(self, text: str, node_type: str | None = None, k: int = 10, encoder: str = "base") -> list[DenseHit]:
        """Typed nearest nodes to ``text`` by dense similarity (one encoder's collections)."""
        return self.searchers([encoder])[encoder].search(text, node_type, k)

    # ---- question answering ------------------------------------------------------------
    @property
    def parser_dir(self) -> Path:
        """Where a classifier fit on labelled questions lives (``kgqa train parser --metaqa``)."""
        return self.index.root / "parser"

    @property
    def services(self) -> Services:
        """What every question shares: the KG, the matcher, dense search, graph signals, link prediction."""
        if self._services is None:
            with self._lock:
                if self._services is None:
                    self._services = Services(
                        self.kg, load_matcher(self.kg.name, self.matcher_path), dense=self._dense_search,
                        neighbours=self._node_neighbours, signals=GraphSignals(self.kg),
                        inferred=self._inferred_edges(), classifier=self._labelled_classifier())
        return self._services

    @property
    def pipeline(self) -> AnsweringPipeline:
        """The answering pipeline (links, generators, ranker, builder), built on first use."""
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    services = self.services
                    self._pipeline = AnsweringPipeline(services, Linker(self.kg, dense_lookup=self._dense_lookup),
                                                       ranker=self._ranker())
        return self._pipeline

    def _ranker(self) -> ReadingRanker:
        """The ranker fit for this KG with its labelled questions when there is one, else the shipped one."""
        local = self.parser_dir / RANKER_FILE
        return ReadingRanker.load(local if local.exists() else None)

    def _labelled_classifier(self):
        """The relation-path classifier fit on labelled questions (a ranker feature), or ``None``."""
        if not RelationPathClassifier.exists(self.parser_dir):
            return None
        clf = RelationPathClassifier.load(self.parser_dir, self.encoder)
        return clf if clf.source.startswith("metaqa:") or clf.source.startswith("labelled:") else None

    def _inferred_edges(self):
        """The KG's calibrated link predictor (``kgqa train lp``), or ``None`` when none is trained."""
        if self.link_predictor is None:
            return None
        try:
            from training.link_prediction.inference import load_inferred_edges
        except ImportError:
            return None
        try:
            return load_inferred_edges(self.kg.name if self.link_predictor == "auto" else self.link_predictor)
        except KGQAError as exc:  # a broken checkpoint must not stop answering
            print(f"warning: inferred answers disabled: {exc}", file=sys.stderr)
            return None

    def _dense_search(self, text: str, node_type: str | None, k: int) -> list[tuple[str, float]]:
        if not self.has_index:
            return []
        return [(h.node_id, h.score) for h in self.search(text, node_type, k)]

    def _dense_lookup(self, text: str) -> list[tuple[str, float]]:
        """Nearest nodes to a mention: the vector index, and CLEP's zero-shot linking when trained on this KG."""
        hits = self._dense_search(text, None, 3)
        linker = self._mention_linker()
        if linker is not None:
            hits += [(n, s) for n, s in linker(text, 3) if n in self.kg.nodes]
        best: dict[str, float] = {}
        for node_id, score in hits:
            best[node_id] = max(score, best.get(node_id, -1.0))
        return sorted(best.items(), key=lambda kv: -kv[1])

    def _node_neighbours(self, node_id: str, k: int) -> list[tuple[str, float]]:
        if not self.has_index or node_id not in self.kg.nodes:
            return []
        try:
            hits = self.searcher.similar(node_id, self.kg.nodes[node_id].type, k=k)
        except (KeyError, ValueError):  # not embedded yet (added since the last build)
            return []
        return [(h.node_id, h.score) for h in hits]

    def _mention_linker(self):
        """CLEP's mention linker for this KG (``$KGQA_HOME/checkpoints/<kg>/clep``), loaded once, or ``None``."""
        if self._linker is None:
            from training.common import checkpoint_dir

            self._linker = False
            folder = checkpoint_dir(self.kg.name, "clep")
            if (folder / "config.json").exists():
                try:
                    from training.clep import load_clep
                    from training.clep.linking import MentionLinker

                    self._linker = MentionLinker(load_clep(folder))
                except (OSError, ValueError, KeyError) as exc:  # a broken checkpoint must not stop answering
                    print(f"warning: CLEP linking disabled, cannot load {folder}: {exc}", file=sys.stderr)
        return self._linker or None

    def prepare_matcher(self, progress: bool = True) -> Path | None:
        """Fit a matcher head for this KG on first use (its own generated questions, from the shipped
        matcher; a few minutes on two cores, cached under ``$KGQA_HOME/checkpoints/<kg>/matcher``) when the
        shipped matcher was not trained on it and none exists yet. ``KGQA_MATCHER_FIRST_USE=0`` skips it;
        KGs of fewer than ``FIRST_USE_MIN_EDGES`` edges use the shipped matcher as it is."""
        from retrieval.matcher import SHIPPED, matcher_folders, shipped_kgs

        if self.matcher_path is not None or os.environ.get("KGQA_MATCHER_FIRST_USE", "1") == "0":
            return None
        if self.kg.num_edges < FIRST_USE_MIN_EDGES or self.kg.name in shipped_kgs() or self.kg_path is None:
            return None
        if any((folder / "matcher.json").exists() for folder in matcher_folders(self.kg.name) if folder != SHIPPED):
            return None
        from training.matcher.pipeline import train_for_kg

        if progress:
            print(f"fitting the reading matcher to {self.kg.name} (first use; cached for later runs)", file=sys.stderr)
        report = train_for_kg(self.kg_path, kind="head", kg_questions=3000, general=2000, progress=progress)
        self._services = None
        self._pipeline = None
        return Path(report.get("output", "")) if report.get("output") else None

    @property
    def matcher_cache(self) -> Path:
        return self.index.root / "matcher-cache.npz"

    def paths_only_baseline(self) -> Assistant:
        """The same KG and index answered by the untrained base encoder ranking the graph's readings alone (no
        trained matcher, no ranker): the reference the benchmarks compare the pipeline with."""
        from assistant.answering.ranker import ReadingRanker

        plain = Assistant(self.kg, self.index, self.encoder, self.kg_path, matcher_path="base")
        plain.pipeline.ranker = ReadingRanker({"matcher": 1.0})
        return plain

    def warm_up(self, max_hops: int = 2) -> int:
        """Encode the verbalisations of the KG's short typed paths (and reload those saved by an earlier
        run), so that the first questions do not pay for them; returns how many were encoded now."""
        from assistant.kg.verbalize import typed_paths

        services = self.services
        matcher = services.matcher
        matcher.load_cache(self.matcher_cache)
        texts = [services.text_of(steps, types) for steps, types in typed_paths(self.kg, max_hops)]
        new = matcher.warm(texts)
        self.pipeline  # noqa: B018 - builds the linker's indexes now, not on the first question
        if new:
            self.save_matcher_cache()
        return new

    def save_matcher_cache(self) -> None:
        try:
            self.services.matcher.save_cache(self.matcher_cache)
        except OSError as exc:  # a read-only home only costs the next start some time
            print(f"warning: cannot save the matcher cache {self.matcher_cache}: {exc}", file=sys.stderr)

    def parse(self, question: str, history: Sequence[Answer | str] = ()) -> Query:
        """The question as an entity-type-aware query: the chosen reading's entities, path, type and filters."""
        text = normalize_question(question)
        error = check_input(text)
        if error:
            return Query(text=text if isinstance(text, str) else "", error=error)
        q, readings = self.pipeline.understand(text, self._history(history))
        return self.pipeline.builder.query(q, readings)

    def ask(self, question: str, k: int = 10, node_type: str | None = None,
            encoders: list[str] | None = None, history: Sequence[Answer | str] = (),
            inferred: bool = True) -> Answer:
        """Answer ``question``: ranked answers, each with the KG paths (or the similarity, or the predicted
        edge) that support it, and a calibrated confidence.

        Args:
            question: The question as typed.
            k: How many answers.
            node_type: Prefer readings whose answers are of this type.
            encoders: Encoders whose collections dense search uses (default: the base encoder's).
            history: Earlier turns of the conversation, oldest first: their :class:`Answer` s, or their
                questions (asked again, in order, to recover what "he" or "the ones" refer to).
            inferred: Whether answers the graph does not state may be proposed by link prediction (always
                labelled ``inferred`` with their probability); ``False`` shows stated facts only.
        """
        question = normalize_question(question)  # valid, visible Unicode before any model sees it
        started = time.perf_counter()
        error = check_input(question)
        if error:
            answer = Answer(question if isinstance(question, str) else "", Query(text="", error=error))
            answer.message = error
        else:
            if encoders:
                self.searchers(encoders)  # refuse unknown encoder names with a clear error
            answer = self.pipeline.answer(question, k, node_type, self._history(history), inferred)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _history(self, history: Sequence[Answer | str]) -> list[Answer]:
        """Earlier turns as answers: strings are asked again, each with the turns before it."""
        out: list[Answer] = []
        for turn in history:
            out.append(turn if isinstance(turn, Answer) else self.ask(str(turn), history=list(out)))
        return out
