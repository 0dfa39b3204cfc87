"""Recompute every ``answers`` list of the held-out sets from its ``gold`` spec over the set's KG.

    python bench/heldout/recompute.py            # rewrite answers (and answer_names) where the KG changed
    python bench/heldout/recompute.py --check    # only report stale answers; exit 1 if any
    python bench/heldout/recompute.py --set films

The sets and their KGs are listed in ``bench/heldout/sets.json`` (KG paths relative to the repository root).
A question whose spec no longer fits the KG (a node or relation was removed, an abstention name was added) is
reported as ``file:line: message`` and makes the command exit 1; its line is left as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from goldspec import GoldError, answers_of  # noqa: E402

from assistant.kg import KnowledgeGraph, load_kg  # noqa: E402


def read_manifest(path: Path = HERE / "sets.json") -> list[dict]:
    """The held-out sets: ``[{"name", "file", "kg", "description"}, ...]``."""
    return json.loads(path.read_text(encoding="utf-8"))


def kg_path(entry: dict) -> Path:
    """The KG of a manifest entry, resolved against the repository root."""
    return (ROOT / entry["kg"]).resolve()


def names_of(kg: KnowledgeGraph, answers: list[str]) -> list[str]:
    """Readable names of answer ids (counts and other non-ids are kept as they are)."""
    return [kg.nodes[a].label if a in kg.nodes else a for a in answers]


def recompute_file(kg: KnowledgeGraph, path: Path, write: bool) -> tuple[int, int, list[str]]:
    """Recompute one question file.

    Returns:
        ``(questions, changed, problems)``; problems are ``file:line: message`` strings.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    changed = 0
    problems: list[str] = []
    count = 0
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            out.append(line)
            continue
        obj = json.loads(line)
        count += 1
        gold = obj.get("gold")
        if gold is None:
            problems.append(f"{path}:{lineno}: no 'gold' spec")
            out.append(line)
            continue
        try:
            answers = answers_of(kg, gold, where=f"{path.name}:{lineno} ({obj.get('id')})")
        except GoldError as exc:
            problems.append(f"{path}:{lineno}: {exc}")
            out.append(line)
            continue
        if not answers and obj.get("expect") != "abstain":
            problems.append(f"{path}:{lineno}: gold of {obj.get('id')!r} gives no answer")
        if answers != obj.get("answers"):
            changed += 1
            print(f"  {path.name}:{lineno} {obj.get('id')}: {obj.get('answers')} -> {answers}")
        obj["answers"] = answers
        obj["answer_names"] = names_of(kg, answers)
        out.append(json.dumps(obj, ensure_ascii=False))
    if write:
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return count, changed, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale answers without rewriting; exit 1 if any")
    parser.add_argument("--set", action="append", help="only this set (by name); repeatable")
    args = parser.parse_args(argv)
    status = 0
    kgs: dict[Path, KnowledgeGraph] = {}
    for entry in read_manifest():
        if args.set and entry["name"] not in args.set:
            continue
        path = kg_path(entry)
        if not path.exists():
            print(f"{entry['name']}: KG {path} not found; skipped")
            continue
        if path not in kgs:
            kgs[path] = load_kg(path)
        for file in entry["files"]:
            if not (HERE / file).is_file():
                print(f"{entry['name']}: {HERE / file}: no such question file")
                status = 1
                continue
            count, changed, problems = recompute_file(kgs[path], HERE / file, write=not args.check)
            print(f"{entry['name']}: {file}: {count} questions, {changed} with changed answers")
            for problem in problems:
                print(problem)
            if problems or (args.check and changed):
                status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
