"""The one Python entry point that the CLI, the evaluation harness and the UI all call."""

from __future__ import annotations

import itertools
import json
import math
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
from assistant.query import PathStep, Query
from assistant.traversal import WILDCARD, SupportPath, TraversalAnswer, execute, walk
from retrieval.encoders import SentenceEncoder, load_encoder
from retrieval.index import Index, RemoteIndex
from retrieval.indexer import IndexReport, build_index, update_index
from retrieval.search import DenseHit, DenseSearcher

UPDATES = "updates.jsonl"


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
        self._searcher = None
        self._has_index = True
        return report

    def update(self, records: list[dict], persist: bool = True) -> UpdateResult:
        """Add, change or remove nodes and edges without rebuilding (see :mod:`assistant.kg.updates`).

        The graph indexes change at once; the vector index re-embeds only the touched
        neighbourhood; the parser learns the new names. With ``persist`` the operations are appended
        to the index folder's ``updates.jsonl`` and replayed whenever this KG is loaded again.
        """
        records = [r for r in (normalise(x) for x in records) if r is not None]
        with self._lock:
            result = apply_updates(self.kg, records)
            if self.has_index:
                update_index(self.index, self.kg, result.touched, result.removed, self.encoder,
                             self.searcher.store)
            if self._parser is not None:
                self._parser.note_changes(result.touched, result.removed)
            if persist:
                self.index.root.mkdir(parents=True, exist_ok=True)
                with open(self.index.root / UPDATES, "a", encoding="utf-8") as fh:
                    for rec in records:
                        fh.write(json.dumps({k: v for k, v in rec.items() if k != "_line"}, ensure_ascii=False)
                                 + "\n")
        return result

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

    def search(self, text: str, node_type: str | None = None, k: int = 10) -> list[DenseHit]:
        """Typed nearest nodes to ``text`` by dense similarity."""
        return self.searcher.search(text, node_type, k)

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
            if not self.has_index:
                return []
            return [(h.node_id, h.score) for h in self.search(text, None, 3)]

        return QuestionParser(self.kg, classifier, dense_lookup=dense_lookup)

    def parse(self, question: str) -> Query:
        return self.parser.parse(question)

    def ask(self, question: str, k: int = 10, node_type: str | None = None) -> Answer:
        """Answer ``question``: ranked answers, each with the KG paths that support it."""
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
            self._answer(query, answer, k)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _answer(self, query: Query, answer: Answer, k: int) -> None:
        descriptive = len(query.free_text.split()) >= 5  # a plot or a profile, not a name
        main_bare = bool(query.anchors) and not query.anchors[0].path
        if self.mode == "dense" or (descriptive and (main_bare or not query.anchors) and self.has_index):
            found, notes = [], []  # a description: semantic search, with the named entities as evidence
        else:
            found, notes = execute(self.kg, query)
        if not found and self.mode != "dense" and not descriptive:
            found = self._neighbourhood(query)
            if len(found) > 1 and self.has_index:
                # many neighbours of a bare entity: the ones closest to the question in meaning first
                # (a fixed mix until the ranking issue fits feature weights)
                target = self.kg.nodes[found[0].node_id].type
                sims = {h.node_id: h.score for h in self.search(query.text, target, 100)}
                for item in found:
                    item.score = math.log1p(item.path_count) + 3 * sims.get(item.node_id, 0.0)
                found.sort(key=lambda a: -a.score)
        if found:
            for item in found[:k]:
                node = self.kg.nodes[item.node_id]
                paths = [render_path(self.kg, p) for p in item.paths[:3]]
                score = item.score if item.score is not None else float(item.path_count)
                answer.answers.append(RankedAnswer(node.id, node.name, node.type, score, paths=paths,
                                                   sources=["graph"]))
        elif self.has_index and self.mode != "traversal":
            self._dense_answers(query, answer, k, descriptive)
        if found and len(answer.answers) < k and self.mode != "dense" and query.path_confidence < 0.9:
            self._alternative_answers(query, answer, k)
        answer.message = summarize(self.kg, query, answer, notes)

    def _alternative_answers(self, query: Query, answer: Answer, k: int) -> None:
        """Fill the list with answers of the parser's runner-up readings, ranked below every answer
        of the main reading and marked as such."""
        seen = {a.node_id for a in answer.answers}
        floor = min((a.score for a in answer.answers), default=1.0)
        for rank, alt in enumerate(query.alternatives, 1):
            found, _ = execute(self.kg, alt)
            for item in found:
                if len(answer.answers) >= k:
                    return
                if item.node_id in seen:
                    continue
                seen.add(item.node_id)
                node = self.kg.nodes[item.node_id]
                paths = [render_path(self.kg, p) for p in item.paths[:3]]
                score = floor * 0.5 / rank / (1 + len(seen))
                answer.answers.append(RankedAnswer(node.id, node.name, node.type, score, paths=paths,
                                                   sources=["graph:alternative-reading"]))

    def _dense_answers(self, query: Query, answer: Answer, k: int, descriptive: bool) -> None:
        """Semantic search; a description is searched whole, among the KG's main entities by default,
        and entities the question names (a keyword, a genre) add graph evidence to the candidates."""
        target = query.target_type if query.target_type in self.kg.node_types() else None
        if descriptive:
            text = query.text
            cue = self.parser.cue_type(query.text)
            hub = next(iter(self.parser.hub_types), None)
            target = cue if cue in ("person", "company") and cue in self.kg.node_types() else hub
        else:
            text = query.free_text or query.text
        hits = self.search(text, target, max(k, 20))
        linked = {}
        for anchor in query.anchors:
            for hop in self.kg.neighbors(anchor.node_id, direction="both"):
                linked.setdefault(hop.node, []).append(SupportPath(anchor.node_id, (hop,)))
        ranked = sorted(hits, key=lambda h: -(h.score + 0.1 * len(linked.get(h.node_id, []))))
        seen = {a.node_id for a in answer.answers}
        ranked = [h for h in ranked if h.node_id not in seen][: k - len(answer.answers)]
        for h in ranked:
            paths = [render_path(self.kg, p) for p in linked.get(h.node_id, [])[:3]]
            answer.answers.append(RankedAnswer(h.node_id, h.name, h.type, h.score, paths=paths, semantic=h.score,
                                               sources=[f"dense:{h.encoder}"] + (["graph"] if paths else [])))

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
