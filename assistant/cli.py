"""``kgqa``: the command line.

    kgqa kg stats PATH | kg validate PATH | kg add FILE
    kgqa index [--kg PATH]
    kgqa ask "QUESTION" [--after "EARLIER QUESTION"] [--type person] [-k 10] [--json] [--dense] [--explain]
    kgqa parse "QUESTION" [--after "EARLIER QUESTION"] [--json]
    kgqa eval QUESTIONS [--kg PATH] [--strip-brackets] [--report OUT.md]
    kgqa train parser --metaqa DIR [--kg PATH]       (labelled questions: classifier feature + ranker)
    kgqa train matcher [--kg PATH]                   (the reading matcher: a head on first use, or LoRA)
    kgqa train ranker [--kg PATH]                    (the reading ranker's weights)
    kgqa train lp [--kg PATH] [--model complex|distmult|rotate|tucker|compgcn] [--holdout F]
    kgqa chat [--host 127.0.0.1] [--port 7860]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from assistant.config import DEFAULT_KG, set_offline
from assistant.kg.errors import KGQAError

#: modules with a ``register(train_subparsers)`` function adding a ``kgqa train <name>`` command
TRAIN_COMMANDS: tuple[str, ...] = ("assistant.commands.train_ranker", "training.matcher.command",
                                   "training.clep.command", "training.sbert.command",
                                   "training.graphsage.command", "training.eges.command",
                                   "training.link_prediction.command")


def _add_kg_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kg", type=Path, default=DEFAULT_KG, help="KG path (default: the embedded film KG)")
    p.add_argument("--index-dir", type=Path, default=None, help="index folder (default: under $KGQA_HOME)")
    p.add_argument("--chroma-url", default=os.environ.get("KGQA_CHROMA_URL"),
                   help="use a Chroma server (`chroma run`), e.g. http://127.0.0.1:8000, instead of a local folder")


def cmd_kg_stats(args: argparse.Namespace) -> int:
    from assistant.kg import load_kg

    kg = load_kg(args.path, args.format)
    stats = kg.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"{args.path}: {stats['nodes']} nodes, {stats['edges']} edges")
    print("\nnodes per type:")
    for t, n in stats["node_types"].items():
        print(f"  {t:<32} {n:>8}")
    print("\nedges per relation:")
    for r, n in stats["relations"].items():
        print(f"  {r:<72} {n:>8}")
    return 0


def cmd_kg_validate(args: argparse.Namespace) -> int:
    from assistant.kg import KGLoadError, load_kg

    try:
        kg = load_kg(args.path, args.format)
    except KGLoadError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"OK: {kg.num_nodes} nodes, {kg.num_edges} edges, no problems")
    return 0


def cmd_kg_add(args: argparse.Namespace) -> int:
    """``kgqa kg add FILE``: apply node/edge additions, changes and removals without rebuilding.

    Crash-safe in this order: the operations are checked against the KG, then appended to the index folder's
    ``updates.jsonl`` by an atomic rename (the commit point: from then on every load replays them), then
    applied to the live index. A kill before the rename leaves the old KG and index; a kill after it leaves
    the new KG, and the next start re-embeds whatever the interrupted update had not (the manifest's
    fingerprint no longer matches the KG's texts).
    """
    import time

    from assistant.api import UPDATES, Assistant
    from assistant.kg.errors import KGLoadError
    from assistant.kg.updates import append_updates, check_updates, clean_stale_updates, read_updates

    try:
        records = read_updates(args.file)
        bot = Assistant.from_path(args.kg, args.index_dir, chroma_url=args.chroma_url, progress=not args.json)
        check_updates(bot.kg, records, str(args.file))
    except KGLoadError as exc:
        for problem in exc.problems[:50]:
            print(problem, file=sys.stderr)
        more = len(exc.problems) - 50
        print(f"{len(exc.problems)} problem(s) found{f' ({more} not shown)' if more > 0 else ''}; nothing was "
              "changed", file=sys.stderr)
        return 1
    overlay = bot.index.root / UPDATES
    clean_stale_updates(overlay)
    append_updates(overlay, records)
    started = time.perf_counter()
    result = bot.update(records, persist=False)
    ms = (time.perf_counter() - started) * 1000
    bot.wait_for_updates()  # the neighbours' re-embedding runs in the background; finish it before exiting
    total = (time.perf_counter() - started) * 1000
    summary = {"operations": result.operations, "re_embedded": len(result.touched),
               "removed": sorted(result.removed), "ms": round(ms, 1), "ms_with_neighbours": round(total, 1),
               "persisted_to": str(bot.index.root)}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"applied {result.operations} operation(s): answerable after {ms:.0f} ms; {len(result.touched)} "
              f"node(s) re-embedded and {len(result.removed)} removed in {total:.0f} ms; "
              f"kept in {overlay}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from assistant.api import open_index
    from assistant.kg import load_kg
    from retrieval.encoders import load_encoder
    from retrieval.indexer import build_index
    from training.common import checkpoint_dir

    kg = load_kg(args.kg)
    index = open_index(args.kg, args.index_dir, args.chroma_url)
    overlay = index.root / "updates.jsonl"
    if overlay.exists():  # `kgqa kg add` changes: the index must match the KG that is served
        from assistant.kg.updates import apply_updates, read_updates

        apply_updates(kg, read_updates(overlay), str(overlay))
    checkpoint = args.checkpoint or (None if args.encoder == "base" else checkpoint_dir(kg.name, args.encoder))
    encoder = load_encoder(args.encoder, checkpoint)
    report = build_index(kg, index, encoder, progress=not args.quiet, force=args.force)
    print(json.dumps(report.to_dict()) if args.json else report)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.api import Assistant

    bot = Assistant.from_path(args.kg, args.index_dir, chroma_url=args.chroma_url, progress=not args.json)
    if args.dense:  # raw typed nearest nodes, no parsing
        hits = bot.search(args.text, args.type, args.k)
        if args.json:
            print(json.dumps({"query": args.text, "type": args.type, "results": [h.to_dict() for h in hits]},
                             indent=2, ensure_ascii=False))
            return 0
        for rank, hit in enumerate(hits, 1):
            node = bot.kg.nodes[hit.node_id]
            print(f"{rank:>2}. {hit.score:.3f}  [{hit.type}] {node.label}  ({hit.node_id})")
        return 0
    answer = bot.ask(args.text, k=args.k, node_type=args.type, encoders=args.encoder or None,
                     history=args.after or (), inferred=not args.no_inferred)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(answer.message)
    if answer.query.clarification:
        for option in answer.query.clarification.options:
            print(f"  - {option['label']} [{option['type']}]  {option['description'][:80]}")
    for rank, item in enumerate(answer.answers, 1):
        label = bot.kg.nodes[item.node_id].label if item.node_id in bot.kg.nodes else item.name
        flag = "  INFERRED, not in the graph" if item.inferred else ""
        print(f"{rank:>2}. {label}  [{item.type}]  confidence {item.confidence:.2f}{flag}")
        if item.explanation:
            print(f"      {item.explanation}")
        for path in item.paths:
            print(f"      {path.text}")
    if args.explain:
        print("\nreadings considered (best first):")
        for reading in answer.readings:
            print(f"  {reading['probability']:.2f}  {reading['kind']:<12} {reading['text']}  "
                  f"({reading['answers']} answers)")
        if answer.answers and answer.answers[0].features:
            from assistant.answering.ranker import ReadingRanker

            parts = ReadingRanker.load().contributions(answer.answers[0].features)
            shown = "  ".join(f"{name} {value:+.2f}" for name, value in
                              sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:8])
            print(f"  why the best reading won: {shown}")
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from assistant.api import Assistant

    bot = Assistant.from_path(args.kg, args.index_dir, chroma_url=args.chroma_url, build=False, progress=False)
    query = bot.parse(args.text, history=args.after or ())
    if args.json:
        print(json.dumps(query.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"question:     {query.text}")
    if query.error:
        print(f"error:        {query.error}")
        return 0
    print(f"target type:  {query.target_type}")
    for anchor in query.anchors:
        path = " / ".join(str(s) for s in anchor.path) or "(the entity itself)"
        print(f"anchor:       {anchor.name} [{anchor.type}] from {anchor.mention!r} ({anchor.method}, "
              f"{anchor.score:.2f}); path {path}")
    for constraint in query.constraints:
        print(f"constraint:   {constraint.kind} = {constraint.value}")
    if query.qualifiers:
        print(f"qualifiers:   {', '.join(query.qualifiers)}")
    print(f"free text:    {query.free_text!r}")
    if query.clarification:
        print(f"clarify:      {query.clarification.question}")
    for unknown in query.unknown:
        print(f"not in graph: {unknown['mention']!r}; nearest: {', '.join(unknown['nearest'])}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from ui.app import serve

    serve(kg_path=args.kg, index_dir=args.index_dir, host=args.host, port=args.port,
          auth=args.auth, share=args.share, chroma_url=args.chroma_url)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``kgqa eval QUESTIONS``: score the assistant on a question set and print (or write) the report."""
    import random

    from assistant.api import Assistant
    from assistant.evaluation import evaluate, load_questions

    for name in ("k", "workers", "limit"):
        if getattr(args, name) is not None and getattr(args, name) < (0 if name == "limit" else 1):
            raise ValueError(f"--{name} must be at least {0 if name == 'limit' else 1}")
    items = load_questions(args.questions, types=args.types, strip_brackets=args.strip_brackets)
    total = len(items)
    if args.limit is not None and args.limit < total:
        items = (random.Random(args.seed).sample(items, args.limit) if args.seed is not None
                 else items[:args.limit])
    bot = Assistant.from_path(args.kg, args.index_dir, chroma_url=args.chroma_url, progress=not args.json)
    meta = {"questions_file": str(args.questions), "questions_in_file": total, "kg": str(args.kg),
            "strip_brackets": args.strip_brackets, "limit": args.limit, "seed": args.seed}
    report = evaluate(bot, items, k=args.k, workers=args.workers, progress=not args.json, meta=meta)
    written = report.write_report(args.report) if args.report else None
    if args.json:
        out = report.to_dict()
        out["report"] = {"markdown": str(written[0]), "plot": str(written[1])} if written else None
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(report.to_text())
    if written:
        print(f"\nreport: {written[0]} (plot: {written[1]})")
    else:
        print("\nno report written (use --report OUT.md for Markdown with failures and a plot)")
    return 0


def cmd_train_parser(args: argparse.Namespace) -> int:
    """``kgqa train parser --metaqa DIR``: use labelled questions (MetaQA dev with its question types): fit the
    relation-path classifier that the reading ranker then uses as one more feature, and refit the ranker
    with those questions. Without labelled questions there is nothing to fit: the matcher reads any KG."""
    from assistant.api import RANKER_FILE, Assistant
    from assistant.parsing.training import metaqa_dev_files, metaqa_split, train_from_metaqa

    bot = Assistant.from_path(args.kg, args.index_dir, chroma_url=args.chroma_url, build=False, progress=False)
    if not args.metaqa:
        raise KGQAError("`kgqa train parser` needs labelled questions (--metaqa DIR); without them the default "
                        "matcher and ranker already answer any KG zero-shot (see `kgqa train matcher`)")
    train, held = metaqa_split(metaqa_dev_files(args.metaqa), holdout=args.holdout, seed=args.seed)
    print(f"fitting on {len(train)} labelled MetaQA questions ({len(held)} held out, seed {args.seed})")
    clf = train_from_metaqa(train, bot.encoder, bot.parser_dir, progress=True)
    print(f"{len(clf.labels)} relation paths; saved to {bot.parser_dir}")
    from assistant.answering.training import fit_labelled_ranker

    report = fit_labelled_ranker(bot, train, out=bot.parser_dir / RANKER_FILE)
    print(f"reading ranker refit with the labelled questions: {json.dumps(report.get('train', {}))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgqa", description="Question answering over a knowledge graph.")
    sub = parser.add_subparsers(dest="command", required=True)

    kg = sub.add_parser("kg", help="inspect a KG").add_subparsers(dest="kg_command", required=True)
    for name, func, text in (("stats", cmd_kg_stats, "counts per node type and relation"),
                             ("validate", cmd_kg_validate, "list every problem; exit 1 if any")):
        p = kg.add_parser(name, help=text)
        p.add_argument("path", type=Path)
        p.add_argument("--format", choices=["native", "triples", "metaqa", "csv"], default=None)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
    p = kg.add_parser("add", help="add, change or remove nodes and edges without rebuilding")
    p.add_argument("file", type=Path, help="JSONL of operations (see assistant/kg/updates.py)")
    _add_kg_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kg_add)

    p = sub.add_parser("index", help="embed every node into the vector store")
    _add_kg_arg(p)
    p.add_argument("--encoder", default="base", help="base, sbert-ft or clep (trained ones need a checkpoint)")
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="trained encoder folder (default: $KGQA_HOME/checkpoints/<kg name>/<encoder>)")
    p.add_argument("--force", action="store_true", help="re-embed everything")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question")
    p.add_argument("text")
    _add_kg_arg(p)
    p.add_argument("--type", default=None, help="target node type (person, project, ...)")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--dense", action="store_true", help="print the typed nearest nodes only (no parsing)")
    p.add_argument("--explain", action="store_true",
                   help="also show the readings considered and why the best one won (feature contributions)")
    p.add_argument("--encoder", action="append", default=[],
                   help="search only this encoder's collections (repeatable; default: all in the index)")
    p.add_argument("--after", action="append", default=[], help="an earlier question of the conversation "
                   "(repeatable, oldest first): 'what else did he make' resolves against it")
    p.add_argument("--no-inferred", action="store_true",
                   help="stated facts only: no answers predicted by link prediction")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("parse", help="show the typed query a question parses into")
    p.add_argument("text")
    p.add_argument("--after", action="append", default=[], help="an earlier question of the conversation "
                   "(repeatable, oldest first): follow-ups resolve against it")
    _add_kg_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("eval", help="score the assistant on a question set (JSONL or MetaQA)")
    p.add_argument("questions", type=Path, help="JSONL, or MetaQA 'question [topic]<TAB>a|b' (.txt[.gz])")
    _add_kg_arg(p)
    p.add_argument("-k", type=int, default=10, help="answers per question; cut-off for Hits@k and MRR")
    p.add_argument("--strip-brackets", action="store_true", help="remove [ ] around topic entities")
    p.add_argument("--types", type=Path, default=None,
                   help="MetaQA question-type file (default: ../qa_<split>_qtype.txt when present)")
    p.add_argument("--limit", type=int, default=None, help="evaluate at most N questions (the first N)")
    p.add_argument("--seed", type=int, default=None, help="with --limit: a seeded random sample instead")
    p.add_argument("--workers", type=int, default=1, help="threads asking concurrently")
    p.add_argument("--json", action="store_true")
    p.add_argument("--report", type=Path, default=None, help="write a Markdown report here (and a .png beside)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("chat", help="serve the chat UI")
    _add_kg_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", default=None, help="user:pass (or env KGQA_AUTH)")
    p.add_argument("--share", action="store_true", help="never on by default")
    p.set_defaults(func=cmd_chat)

    train = sub.add_parser("train", help="train models").add_subparsers(dest="train_command", required=True)
    p = train.add_parser("parser", help="fit on labelled questions: the classifier feature and the ranker")
    _add_kg_arg(p)
    p.add_argument("--metaqa", type=Path, default=None,
                   help="MetaQA folder: its labelled dev questions (1/2/3-hop, with their question types)")
    p.add_argument("--holdout", type=float, default=0.2, help="share of MetaQA dev kept out for evaluation")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_train_parser)

    for module in TRAIN_COMMANDS:  # trainers register their own subcommands (and import lazily when run)
        importlib.import_module(module).register(train)
    return parser


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def main(argv: list[str] | None = None) -> int:
    """Run one command. A user error prints one sentence (file:line: what was expected) and exits 2; an
    interruption exits 130; anything else is a bug, reported in one sentence too (``KGQA_DEBUG=1`` re-raises it
    with its traceback) with exit status 3."""
    set_offline()
    args = build_parser().parse_args(argv)
    from assistant.kg.errors import KGQAError

    try:
        return args.func(args)
    except KGQAError as exc:  # KGLoadError, IndexMissing, EncoderUnavailable, checkpoint and upload errors
        print(f"error: {exc.sentence()}", file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:  # bad arguments found by older code paths (--k 0, an unknown type)
        print(f"error: {_first_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous index is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("KGQA_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {_first_line(exc)} (a bug in kgqa; run with KGQA_DEBUG=1 "
              "for the traceback and report it)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
