"""Item graphs with side information for EGES: MovieLens rating sequences, or the film KG's shared credits.

* MovieLens (``ml-latest-small``): each user's well-rated movies (rating >= ``min_rating``) in time
  order; consecutive movies are linked, the edge weight counting how many users went from one to
  the other (either way: the walks treat the graph as undirected). Side information: the movie's
  genres and its user tags (lower-cased, tags used on at least ``min_tag_count`` movie/user pairs).
* The film KG: projects linked when they share a contributor (person or company credit) or a
  franchise, weighted by how many they share. Side information: ``has_genre`` and ``has_keyword``.

Both return an :class:`ItemGraph` (a weighted ``networkx.Graph`` plus the side information).
"""

from __future__ import annotations

import csv
import gzip
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from assistant.kg import KnowledgeGraph

CREDIT_TYPES = ("person", "company", "franchise")


@dataclass
class ItemGraph:
    """A behaviour graph over items and each item's side information.

    Attributes:
        graph: Weighted undirected ``networkx.Graph`` over item ids (weight attribute ``"weight"``).
        names: Display name of every item.
        side_info: ``{side type: {item id: [values]}}`` (e.g. ``{"genre": {...}, "tag": {...}}``).
        held_out: Items removed from the graph to be evaluated as cold-start items.
        truth: For each held-out item, its co-occurring items in the full graph, strongest first.
    """

    graph: nx.Graph
    names: dict[str, str]
    side_info: dict[str, dict[str, list[str]]]
    held_out: list[str] = field(default_factory=list)
    truth: dict[str, list[str]] = field(default_factory=dict)

    @property
    def items(self) -> list[str]:
        """Items in the behaviour graph, sorted."""
        return sorted(self.graph.nodes)


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{folder} has no {name}[.gz]: expected MovieLens ml-latest-small "
                            "(ratings.csv, movies.csv, tags.csv)")


def _hold_out(graph: nx.Graph, side_info: dict, fraction: float, seed: int, min_degree: int,
              max_items: int) -> tuple[list[str], dict[str, list[str]]]:
    """Pick cold-start items (with side info of every type and ``min_degree`` neighbours); remove them."""
    candidates = sorted(n for n in graph.nodes if graph.degree(n) >= min_degree
                        and all(values.get(n) for values in side_info.values()))
    random.Random(seed).shuffle(candidates)
    held = sorted(candidates[:min(max_items, round(fraction * len(candidates)))])
    truth = {n: [m for m, _ in sorted(graph[n].items(), key=lambda kv: (-kv[1]["weight"], kv[0]))
                 if m not in held] for n in held}
    graph.remove_nodes_from(held)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return held, truth


def movielens_graph(folder: str | Path, min_rating: float = 3.5, min_tag_count: int = 2, holdout: float = 0.1,
                    seed: int = 0, max_holdout: int = 300) -> ItemGraph:
    """The MovieLens item graph from user rating sequences, with genres and tags as side information.

    Args:
        folder: ``ml-latest-small`` folder.
        min_rating: Ratings below this are not part of a user's sequence.
        min_tag_count: Keep tags used at least this often.
        holdout: Share of eligible movies (tagged, with a genre, at least 5 neighbours) held out as
            cold-start items; ``0`` keeps all.
        seed: Seed of the hold-out.
        max_holdout: At most this many held-out movies.

    Raises:
        FileNotFoundError: The folder lacks the MovieLens files.
    """
    folder = Path(folder)
    names, genres = {}, {}
    with _open(_find(folder, "movies.csv")) as fh:
        for row in csv.DictReader(fh):
            names[row["movieId"]] = row["title"]
            genres[row["movieId"]] = [] if row["genres"] == "(no genres listed)" else row["genres"].split("|")
    tag_rows = []
    with _open(_find(folder, "tags.csv")) as fh:
        tag_rows = [(row["movieId"], row["tag"].strip().lower()) for row in csv.DictReader(fh)]
    counts = Counter(tag for _, tag in tag_rows)
    tags: dict[str, list[str]] = defaultdict(list)
    for movie, tag in tag_rows:
        if tag and counts[tag] >= min_tag_count and tag not in tags[movie]:
            tags[movie].append(tag)
    sequences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    with _open(_find(folder, "ratings.csv")) as fh:
        for row in csv.DictReader(fh):
            if float(row["rating"]) >= min_rating:
                sequences[row["userId"]].append((int(row["timestamp"]), row["movieId"]))
    graph = nx.Graph()
    for seq in sequences.values():
        seq.sort()
        for (_, a), (_, b) in zip(seq[:-1], seq[1:], strict=True):
            if a != b:
                w = graph.get_edge_data(a, b, {"weight": 0})["weight"]
                graph.add_edge(a, b, weight=w + 1)
    side = {"genre": {m: g for m, g in genres.items() if g}, "tag": dict(tags)}
    held, truth = _hold_out(graph, side, holdout, seed, 5, max_holdout) if holdout else ([], {})
    return ItemGraph(graph, names, side, held, truth)


def film_kg_graph(kg: KnowledgeGraph, holdout: float = 0.1, seed: int = 0, max_holdout: int = 300) -> ItemGraph:
    """The film KG's projects linked by shared contributors, with genres and keywords as side information.

    Args:
        kg: The film KG (projects, people, companies, franchises, genres, keywords).
        holdout: Share of eligible projects held out as cold-start items (``0``: none).
        seed: Seed of the hold-out.
        max_holdout: At most this many held-out projects.

    Raises:
        ValueError: The KG has no projects linked through shared credits.
    """
    credits: dict[str, set[str]] = defaultdict(set)  # contributor -> projects
    side: dict[str, dict[str, list[str]]] = {"genre": defaultdict(list), "keyword": defaultdict(list)}
    for e in kg.iter_edges():
        src, dst = kg.nodes.get(e.source), kg.nodes.get(e.target)
        if src is None or dst is None:
            continue
        if src.type in CREDIT_TYPES and dst.type == "project":
            credits[src.id].add(dst.id)
        elif src.type == "project" and dst.type == "franchise":
            credits[dst.id].add(src.id)
        elif src.type == "project" and e.relation == "has_genre":
            side["genre"][src.id].append(dst.name)
        elif src.type == "project" and e.relation == "has_keyword":
            side["keyword"][src.id].append(dst.name)
    graph = nx.Graph()
    for projects in credits.values():
        ordered = sorted(projects)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                w = graph.get_edge_data(a, b, {"weight": 0})["weight"]
                graph.add_edge(a, b, weight=w + 1)
    if graph.number_of_edges() == 0:
        raise ValueError(f"KG {kg.name!r} has no projects sharing a contributor: nothing to build an item graph from")
    side = {k: dict(v) for k, v in side.items()}
    names = {n.id: n.name for n in kg.nodes_of_type("project")}
    held, truth = _hold_out(graph, side, holdout, seed, 3, max_holdout) if holdout else ([], {})
    return ItemGraph(graph, names, side, held, truth)
