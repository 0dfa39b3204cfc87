"""Cross-check the embedded film KG (``data/films``) against the MetaQA / WikiMovies KB.

Usage::

    python data/films/src/crosscheck.py                 # table of agreement per relation, then every difference
    python data/films/src/crosscheck.py --kb PATH       # another copy of kb.txt / kb_partial.txt.gz
    python data/films/src/crosscheck.py --markdown      # the README section (figures and explained differences)
    python data/films/src/crosscheck.py --write-readme  # put that section into data/films/README.md

Matching: a project matches a KB film when one of its names (title or alias, normalised) is the KB title and
the KB gives a release year within one year of ours ("title+year"). A KB film without any release year can
only be matched by title; such matches are counted apart ("title only") because a KB title often merges
several films (a remake, the original, a TV film), and without a year nothing says which one it describes.

Agreement per relation, over the films where both sides have the relation:

* directors and writers: any overlap of the two sets of names (our ``wrote`` includes story credits);
* actors: the share of the KB's starred actors that are among our performers (acted, voiced or puppeteered);
* release year: the same year; language: any overlap; genre: the share of the KB's genres (mapped to ours
  where the vocabularies meet) that the project has;
* composers: the KB has no composer relation, so there is nothing to compare.

Every difference is listed. Names the KB gives that we lack (and years or languages that differ) must each be
explained by a note in ``crosscheck_notes.jsonl`` (why: the KB credits the author of the adapted work, merges
another film of the same title, is wrong, or names someone we could not confirm); names we give that the KB
lacks are listed without notes, since the KB keeps only a few credits per film. Genre differences are a matter
of classification and are listed without notes. ``tests/data/test_crosscheck.py`` runs this check when
``../shared`` is present.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILMS = HERE.parent
REPO = FILMS.parent.parent
sys.path.insert(0, str(REPO))
from assistant.kg import KnowledgeGraph, load_kg, normalize_name  # noqa: E402
from assistant.kg.errors import KGQAError  # noqa: E402
from assistant.kg.loaders.metaqa import SUBJECT_TYPE, load_metaqa  # noqa: E402

DEFAULT_KB = REPO.parent / "shared" / "data" / "metaqa" / "kb_partial.txt.gz"
NOTES_FILE = HERE / "crosscheck_notes.jsonl"
README = FILMS / "README.md"
BEGIN, END = "<!-- crosscheck:begin -->", "<!-- crosscheck:end -->"

PERFORMING = ("acted_in", "voiced_in", "puppeteered")
# KB genre -> ours, where the two vocabularies name the same thing; "Short" is a kind of project here and
# "Music" (films about music and musicians) has no counterpart, so neither is compared.
GENRES = {"Sci-Fi": "Science Fiction", "Sport": "Sports", "History": "Historical"}
UNCOMPARABLE_GENRES = {"Short", "Music"}
# why a difference is not a fault of ours
REASONS = {
    "source": "the KB credits the author of the work the film adapts (novel, story, play, comic, earlier film); "
              "we credit screenplay and story writers only",
    "other film": "the KB's entry for this title merges another film of the same title (a remake, the original "
                  "or a TV film)",
    "kb error": "the KB is wrong",
    "unconfirmed": "the KB names someone we could not confirm in the film's credits, so we leave them out",
    "secondary language": "the KB also lists a language spoken in part of the film; our in_language gives the "
                          "language the film was made in",
}
# relations whose KB-only values need a note, with the KB relation each is compared with
CHECKED = {"directed": "directed_by", "wrote": "written_by", "acted": "starred_actors", "year": "release_year",
           "language": "in_language"}


class CrosscheckError(KGQAError):
    """A notes file that cannot be read or that names an unknown reason."""


@dataclass(frozen=True)
class Match:
    project: str  # project node id
    label: str  # "Title (year)"
    kb_title: str
    how: str  # "title+year" or "title only"


@dataclass
class Difference:
    relation: str  # directed | wrote | acted | year | language | genre
    film: str  # our label, "Title (year)"
    kb_only: list[str]
    kg_only: list[str]
    how: str
    notes: list[dict] = field(default_factory=list)

    @property
    def needs_note(self) -> bool:
        return self.relation in CHECKED and bool(self.kb_only)

    def unexplained(self) -> list[str]:
        """KB-only values no note covers."""
        covered = {_key(v) for n in self.notes for v in n["kb"]}
        return [v for v in self.kb_only if _key(v) not in covered] if self.needs_note else []


@dataclass
class Row:
    relation: str
    compared: int  # films (or names, for actors) compared
    agree: int
    unit: str = "films"
    detail: str = ""

    @property
    def share(self) -> float:
        return self.agree / self.compared if self.compared else 0.0


@dataclass
class Report:
    matches: list[Match]
    title_clashes: list[tuple[str, str, list[int]]]  # (our label, kb title, kb years) same title, other years
    rows: dict[str, Row]
    title_only_rows: dict[str, Row]
    differences: list[Difference]
    stale_notes: list[dict]

    def row(self, relation: str) -> Row:
        return self.rows[relation]

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.unexplained()]


def _key(name: str) -> str:
    """Person and title key: normalised, with the spaces dropped so "J.J. Abrams" meets "J. J. Abrams"."""
    return normalize_name(name).replace(" ", "")


def _kb_index(kb: KnowledgeGraph) -> dict[str, dict[str, list[str]]]:
    """KB title key -> relation -> values (the title itself under ``_title``)."""
    index: dict[str, dict[str, list[str]]] = {}
    for node in kb.nodes_of_type(SUBJECT_TYPE):
        facts: dict[str, list[str]] = defaultdict(list)
        facts["_title"].append(node.name)
        for hop in kb.neighbors(node.id):
            facts[hop.edge.relation].append(kb.nodes[hop.node].name)
        index.setdefault(_key(node.name), {}).update(facts)
    return index


def _names(kg: KnowledgeGraph, project: str, relations: tuple[str, ...]) -> dict[str, str]:
    """Key -> display name of the people credited on ``project`` under ``relations`` (aliases as keys too)."""
    out: dict[str, str] = {}
    for relation in relations:
        for hop in kg.neighbors(project, relation, "in"):
            person = kg.nodes[hop.node]
            for name in (person.name, *person.aliases):
                out.setdefault(_key(name), person.name)
    return out


def match_titles(kg: KnowledgeGraph, index: dict[str, dict[str, list[str]]]
                 ) -> tuple[list[Match], list[tuple[str, str, list[int]]]]:
    matches, clashes = [], []
    for project in sorted(kg.nodes_of_type("project"), key=lambda n: n.id):
        keys = list(dict.fromkeys(_key(n) for n in (project.name, *project.aliases)))
        hits = [k for k in keys if k in index]
        if not hits:
            continue
        facts = index[hits[0]]
        years = sorted({int(y) for y in facts.get("release_year", []) if y.isdigit()})
        year = project.attr("year")
        if years and any(abs(y - year) <= 1 for y in years):
            matches.append(Match(project.id, project.label, facts["_title"][0], "title+year"))
        elif not years:
            matches.append(Match(project.id, project.label, facts["_title"][0], "title only"))
        else:
            clashes.append((project.label, facts["_title"][0], years))
    return matches, clashes


def load_notes(path: Path) -> list[dict]:
    """The explained differences: one JSON object per line with relation, kb (names or values), why, note."""
    notes = []
    if not path.exists():
        return notes
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            note = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CrosscheckError(f"{path.name}:{number}: invalid JSON: {exc.msg}", str(path), number) from exc
        kb = note.get("kb") if isinstance(note, dict) else None
        if (not isinstance(note, dict) or note.get("relation") not in CHECKED or note.get("why") not in REASONS
                or not isinstance(kb, list) or not kb or not all(isinstance(v, str) for v in kb)
                or not isinstance(note.get("note", ""), str)):
            raise CrosscheckError(
                f"{path.name}:{number}: expected {{\"film\": \"Title (year)\" (optional), \"relation\": one of "
                f"{sorted(CHECKED)}, \"kb\": [names], \"why\": one of {sorted(REASONS)}, \"note\": text}}",
                str(path), number)
        notes.append(dict(note, _line=number))
    return notes


def crosscheck(kg: KnowledgeGraph, kb: KnowledgeGraph, notes: list[dict] | None = None) -> Report:
    index = _kb_index(kb)
    matches, clashes = match_titles(kg, index)
    notes = notes or []
    rows: dict[str, dict[str, Row]] = {how: {} for how in ("title+year", "title only")}
    for how in rows:
        for relation, unit in (("directed", "films"), ("wrote", "films"), ("acted", "KB stars"),
                               ("year", "films"), ("language", "films"), ("genre", "KB genres")):
            rows[how][relation] = Row(relation, 0, 0, unit)
    differences: list[Difference] = []

    def tally(how: str, relation: str, compared: int, agree: int) -> None:
        rows[how][relation].compared += compared
        rows[how][relation].agree += agree

    for m in matches:
        facts = index[_key(m.kb_title)]
        project = kg.nodes[m.project]
        for relation, kb_rel, ours_rel in (("directed", "directed_by", ("directed",)),
                                           ("wrote", "written_by", ("wrote",))):
            kb_names = {_key(v): v for v in facts.get(kb_rel, [])}
            ours = _names(kg, m.project, ours_rel)
            if not kb_names or not ours:
                if kb_names:  # the KB has writers, we have none: a difference that counts against us
                    tally(m.how, relation, 1, 0)
                    differences.append(Difference(relation, m.label, sorted(kb_names.values()), [], m.how))
                continue
            tally(m.how, relation, 1, int(bool(kb_names.keys() & ours.keys())))
            kb_only = sorted(v for k, v in kb_names.items() if k not in ours)
            ours_people = {v for v in ours.values()}
            matched_people = {ours[k] for k in kb_names if k in ours}
            kg_only = sorted(ours_people - matched_people)
            if kb_only or kg_only:
                differences.append(Difference(relation, m.label, kb_only, kg_only, m.how))
        kb_stars = {_key(v): v for v in facts.get("starred_actors", [])}
        if kb_stars:
            ours = _names(kg, m.project, PERFORMING)
            missing = sorted(v for k, v in kb_stars.items() if k not in ours)
            tally(m.how, "acted", len(kb_stars), len(kb_stars) - len(missing))
            if missing:
                differences.append(Difference("acted", m.label, missing, [], m.how))
        kb_years = sorted({int(y) for y in facts.get("release_year", []) if y.isdigit()})
        if kb_years:
            same = project.attr("year") in kb_years
            tally(m.how, "year", 1, int(same))
            if not same:
                differences.append(Difference("year", m.label, [str(y) for y in kb_years],
                                              [str(project.attr("year"))], m.how))
        kb_langs = {_key(v): v for v in facts.get("in_language", [])}
        if kb_langs:
            ours = {_key(kg.nodes[h.node].name): kg.nodes[h.node].name for h in kg.neighbors(m.project, "in_language")}
            tally(m.how, "language", 1, int(bool(kb_langs.keys() & ours.keys())))
            if kb_langs.keys() - ours.keys():
                differences.append(Difference("language", m.label,
                                              sorted(v for k, v in kb_langs.items() if k not in ours),
                                              sorted(v for k, v in ours.items() if k not in kb_langs), m.how))
        kb_genres = {GENRES.get(g, g) for g in facts.get("has_genre", []) if g not in UNCOMPARABLE_GENRES}
        if kb_genres:
            ours = {kg.nodes[h.node].name for h in kg.neighbors(m.project, "has_genre")}
            tally(m.how, "genre", len(kb_genres), len(kb_genres & ours))
            if kb_genres - ours:
                differences.append(Difference("genre", m.label, sorted(kb_genres - ours), sorted(ours - kb_genres),
                                              m.how))

    used: set[int] = set()
    for diff in differences:
        if not diff.needs_note:
            continue
        wanted = {_key(v) for v in diff.kb_only}
        for note in notes:
            if note["relation"] == diff.relation and note.get("film", diff.film) == diff.film \
                    and wanted & {_key(v) for v in note["kb"]}:
                diff.notes.append(note)
                used.add(note["_line"])
    stale = [n for n in notes if n["_line"] not in used]
    return Report(matches, clashes, rows["title+year"], rows["title only"], differences, stale)


# ---- output ---------------------------------------------------------------------------------------------------
LABELS = {"directed": "directors (any overlap)", "wrote": "writers (any overlap)",
          "acted": "KB stars among our performers", "year": "release year (same)", "language": "language (overlap)",
          "genre": "KB genres we also give"}


def table(report: Report) -> list[str]:
    n_year = sum(m.how == "title+year" for m in report.matches)
    n_title = len(report.matches) - n_year
    lines = [f"matched projects: {n_year} by title+year, {n_title} by title only (the KB gives no year); "
             f"{len(report.title_clashes)} title clashes (same title, KB years differ: another film)",
             f"{'relation':<32} {'title+year':>20} {'title only':>16}"]
    for relation, label in LABELS.items():
        row, other = report.rows[relation], report.title_only_rows[relation]
        lines.append(f"{label:<32} {row.agree:>5}/{row.compared:<5} {100 * row.share:5.1f}%"
                     f" {other.agree:>5}/{other.compared:<4} {100 * other.share:5.1f}%")
    lines.append(f"{'composers':<32} {'not in the KB (it has no composer relation)':>38}")
    return lines


def describe(diff: Difference) -> str:
    parts = []
    if diff.kb_only:
        parts.append(f"KB only: {', '.join(diff.kb_only)}")
    if diff.kg_only:
        parts.append(f"ours only: {', '.join(diff.kg_only)}")
    text = f"[{diff.relation}] {diff.film}{' (title only)' if diff.how == 'title only' else ''}: " + "; ".join(parts)
    for note in diff.notes:
        text += f"\n      {note['why']}: {note.get('note') or REASONS[note['why']]}"
    missing = diff.unexplained()
    if missing:
        text += f"\n      UNEXPLAINED: {', '.join(missing)}"
    return text


def markdown(report: Report) -> str:
    n_year = sum(m.how == "title+year" for m in report.matches)
    n_title = len(report.matches) - n_year
    out = [BEGIN,
           f"{n_year} projects match a KB film by title and year (within one year), {n_title} more by title alone "
           f"(the KB gives those no year), and {len(report.title_clashes)} share a title with a KB film of other "
           "years (another film, not compared). Agreement on the title+year matches, and on the title-only ones:", "",
           "| relation | agree | share | title only |", "|---|---:|---:|---:|"]
    for relation, label in LABELS.items():
        row, other = report.rows[relation], report.title_only_rows[relation]
        title_only = f"{other.agree} / {other.compared}" if other.compared else "–"
        out.append(f"| {label} | {row.agree} / {row.compared} {row.unit} | {100 * row.share:.1f}% | {title_only} |")
    out.append("| composers | not compared: the KB has no composer relation | | |")
    out += ["", "Every difference in the KB's favour (a name, year or language it gives that we do not) is "
            "explained below, by reason; `python data/films/src/crosscheck.py` prints the full list, with the names "
            "only we give.", ""]
    by_reason: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for diff in report.differences:
        for note in diff.notes:
            names = [v for v in diff.kb_only if _key(v) in {_key(k) for k in note["kb"]}]
            by_reason[note["why"]].append((diff.film, diff.relation, ", ".join(names), note.get("note", "")))
    for why, text in REASONS.items():
        entries = sorted(dict.fromkeys(by_reason.get(why, [])))
        if not entries:
            continue
        out += [f"**{why}**: {text} ({len(entries)}).", "", "| film | relation | the KB gives | note |",
                "|---|---|---|---|"]
        out += [f"| {film} | {relation} | {names} | {note} |" for film, relation, names, note in entries]
        out.append("")
    unexplained = report.unexplained
    if unexplained:
        out.append("**not yet explained**: " + "; ".join(f"{d.film} ({d.relation}: {', '.join(d.unexplained())})"
                                                         for d in unexplained) + ".")
    out.append(END)
    return "\n".join(out)


def write_readme(section: str, path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def run(kb_path: Path = DEFAULT_KB, films: Path = FILMS, notes_path: Path = NOTES_FILE) -> Report:
    if not kb_path.exists():
        raise CrosscheckError(f"MetaQA KB not found at {kb_path}; pass --kb PATH (kb.txt or kb_partial.txt.gz)")
    return crosscheck(load_kg(films), load_metaqa(kb_path), load_notes(notes_path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="MetaQA kb.txt (plain or .gz)")
    parser.add_argument("--markdown", action="store_true", help="print the README section instead")
    parser.add_argument("--write-readme", action="store_true", help=f"put the README section into {README}")
    args = parser.parse_args(argv)
    try:
        report = run(args.kb)
    except KGQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.markdown or args.write_readme:
        section = markdown(report)
        if args.write_readme:
            write_readme(section)
            print(f"wrote the cross-check section of {README}")
        else:
            print(section)
        return 0
    print("\n".join(table(report)))
    print(f"\n{len(report.differences)} differences ({len(report.unexplained)} unexplained):")
    for diff in sorted(report.differences, key=lambda d: (d.relation, d.film)):
        print("  " + describe(diff))
    for label, kb_title, years in report.title_clashes:
        print(f"  [title clash] {label}: the KB's {kb_title!r} is from {', '.join(map(str, years))}")
    for note in report.stale_notes:
        print(f"  STALE NOTE {NOTES_FILE.name}:{note['_line']}: {note.get('film', '(any film)')} "
              f"{note['relation']} {note['kb']}: no such difference any more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
