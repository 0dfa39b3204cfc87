"""Malformed and odd input files, generated on demand (nothing is committed as a blob).

Each :class:`Case` writes its files into a fresh folder and says what must happen:

* ``error``: the input is broken; loading it must raise a :class:`~assistant.kg.errors.KGQAError` whose problems
  name the file, and the line when ``line`` is given (1-based; ``None``: the whole file is at fault);
* ``ok``: the input is unusual but valid (a BOM at the start, a 200,000-character description, U+2028 in a
  string, CRLF line ends...); it must load, and ``check`` says what the loaded data must hold, so that
  "loaded" never means "silently changed".
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import FILMS, TINY_EDGES, TINY_NODES


@dataclass(frozen=True)
class Case:
    """One generated input.

    Attributes:
        name: Short id (the pytest id).
        build: Writes the input under the given folder and returns the path to load.
        expect: ``"error"`` or ``"ok"``.
        file: Name of the file the problem must name (``error``; default: any file of the input).
        line: The line the first problem must name, or ``None`` when it is about the whole file.
        check: For ``ok``: called with what was loaded; asserts that it holds what the file says.
    """

    name: str
    build: Callable[[Path], Path]
    expect: str = "error"
    file: str | None = None
    line: int | None = None
    check: Callable[[Any], None] | None = None


# ---- building blocks ------------------------------------------------------------------------------------------
def _lines(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def native(folder: Path, nodes: str | bytes | None = None, edges: str | bytes | None = None,
           schema: str | bytes | None = None) -> Path:
    """The tiny film KG in the native layout, with any of its three files replaced."""
    kg = folder / "kg"
    kg.mkdir(parents=True, exist_ok=True)
    default_edges = _lines([{"source": s, "relation": r, "target": t} for s, r, t in TINY_EDGES])
    for name, value, default in (("nodes.jsonl", nodes, _lines(TINY_NODES)), ("edges.jsonl", edges, default_edges),
                                 ("schema.json", schema, (FILMS / "schema.json").read_text(encoding="utf-8"))):
        data = default if value is None else value
        (kg / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return kg


def _schema() -> dict:
    return json.loads((FILMS / "schema.json").read_text(encoding="utf-8"))


def _schema_with(change: Callable[[dict], None]) -> str:
    data = _schema()
    change(data)
    return json.dumps(data, indent=1, ensure_ascii=False)


def _relation(relation: str, **fields: Any) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        for rel in data["relations"]:
            if rel["name"] == relation:
                rel.update(fields)
    return change


def _node_lines(replace: dict[int, str] | None = None, append: list[str] | None = None) -> str:
    """nodes.jsonl of the tiny KG with line N (1-based) replaced by raw text, and raw lines appended."""
    lines = [json.dumps(n, ensure_ascii=False) for n in TINY_NODES]
    for number, text in (replace or {}).items():
        lines[number - 1] = text
    return "\n".join(lines + (append or [])) + "\n"


def _node(**fields: Any) -> str:
    """One raw node line: a valid person node with ``fields`` changed (a ``None`` value removes the key)."""
    record: dict[str, Any] = {"id": "person:new-one", "type": "person", "name": "New One"}
    for key, value in fields.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return json.dumps(record, ensure_ascii=False)


def _edge_lines(append: list[str]) -> str:
    base = [json.dumps({"source": s, "relation": r, "target": t}) for s, r, t in TINY_EDGES]
    return "\n".join(base + append) + "\n"


def _deep(depth: int = 100_000) -> str:
    head = '{"id": "person:deep", "type": "person", "name": "Deep", "attributes": {"x": '
    return head + "[" * depth + "]" * depth + "}}"


def _damaged_gzip(text: str) -> bytes:
    """A gzip stream with a valid header and a damaged body."""
    data = bytearray(gzip.compress(text.encode("utf-8") * 50))
    for i in range(20, min(len(data) - 10, 60)):
        data[i] ^= 0x5A
    return bytes(data)


def _write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return folder


PEOPLE_HEADER = "name,headline,bio,skills\n"
PEOPLE = PEOPLE_HEADER + "Ada Lovelace,Analyst,Wrote the first program,Mathematics;Programming\n" \
                         "Alan Turing,Codebreaker,Broke Enigma,Cryptanalysis;Mathematics\n"
GENERIC_NODES = "id,type,name,description,score\np1,person,Ada,First programmer,3\np2,person,Alan,Codebreaker,4\n"
GENERIC_EDGES = "source,relation,target\np1,knows,p2\n"
TRIPLES = "/m/1\t/film/film/genre\t/m/2\n/m/3\t/film/film/genre\t/m/2\n"
METAQA = "Jaws|directed_by|Steven Spielberg\nJaws|release_year|1975\n"


def _csv_people(folder: Path, people: str | bytes = PEOPLE, **extra: str | bytes) -> Path:
    return _write(folder / "csv", {"people.csv": people, **{f"{k}.csv": v for k, v in extra.items()}})


def _csv_generic(folder: Path, nodes: str | bytes = GENERIC_NODES, edges: str | bytes | None = GENERIC_EDGES) -> Path:
    files: dict[str, str | bytes] = {"nodes.csv": nodes}
    if edges is not None:
        files["edges.csv"] = edges
    return _write(folder / "csv", files)


def _triples(folder: Path, **files: str | bytes) -> Path:
    return _write(folder / "triples", {"train.txt": TRIPLES, **{k.replace("__", "."): v for k, v in files.items()}})


def _metaqa(folder: Path, text: str | bytes, name: str = "kb.txt") -> Path:
    _write(folder / "metaqa", {name: text})
    return folder / "metaqa" / name


# ---- checks for the valid-but-odd inputs ----------------------------------------------------------------------
def _has_node(node_id: str, **attrs: Any) -> Callable[[Any], None]:
    def check(kg: Any) -> None:
        assert node_id in kg.nodes, f"{node_id!r} missing; ids start {sorted(kg.nodes)[:3]}"
        for key, value in attrs.items():
            got = getattr(kg.nodes[node_id], key)
            assert got == value, f"{node_id}.{key} = {got!r:.80}, expected {value!r:.80}"
    return check


def _counts(nodes: int, edges: int) -> Callable[[Any], None]:
    def check(kg: Any) -> None:
        assert (kg.num_nodes, kg.num_edges) == (nodes, edges), (kg.num_nodes, kg.num_edges)
    return check


def _all(*checks: Callable[[Any], None]) -> Callable[[Any], None]:
    def check(kg: Any) -> None:
        for c in checks:
            c(kg)
    return check


LONG = "A long plot. " * 15_385  # 200,005 characters: real data, must load


def kg_cases() -> list[Case]:
    """Malformed and odd KG inputs in every supported layout."""
    cases: list[Case] = []

    def add(name: str, build: Callable[[Path], Path], expect: str = "error", file: str | None = None,
            line: int | None = None, check: Callable[[Any], None] | None = None) -> None:
        cases.append(Case(f"kg-{name}", build, expect, file, line, check))

    # schema.json: wrong JSON types, bad names, bad encodings
    for name, change, line in [
        ("node_types-int", lambda d: d.update(node_types=5), 2),
        ("relations-int", lambda d: d.update(relations=7), None),
        ("paraphrases-int", _relation("directed", paraphrases=5), None),
        ("paraphrases-string", _relation("directed", paraphrases="who made"), None),
        ("inverse_paraphrases-dict", _relation("directed", inverse_paraphrases={"a": 1}), None),
        ("source_nouns-numbers", _relation("directed", source_nouns=[1, 2]), None),
        ("forward-int", _relation("directed", forward=123), None),
        ("inverse-list", _relation("directed", inverse=[]), None),
        ("forward-blank", _relation("directed", forward="   "), None),
        ("forward-newline", _relation("directed", forward="directed\nby"), None),
        ("source_type-int", _relation("directed", source_type=5), None),
        ("source_type-unknown", _relation("directed", source_type="alien"), None),
        ("relation-name-int", _relation("directed", name=5), None),
        ("relation-name-empty", _relation("directed", name=""), None),
        ("relation-name-padded", _relation("directed", name=" directed"), None),
        ("relation-name-control", _relation("directed", name="dir\u0001ected"), None),
        ("node_type-int", lambda d: d["node_types"].append(5), None),
        ("node_type-empty-name", lambda d: d["node_types"].append({"name": ""}), None),
        ("node_type-twice", lambda d: d["node_types"].append(dict(d["node_types"][0])), None),
        ("relation-twice", lambda d: d["relations"].append(dict(d["relations"][0])), None),
        ("node_type-description-int", lambda d: d["node_types"][0].update(description=7), None),
        ("no-node_types", lambda d: d.pop("node_types"), 1),
    ]:
        add(f"schema-{name}", lambda f, c=change: native(f, schema=_schema_with(c)), file="schema.json", line=line)
    for name, raw, line in [
        ("list", "[1, 2]", 1),
        ("truncated", '{"node_types": [', 1),
        ("invalid-utf8", b'{"node_types": ["person"],\n "relations": [{"name": "caf\xe9"}]}', 2),
        ("utf16", '{"node_types": []}'.encode("utf-16"), 1),
        ("nan", '{"node_types": ["person"], "relations": [], "weight": NaN}', None),
        ("deep", '{"node_types": ' + "[" * 100_000 + "]" * 100_000 + "}", None),
        ("duplicate-key", '{"node_types": ["person"], "node_types": ["genre"], "relations": []}', None),
        ("empty", "", 1),
        ("binary", bytes(random.Random(1).randrange(256) for _ in range(4096)), None),
    ]:
        add(f"schema-{name}", lambda f, r=raw: native(f, schema=r), file="schema.json", line=line)
    add("schema-folder", lambda f: (lambda kg: (kg / "schema.json").unlink() or (kg / "schema.json").mkdir() or kg)(
        native(f)), file="schema.json")

    # nodes.jsonl: one bad record at line 17 (after the 16 good ones), or a replaced line
    for name, raw in [
        ("invalid-json", "{not json"),
        ("array", "[1, 2, 3]"),
        ("string", '"person:x"'),
        ("id-missing", _node(id=None)),
        ("id-int", _node(id=5)),
        ("id-empty", _node(id="")),
        ("id-blank", _node(id="   ")),
        ("id-padded", _node(id=" person:x")),
        ("id-nul", _node(id="person:a\u0000b")),
        ("id-newline", _node(id="person:a\nb")),
        ("id-bom", _node(id="\ufeffperson:x")),
        ("id-line-separator", _node(id="person:a\u2028b")),
        ("name-missing", _node(name=None)),
        ("name-blank", _node(name="  \t ")),
        ("name-bell", _node(name="New\u0007One")),
        ("name-int", _node(name=42)),
        ("type-unknown", _node(type="alien")),
        ("type-missing", _node(type=None)),
        ("aliases-string", _node(aliases="Newbie")),
        ("aliases-numbers", _node(aliases=[1])),
        ("alias-nul", _node(aliases=["ok", "bad\u0000"])),
        ("description-int", _node(description=5)),
        ("description-nul", _node(description="a\u0000b")),
        ("attributes-list", _node(attributes=[1])),
        ("attribute-nested", _node(attributes={"x": {"y": 1}})),
        ("attribute-huge-number", '{"id": "person:n", "type": "person", "name": "N", "attributes": {"born": 1e999}}'),
        ("attribute-nan", '{"id": "person:n", "type": "person", "name": "N", "attributes": {"born": NaN}}'),
        ("attribute-infinity", '{"id": "person:n", "type": "person", "name": "N", "attributes": {"born": -Infinity}}'),
        ("attribute-key-control", _node(attributes={"bo\u0001rn": 1})),
        ("duplicate-id", _node(id="person:george-lucas")),
        ("duplicate-key", '{"id": "person:a", "id": "person:b", "type": "person", "name": "A"}'),
        ("deep", _deep()),
        ("truncated", '{"id": "person:x", "type": "person", "na'),
    ]:
        add(f"nodes-{name}", lambda f, r=raw: native(f, nodes=_node_lines(append=[r])), file="nodes.jsonl", line=17)
    add("nodes-empty", lambda f: native(f, nodes="", edges=""), file="nodes.jsonl")
    add("nodes-blank-lines", lambda f: native(f, nodes="\n\n  \n", edges=""), file="nodes.jsonl")
    add("nodes-invalid-utf8-line-4", lambda f: native(f, nodes=_node_lines().encode("utf-8").replace(
        b'"Phil Tippett"', b'"Phil Tipp\xe9tt"')), file="nodes.jsonl", line=4)
    add("nodes-bom-inside", lambda f: native(f, nodes=_node_lines().replace("\n", "\n\ufeff", 3).replace(
        "\n\ufeff", "\n", 2)), file="nodes.jsonl", line=4)
    add("nodes-binary", lambda f: native(f, nodes=bytes(random.Random(2).randrange(256) for _ in range(8192))),
        file="nodes.jsonl")
    add("nodes-raw-nul-bytes", lambda f: native(f, nodes=_node_lines().encode() + b"\x00" * 64 + b"\n"),
        file="nodes.jsonl", line=17)
    add("nodes-line-over-limit", lambda f: native(f, nodes=_node_lines(append=['{"id": "' + "x" * (17 << 20) + '"}'])),
        file="nodes.jsonl", line=17)
    add("nodes-folder", lambda f: (lambda kg: (kg / "nodes.jsonl").unlink() or (kg / "nodes.jsonl").mkdir() or kg)(
        native(f)), file="nodes.jsonl")

    # edges.jsonl: one bad edge at line 19 (after the 18 good ones)
    for name, raw in [
        ("source-missing", '{"relation": "directed", "target": "project:jaws-1975"}'),
        ("relation-int", '{"source": "person:george-lucas", "relation": 5, "target": "project:jaws-1975"}'),
        ("relation-padded", '{"source": "person:george-lucas", "relation": "directed ", '
                            '"target": "project:jaws-1975"}'),
        ("relation-undeclared", '{"source": "person:george-lucas", "relation": "befriended", '
                                '"target": "person:john-williams"}'),
        ("target-unknown", '{"source": "person:george-lucas", "relation": "directed", "target": "project:nope"}'),
        ("wrong-endpoint-type", '{"source": "genre:horror", "relation": "directed", "target": "project:jaws-1975"}'),
        ("qualifiers-list", '{"source": "person:george-lucas", "relation": "directed", "target": "project:jaws-1975", '
                            '"qualifiers": [1]}'),
        ("qualifier-nan", '{"source": "person:george-lucas", "relation": "directed", "target": "project:jaws-1975", '
                          '"qualifiers": {"year": NaN}}'),
        ("qualifier-nested", '{"source": "person:george-lucas", "relation": "directed", "target": "project:jaws-1975", '
                             '"qualifiers": {"credit": {"a": 1}}}'),
        ("invalid-json", '{"source": "person:george-lucas",'),
        ("nul-in-target", '{"source": "person:george-lucas", "relation": "directed", '
                          '"target": "project:jaws-1975\\u0000"}'),
    ]:
        add(f"edges-{name}", lambda f, r=raw: native(f, edges=_edge_lines([r])), file="edges.jsonl", line=19)
    add("edges-invalid-utf8", lambda f: native(f, edges=_edge_lines([]).encode() + b'{"source": "\xff"}\n'),
        file="edges.jsonl", line=19)

    # valid but unusual native input: must load, with the data as written
    add("nodes-bom-at-start", lambda f: native(f, nodes="\ufeff" + _node_lines()), "ok",
        check=_has_node("person:george-lucas", name="George Lucas"))
    add("nodes-crlf", lambda f: native(f, nodes=_node_lines().replace("\n", "\r\n")), "ok",
        check=_all(_counts(16, 18), _has_node("skill:directing", name="Directing")))
    add("nodes-line-separator-in-description", lambda f: native(f, nodes=_node_lines(append=[_node(
        description="first\u2028second\u2029third")])), "ok",
        check=_has_node("person:new-one", description="first\u2028second\u2029third"))
    add("nodes-200k-description", lambda f: native(f, nodes=_node_lines(append=[_node(description=LONG)])), "ok",
        check=_has_node("person:new-one", description=LONG))
    add("nodes-unicode-names", lambda f: native(f, nodes=_node_lines(append=[_node(
        name="Åsa 🎬 Ærø שלום", aliases=["İstanbul", "ǅemal"])])), "ok",
        check=_has_node("person:new-one", name="Åsa 🎬 Ærø שלום", aliases=("İstanbul", "ǅemal")))
    add("nodes-escaped-tabs-in-description", lambda f: native(f, nodes=_node_lines(append=[_node(
        description="line one\n\tline two")])), "ok",
        check=_has_node("person:new-one", description="line one\n\tline two"))

    # CSV, people-centric
    add("people-nameless", lambda f: _csv_people(f, PEOPLE_HEADER + "!!!,a,b,\n???,c,d,\n🎬,e,f,\n"),
        file="people.csv", line=2)
    add("people-duplicate-after-folding", lambda f: _csv_people(f, PEOPLE + "ADA LOVELACE,x,y,\n"),
        file="people.csv", line=4)
    add("people-nameless-skill", lambda f: _csv_people(f, PEOPLE + "Grace Hopper,Admiral,COBOL,???;Compilers\n"),
        file="people.csv", line=4)
    add("people-empty-file", lambda f: _csv_people(f, ""), file="people.csv", line=1)
    add("people-header-only", lambda f: _csv_people(f, PEOPLE_HEADER), file="people.csv")
    add("people-no-name-column", lambda f: _csv_people(f, "person,headline\nAda,x\n"), file="people.csv", line=1)
    add("people-field-count", lambda f: _csv_people(f, PEOPLE + "Grace Hopper,Admiral\n"), file="people.csv", line=4)
    add("people-nul-in-name", lambda f: _csv_people(f, PEOPLE + "Grace\x00Hopper,Admiral,COBOL,\n"),
        file="people.csv", line=4)
    add("people-control-in-headline", lambda f: _csv_people(f, PEOPLE + "Grace Hopper,Adm\x1biral,COBOL,\n"),
        file="people.csv", line=4)
    add("people-unterminated-quote", lambda f: _csv_people(f, PEOPLE + 'Grace Hopper,"Admiral,COBOL,\nx,y,z,\n'),
        file="people.csv", line=5)
    add("people-latin1", lambda f: _csv_people(f, (PEOPLE + "Amélie Poulain,Waitress,Paris,\n").encode("latin-1")),
        file="people.csv", line=4)
    add("people-utf16", lambda f: _csv_people(f, PEOPLE.encode("utf-16")), file="people.csv", line=1)
    add("people-duplicate-column", lambda f: _csv_people(f, "name,name\nAda,Ada\n"), file="people.csv", line=1)
    add("people-line-after-multiline-bio", lambda f: _csv_people(
        f, PEOPLE_HEADER + 'Ada Lovelace,Analyst,"Wrote\nthe first\nprogram",Mathematics\nGrace Hopper,x\n'),
        file="people.csv", line=5)
    add("projects-duplicate-name", lambda f: _csv_people(f, projects="name,year\nDune,1984\nDune,2021\n"),
        file="projects.csv", line=3)
    add("projects-year-nan", lambda f: _csv_people(f, projects="name,year\nDune,NaN\n"), file="projects.csv", line=2)
    add("projects-year-inf", lambda f: _csv_people(f, projects="name,year\nDune,inf\n"), file="projects.csv", line=2)
    add("projects-nameless", lambda f: _csv_people(f, projects="name,year\n***,1984\n"), file="projects.csv", line=2)
    add("roles-unknown-person", lambda f: _csv_people(f, roles="person,project,role\nNobody,Dune,Director\n"),
        file="roles.csv", line=2)
    add("roles-year-overflow", lambda f: _csv_people(
        f, roles="person,project,role,year\nAda Lovelace,Engine,Writer,1e999\n"), file="roles.csv", line=2)
    add("people-bom-excel", lambda f: _csv_people(f, "\ufeff" + PEOPLE), "ok",
        check=_all(_has_node("person:ada-lovelace", name="Ada Lovelace"), _has_node("skill:mathematics")))
    add("people-multiline-bio", lambda f: _csv_people(
        f, PEOPLE_HEADER + 'Ada Lovelace,Analyst,"Wrote\nthe first\nprogram",Mathematics\n'), "ok",
        check=_has_node("person:ada-lovelace", description="Wrote\nthe first\nprogram"))
    add("people-crlf", lambda f: _csv_people(f, PEOPLE.replace("\n", "\r\n")), "ok",
        check=_has_node("person:alan-turing", description="Broke Enigma"))

    # CSV, generic nodes/edges
    add("csv-id-blank", lambda f: _csv_generic(f, GENERIC_NODES + "   ,person,Ghost,,1\n"), file="nodes.csv", line=4)
    add("csv-score-nan", lambda f: _csv_generic(f, GENERIC_NODES + "p3,person,Grace,Admiral,nan\n"),
        file="nodes.csv", line=4)
    add("csv-score-infinity", lambda f: _csv_generic(f, GENERIC_NODES + "p3,person,Grace,Admiral,-Infinity\n"),
        file="nodes.csv", line=4)
    add("csv-duplicate-id", lambda f: _csv_generic(f, GENERIC_NODES + "p1,person,Again,,1\n"), file="nodes.csv", line=4)
    add("csv-header-only", lambda f: _csv_generic(f, "id,type,name\n", "source,relation,target\n"), file="nodes.csv")
    add("csv-edges-missing", lambda f: _csv_generic(f, edges=None), file="edges.csv")
    add("csv-edge-unknown-node", lambda f: _csv_generic(f, edges=GENERIC_EDGES + "p1,knows,p9\n"),
        file="edges.csv", line=3)
    add("csv-relation-control", lambda f: _csv_generic(f, edges=GENERIC_EDGES + "p1,kn\x01ows,p2\n"),
        file="edges.csv", line=3)
    add("csv-field-over-limit", lambda f: _csv_generic(
        f, GENERIC_NODES + 'p3,person,Big,"' + "x" * (9 << 20) + '",1\n'), file="nodes.csv", line=4)
    add("csv-200k-description", lambda f: _csv_generic(f, GENERIC_NODES + f'p3,person,Long,"{LONG}",5\n'), "ok",
        check=_has_node("p3", description=LONG.strip()))

    # triples (FB15k-237 / WN18RR layout)
    add("triples-two-columns", lambda f: _triples(f, train__txt=TRIPLES + "/m/4\t/film/film/genre\n"),
        file="train.txt", line=3)
    add("triples-blank-field", lambda f: _triples(f, train__txt=TRIPLES + "/m/4\t \t/m/2\n"), file="train.txt", line=3)
    add("triples-nul-id", lambda f: _triples(f, train__txt=TRIPLES + "/m/4\x00\t/film/film/genre\t/m/2\n"),
        file="train.txt", line=3)
    add("triples-empty", lambda f: _triples(f, train__txt=""), file="train.txt")
    add("triples-gzip-damaged", lambda f: _write(f / "triples", {"train.txt.gz": _damaged_gzip(TRIPLES)}),
        file="train.txt.gz")
    add("triples-gzip-truncated", lambda f: _write(f / "triples", {"train.txt.gz": gzip.compress(
        TRIPLES.encode() * 100)[:-30]}), file="train.txt.gz")
    add("triples-gzip-not-gzip", lambda f: _write(f / "triples", {"train.txt.gz": TRIPLES}), file="train.txt.gz")
    add("triples-names-no-tab", lambda f: _triples(f, entity2text__txt="/m/1\tJaws\n/m/2 Thriller\n"),
        file="entity2text.txt", line=2)
    add("triples-name-control", lambda f: _triples(f, entity2text__txt="/m/1\tJa\x08ws\n"),
        file="entity2text.txt", line=1)
    add("triples-relation2text-no-tab", lambda f: _triples(f, relation2text__txt="/film/film/genre film genre\n"),
        file="relation2text.txt", line=1)
    add("triples-invalid-utf8", lambda f: _triples(f, train__txt=TRIPLES.encode() + b"/m/\xc3\x28\tr\t/m/2\n"),
        file="train.txt", line=3)
    add("triples-single-file-four-columns", lambda f: _write(f / "one", {"kg.tsv": "a\tr\tb\tc\n"}) / "kg.tsv",
        file="kg.tsv", line=1)
    add("triples-bom-at-start", lambda f: _triples(f, train__txt="\ufeff" + TRIPLES), "ok",
        check=_all(_has_node("/m/1"), _counts(3, 2)))
    add("triples-shortdesc-name-only", lambda f: _triples(
        f, entity2shortdesc__txt="/m/1\tJaws -- A 1975 shark film.\n/m/2\tThriller\n"), "ok",
        check=_all(_has_node("/m/1", name="Jaws", description="A 1975 shark film."),
                   _has_node("/m/2", name="Thriller", description="")))

    # MetaQA kb.txt
    add("metaqa-two-fields", lambda f: _metaqa(f, METAQA + "Jaws|directed_by\n"), file="kb.txt", line=3)
    add("metaqa-empty-subject", lambda f: _metaqa(f, METAQA + " |directed_by|X\n"), file="kb.txt", line=3)
    add("metaqa-control", lambda f: _metaqa(f, METAQA + "Ja\x1fws|has_tags|x\n"), file="kb.txt", line=3)
    add("metaqa-nul-relation", lambda f: _metaqa(f, METAQA + "Jaws|has\x00tags|x\n"), file="kb.txt", line=3)
    add("metaqa-gzip-damaged", lambda f: _metaqa(f, _damaged_gzip(METAQA), "kb.txt.gz"), file="kb.txt.gz")
    add("metaqa-bom-at-start", lambda f: _metaqa(f, "\ufeff" + METAQA), "ok",
        check=_all(_has_node("movie:Jaws", name="Jaws"), _counts(3, 2)))

    # paths that are not KGs at all
    add("missing-path", lambda f: f / "nowhere")
    add("empty-folder", lambda f: _write(f / "empty", {}))
    add("random-binary-file", lambda f: _write(f / "bin", {"blob.dat": bytes(
        random.Random(3).randrange(256) for _ in range(20_000))}) / "blob.dat", file="blob.dat")
    add("empty-file", lambda f: _write(f / "e", {"kg.txt": ""}) / "kg.txt", file="kg.txt")
    return cases


# ---- update files (`kgqa kg add`) -----------------------------------------------------------------------------
def _updates(folder: Path, text: str | bytes, name: str = "updates.jsonl") -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


NEW_FILM = {"id": "project:duel-1971", "type": "project", "name": "Duel", "description": "A truck chases a driver.",
            "attributes": {"year": 1971}}
NEW_EDGE = {"source": "person:steven-spielberg", "relation": "directed", "target": "project:duel-1971"}
GOOD = json.dumps(NEW_FILM) + "\n"


def update_cases() -> list[Case]:
    """Malformed and odd update files; ``line`` is the line of the first problem."""
    cases: list[Case] = []

    def add(name: str, build: Callable[[Path], Path], expect: str = "error", line: int | None = None,
            check: Callable[[Any], None] | None = None) -> None:
        cases.append(Case(f"update-{name}", build, expect, None, line, check))

    for name, raw in [
        ("invalid-json", "{oops"),
        ("array", "[1, 2]"),
        ("unknown-op", json.dumps({"op": "add_nodes", "node": NEW_FILM})),
        ("op-int", json.dumps({"op": 3, "id": "x"})),
        ("op-typo-with-bare-node", json.dumps({**NEW_FILM, "id": "project:x", "op": "add-node"})),
        ("neither-node-nor-edge", json.dumps({"foo": "bar"})),
        ("add-existing", json.dumps({"op": "add_node", "node": {"id": "person:george-lucas", "type": "person",
                                                                 "name": "George"}})),
        ("update-missing", json.dumps({"op": "update_node", "node": {"id": "person:nobody", "type": "person",
                                                                      "name": "Nobody"}})),
        ("remove-missing", json.dumps({"op": "remove_node", "id": "person:nobody"})),
        ("remove-id-list", json.dumps({"op": "remove_node", "id": ["person:george-lucas"]})),
        ("remove-id-object", json.dumps({"op": "remove_node", "id": {"a": 1}})),
        ("edge-unknown-endpoint", json.dumps({"source": "person:nobody", "relation": "directed",
                                              "target": "project:jaws-1975"})),
        ("edge-unknown-relation", json.dumps({"source": "person:george-lucas", "relation": "befriended",
                                              "target": "person:john-williams"})),
        ("edge-wrong-type", json.dumps({"source": "genre:horror", "relation": "directed",
                                        "target": "project:jaws-1975"})),
        ("edge-not-object", json.dumps({"op": "add_edge", "edge": "a->b"})),
        ("edge-qualifier-nan", '{"source": "person:george-lucas", "relation": "directed", '
                               '"target": "project:jaws-1975", "qualifiers": {"year": NaN}}'),
        ("node-name-control", json.dumps({**NEW_FILM, "name": "Du\u0000el"})),
        ("node-id-padded", json.dumps({**NEW_FILM, "id": "project:duel "})),
        ("node-aliases-string", json.dumps({**NEW_FILM, "aliases": "Duel!"})),
        ("node-attributes-nested", json.dumps({**NEW_FILM, "attributes": {"year": {"y": 1971}}})),
        ("node-description-int", json.dumps({**NEW_FILM, "description": 12})),
        ("node-type-unknown", json.dumps({**NEW_FILM, "type": "spaceship"})),
        ("duplicate-key", '{"id": "project:a", "id": "project:b", "type": "project", "name": "A"}'),
        ("deep", '{"op": "add_node", "node": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("huge-number", '{"id": "project:a", "type": "project", "name": "A", "attributes": {"year": 1e999}}'),
        ("truncated", '{"id": "project:a", "type": "proj'),
    ]:
        add(name, lambda f, r=raw: _updates(f, GOOD + r + "\n"), line=2)
    add("invalid-utf8", lambda f: _updates(f, GOOD.encode() + b'{"id": "project:caf\xe9", "type": "project"}\n'),
        line=2)
    add("utf16", lambda f: _updates(f, GOOD.encode("utf-16")), line=1)
    add("binary", lambda f: _updates(f, bytes(random.Random(4).randrange(256) for _ in range(4096))))
    add("empty", lambda f: _updates(f, ""))
    add("blank-lines", lambda f: _updates(f, "\n  \n\n"))
    add("folder", lambda f: (f / "updates.jsonl").mkdir() or f / "updates.jsonl")
    add("missing", lambda f: f / "nope.jsonl")
    add("gzip-damaged", lambda f: _updates(f, _damaged_gzip(GOOD), "updates.jsonl.gz"))
    add("bom-inside", lambda f: _updates(f, GOOD + "\ufeff" + json.dumps(NEW_EDGE) + "\n"), line=2)

    def applied(description: str | None = None) -> Callable[[Any], None]:
        def check(kg: Any) -> None:
            assert "project:duel-1971" in kg.nodes
            if description is not None:
                assert kg.nodes["project:duel-1971"].description == description
            assert kg.find_edges("person:steven-spielberg", "directed", "project:duel-1971")
        return check

    pair = json.dumps(NEW_EDGE) + "\n"
    add("line-separator-in-description", lambda f: _updates(f, json.dumps(
        {**NEW_FILM, "description": "A truck\u2028chases\u2029a driver."}, ensure_ascii=False) + "\n" + pair), "ok",
        check=applied("A truck\u2028chases\u2029a driver."))
    add("bom-at-start", lambda f: _updates(f, "\ufeff" + GOOD + pair), "ok", check=applied())
    add("crlf", lambda f: _updates(f, (GOOD + pair).replace("\n", "\r\n")), "ok", check=applied())
    add("gzip", lambda f: _updates(f, gzip.compress((GOOD + pair).encode()), "updates.jsonl.gz"), "ok",
        check=applied())
    return cases


# ---- question uploads (the Evaluate tab) --------------------------------------------------------------------
Q = json.dumps({"question": "who directed Jaws", "answers": ["Steven Spielberg"], "type": "credit"}) + "\n"


def upload_cases() -> list[Case]:
    cases: list[Case] = []

    def add(name: str, build: Callable[[Path], Path | None], expect: str = "error", line: int | None = None,
            check: Callable[[Any], None] | None = None) -> None:
        cases.append(Case(f"upload-{name}", build, expect, None, line, check))  # type: ignore[arg-type]

    def bomb(f: Path) -> Path:
        path = f / "bomb.jsonl.gz"
        with gzip.open(path, "wb", compresslevel=9) as fh:
            fh.write(Q.encode())
            for _ in range(32):
                fh.write(b" " * (1 << 20))
        return path

    add("gzip-bomb", bomb)
    add("gzip-damaged", lambda f: _updates(f, _damaged_gzip(Q), "q.jsonl.gz"))
    add("gzip-truncated", lambda f: _updates(f, gzip.compress(Q.encode() * 50)[:-25], "q.jsonl.gz"))
    add("too-big", lambda f: _updates(f, Q * 40_000, "q.jsonl"))
    add("too-many", lambda f: _updates(f, "".join(json.dumps({"question": f"q{i}", "answers": ["a"]}) + "\n"
                                                  for i in range(501)), "q.jsonl"))
    add("latin1", lambda f: _updates(f, (Q + '{"question": "qui a réalisé", "answers": ["x"]}\n').encode("latin-1"),
                                     "q.jsonl"), line=2)
    add("invalid-json", lambda f: _updates(f, Q + "{oops\n", "q.jsonl"), line=2)
    add("answers-missing", lambda f: _updates(f, Q + '{"question": "who"}\n', "q.jsonl"), line=2)
    add("answers-not-strings", lambda f: _updates(f, Q + '{"question": "who", "answers": [1]}\n', "q.jsonl"), line=2)
    add("question-int", lambda f: _updates(f, Q + '{"question": 5, "answers": ["a"]}\n', "q.jsonl"), line=2)
    add("deep", lambda f: _updates(f, Q + '{"question": "q", "answers": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
                                   "q.jsonl"), line=2)
    add("metaqa-no-tab", lambda f: _updates(f, "who directed [Jaws]\tSteven Spielberg\nwho directed Jaws\n",
                                            "qa_dev.txt"), line=2)
    add("metaqa-two-topics", lambda f: _updates(f, "who is [a] and [b]\tx\n", "qa_dev.txt"), line=1)
    add("empty", lambda f: _updates(f, "", "q.jsonl"))
    add("binary", lambda f: _updates(f, bytes(random.Random(5).randrange(256) for _ in range(5000)), "q.jsonl"))
    add("folder", lambda f: (f / "q.jsonl").mkdir() or f / "q.jsonl")
    add("missing", lambda f: f / "nope.jsonl")
    add("none", lambda f: None)

    def count(n: int) -> Callable[[Any], None]:
        def check(items: Any) -> None:
            assert len(items) == n and items[0].question == "who directed Jaws", items
        return check

    add("bom-at-start", lambda f: _updates(f, "\ufeff" + Q, "q.jsonl"), "ok", check=count(1))
    add("gzip", lambda f: _updates(f, gzip.compress((Q * 3).encode()), "q.jsonl.gz"), "ok", check=count(3))
    add("metaqa", lambda f: _updates(f, "who directed [Jaws]\tSteven Spielberg\n", "qa_dev.txt"), "ok",
        check=count(1))
    return cases


def all_file_cases() -> list[Case]:
    return kg_cases() + update_cases() + upload_cases()


def copy_case(case: Case, folder: Path) -> Path | None:
    """Build ``case`` in ``folder`` (emptied first)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return case.build(folder)
