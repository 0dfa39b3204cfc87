#!/usr/bin/env bash
# The GPU suite (issue 16): the trainers at the published recipes' size, each step time-boxed, in <= 10 minutes
# on one GPU, into one results file (JSON lines) and a printed table. --tiny runs it on a CPU in seconds.
#
#   bash bench/gpu_suite.sh [--tiny] [--out FILE] [--only STEP ...] [--budget STEP=SECONDS] [--set STEP.KEY=VALUE]
#
# Everything runs offline (no download at run time); see bench/gpu_suite/__init__.py for the steps.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON="python3"; fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
export TOKENIZERS_PARALLELISM=false
export PYSTOW_HOME="${PYSTOW_HOME:-${TMPDIR:-/tmp}/kgqa-pystow}"
cd "$ROOT"
exec "$PYTHON" -m bench.gpu_suite "$@"
