"""``python -m bench.gpu_suite`` (what ``bench/gpu_suite.sh`` runs)."""

import sys

from bench.gpu_suite.runner import main

sys.exit(main())
