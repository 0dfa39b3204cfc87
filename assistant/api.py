"""The one Python entry point that the CLI, the evaluation harness and the UI all call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import DEFAULT_KG, default_index_dir, set_offline
from assistant.kg import KnowledgeGraph, load_kg
from retrieval.encoders import SentenceEncoder, load_encoder
from retrieval.index import Index
from retrieval.indexer import IndexReport, build_index
from retrieval.search import DenseHit, DenseSearcher


@dataclass
class Assistant:
    """A KG, its index and the encoders that query it."""

    kg: KnowledgeGraph
    index: Index
    encoder: SentenceEncoder
    kg_path: Path | None = None
    _searcher: DenseSearcher | None = field(default=None, repr=False)

    @classmethod
    def from_path(
        cls,
        kg_path: str | Path = DEFAULT_KG,
        index_dir: str | Path | None = None,
        build: bool = True,
        progress: bool = True,
    ) -> Assistant:
        """Load the KG at ``kg_path`` and open (building if needed and allowed) its index."""
        set_offline()
        kg = load_kg(kg_path)
        index = Index(index_dir or default_index_dir(kg_path))
        assistant = cls(kg, index, load_encoder("base"), Path(kg_path))
        if build:
            assistant.build_index(progress=progress)
        return assistant

    def build_index(self, progress: bool = True, force: bool = False) -> IndexReport:
        report = build_index(self.kg, self.index.root, self.encoder, progress=progress, force=force)
        self._searcher = None
        return report

    @property
    def searcher(self) -> DenseSearcher:
        if self._searcher is None:
            self._searcher = DenseSearcher(self.index, self.encoder)
        return self._searcher

    def search(self, text: str, node_type: str | None = None, k: int = 10) -> list[DenseHit]:
        """Typed nearest nodes to ``text`` by dense similarity."""
        return self.searcher.search(text, node_type, k)
