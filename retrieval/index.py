"""A versioned on-disk index: ``CURRENT`` names the live version folder of Chroma files.

A build copies the live version into a staging folder, updates it there and only then swaps
``CURRENT`` with an atomic rename; a crashed or interrupted build leaves the live version as it
was. Each version folder carries ``manifest.json``: per encoder, the model id and the KG
fingerprint it was built from.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

from retrieval.store import ChromaStore

CURRENT = "CURRENT"
MANIFEST = "manifest.json"


class IndexMissing(FileNotFoundError):
    """No usable index at a location."""


class Index:
    """The index folder of one KG."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # ---- the live version --------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        pointer = self.root / CURRENT
        if not pointer.exists():
            return None
        path = self.root / pointer.read_text().strip()
        return path if (path / MANIFEST).exists() else None

    def exists(self) -> bool:
        return self.current is not None

    def manifest(self) -> dict:
        current = self.current
        if current is None:
            return {"encoders": {}}
        return json.loads((current / MANIFEST).read_text())

    def encoders(self) -> list[str]:
        return sorted(self.manifest().get("encoders", {}))

    def open_store(self) -> ChromaStore:
        current = self.current
        if current is None:
            raise IndexMissing(f"no index at {self.root}: run `kgqa index` first")
        return ChromaStore.persistent(current)

    # ---- building a new version --------------------------------------------------------
    def stage(self) -> Path:
        """A fresh staging folder holding a copy of the live version (or nothing)."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        current = self.current
        if current is not None:
            shutil.copytree(current, staging)
        else:
            staging.mkdir()
        return staging

    def publish(self, staging: Path, manifest: dict) -> None:
        """Write the manifest, then atomically make ``staging`` the live version."""
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        old = self.current
        tmp = self.root / f"{CURRENT}.{uuid.uuid4().hex[:6]}.tmp"
        tmp.write_text(staging.name)
        os.replace(tmp, self.root / CURRENT)
        if old is not None and old != staging:
            shutil.rmtree(old, ignore_errors=True)
        self.clean_stale()

    def write_manifest(self, manifest: dict) -> None:
        """Rewrite the live version's manifest in place (after an incremental update)."""
        current = self.current
        if current is None:
            raise IndexMissing(f"no index at {self.root}")
        tmp = current / f"{MANIFEST}.{uuid.uuid4().hex[:6]}.tmp"
        tmp.write_text(json.dumps(manifest, indent=2))
        os.replace(tmp, current / MANIFEST)

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def clean_stale(self) -> None:
        """Remove leftovers of crashed builds (any version folder that is not live)."""
        current = self.current
        for path in self.root.glob("v-*"):
            if path != current and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        for tmp in self.root.glob(f"{CURRENT}.*.tmp"):
            tmp.unlink(missing_ok=True)


class RemoteIndex:
    """An index kept on a Chroma server (``chroma run``): shared by several machines or users.

    Collections are updated in place (upserts are idempotent) and the manifest, written last, lives
    in the store; an interrupted build leaves every collection queryable and is finished by the next
    run. ``root`` is a local folder for what is not vectors (the fitted question parser).
    """

    def __init__(self, url: str, namespace: str, root: str | Path) -> None:
        self.url = url
        self.namespace = namespace
        self.root = Path(root)

    def open_store(self) -> ChromaStore:
        return ChromaStore.http(self.url, self.namespace)

    def manifest(self) -> dict:
        return self.open_store().read_manifest()

    def exists(self) -> bool:
        try:
            return bool(self.manifest().get("encoders"))
        except Exception as exc:  # an unreachable server is not an index
            raise IndexMissing(f"cannot reach the Chroma server at {self.url}: {exc}") from exc

    def encoders(self) -> list[str]:
        return sorted(self.manifest().get("encoders", {}))
