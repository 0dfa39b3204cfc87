"""kill -9 at random moments of `kgqa index --force` and `kgqa kg add`: the previous state must always serve.

    python bench/kill9.py                    # 24 kills (12 of each command) on an 1,200-node slice of the film KG
    python bench/kill9.py --kills 40 --seed 3 --nodes 2000

For each kill: the command is started as a child process and sent SIGKILL at a random moment of its run (drawn
uniformly between 20% and 100% of how long the command took when not killed, measured first, so that most kills
land in the work rather than in Python's start-up). Then, in a fresh process that builds nothing:

1. the KG loads (with every `kgqa kg add` overlay) and the index opens: a dense search and an answer work;
2. the KG is either the one before the add or the one after it, never a half-applied one;

and after the next plain `kgqa index` (the next run):

3. no staging folder, lock file or temporary file is left, and a film that the KG holds is retrievable.

Prints one table; exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
       "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "TOKENIZERS_PARALLELISM": "false",
       "KGQA_PROGRESS": "lines"}


def slice_kg(nodes: int, out: Path) -> Path:
    """The first projects of the film KG (by id) with everything they touch, about ``nodes`` nodes."""
    from assistant.kg import KnowledgeGraph, load_kg, save_native

    films = load_kg(ROOT / "data" / "films")
    keep: dict[str, None] = {}
    for project in sorted(n.id for n in films.nodes_of_type("project")):
        keep[project] = None
        for hop in films.neighbors(project, direction="both"):
            keep[hop.node] = None
        if len(keep) >= nodes:
            break
    part = KnowledgeGraph(schema=films.schema, name="films-slice")
    for node_id in keep:
        part.add_node(films.nodes[node_id])
    for edge in films.iter_edges():
        if edge.source in keep and edge.target in keep:
            part.add_edge(edge)
    save_native(part, out)
    return out


def kgqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *args]


def film_update(i: int, director: str) -> list[dict]:
    film = f"project:kill9-film-{i}"
    return [{"op": "add_node", "node": {"id": film, "type": "project", "name": f"Kill Nine Film {i}",
                                        "description": f"A test film number {i} about a lighthouse keeper.",
                                        "attributes": {"year": 2030}}},
            {"op": "add_edge", "edge": {"source": director, "relation": "directed", "target": film}}]


CHECK = """
import json, sys
from pathlib import Path
from assistant.api import Assistant
from retrieval.index import Index
kg, index, film = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
bot = Assistant.from_path(kg, index, build=False, progress=False)
assert bot.has_index, "no live index"
hits = bot.search("a lighthouse keeper", "project", 5)
answer = bot.ask("who directed " + sorted(n.name for n in bot.kg.nodes_of_type("project"))[0])
print(json.dumps({"nodes": bot.kg.num_nodes, "film_in_kg": film in bot.kg.nodes, "hits": len(hits),
                  "film_found": film in [h.node_id for h in hits], "answered": bool(answer.answers),
                  "stale": [p.name for p in Index(index).stale()]}))
"""


@dataclass
class Outcome:
    command: str
    at_s: float
    of_s: float
    killed: bool
    phase: str
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.checks


def leftovers(index: Path) -> list[str]:
    from retrieval.index import Index

    live = Index(index).current
    found = [p.name for p in index.glob("v-*") if p != live]
    found += [p.name for p in index.glob("*.tmp")] + [p.name for p in index.glob("CURRENT.*")]
    if live is not None:
        found += [p.name for p in live.glob("manifest.json.*.tmp")]
    return sorted(found)


def run_check(kg: Path, index: Path, film: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHECK, str(kg), str(index), film], capture_output=True, text=True,
                         cwd=ROOT, env=ENV, timeout=600)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - t0


def kill_at(cmd: list[str], at_s: float) -> tuple[bool, float]:
    """Run ``cmd``, SIGKILL it ``at_s`` seconds in; ``(killed, elapsed)`` (not killed when it finished first)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=at_s)
        return False, time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True, time.perf_counter() - t0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kills", type=int, default=24, help="kills in all, half on each command")
    p.add_argument("--nodes", type=int, default=1200, help="size of the film-KG slice")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kgqa-kill9-"))
    ENV["KGQA_HOME"] = str(work / "home")
    kg, index = slice_kg(args.nodes, work / "kg"), work / "index"
    from assistant.kg import load_kg

    director = sorted(n.id for n in load_kg(kg).nodes_of_type("person"))[0]
    print(f"work folder {work}; KG slice of {load_kg(kg).num_nodes} nodes", flush=True)
    first = timed(kgqa("index", "--kg", str(kg), "--index-dir", str(index), "--quiet"))
    durations = {"index --force": timed(kgqa("index", "--force", "--kg", str(kg), "--index-dir", str(index),
                                             "--quiet"))}
    update = work / "update-0.jsonl"
    update.write_text("".join(json.dumps(r) + "\n" for r in film_update(0, director)))
    durations["kg add"] = timed(kgqa("kg", "add", str(update), "--kg", str(kg), "--index-dir", str(index)))
    print(f"first build {first:.1f} s; unkilled: index --force {durations['index --force']:.1f} s, "
          f"kg add {durations['kg add']:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
    outcomes: list[Outcome] = []
    in_kg = {"project:kill9-film-0"}
    for i in range(1, args.kills + 1):
        command = "index --force" if i % 2 else "kg add"
        film = f"project:kill9-film-{i}"
        if command == "kg add":
            update = work / f"update-{i}.jsonl"
            update.write_text("".join(json.dumps(r) + "\n" for r in film_update(i, director)))
            cmd = kgqa("kg", "add", str(update), "--kg", str(kg), "--index-dir", str(index))
        else:
            cmd = kgqa("index", "--force", "--kg", str(kg), "--index-dir", str(index), "--quiet")
        at = rng.uniform(0.2, 1.0) * durations[command]
        overlay_before = (index / "updates.jsonl").read_text() if (index / "updates.jsonl").exists() else ""
        killed, elapsed = kill_at(cmd, at)
        left = leftovers(index)
        phase = ("finished" if not killed else "staging" if any(n.startswith("v-") for n in left)
                 else "start-up or publish")
        outcome = Outcome(command, elapsed, durations[command], killed, phase)
        state = run_check(kg, index, film if command == "kg add" else "project:kill9-film-0")
        if "error" in state:
            outcome.checks.append(f"does not serve: {state['error']}")
        else:
            if not state["hits"] or not state["answered"]:
                outcome.checks.append(f"no search hits or no answer: {state}")
            if command == "kg add":
                overlay_after = (index / "updates.jsonl").read_text() if (index / "updates.jsonl").exists() else ""
                applied = film in overlay_after
                if state["film_in_kg"] != applied or not overlay_after.startswith(overlay_before):
                    outcome.checks.append(f"KG neither old nor new: film in KG {state['film_in_kg']}, in log {applied}")
                if applied:
                    in_kg.add(film)
                    outcome.phase = "after commit" if killed else outcome.phase
        subprocess.run(kgqa("index", "--kg", str(kg), "--index-dir", str(index), "--quiet"), cwd=ROOT, env=ENV,
                       capture_output=True, timeout=1800)
        left = leftovers(index)
        if left:
            outcome.checks.append(f"left after the next run: {left}")
        after = run_check(kg, index, film if film in in_kg else "project:kill9-film-0")
        if "error" in after:
            outcome.checks.append(f"does not serve after the next run: {after['error']}")
        elif after["film_in_kg"] and not after["film_found"]:
            outcome.checks.append("a film in the KG is not retrievable after the next run")
        outcomes.append(outcome)
        print(f"{i:>3}. {command:<14} {'killed' if killed else 'finished'} at {elapsed:5.1f}/{durations[command]:.1f} s"
              f" ({outcome.phase}): {'ok' if outcome.ok else '; '.join(outcome.checks)}", flush=True)
    killed = [o for o in outcomes if o.killed]
    print(f"\nmachine load {os.getloadavg()[0]:.1f}; {len(killed)} kills of {len(outcomes)} runs "
          f"({len(outcomes) - len(killed)} finished before their kill moment)")
    print("| command | kills | in staging | after commit | start-up/publish | checks failed |")
    print("|---|---:|---:|---:|---:|---:|")
    for command in ("index --force", "kg add"):
        mine = [o for o in killed if o.command == command]
        print(f"| `kgqa {command}` | {len(mine)} | {sum(o.phase == 'staging' for o in mine)} | "
              f"{sum(o.phase == 'after commit' for o in mine)} | {sum(o.phase == 'start-up or publish' for o in mine)}"
              f" | {sum(not o.ok for o in outcomes if o.command == command)} |")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
