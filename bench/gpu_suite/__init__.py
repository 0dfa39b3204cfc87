"""The GPU suite: the trainers at the size of the published recipes, in one time-boxed run (issue 16).

    bash bench/gpu_suite.sh [--out FILE]          # one GPU, <= 10 minutes, FB15k-237 from ../shared/data
    bash bench/gpu_suite.sh --tiny --out FILE     # everything shrunk to a slice of the film KG (CPU, seconds)
    bash bench/gpu_suite.sh --only lp clep        # some steps; --budget lp=120 changes one step's wall budget

Steps (each under its own wall budget; a step that runs out stops cleanly, records what it reached with
``timed_out: true``, and the next step runs):

1. ``lp``: FB15k-237 link prediction, ComplEx-N3 1-vs-all (rank 1000, Adagrad, N3; the loop of
   ``training/link_prediction/loop.py``), filtered MRR / Hits@k on the test split.
2. ``clep``: CLEP on FB15k-237 with the text tower's last MiniLM layers trained (:mod:`bench.gpu_suite.clep_text`),
   cross-space filtered MRR; saves the CLEP checkpoint CompGCN starts from.
3. ``compgcn``: CompGCN + DistMult, random vs CLEP-initialised entity table, same budget each.
4. ``sbert``: full fine-tuning of the entity encoder (all-MiniLM-L6-v2) on the film KG (``training/sbert``),
   held-out IR MRR@10 before and after.
5. ``throughput``: index nodes/s (Chroma build of the film KG), CLEP triples/s (frozen text side), with the
   triples/s and pairs/s the steps above measured, as one table.

The results file is JSON lines: a ``suite`` header (device, torch, the command), one record per step (device,
dtype, wall time, budget, metrics, ``timed_out``; ``status`` ok / timed_out / skipped / failed with a reason),
and a ``summary`` with the total wall time. The same table is printed at the end. On CUDA every trainer runs
there with bf16 autocast where safe (matrix products; losses, norms and parameters fp32); on a CPU all is fp32.
"""
