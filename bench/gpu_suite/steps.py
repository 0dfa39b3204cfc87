"""The suite's five steps and the two sizes they run at (the GPU recipe, and ``--tiny`` for a CPU test).

Each step calls the project's trainers (nothing re-implemented here but CLEP's trainable text tower, see
:mod:`bench.gpu_suite.clep_text`) with the step's time left as their own training budget, so a step normally
stops itself in time and still evaluates; the runner's hard guard is only for a step that does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import DEFAULT_KG
from assistant.kg import KnowledgeGraph
from bench.gpu_suite.runner import ROOT, Step, StepContext, StepSkipped

FB15K = ROOT.parent / "shared" / "data" / "fb15k237"
FILMS = DEFAULT_KG
#: nodes of the film KG kept by --tiny (the best-connected ones, so every step has triples to learn from)
TINY_NODES = 300
METRIC_KEYS = ("mrr", "mr", "hits@1", "hits@3", "hits@10")


@dataclass
class Profile:
    """Sizes of every step (``FULL``: one GPU, the published recipes' sizes; ``TINY``: a CPU test)."""

    lp: dict
    clep: dict
    compgcn: dict
    sbert: dict
    throughput: dict


FULL = Profile(
    # ComplEx-N3 (Lacroix et al., 2018) on FB15k-237: rank 1000, Adagrad lr 0.1, N3 0.05, 1-vs-all with reciprocals
    lp=dict(embedding_dim=1000, batch_size=1000, epochs=100, learning_rate=0.1, regularizer_weight=0.05,
            eval_batch_size=1024),
    # CLEP with MiniLM's last 2 layers trained, 64 word pieces per description
    clep=dict(train_layers=2, batch_size=512, max_seq_length=64, epochs=20, eval_batch_size=1024),
    # CompGCN + DistMult at CLEP's width (256) so the two initialisations compare at equal size
    compgcn=dict(batch_size=1024, epochs=500, label_smoothing=0.1, decoder="distmult", eval_batch_size=1024),
    # full fine-tuning of all-MiniLM-L6-v2 on the film KG's verbalised facts, hard negatives
    sbert=dict(epochs=2, batch_size=128, max_train_pairs=20_000, hard_negatives=True, evals_per_epoch=1),
    throughput=dict(index_nodes=None, clep_steps=30, clep_batch_size=1024),
)
TINY = Profile(
    lp=dict(embedding_dim=16, batch_size=256, epochs=3, learning_rate=0.1, regularizer_weight=0.05,
            eval_batch_size=256),
    clep=dict(train_layers=1, batch_size=64, max_seq_length=24, epochs=1, max_steps=3, embedding_dim=32,
              hidden_dim=64, output_dim=32, encode_batch_size=128, eval_batch_size=256, eval_sample=100),
    compgcn=dict(batch_size=256, epochs=1, max_steps=3, label_smoothing=0.1, decoder="distmult",
                 eval_batch_size=256),
    sbert=dict(epochs=1, batch_size=16, max_steps=2, max_train_pairs=32, hard_negatives=False, evals_per_epoch=1,
               max_eval_edges=40),
    throughput=dict(index_nodes=80, clep_steps=2, clep_batch_size=64),
)


@dataclass
class _State:
    tiny: bool = True
    fb15k: Path = FB15K
    films: Path = FILMS
    records: list = field(default_factory=list)
    overrides: dict = field(default_factory=dict)
    kgs: dict = field(default_factory=dict)
    clep_checkpoint: Path | None = None


STATE = _State()


def configure(tiny: bool, fb15k: Path, films: Path, records: list, overrides: dict | None = None) -> None:
    """Set the profile and data for a run (``records``: the results so far, read by the throughput step)."""
    global STATE
    STATE = _State(tiny, Path(fb15k), Path(films), records, overrides or {})


def profile(step: str) -> dict:
    base = getattr(TINY if STATE.tiny else FULL, step)
    return {**base, **STATE.overrides.get(step, {})}


def slice_kg(kg: KnowledgeGraph, max_nodes: int) -> KnowledgeGraph:
    """The ``max_nodes`` best-connected nodes of ``kg`` and the edges among them (no benchmark split)."""
    keep = set(sorted(kg.nodes, key=lambda n: (-kg.degree(n), n))[:max_nodes])
    out = KnowledgeGraph(schema=kg.schema, name=f"{kg.name}-tiny{max_nodes}")
    for node_id in sorted(keep):
        out.add_node(kg.nodes[node_id])
    for edge in kg.iter_edges():
        if edge.source in keep and edge.target in keep:
            out.add_edge(edge)
    return out


def _films() -> tuple[KnowledgeGraph, str]:
    from assistant.kg import load_kg

    if "films" not in STATE.kgs:
        kg = load_kg(STATE.films)
        if STATE.tiny:
            kg = slice_kg(kg, TINY_NODES)
        STATE.kgs["films"] = kg
    kg = STATE.kgs["films"]
    return kg, f"{kg.name} ({kg.num_nodes:,} nodes, {kg.num_edges:,} edges)"


def benchmark_kg() -> tuple[KnowledgeGraph, str]:
    """FB15k-237 (``--tiny``: the film KG's slice, so the test needs no shared data).

    Raises:
        StepSkipped: FB15k-237 is not where it was expected.
    """
    if STATE.tiny:
        return _films()
    from assistant.kg import load_kg

    if "fb15k237" not in STATE.kgs:
        if not (STATE.fb15k / "train.txt.gz").exists() and not (STATE.fb15k / "train.txt").exists():
            raise StepSkipped(f"FB15k-237 not found at {STATE.fb15k} (expected ../shared/data/fb15k237 beside the "
                              "repo, or pass --fb15k DIR)")
        STATE.kgs["fb15k237"] = load_kg(STATE.fb15k)
    kg = STATE.kgs["fb15k237"]
    return kg, f"fb15k237 ({kg.num_nodes:,} entities, test split)"


def _metrics(m: dict | None) -> dict:
    return {k: m[k] for k in METRIC_KEYS if m and m.get(k) is not None} | (
        {"test_triples": m["test_triples"]} if m and "test_triples" in m else {})


# ---- 1. link prediction ---------------------------------------------------------------------------------
def step_lp(ctx: StepContext) -> dict:
    from training.link_prediction import TrainSettings, train_kge

    kg, dataset = benchmark_kg()
    p = profile("lp")
    settings = TrainSettings(model="complex", loop="1vsall", optimizer="adagrad", candidates="all", device="auto",
                             max_minutes=ctx.train_seconds() / 60, seed=0, **p)
    ctx.reached.update(phase="training", model="complex-n3")
    result = train_kge(kg, settings, progress=True)
    t = result.predictor.config["training"]
    ctx.reached.update(phase="evaluated", steps=result.steps, epochs=result.epochs_run)
    return {"dataset": dataset, "device": result.device, "dtype": t.get("dtype", "fp32"),
            "metrics": _metrics(result.metrics), "timed_out": bool(t.get("stopped_by_time")),
            "train_s": round(result.train_seconds, 2), "eval_s": round(result.eval_seconds, 2),
            "steps": result.steps, "epochs_run": result.epochs_run, "final_loss": t.get("final_loss"),
            "triples_per_s": t.get("examples_per_second"),
            "rows": [{"name": f"ComplEx-N3 1-vs-all (dim {settings.embedding_dim})",
                      "metrics": _metrics(result.metrics),
                      "other": f"{result.epochs_run} epochs, {result.steps} steps"}],
            "settings": {k: v for k, v in t.items() if k not in ("curve",)}}


# ---- 2. CLEP with the text tower's last layers trained -------------------------------------------------
def step_clep(ctx: StepContext) -> dict:
    from bench.gpu_suite.clep_text import TextTowerSettings, train_clep_text_tower

    kg, dataset = benchmark_kg()
    settings = TextTowerSettings(max_seconds=ctx.train_seconds(), **profile("clep"))

    def on_step(step: int, loss: float) -> None:
        ctx.reached.update(phase="training", steps=step, loss=loss)

    result = train_clep_text_tower(kg, settings, progress=True, output=ctx.workdir / "clep", on_step=on_step)
    STATE.clep_checkpoint = Path(result.checkpoint) if result.checkpoint else None
    ctx.reached.update(phase="evaluated")
    return {"dataset": dataset, "device": result.device, "dtype": result.dtype, "metrics": _metrics(result.metrics),
            "timed_out": result.stopped_by_time, "train_s": round(result.train_seconds, 2),
            "eval_s": round(result.eval_seconds, 2), "steps": result.steps, "epochs_run": round(result.epochs_run, 3),
            "final_loss": result.losses[-1] if result.losses else None, "triples_per_s": result.triples_per_s,
            "trainable_text_parameters": result.trainable_parameters,
            "rows": [{"name": f"CLEP, text tower's last {settings.train_layers} layer(s) trained",
                      "metrics": _metrics(result.metrics),
                      "other": f"{result.steps} steps, cross-space ranking"
                               + (f" of a {settings.eval_sample}-triple sample" if settings.eval_sample else "")}],
            "settings": {**settings.__dict__}}


# ---- 3. CompGCN, random vs CLEP-initialised ----------------------------------------------------------------
def step_compgcn(ctx: StepContext) -> dict:
    from training.clep import load_clep
    from training.link_prediction.compgcn import CompGCNSettings, train_compgcn

    kg, dataset = benchmark_kg()
    p = profile("compgcn")
    clep = STATE.clep_checkpoint
    width = load_clep(clep).model.config.embedding_dim if clep else (32 if STATE.tiny else 256)
    runs: list[dict] = []
    out: dict = {"dataset": dataset, "rows": [], "runs": runs}
    for i, init in enumerate(("random", "clep")):
        if init == "clep" and clep is None:
            out["rows"].append({"name": "CompGCN + DistMult (CLEP init)", "metrics": {},
                                "other": "skipped: no CLEP checkpoint (the clep step did not finish or did not run)"})
            continue
        runs_left = 2 - i
        train_s = max(1.0, (ctx.budget_s - ctx.elapsed() - runs_left * ctx.eval_reserve_s) / runs_left)
        settings = CompGCNSettings(embedding_dim=width, max_minutes=train_s / 60, seed=0, device="auto",
                                   init_from=str(clep) if init == "clep" else None, **p)
        ctx.reached.update(phase=f"training ({init} init)")
        result = train_compgcn(kg, settings, progress=True)
        t = result.predictor.config["training"]
        run = {"init": init, "metrics": _metrics(result.metrics), "steps": result.steps,
               "epochs_run": result.epochs_run, "train_s": round(result.train_seconds, 2),
               "eval_s": round(result.eval_seconds, 2), "timed_out": bool(t.get("stopped_by_time")),
               "triples_per_s": result.steps * settings.batch_size / max(result.train_seconds, 1e-9),
               "init_detail": t.get("init"), "final_loss": t.get("final_loss")}
        runs.append(run)
        out.update(device=result.device, dtype=t.get("dtype", "fp32"))
        out["rows"].append({"name": f"CompGCN + DistMult ({init} init, width {width})", "metrics": run["metrics"],
                            "other": f"{result.epochs_run} epochs, {result.steps} steps"})
        ctx.reached.update(phase=f"evaluated ({init} init)", **{f"{init}_mrr": run["metrics"].get("mrr")})
    out["timed_out"] = any(r["timed_out"] for r in runs)
    out["metrics"] = runs[-1]["metrics"] if runs else {}
    if len(runs) == 2 and runs[0]["metrics"].get("mrr") is not None and runs[1]["metrics"].get("mrr") is not None:
        out["clep_minus_random_mrr"] = runs[1]["metrics"]["mrr"] - runs[0]["metrics"]["mrr"]
    out["triples_per_s"] = runs[0]["triples_per_s"] if runs else None
    return out


# ---- 4. full fine-tuning of the entity encoder ------------------------------------------------------------
def step_sbert(ctx: StepContext) -> dict:
    from training.sbert.train import SBertSettings, train_sbert

    kg, dataset = _films()
    settings = SBertSettings(max_minutes=ctx.train_seconds() / 60, device="auto", seed=0, **profile("sbert"))
    ctx.reached.update(phase="training (full fine-tuning)")
    report = train_sbert(kg, ctx.workdir / "sbert-ft", settings, progress=True)
    ctx.reached.update(phase="evaluated", steps=report.steps)
    base, final = report.base_metrics, report.final_metrics
    metrics = {"mrr@10": final.get("cosine_mrr@10"), "recall@10": final.get("cosine_recall@10"),
               "accuracy@1": final.get("cosine_accuracy@1"), "base_mrr@10": base.get("cosine_mrr@10"),
               "base_recall@10": base.get("cosine_recall@10")}
    return {"dataset": dataset, "device": report.device, "dtype": report.dtype, "timed_out": report.stopped_by_time,
            "metrics": metrics, "steps": report.steps, "epochs_run": report.epochs_done,
            "train_s": report.seconds.get("train"), "pairs_per_s": report.pairs_per_s, "pairs": report.pairs,
            "seconds": report.seconds,
            "rows": [{"name": "sbert-ft: all-MiniLM-L6-v2, every weight (MNRL)",
                      "metrics": {"mrr": metrics["mrr@10"]},
                      "other": f"held-out edges IR MRR@10 {_num(metrics['base_mrr@10'])} (base) -> "
                               f"{_num(metrics['mrr@10'])}; {report.steps} steps, {report.pairs_per_s:,.0f} pairs/s"}]}


def _num(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


# ---- 5. throughput -----------------------------------------------------------------------------------------
def step_throughput(ctx: StepContext) -> dict:
    import tempfile

    from retrieval.encoders import load_encoder
    from retrieval.indexer import build_index
    from training.clep.throughput import measure as clep_measure
    from training.common import resolve_device

    p = profile("throughput")
    device = resolve_device("auto")
    rows: list[dict] = []
    films, films_name = _films()
    kg = slice_kg(films, p["index_nodes"]) if p.get("index_nodes") else films
    ctx.reached.update(phase="index build")
    encoder = load_encoder("base", device=device)
    with tempfile.TemporaryDirectory(prefix="index-", dir=ctx.workdir) as folder:
        report = build_index(kg, Path(folder) / "index", encoder, progress=True)
    rows.append({"what": f"index build ({kg.num_nodes:,} nodes of {films.name}, base encoder, Chroma)",
                 "value": report.embedded / max(report.seconds, 1e-9), "unit": "nodes/s", "device": device,
                 "source": "throughput step"})
    ctx.reached.update(phase="clep (frozen text side)", index_nodes_per_s=rows[-1]["value"])
    # --tiny: the index's slice (the frozen text side embeds every entity text before the clock starts)
    bench_kg, bench_name = (kg, films_name) if STATE.tiny else benchmark_kg()
    clep = clep_measure(bench_kg, p["clep_steps"], p["clep_batch_size"], "auto")
    rows.append({"what": f"CLEP training, frozen text side ({bench_kg.name}, batch {clep['batch_size']})",
                 "value": clep["items_per_s"], "unit": "triples/s", "device": clep["device"],
                 "source": "throughput step"})
    seen = {"lp": ("ComplEx-N3 1-vs-all training", "triples_per_s", "triples/s"),
            "clep": ("CLEP training, text tower's last layers trained", "triples_per_s", "triples/s"),
            "compgcn": ("CompGCN training (full-graph encoder per step)", "triples_per_s", "triples/s"),
            "sbert": ("sbert-ft full fine-tuning", "pairs_per_s", "pairs/s")}
    for record in STATE.records:
        spec = seen.get(record.get("step"))
        if spec and record.get("status") in ("ok", "timed_out") and isinstance(record.get(spec[1]), (int, float)) \
                and math.isfinite(record[spec[1]]):
            rows.append({"what": f"{spec[0]} ({record.get('dataset', '')})", "value": float(record[spec[1]]),
                         "unit": spec[2], "device": record.get("device", ""), "source": f"{record['step']} step"})
    return {"dataset": f"{films_name}; {bench_name}", "device": device, "dtype": "fp32 (inference: fp32 encoder)",
            "timed_out": False, "throughput": rows, "metrics": {},
            "rows": [{"name": "throughput", "metrics": {}, "other": f"{len(rows)} rows (table below)"}]}


STEPS = [
    Step("lp", "link prediction, ComplEx-N3 1-vs-all", step_lp, budget_s=160, tiny_budget_s=20,
         eval_reserve_s=25),
    Step("clep", "CLEP, text tower's last layers trained", step_clep, budget_s=130, tiny_budget_s=25,
         eval_reserve_s=30),
    Step("compgcn", "CompGCN + DistMult, random vs CLEP-initialised", step_compgcn, budget_s=140,
         tiny_budget_s=25, eval_reserve_s=15),
    # the reserve also covers what train_sbert does before its clock starts (hard-negative mining, base evaluation)
    Step("sbert", "full fine-tuning of the entity encoder on the film KG", step_sbert, budget_s=80,
         tiny_budget_s=25, eval_reserve_s=30),
    Step("throughput", "throughput: index nodes/s, CLEP triples/s, and the steps' triples/s and pairs/s",
         step_throughput, budget_s=45, tiny_budget_s=20, eval_reserve_s=0),
]
