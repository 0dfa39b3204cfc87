"""A versioned on-disk index: ``CURRENT`` names the live version folder of Chroma files.

A build copies the live version into a staging folder, updates it there and only then swaps
``CURRENT`` with an atomic rename; a crashed or interrupted build leaves the live version as it
was. Each version folder carries ``manifest.json``: per encoder, the model id and the KG
fingerprint it was built from.

A staging folder belongs to the process building it for as long as that process holds an exclusive
``flock`` on ``<folder>.lock`` beside it; the kernel drops the lock when the process dies, even by
``kill -9``. Every new build and every ``open_store`` first removes the staging folders whose lock is
free (crashed builds), so a killed build's copy never outlives the next run, while a build running in
another process keeps its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import IO

from assistant.kg.errors import KGQAError
from assistant.kg.updates import clean_stale_updates
from retrieval.store import ChromaStore

try:
    import fcntl
except ImportError:  # not on POSIX: staging folders are then only cleaned when no lock file says otherwise
    fcntl = None  # type: ignore[assignment]

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
UPDATES = "updates.jsonl"  # `kgqa kg add`'s log (assistant.api.UPDATES), kept beside the versions
_VERSION = re.compile(r"^v-[0-9A-Za-z-]+$")
#: a staging folder without a lock file (written by older code) is only removed once this old
LEGACY_STAGING_AGE_S = 600.0


class IndexMissing(KGQAError, FileNotFoundError):
    """No usable index at a location."""


def _try_lock(handle: IO[str]) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


class Index:
    """The index folder of one KG."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._locks: dict[Path, IO[str]] = {}

    # ---- the live version --------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        pointer = self.root / CURRENT
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not _VERSION.match(name):  # never follow a damaged pointer out of the index folder
            return None
        path = self.root / name
        return path if (path / MANIFEST).exists() else None

    def exists(self) -> bool:
        return self.current is not None

    def manifest(self) -> dict:
        current = self.current
        if current is None:
            return {"encoders": {}}
        try:
            manifest = json.loads((current / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexMissing(f"the index manifest is damaged ({exc}): rebuild with `kgqa index --force`",
                               str(current / MANIFEST)) from exc
        if not isinstance(manifest, dict) or not isinstance(manifest.get("encoders", {}), dict):
            raise IndexMissing("the index manifest is not an object with 'encoders': rebuild with "
                               "`kgqa index --force`", str(current / MANIFEST))
        return manifest

    def encoders(self) -> list[str]:
        return sorted(self.manifest().get("encoders", {}))

    def open_store(self) -> ChromaStore:
        current = self.current
        if current is None:
            raise IndexMissing(f"no index at {self.root}: run `kgqa index` first")
        self.clean_stale()
        return ChromaStore.persistent(current)

    # ---- building a new version --------------------------------------------------------
    def stage(self, copy: bool = True) -> Path:
        """A fresh staging folder holding a copy of the live version (or nothing, without ``copy``), owned by
        this process until :meth:`publish` or :meth:`discard`. Leftovers of crashed builds go first."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.clean_stale()
        staging = self.root / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        # the lock exists before the folder does, so a concurrent clean_stale never takes a half-made copy
        lock = open(self._lock_path(staging), "w", encoding="utf-8")  # noqa: SIM115 -- held until publish/discard
        _try_lock(lock)
        lock.write(str(os.getpid()))
        lock.flush()
        self._locks[staging] = lock
        current = self.current
        try:
            if copy and current is not None:
                shutil.copytree(current, staging)
            else:
                staging.mkdir()
        except BaseException:
            self.discard(staging)
            raise
        return staging

    def publish(self, staging: Path, manifest: dict) -> None:
        """Write the manifest, then atomically make ``staging`` the live version."""
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        old = self.current
        tmp = self.root / f"{CURRENT}.{uuid.uuid4().hex[:6]}.tmp"
        tmp.write_text(staging.name)
        os.replace(tmp, self.root / CURRENT)
        self._release(staging)
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
        self._release(staging)

    def _lock_path(self, staging: Path) -> Path:
        return staging.with_name(staging.name + ".lock")

    def _release(self, staging: Path) -> None:
        lock = self._locks.pop(staging, None)
        self._lock_path(staging).unlink(missing_ok=True)
        if lock is not None:
            lock.close()

    def stale(self) -> list[Path]:
        """Version folders that are neither live nor being built by a running process."""
        if not self.root.is_dir():
            return []
        current = self.current
        found = []
        for path in sorted(self.root.glob("v-*")):
            if path == current or path in self._locks or not path.is_dir():
                continue
            lock_path = self._lock_path(path)
            if lock_path.exists():
                with open(lock_path, encoding="utf-8") as handle:
                    if not _try_lock(handle):
                        continue  # another process is building it right now
            elif time.time() - path.stat().st_mtime < LEGACY_STAGING_AGE_S:
                continue  # no lock file: written by older code, or its owner is between lock and copy
            found.append(path)
        return found

    def clean_stale(self) -> None:
        """Remove leftovers of crashed builds: version folders that are not live and not owned by a running
        build, their lock files, and temporary pointer files."""
        for path in self.stale():
            shutil.rmtree(path, ignore_errors=True)
            self._lock_path(path).unlink(missing_ok=True)
        if not self.root.is_dir():
            return
        for lock_path in self.root.glob("v-*.lock"):
            folder = lock_path.with_name(lock_path.name.removesuffix(".lock"))
            if not folder.exists() and folder not in self._locks:
                with open(lock_path, encoding="utf-8") as handle:
                    if _try_lock(handle):
                        lock_path.unlink(missing_ok=True)
        for tmp in self.root.glob(f"{CURRENT}.*.tmp"):
            tmp.unlink(missing_ok=True)
        clean_stale_updates(self.root / UPDATES)  # a `kgqa kg add` killed while writing its log
        current = self.current
        if current is not None:
            for tmp in current.glob(f"{MANIFEST}.*.tmp"):
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
