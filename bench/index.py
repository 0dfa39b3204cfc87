"""Index benchmark: build throughput, the raw encoder's throughput, no-op rebuild and query latency.

    python bench/index.py                         # embedded film KG and the MetaQA KB
    python bench/index.py --kg data/films         # one KG
    python bench/index.py --max-nodes 5000        # cap the nodes indexed per KG (a quick look)

Each KG is indexed into a fresh temporary folder with the base encoder (all-MiniLM-L6-v2, CPU).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG, set_offline  # noqa: E402
from assistant.kg import KnowledgeGraph, load_kg  # noqa: E402
from assistant.kg.updates import apply_updates  # noqa: E402
from retrieval.encoders import load_encoder  # noqa: E402
from retrieval.index import Index  # noqa: E402
from retrieval.indexer import build_index, node_texts, update_index  # noqa: E402
from retrieval.search import DenseSearcher  # noqa: E402

METAQA = ROOT.parent / "shared" / "data" / "metaqa" / "kb_partial.txt.gz"
QUERIES = ["George Lucas", "a director of sci-fi movies", "space battle", "stop-motion animators",
           "a composer who scored space operas", "documentary about a filmmaker", "Jaws", "Tom Hanks",
           "romantic comedy in Paris", "samurai", "haunted hotel", "superhero team"]


def subsample(kg: KnowledgeGraph, max_nodes: int | None) -> KnowledgeGraph:
    if not max_nodes or kg.num_nodes <= max_nodes:
        return kg
    keep = set(random.Random(0).sample(sorted(kg.nodes), max_nodes))
    for node_id in [n for n in kg.nodes if n not in keep]:
        kg.remove_node(node_id)
    return kg


def time_additions(kg: KnowledgeGraph, index: Index, encoder, store, n: int = 20) -> tuple[list[float], list[float]]:
    """Milliseconds to add one node linked to 5 existing nodes: until it is answerable and retrievable
    (graph + embedding the new node, what ``Assistant.update`` waits for), and for the neighbours'
    re-embedding that ``Assistant.update`` leaves to a background thread."""
    rng = random.Random(1)
    existing = sorted(kg.nodes)
    node_type = max(kg.node_types(), key=lambda t: len(kg.nodes_of_type(t)))
    relation = next(iter(kg.relations()))
    times, later = [], []
    for i in range(n):
        records = [{"op": "add_node", "node": {"id": f"bench:new-{i}", "type": node_type, "name": f"New item {i}",
                                               "description": "A node added by the benchmark."}}]
        records += [{"op": "add_edge", "edge": {"source": f"bench:new-{i}", "relation": relation,
                                                "target": rng.choice(existing)}} for _ in range(5)]
        started = time.perf_counter()
        result = apply_updates(kg, records)
        update_index(index, kg, result.primary, result.removed, encoder, store)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        update_index(index, kg, result.touched - result.primary, {}, encoder, store)
        later.append((time.perf_counter() - started) * 1000)
    return times, later


def bench(path: Path, max_nodes: int | None, queries: int) -> dict:
    started = time.perf_counter()
    kg = subsample(load_kg(path), max_nodes)
    load_s = time.perf_counter() - started
    nodes = kg.num_nodes
    encoder = load_encoder("base")
    texts = [t for by_id in node_texts(kg).values() for t in by_id.values()]
    sample = random.Random(0).sample(texts, min(2000, len(texts)))
    started = time.perf_counter()
    encoder.encode(sample)
    raw_rate = len(sample) / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        report = build_index(kg, Path(tmp) / "index", encoder, progress=True)
        again = build_index(kg, Path(tmp) / "index", encoder, progress=False)
        searcher = DenseSearcher(Index(Path(tmp) / "index"), encoder)
        types = searcher.node_types
        latencies = []
        rng = random.Random(0)
        for i in range(queries):
            text, node_type = QUERIES[i % len(QUERIES)], rng.choice(types + [None])
            t0 = time.perf_counter()
            searcher.search(text, node_type, k=10)
            latencies.append((time.perf_counter() - t0) * 1000)
        add_ms, neighbours_ms = time_additions(kg, Index(Path(tmp) / "index"), encoder, searcher.store)
        searcher.store.close()
    latencies.sort()
    add_ms.sort()
    return {"add_p50_ms": statistics.median(add_ms), "add_p95_ms": add_ms[int(0.95 * (len(add_ms) - 1))],
            "neighbours_p50_ms": statistics.median(neighbours_ms),
            "kg": path.name, "nodes": nodes, "load_s": load_s, "build_s": report.seconds,
            "nodes_per_s": report.embedded / report.seconds, "raw_per_s": raw_rate, "noop_s": again.seconds,
            "p50_ms": statistics.median(latencies), "p95_ms": latencies[int(0.95 * (len(latencies) - 1))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kg", type=Path, action="append", help="KG path(s); default: films and MetaQA")
    parser.add_argument("--max-nodes", type=int, default=None)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    set_offline()
    paths = args.kg or [DEFAULT_KG] + ([METAQA] if METAQA.exists() else [])
    rows = [bench(p, args.max_nodes, args.queries) for p in paths]
    head = (f"{'KG':<22} {'nodes':>7} {'load s':>7} {'build s':>8} {'index nodes/s':>13} {'encoder texts/s':>15} "
            f"{'no-op s':>8} {'query p50 ms':>12} {'p95 ms':>7} {'add node p50 ms':>15} {'p95 ms':>7} "
            f"{'neighbours p50 ms (background)':>30}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(f"{r['kg']:<22} {r['nodes']:>7} {r['load_s']:>7.1f} {r['build_s']:>8.1f} {r['nodes_per_s']:>13.0f} "
              f"{r['raw_per_s']:>15.0f} {r['noop_s']:>8.2f} {r['p50_ms']:>12.1f} {r['p95_ms']:>7.1f} "
              f"{r['add_p50_ms']:>15.1f} {r['add_p95_ms']:>7.1f} {r['neighbours_p50_ms']:>30.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
