"""Answers when the graph is missing the fact: degraded KGs, link predictors fit on what is left, one table.

    python bench/incomplete.py                         # Films-30 and MetaQA-50, through the Assistant
    python bench/incomplete.py --sets films            # Films-30 only
    python bench/incomplete.py --predictor-only        # the link predictor alone on the removed-facts questions
    python bench/incomplete.py --limit 300             # MetaQA dev questions per hop (seeded sample)

**Films-30.** 30% of the film KG's credit edges (every person -> project relation of its schema), genre
and skill edges are removed (seeded), written as a native KG folder ``films-30``. Two question sets:

- the film question set (``data/films/questions.jsonl``, gold = names from the full KG), asked over the
  full KG and over Films-30: the issue asks the degraded Hits@1 to keep >= 95% of the full one;
- **facts removed entirely**: "who directed / composed the music for / was the cinematographer of X?" for
  every project X of which *every* such edge was removed (gold: the original heads). Hits@1 counts only a
  right first answer labelled inferred (``getattr(answer, "inferred", False)``), goal >= 0.50.

**MetaQA-50.** Half of ``kb_partial``'s triples removed (seeded), written as ``metaqa-50.txt``; MetaQA dev
questions of each hop (brackets stripped, a seeded sample of ``--limit``) scored against the original gold
answers, with and without inferred answers (EmbedKGQA: 83.9 Hits@1 on 1-hop with half the KB; goal
0.85 / 0.92 / 0.75).

Every degraded KG gets its link predictor the way a user gets one, ``train_for_answering`` (what ``kgqa
train lp --kg PATH`` runs: calibrated on a held-out 5% of what is left, then refit on all of it), saved to
``$KGQA_HOME/checkpoints/<kg name>/lp-complex`` where the Assistant finds it; questions are asked through
``Assistant.from_path(kg_path, index_dir=..., build=True).ask(question, inferred=...)``. The answering side
(question understanding and whether it proposes inferred answers) is whatever the Assistant does today.
``--predictor-only`` skips the Assistant: the predictor's top tail of ``(?, relation, X)`` against gold, for
the removed-facts questions (Hits@1, Hits@10, MRR), which checks the >= 0.50 target for the predictor itself.

Degraded KGs, predictors and indexes are kept in ``--work`` (default ``$KGQA_HOME/bench-incomplete``) and
reused; ``--rebuild`` starts again. The table is printed at the end and appended as JSON to
``bench/results/incomplete.jsonl``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG, kgqa_home, set_offline  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
METAQA = SHARED / "metaqa"
RESULTS = ROOT / "bench" / "results" / "incomplete.jsonl"
#: The removed-facts questions: relation -> question template (the relation's heads are the answers).
REMOVED_FACT_QUESTIONS = {"directed": "who directed {name}?",
                          "composed_music_for": "who composed the music for {name}?",
                          "shot": "who was the cinematographer of {name}?"}
GOALS = {"films-question-set": "kept >= 95% of full", "films-removed": ">= 0.50 (labelled inferred)",
         "metaqa-1-hop": ">= 0.85", "metaqa-2-hop": ">= 0.92", "metaqa-3-hop": ">= 0.75"}


@dataclass
class Row:
    name: str
    questions: int
    stated: float | None = None
    inferred: float | None = None
    labelled: float | None = None
    extra: dict = field(default_factory=dict)
    goal: str = ""


def say(text: str) -> None:
    print(text, flush=True)


# ---- degraded KGs ------------------------------------------------------------------------------
def build_films_30(work: Path, seed: int, share: float = 0.3) -> tuple[Path, list[dict]]:
    """``work/films-30``: the film KG without a seeded ``share`` of its credit, genre and skill edges.

    Returns:
        The folder and the removed edges (as written in ``edges.jsonl``).
    """
    folder = work / "films-30"
    removed_file = work / "films-30.removed.jsonl"
    if (folder / "edges.jsonl").exists() and removed_file.exists():
        return folder, [json.loads(line) for line in removed_file.read_text(encoding="utf-8").splitlines()]
    schema = json.loads((DEFAULT_KG / "schema.json").read_text(encoding="utf-8"))
    credits = {r["name"] for r in schema["relations"] if r.get("source_type") == "person"
               and r.get("target_type") == "project"}
    eligible = credits | {"has_genre", "has_skill"}
    lines = (DEFAULT_KG / "edges.jsonl").read_text(encoding="utf-8").splitlines()
    edges = [json.loads(line) for line in lines if line.strip()]
    candidates = [i for i, e in enumerate(edges) if e["relation"] in eligible]
    drop = set(random.Random(seed).sample(candidates, round(share * len(candidates))))
    tmp = work / ".films-30.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in ("nodes.jsonl", "schema.json"):
        shutil.copy(DEFAULT_KG / name, tmp / name)
    kept = [line for i, line in enumerate(line for line in lines if line.strip()) if i not in drop]
    (tmp / "edges.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    removed = [edges[i] for i in sorted(drop)]
    removed_file.write_text("".join(json.dumps(e) + "\n" for e in removed), encoding="utf-8")
    say(f"films-30: removed {len(drop):,} of {len(candidates):,} credit/genre/skill edges (seed {seed}); "
        f"{len(kept):,} edges left")
    return folder, removed


def removed_fact_questions(full, removed: list[dict]) -> list[dict]:
    """Questions about projects that lost every edge of a relation (gold: the original heads)."""
    gone: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in removed:
        if e["relation"] in REMOVED_FACT_QUESTIONS:
            gone[(e["target"], e["relation"])].add(e["source"])
    names: dict[str, int] = defaultdict(int)
    for node in full.nodes.values():
        names[node.name.casefold()] += 1
    out = []
    for (project, relation), heads in sorted(gone.items()):
        stated = set(full.neighbor_ids(project, relation, inverse=True))
        if heads != stated:  # some edge of this relation survived: not removed entirely
            continue
        node = full.nodes[project]
        name = node.name
        if names[name.casefold()] > 1 and node.attr("year"):  # "Dune" -> "Dune (1984)"
            name = f"{name} ({node.attr('year')})"
        out.append({"id": f"removed-{relation}-{project}", "question": REMOVED_FACT_QUESTIONS[relation].format(
            name=name), "project": project, "relation": relation, "gold": sorted(heads),
            "gold_names": sorted(full.nodes[h].name for h in heads)})
    return out


def build_metaqa_50(work: Path, seed: int) -> Path:
    """``work/metaqa-50.txt``: ``kb_partial`` without a seeded half of its distinct triples."""
    path = work / "metaqa-50.txt"
    if path.exists():
        return path
    with gzip.open(METAQA / "kb_partial.txt.gz", "rt", encoding="utf-8") as fh:
        lines = list(dict.fromkeys(line.rstrip("\n") for line in fh if line.strip()))
    keep = sorted(random.Random(seed).sample(range(len(lines)), len(lines) // 2))
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(lines[i] + "\n" for i in keep), encoding="utf-8")
    os.replace(tmp, path)
    say(f"metaqa-50: kept {len(keep):,} of {len(lines):,} triples (seed {seed})")
    return path


# ---- link predictors ---------------------------------------------------------------------------
def ensure_predictor(kg_path: Path, rebuild: bool):
    """The degraded KG's calibrated predictor, trained as ``kgqa train lp --kg PATH`` does when missing."""
    from assistant.kg import load_kg
    from training.common import checkpoint_dir
    from training.link_prediction import TrainSettings
    from training.link_prediction.answering import train_for_answering
    from training.link_prediction.inference import load_inferred_edges

    kg = load_kg(kg_path)
    folder = checkpoint_dir(kg.name, "lp-complex")
    seconds = None
    if rebuild or load_inferred_edges(folder) is None:
        say(f"training the link predictor of {kg.name} ({kg.num_nodes:,} nodes, {kg.num_edges:,} edges)")
        result = train_for_answering(kg, TrainSettings(), progress=True, log=say)
        result.predictor.config["kg"]["path"] = str(kg_path)
        result.predictor.save(folder)
        seconds = round(result.seconds, 1)
        say(f"{kg.name}: predictor trained in {seconds:.0f} s, saved to {folder}")
    return kg, load_inferred_edges(folder, kg=kg), seconds


def predictor_only(edges, questions: list[dict]) -> Row:
    """Hits@1/10 and MRR of the predictor's ranking of ``(?, relation, X)`` against the removed heads."""
    hits1 = hits10 = rr = 0.0
    for q in questions:
        [ranked] = edges.tails([q["project"]], q["relation"], inverse=True, k=10)
        ids = [node for node, _ in ranked]
        rank = next((i + 1 for i, node in enumerate(ids) if node in q["gold"]), None)
        hits1 += rank == 1
        hits10 += rank is not None
        rr += 1 / rank if rank else 0.0
    n = max(1, len(questions))
    return Row("films-30: facts removed entirely, link predictor alone", len(questions), None, hits1 / n, None,
               {"hits@10": hits10 / n, "mrr": rr / n})


# ---- through the Assistant ---------------------------------------------------------------------
class _Asker:
    """``Assistant.ask`` with inferred answers on or off (for :func:`assistant.evaluation.runner.evaluate`)."""

    def __init__(self, assistant, inferred: bool) -> None:
        self.assistant, self.inferred = assistant, inferred

    def ask(self, question: str, k: int = 10, node_type: str | None = None, history=()):
        try:
            return self.assistant.ask(question, k=k, inferred=self.inferred)
        except TypeError:  # an Assistant without the switch: stated facts only
            if self.inferred:
                raise
            return self.assistant.ask(question, k=k)


def open_assistant(kg_path: Path, work: Path):
    from assistant.api import Assistant

    started = time.perf_counter()
    assistant = Assistant.from_path(kg_path, index_dir=work / f"index-{kg_path.name.split('.')[0]}", build=True,
                                    progress=True)
    say(f"assistant over {kg_path.name} ready in {time.perf_counter() - started:.0f} s")
    return assistant


def hits1(assistant, items, inferred: bool) -> float:
    from assistant.evaluation.runner import evaluate

    report = evaluate(_Asker(assistant, inferred), items, k=10, progress=True, warmup=False)
    return sum(r.score.hits1 for r in report.results) / max(1, len(report.results))


def removed_facts_through_assistant(assistant, questions: list[dict]) -> Row:
    from assistant.evaluation.metrics import is_correct

    stated = labelled = correct_any = 0
    for q in questions:
        gold = q["gold"] + q["gold_names"]
        plain = assistant.ask(q["question"], k=10, inferred=False).answers[:1]
        stated += bool(plain) and is_correct(plain[0], gold)
        top = assistant.ask(q["question"], k=10).answers[:1]
        if top and is_correct(top[0], gold):
            correct_any += 1
            labelled += bool(getattr(top[0], "inferred", False))
    n = max(1, len(questions))
    return Row("films-30: facts removed entirely (assistant)", len(questions), stated / n, correct_any / n,
               labelled / n)


def metaqa_items(limit: int, seed: int) -> dict[int, list]:
    from assistant.evaluation.datasets import read_metaqa

    out = {}
    for hop in (1, 2, 3):
        items = read_metaqa(METAQA / f"{hop}-hop" / "vanilla" / "qa_dev.txt", strip_brackets=True)
        out[hop] = random.Random(seed).sample(items, min(limit, len(items)))
    return out


# ---- the table ---------------------------------------------------------------------------------
def fmt(x) -> str:
    return "" if x is None else f"{x:.3f}"


def print_table(rows: list[Row]) -> None:
    say("\n| set | questions | Hits@1 stated facts only | Hits@1 with inferred answers | right and labelled inferred "
        "| other | goal |")
    say("|---|---:|---:|---:|---:|---|---|")
    for r in rows:
        other = ", ".join(f"{k} {fmt(v) if isinstance(v, float) else v}" for k, v in r.extra.items())
        say(f"| {r.name} | {r.questions} | {fmt(r.stated)} | {fmt(r.inferred)} | {fmt(r.labelled)} | {other} | "
            f"{GOALS.get(r.goal, '')} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", choices=["films", "metaqa"], default=["films", "metaqa"])
    parser.add_argument("--predictor-only", action="store_true",
                        help="score the link predictor alone on the removed-facts questions (no Assistant)")
    parser.add_argument("--limit", type=int, default=300, help="MetaQA dev questions per hop")
    parser.add_argument("--seed", type=int, default=0, help="seed of the removed edges and the question samples")
    parser.add_argument("--work", type=Path, default=None, help="default: $KGQA_HOME/bench-incomplete")
    parser.add_argument("--rebuild", action="store_true", help="retrain the predictors (the KGs are kept)")
    parser.add_argument("--records", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    set_offline()
    from assistant.kg import load_kg

    work = args.work or kgqa_home() / "bench-incomplete"
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[Row] = []
    timings: dict[str, float | None] = {}
    if "films" in args.sets:
        full = load_kg(DEFAULT_KG)
        folder, removed = build_films_30(work, args.seed)
        questions = removed_fact_questions(full, removed)
        (work / "films-30.questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions), "utf-8")
        by_relation = defaultdict(int)
        for q in questions:
            by_relation[q["relation"]] += 1
        say(f"films-30: {len(questions)} questions about facts removed entirely ({dict(by_relation)})")
        _, edges, timings["films-30 predictor s"] = ensure_predictor(folder, args.rebuild)
        row = predictor_only(edges, questions)
        row.goal = "films-removed"
        rows.append(row)
        if not args.predictor_only:
            from assistant.evaluation.datasets import read_jsonl

            items = read_jsonl(DEFAULT_KG / "questions.jsonl")
            whole = open_assistant(DEFAULT_KG, work)
            full_hits = hits1(whole, items, inferred=False)
            degraded = open_assistant(folder, work)
            stated, inferred = hits1(degraded, items, inferred=False), hits1(degraded, items, inferred=True)
            rows.append(Row("films: question set, full KG", len(items), full_hits))
            rows.append(Row("films-30: question set", len(items), stated, inferred, None,
                            {"kept of full": max(stated, inferred) / full_hits if full_hits else None},
                            "films-question-set"))
            row = removed_facts_through_assistant(degraded, questions)
            row.goal = "films-removed"
            rows.append(row)
    if "metaqa" in args.sets and not args.predictor_only:
        if not (METAQA / "kb_partial.txt.gz").exists():
            say(f"skipping MetaQA-50: {METAQA} not found")
        else:
            path = build_metaqa_50(work, args.seed)
            _, _, timings["metaqa-50 predictor s"] = ensure_predictor(path, args.rebuild)
            assistant = open_assistant(path, work)
            for hop, items in metaqa_items(args.limit, args.seed).items():
                rows.append(Row(f"metaqa-50: {hop}-hop dev (brackets stripped)", len(items),
                                hits1(assistant, items, inferred=False), hits1(assistant, items, inferred=True), None,
                                goal=f"metaqa-{hop}-hop"))
    print_table(rows)
    load_after = os.getloadavg()
    say(f"\nwall {time.perf_counter() - started:.0f} s; load {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        f"work folder {work}")
    record = {"date": time.strftime("%Y-%m-%d %H:%M"), "seed": args.seed, "limit": args.limit,
              "predictor_only": args.predictor_only, "rows": [r.__dict__ for r in rows], "timings": timings,
              "load_before": load_before, "load_after": load_after}
    args.records.parent.mkdir(parents=True, exist_ok=True)
    with args.records.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
