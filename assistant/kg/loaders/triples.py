"""Triples TSV in the FB15k-237 / WN18RR layout, with optional id->name and id->description files.

A folder holds ``train``/``valid``/``test`` (``.txt`` for FB15k-237, ``.tsv`` with ``dev`` for
WN18RR, gzipped or not), ``entity2text`` (names; in WN18RR "lemma, definition"),
``entity2shortdesc`` (FB15k-237 "Name -- description") and ``relation2text`` (readable relation
names). A single ``head<TAB>relation<TAB>tail`` file loads too. The split of each edge is kept
as index ranges in ``kg.metadata["splits"]`` for link-prediction benchmarks.

An ``entity2shortdesc`` line without `` -- `` holds a name and no description (FB15k-237 has 47 such lines); it
names the entity when ``entity2text`` does not. Ids, relations and names may not hold control characters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from assistant.kg.errors import ProblemLog
from assistant.kg.graph import Edge, KnowledgeGraph, Node
from assistant.kg.loaders.common import bad_identifier, bad_text, first_existing, numbered_lines
from assistant.kg.schema import RelationSpec, Schema, humanize_relation

SPLITS = {"train": ["train"], "valid": ["valid", "dev"], "test": ["test"]}
EXTENSIONS = [".txt", ".txt.gz", ".tsv", ".tsv.gz"]


def _split_files(folder: Path) -> dict[str, Path]:
    found = {}
    for split, stems in SPLITS.items():
        path = first_existing(folder, [s + ext for s in stems for ext in EXTENSIONS])
        if path is not None:
            found[split] = path
    return found


def is_triples_folder(path: Path) -> bool:
    return path.is_dir() and "train" in _split_files(path)


def _read_pairs(path: Path, log: ProblemLog) -> dict[str, str]:
    out: dict[str, str] = {}
    for number, line in numbered_lines(path, log):
        if not line.strip():
            continue
        key, sep, value = line.partition("\t")
        if not sep:
            log.add(str(path), number, "expected 'id<TAB>text'")
            continue
        key, value = key.strip(), value.strip()
        problem = bad_identifier(key, "id") or bad_text(value, "the text")
        if problem:
            log.add(str(path), number, problem)
            continue
        out[key] = value
    return out


def _head_type(relation: str, default: str) -> str:
    """Freebase paths name the subject's type: ``/film/film/genre`` -> ``film``."""
    parts = relation.split(".")[0].strip("/").split("/")
    return parts[1] if relation.startswith("/") and len(parts) >= 3 else default


def load_triples(path: str | Path, default_type: str | None = None) -> KnowledgeGraph:
    """Load a triples folder (or one triples file) with names and descriptions when present.

    Args:
        path: Folder in the FB15k-237/WN18RR layout, or a single TSV file.
        default_type: Node type when none can be inferred (``synset`` for WN18RR-style data).
    """
    path = Path(path)
    log = ProblemLog()
    if path.is_dir():
        files = _split_files(path)
        if "train" not in files:
            log.add(str(path), None, "expected train.txt[.gz] or train.tsv[.gz] in this folder")
        folder = path
    elif path.exists():
        files, folder = {"train": path}, path.parent
    else:
        log.add(str(path), None, "file or folder not found")
        files, folder = {}, path
    log.raise_if_any()

    triples: list[tuple[str, str, str]] = []
    splits: dict[str, list[int]] = {}
    for split, file in files.items():
        start = len(triples)
        for number, line in numbered_lines(file, log):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not all(p.strip() for p in parts):
                log.add(str(file), number, f"expected 'head<TAB>relation<TAB>tail', got {line[:80]!r}")
                continue
            head, relation, tail = (p.strip() for p in parts)
            problem = (bad_identifier(head, "head") or bad_identifier(relation, "relation")
                       or bad_identifier(tail, "tail"))
            if problem:
                log.add(str(file), number, problem)
                continue
            triples.append((head, relation, tail))
        splits[split] = [start, len(triples)]
    if not triples and not log:
        log.add(str(files.get("train", path)), None, "holds no triples; expected 'head<TAB>relation<TAB>tail' lines")
    # WordNet relations look like "_hypernym" and its entity2text holds "lemma, definition".
    wordnet_style = path.is_dir() and bool(triples) and all(r.startswith("_") for _, r, _ in triples)
    default_type = default_type or ("synset" if wordnet_style else "entity")

    names_file = first_existing(folder, ["entity2text.txt", "entity2text.txt.gz"]) if path.is_dir() else None
    desc_file = first_existing(folder, ["entity2shortdesc.txt.gz", "entity2shortdesc.txt"]) if path.is_dir() else None
    rel_file = first_existing(folder, ["relation2text.txt"]) if path.is_dir() else None
    names = _read_pairs(names_file, log) if names_file else {}
    descriptions: dict[str, str] = {}
    if desc_file:
        for key, text in _read_pairs(desc_file, log).items():
            name, sep, desc = text.partition(" -- ")
            descriptions[key] = desc.strip() if sep else ""
            if name.strip():
                names.setdefault(key, name.strip())  # "Name -- description", or only a name
    if wordnet_style:  # "lemma, definition"
        for key, text in list(names.items()):
            lemma, _, definition = text.partition(", ")
            names[key] = lemma.strip()
            descriptions.setdefault(key, definition.strip())
    rel_text = _read_pairs(rel_file, log) if rel_file else {}
    log.raise_if_any()

    # Infer node types: a node's outgoing Freebase relations name its type; a relation's
    # tail type is the commonest type of its tails seen as heads.
    votes: dict[str, Counter] = defaultdict(Counter)
    for h, r, _ in triples:
        votes[h][_head_type(r, default_type)] += 1
    head_types = {n: c.most_common(1)[0][0] for n, c in votes.items()}
    tail_votes: dict[str, Counter] = defaultdict(Counter)
    for _, r, t in triples:
        if t in head_types:
            tail_votes[r][head_types[t]] += 1
    tail_type = {r: c.most_common(1)[0][0] for r, c in tail_votes.items()}
    node_type: dict[str, str] = dict(head_types)
    for _, r, t in triples:
        node_type.setdefault(t, tail_type.get(r, default_type))

    schema = Schema(node_types={t: "" for t in sorted(set(node_type.values()))})
    for r in sorted({r for _, r, _ in triples}):
        text = rel_text.get(r) or humanize_relation(r)
        schema.relations[r] = RelationSpec(r, None, None, text, f"{text} (inverse)")
    kg = KnowledgeGraph(schema=schema, name=folder.name if path.is_dir() else path.stem)
    for node_id, ntype in node_type.items():
        kg.add_node(Node(node_id, ntype, names.get(node_id) or node_id, (), descriptions.get(node_id, "")))
    for h, r, t in triples:
        kg.add_edge(Edge(h, r, t))
    kg.metadata["splits"] = splits
    return kg
