"""The one Python entry point that the CLI, the evaluation harness and the UI all call."""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer import Answer, RankedAnswer
from assistant.config import DEFAULT_KG, default_index_dir, set_offline
from assistant.explain import render_path, summarize
from assistant.kg import KnowledgeGraph, load_kg
from assistant.kg.updates import UpdateResult, apply_updates, normalise, read_updates
from assistant.parsing.parser import QuestionParser
from assistant.parsing.path_classifier import RelationPathClassifier
from assistant.parsing.training import kg_signature, train_from_kg
from assistant.parsing.validation import normalize_question
from assistant.path_search import connecting_paths
from assistant.query import PathStep, Query
from assistant.traversal import WILDCARD, SupportPath, TraversalAnswer, execute, satisfies, walk
from retrieval.encoders import EncoderUnavailable, SentenceEncoder, load_encoder
from retrieval.index import Index, RemoteIndex
from retrieval.indexer import IndexReport, build_index, update_index
from retrieval.rerank import Candidate, FeatureExtractor, GraphSignals, Reranker, default_reranker_path
from retrieval.rerank.features import DESCRIPTIVE_WORDS
from retrieval.search import DenseHit, DenseSearcher

UPDATES = "updates.jsonl"
MAX_GRAPH_CANDIDATES = 150  # per reading; features cost a little per candidate
DENSE_CANDIDATES = 20
EXPLAIN_HOPS = 3  # longest path cited for a candidate that only dense search found
#: link predictors tried for the reranker's LP feature, best first (``kgqa train lp --model …``)
LINK_PREDICTORS = ("lp-tucker", "lp-rotate", "lp-complex", "lp-distmult")


def _path_key(path: SupportPath) -> tuple:
    return path.anchor, tuple((id(h.edge), h.inverse) for h in path.hops)


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
    _parser: QuestionParser | None = field(default=None, repr=False)
    #: "full" (graph + dense), or an ablation: "dense" (dense search only), "traversal" (graph only)
    mode: str = "full"
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _has_index: bool | None = field(default=None, repr=False)
    _searcher_version: Path | None = field(default=None, repr=False)
    _extra_searchers: dict[str, DenseSearcher] = field(default_factory=dict, repr=False)
    _encoders_seen: tuple | None = field(default=None, repr=False)
    _pending: list[threading.Thread] = field(default_factory=list, repr=False)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _features: FeatureExtractor | None = field(default=None, repr=False)
    _linker: object | None = field(default=None, repr=False)  # CLEP mention linker; False when there is none
    #: the fitted reranker; ``None`` ranks candidates in the generators' order (ablations, refits)
    reranker: Reranker | None = field(default=None, repr=False)
    #: folder of a link predictor for the LP feature, or "auto" (first of LINK_PREDICTORS trained on this KG)
    link_predictor: str | Path | None = "auto"
    #: folder name of the link predictor the LP feature uses ("lp-distmult"), once loaded
    link_predictor_used: str | None = field(default=None, repr=False)

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
        reranker = Reranker.load() if default_reranker_path().exists() else None
        assistant = cls(kg, index, load_encoder("base"), Path(kg_path), reranker=reranker)
        if build:
            assistant.build_index(progress=progress)
        return assistant

    def build_index(self, progress: bool = True, force: bool = False) -> IndexReport:
        report = build_index(self.kg, self.index, self.encoder, progress=progress, force=force)
        self._searcher = None
        self._extra_searchers.clear()
        self._encoders_seen = None
        self._has_index = True
        return report

    def update(self, records: list[dict], persist: bool = True, background: bool = True) -> UpdateResult:
        """Add, change or remove nodes and edges without rebuilding (see :mod:`assistant.kg.updates`).

        The graph indexes and the reranker's graph signals change at once, and the nodes the
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
            if self._features is not None:
                self._features.signals.mark_changed()
            if self._parser is not None:
                self._parser.note_changes(result.touched, result.removed)
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
                raise ValueError(f"encoder(s) {', '.join(unknown)} not in this index; it has {', '.join(found)} "
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

    @property
    def features(self) -> FeatureExtractor:
        """The reranker's feature extractor (graph signals, and the link predictor when trained)."""
        if self._features is None:
            with self._lock:
                if self._features is None:
                    self._features = FeatureExtractor(self.kg, GraphSignals(self.kg), self._link_scorer())
        return self._features

    def _link_scorer(self):
        if self.link_predictor is None:
            return None
        from training.common import checkpoint_dir

        names = list(LINK_PREDICTORS)
        fitted_with = (self.reranker.report.get("link_predictor") if self.reranker else None) or None
        if isinstance(fitted_with, str) and fitted_with in names:  # the one the reranker's weights were fit with
            names.insert(0, names.pop(names.index(fitted_with)))
        folders = ([Path(self.link_predictor)] if self.link_predictor != "auto"
                   else [checkpoint_dir(self.kg.name, name) for name in names])
        for folder in folders:
            if (folder / "config.json").exists():
                from training.link_prediction import load_link_predictor

                self.link_predictor_used = folder.name
                return load_link_predictor(folder).score
        if self.link_predictor != "auto":
            raise EncoderUnavailable(f"no link predictor at {self.link_predictor}; run `kgqa train lp`")
        return None

    # ---- question answering ------------------------------------------------------------
    @property
    def parser_dir(self) -> Path:
        return self.index.root / "parser"

    @property
    def parser(self) -> QuestionParser:
        """The question parser; its classifier is fit from the KG's schema on first use."""
        if self._parser is None:
            with self._lock:
                if self._parser is None:
                    clf = None
                    if RelationPathClassifier.exists(self.parser_dir):
                        clf = RelationPathClassifier.load(self.parser_dir, self.encoder)
                        fit_on_questions = clf.source.startswith("metaqa:")  # labelled questions: keep
                        if not fit_on_questions and clf.source != f"schema:{kg_signature(self.kg)}":
                            clf = None  # fit on an older schema, older data or by older code: refit
                    if clf is None:
                        clf = train_from_kg(self.kg, self.encoder, self.parser_dir)
                    self._parser = self._make_parser(clf)
        return self._parser

    def set_classifier(self, classifier: RelationPathClassifier) -> None:
        self._parser = self._make_parser(classifier)

    def _make_parser(self, classifier: RelationPathClassifier) -> QuestionParser:
        def dense_lookup(text: str) -> list[tuple[str, float]]:
            """Nearest nodes to a mention: the vector index, plus CLEP's zero-shot linking when a CLEP
            model was trained on this KG (the parser still checks that the spelling resembles)."""
            hits = [(h.node_id, h.score) for h in self.search(text, None, 3)] if self.has_index else []
            linker = self._mention_linker()
            if linker is not None:
                hits += [(n, s) for n, s in linker(text, 3) if n in self.kg.nodes]
            best: dict[str, float] = {}
            for node_id, score in hits:
                best[node_id] = max(score, best.get(node_id, -1.0))
            return sorted(best.items(), key=lambda kv: -kv[1])

        return QuestionParser(self.kg, classifier, dense_lookup=dense_lookup)

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

    def parse(self, question: str) -> Query:
        return self.parser.parse(question)

    def ask(self, question: str, k: int = 10, node_type: str | None = None,
            encoders: list[str] | None = None) -> Answer:
        """Answer ``question``: ranked answers, each with the KG paths that support it.

        Args:
            question: The question as typed.
            k: How many answers.
            node_type: Restrict answers to this node type (overrides the parser's target type).
            encoders: Encoders whose collections dense search uses (default: every one in the index).
        """
        question = normalize_question(question)  # valid, visible Unicode before any model sees it
        started = time.perf_counter()
        query = self.parse(question)
        if node_type and query.error is None:
            query.target_type = node_type
        answer = Answer(question, query)
        if query.error:
            answer.message = query.error
        elif query.clarification:
            answer.message = query.clarification.question
        else:
            self._answer(query, answer, k, encoders)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def candidates(self, query: Query, encoders: list[str] | None = None) -> tuple[list[Candidate], list[str]]:
        """Candidate answers with provenance: graph traversal from the anchors along the parsed path
        (main reading, runner-up readings, or a bare entity's neighbourhood) united with dense search
        of the target type in every encoder's collections; plus notes on relaxed constraints."""
        descriptive = len(query.free_text.split()) >= DESCRIPTIVE_WORDS  # a plot or a profile, not a name
        main_bare = bool(query.anchors) and not query.anchors[0].path
        by_id: dict[str, Candidate] = {}

        def add(node_id: str, **kw) -> Candidate:
            cand = by_id.get(node_id)
            if cand is None:
                cand = by_id[node_id] = Candidate(node_id, prior_rank=len(by_id))
            for key, value in kw.items():
                setattr(cand, key, value)
            return cand

        notes: list[str] = []
        use_graph = self.mode != "dense" and not (descriptive and (main_bare or not query.anchors) and self.has_index)
        if use_graph:
            found, notes = execute(self.kg, query)
            for item in found[:MAX_GRAPH_CANDIDATES]:
                add(item.node_id, paths=item.paths[:3], path_count=item.path_count, reading=0)
            if not found and not descriptive:
                for item in self._neighbourhood(query)[:MAX_GRAPH_CANDIDATES]:
                    add(item.node_id, paths=item.paths[:3], path_count=item.path_count, neighbourhood=True)
            if by_id and query.path_confidence < 0.9:  # the parser was unsure: its runner-up readings too
                for rank, alt in enumerate(query.alternatives, 1):
                    for item in execute(self.kg, alt)[0][:MAX_GRAPH_CANDIDATES // 2]:
                        known = by_id.get(item.node_id)
                        if known is None:
                            add(item.node_id, paths=item.paths[:3], path_count=item.path_count, reading=rank)
                        elif known.reading is None:  # a neighbour that a runner-up reading also reaches
                            known.reading = rank
                            seen = {_path_key(p) for p in known.paths}
                            known.paths = ([p for p in item.paths[:1] if _path_key(p) not in seen] + known.paths)[:3]
        if self.has_index and self.mode != "traversal":
            self._dense_candidates(query, descriptive, by_id, add, encoders)
        found = list(by_id.values())
        # constraints and the asked type are filters, relaxed only when nothing would pass them
        passing = [c for c in found if (query.target_type is None or self.kg.nodes[c.node_id].type == query.target_type)
                   and all(satisfies(self.kg, c.node_id, k) for k in query.constraints)]
        main = [c for c in found if c.reading == 0 or c.neighbourhood]
        if passing and (not main or any(c in passing for c in main)):
            return passing, notes
        return found, notes  # the graph's own answers had to relax a filter: keep everything

    def _dense_candidates(self, query: Query, descriptive: bool, by_id: dict[str, Candidate], add,
                          encoders: list[str] | None) -> None:
        """Dense search restricted to the target type, in each encoder's collections; graph
        candidates it did not return still get each encoder's similarity."""
        target = query.target_type if query.target_type in self.kg.node_types() else None
        if descriptive:
            cue = self.parser.cue_type(query.text)
            hub = next(iter(self.parser.hub_types), None)
            target = cue if cue in ("person", "company") and cue in self.kg.node_types() else hub
        text = query.text if descriptive else (query.free_text or query.text)
        k = DENSE_CANDIDATES if (descriptive or not by_id) else DENSE_CANDIDATES // 2
        for name, searcher in self.searchers(encoders).items():
            texts = [text] if text == query.text else [text, query.text]  # encode the question once
            vectors = searcher.encoder.encode(texts)
            search_vec, question_vec = vectors[0], vectors[-1]
            for hit in searcher.search_vector(search_vec, target, k):
                cand = by_id.get(hit.node_id) or add(hit.node_id)
                cand.dense[name] = hit.score
            missing: dict[str, list[str]] = {}
            for cand in by_id.values():
                if name not in cand.dense:
                    missing.setdefault(self.kg.nodes[cand.node_id].type, []).append(cand.node_id)
            for node_id, sim in searcher.similarities(question_vec, missing).items():
                by_id[node_id].dense[name] = sim
        anchors = self.features.anchor_ids(query)
        bare = [c.node_id for c in by_id.values() if not c.paths]
        # dense-only candidates: cite the shortest KG paths to the question's entities, if any are close
        for node_id, paths in connecting_paths(self.kg, anchors, bare, max_hops=EXPLAIN_HOPS).items():
            by_id[node_id].paths = paths
            by_id[node_id].path_count = len(paths)

    def _answer(self, query: Query, answer: Answer, k: int, encoders: list[str] | None = None) -> None:
        candidates, notes = self.candidates(query, encoders)
        if candidates:
            rows = self.features.extract(query, candidates)
            reranker = self.reranker
            scored = []
            for cand, row in zip(candidates, rows, strict=True):
                if reranker is None:  # no fitted weights: keep the generators' order
                    score, parts = row["prior"], {"prior": row["prior"]}
                else:
                    score, parts = reranker.score(row)
                scored.append((score, cand, row, parts))
            scored.sort(key=lambda t: (-t[0], t[1].prior_rank))
            if any(c.reading == 0 or c.neighbourhood for c in candidates):
                # the question was answered through the graph: candidates that only dense search
                # proposed lent their similarity as a feature but are not answers themselves
                scored = [t for t in scored if t[1].reading is not None or t[1].neighbourhood]
            for score, cand, row, parts in scored[:k]:
                node = self.kg.nodes[cand.node_id]
                paths = [render_path(self.kg, p) for p in cand.paths[:3]]
                semantic = max(cand.dense.values()) if cand.dense and not paths else None
                answer.answers.append(RankedAnswer(node.id, node.name, node.type, score, paths=paths,
                                                   semantic=semantic, features=row, contributions=parts,
                                                   sources=cand.sources))
        answer.message = summarize(self.kg, query, answer, notes)

    def _neighbourhood(self, query: Query) -> list[TraversalAnswer]:
        """A bare entity ("George Lucas"): the entity itself, or its neighbours of the asked type."""
        bare = [a for a in query.anchors if not a.path]
        if not bare:
            return []
        anchor = bare[0]
        target = query.target_type
        if target is None or target == anchor.type:
            return [TraversalAnswer(anchor.node_id, [SupportPath(anchor.node_id, ())], 1, {anchor.node_id})]
        for hops in (1, 2):
            reach: dict = {}
            for directions in itertools.product((False, True), repeat=hops):
                steps = tuple(PathStep(WILDCARD, d) for d in directions)
                for node_id, (count, paths) in walk(self.kg, anchor.node_id, steps, end_type=target).items():
                    old_count, old_paths = reach.get(node_id, (0, []))
                    reach[node_id] = (old_count + count, (old_paths + paths)[:3])
            if reach:
                return sorted((TraversalAnswer(n, [SupportPath(anchor.node_id, p) for p in paths], c,
                                               {anchor.node_id}) for n, (c, paths) in reach.items()),
                              key=lambda a: (-a.path_count, -self.kg.degree(a.node_id), a.node_id))
        return []
