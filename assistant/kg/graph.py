"""The in-memory KG: typed nodes, typed directed edges with qualifiers, constant-time lookups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from assistant.kg.normalize import normalize_name
from assistant.kg.schema import Schema

Direction = Literal["out", "in", "both"]


@dataclass(slots=True)
class Node:
    """A typed node.

    Attributes:
        id: Unique id, e.g. ``"person:george-lucas"``.
        type: Node type, e.g. ``"person"``.
        name: Display name.
        aliases: Other names it is known by.
        description: Free text (bio, plot summary, definition).
        attributes: Scalar facts (``{"year": 1977}``); ``None`` when there are none.
    """

    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    attributes: dict | None = None

    def attr(self, key: str, default=None):
        return (self.attributes or {}).get(key, default)

    @property
    def label(self) -> str:
        """Name with the year when one is known: ``"Jurassic Park (1993)"``."""
        year = self.attr("year")
        return f"{self.name} ({year})" if year is not None and self.type == "project" else self.name

    def to_dict(self) -> dict:
        out: dict = {"id": self.id, "type": self.type, "name": self.name}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.description:
            out["description"] = self.description
        if self.attributes:
            out["attributes"] = self.attributes
        return out


@dataclass(slots=True)
class Edge:
    """A typed directed edge ``source --relation--> target`` with optional qualifiers."""

    source: str
    relation: str
    target: str
    qualifiers: dict | None = None

    def to_dict(self) -> dict:
        out: dict = {"source": self.source, "relation": self.relation, "target": self.target}
        if self.qualifiers:
            out["qualifiers"] = self.qualifiers
        return out


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a walk: the edge taken, the node reached, and whether it was walked backwards."""

    edge: Edge
    node: str
    inverse: bool


@dataclass
class KnowledgeGraph:
    """A typed property graph with the indexes the assistant needs.

    Lookups by id, by normalised name or alias, and by type are dictionary look-ups; neighbours
    by relation are indexed in both directions. Edges live in one list; a removed edge leaves
    ``None`` behind so that edge indices held elsewhere (e.g. by a vector store) stay valid.
    """

    schema: Schema = field(default_factory=Schema)
    name: str = "kg"
    #: Loader-specific facts, e.g. ``{"splits": {"train": [0, 272115], ...}}`` for benchmarks.
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge | None] = []
        self._out: dict[str, dict[str, list[int]]] = {}
        self._in: dict[str, dict[str, list[int]]] = {}
        self._by_type: dict[str, dict[str, None]] = {}
        self._by_key: dict[str, list[str]] = {}
        self._edge_count = 0
        self._version = 0  # bumped by every change, so that derived structures (matrices) know they are stale

    # ---- construction -------------------------------------------------------------------
    def add_node(self, node: Node, replace: bool = False) -> Node:
        """Add ``node``; with ``replace`` an existing node of that id is updated in place."""
        old = self.nodes.get(node.id)
        if old is not None:
            if not replace:
                raise KeyError(f"duplicate node id {node.id!r}")
            self._unindex_names(old)
            if old.type != node.type:
                del self._by_type[old.type][old.id]
        self.nodes[node.id] = node
        self._version += 1
        self._by_type.setdefault(node.type, {})[node.id] = None
        for key in {normalize_name(n) for n in (node.name, *node.aliases)}:
            if key:
                self._by_key.setdefault(key, []).append(node.id)
        return node

    def _unindex_names(self, node: Node) -> None:
        for key in {normalize_name(n) for n in (node.name, *node.aliases)}:
            ids = self._by_key.get(key)
            if ids and node.id in ids:
                ids.remove(node.id)
                if not ids:
                    del self._by_key[key]

    def add_edge(self, edge: Edge) -> int:
        """Add ``edge`` (both endpoints must exist) and return its index."""
        if edge.source not in self.nodes:
            raise KeyError(f"edge source {edge.source!r} is not a node")
        if edge.target not in self.nodes:
            raise KeyError(f"edge target {edge.target!r} is not a node")
        idx = len(self.edges)
        self.edges.append(edge)
        self._out.setdefault(edge.source, {}).setdefault(edge.relation, []).append(idx)
        self._in.setdefault(edge.target, {}).setdefault(edge.relation, []).append(idx)
        self._edge_count += 1
        self._version += 1
        return idx

    def remove_edge(self, idx: int) -> Edge:
        edge = self.edges[idx]
        if edge is None:
            raise KeyError(f"edge {idx} was already removed")
        self._out[edge.source][edge.relation].remove(idx)
        self._in[edge.target][edge.relation].remove(idx)
        self.edges[idx] = None
        self._edge_count -= 1
        self._version += 1
        return edge

    def find_edges(self, source: str, relation: str, target: str) -> list[int]:
        return [
            i
            for i in self._out.get(source, {}).get(relation, [])
            if (e := self.edges[i]) is not None and e.target == target
        ]

    def remove_node(self, node_id: str) -> list[Edge]:
        """Remove a node and every edge touching it; returns the removed edges."""
        node = self.nodes.pop(node_id)
        self._version += 1
        removed = [self.remove_edge(i) for i in self.incident_edge_ids(node_id)]
        self._out.pop(node_id, None)
        self._in.pop(node_id, None)
        del self._by_type[node.type][node_id]
        if not self._by_type[node.type]:
            del self._by_type[node.type]
        self._unindex_names(node)
        return removed

    @property
    def version(self) -> int:
        """A number that changes whenever a node or an edge is added or removed."""
        return self._version

    # ---- lookups -----------------------------------------------------------------------
    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise KeyError(f"no node with id {node_id!r}") from None

    def find(self, name: str, node_type: str | None = None) -> list[Node]:
        """Nodes whose name or alias normalises to the same key as ``name``."""
        ids = self._by_key.get(normalize_name(name), [])
        found = [self.nodes[i] for i in ids]
        return [n for n in found if node_type is None or n.type == node_type]

    def name_keys(self) -> Iterable[str]:
        """Every normalised name/alias key (for entity linking)."""
        return self._by_key.keys()

    def ids_for_key(self, key: str) -> list[str]:
        return self._by_key.get(key, [])

    def nodes_of_type(self, node_type: str) -> list[Node]:
        return [self.nodes[i] for i in self._by_type.get(node_type, {})]

    def node_types(self) -> list[str]:
        return sorted(self._by_type)

    def relations(self) -> list[str]:
        rels = {r for adj in self._out.values() for r, ids in adj.items() if ids}
        return sorted(rels)

    def neighbors(
        self, node_id: str, relation: str | None = None, direction: Direction = "out"
    ) -> list[Hop]:
        """Edges leaving (``out``), entering (``in``) or touching (``both``) a node."""
        hops: list[Hop] = []
        if direction in ("out", "both"):
            for idx in self._ids(self._out, node_id, relation):
                edge = self.edges[idx]
                hops.append(Hop(edge, edge.target, False))  # type: ignore[union-attr]
        if direction in ("in", "both"):
            for idx in self._ids(self._in, node_id, relation):
                edge = self.edges[idx]
                hops.append(Hop(edge, edge.source, True))  # type: ignore[union-attr]
        return hops

    def _ids(self, adj: dict[str, dict[str, list[int]]], node_id: str, relation: str | None):
        by_rel = adj.get(node_id, {})
        if relation is not None:
            return by_rel.get(relation, [])
        return [i for ids in by_rel.values() for i in ids]

    def edge_ids(self, node_id: str, relation: str | None = None, inverse: bool = False) -> list[int]:
        """Indices into :attr:`edges` of the edges leaving a node (entering it when ``inverse``): for walks
        over hubs, which would otherwise build a :class:`Hop` for each of thousands of edges."""
        return self._ids(self._in if inverse else self._out, node_id, relation)

    def relations_at(self, node_id: str) -> tuple[list[str], list[str]]:
        """The relations of a node's outgoing and incoming edges (no edge objects are built)."""
        out = [r for r, ids in self._out.get(node_id, {}).items() if ids]
        inc = [r for r, ids in self._in.get(node_id, {}).items() if ids]
        return out, inc

    def neighbor_ids(self, node_id: str, relation: str, inverse: bool = False) -> list[str]:
        """Ids of the nodes one ``relation`` edge away (its targets, or its sources when ``inverse``)."""
        adj = self._in if inverse else self._out
        ids = adj.get(node_id, {}).get(relation, ())
        if inverse:
            return [self.edges[i].source for i in ids]  # type: ignore[union-attr]
        return [self.edges[i].target for i in ids]  # type: ignore[union-attr]

    def relation_degree(self, node_id: str, relation: str, inverse: bool = False) -> int:
        """How many ``relation`` edges leave (or, with ``inverse``, enter) a node."""
        return len((self._in if inverse else self._out).get(node_id, {}).get(relation, ()))

    def incident_edge_ids(self, node_id: str) -> list[int]:
        ids = self._ids(self._out, node_id, None) + self._ids(self._in, node_id, None)
        return sorted(set(ids))

    def degree(self, node_id: str) -> int:
        return len(self._ids(self._out, node_id, None)) + len(self._ids(self._in, node_id, None))

    def iter_edges(self) -> Iterator[Edge]:
        return (e for e in self.edges if e is not None)

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    @property
    def num_edges(self) -> int:
        return self._edge_count

    def stats(self) -> dict:
        """Counts per node type and per relation."""
        rel_counts = Counter(e.relation for e in self.iter_edges())
        return {
            "name": self.name,
            "nodes": self.num_nodes,
            "edges": self.num_edges,
            "node_types": {t: len(ids) for t, ids in sorted(self._by_type.items())},
            "relations": dict(sorted(rel_counts.items())),
        }
