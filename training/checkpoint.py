"""Checkpoint folders on disk, shared by every trainer: one reader, one integrity check, one atomic publish.

A checkpoint is a folder holding ``config.json`` (a JSON object with a ``"format"`` marker, settings,
metrics and the ``"sha256"`` of its weights file) beside a safetensors weights file. Pickles are never
read. Readers go through :func:`read_checkpoint_config` and :func:`verify_weights`, so every kind of
checkpoint refuses the same things with the same kind of message: a missing folder or file, a
``config.json`` that is not valid UTF-8 JSON or not an object, another format, a missing or
mismatching hash. Writers build the new folder beside the target (:func:`staged_folder`) and swap it
in with :func:`publish_folder`, so an interrupted or failed save leaves the previous checkpoint usable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from assistant.kg.errors import KGQAError

CONFIG_FILE = "config.json"
#: Larger ``config.json`` files are refused before parsing (ours are a few KB; id lists live elsewhere).
MAX_CONFIG_BYTES = 64 << 20


class CheckpointError(KGQAError, ValueError):
    """A checkpoint folder that is missing, incomplete, corrupt or of another format.

    Subclasses ``ValueError`` too, so callers that caught the older per-trainer errors keep working.
    """


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (checkpoints record it to detect corrupt weights)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json_file(path: Path, what: str, expect: type = dict) -> object:
    """Parse a JSON file of a checkpoint and check its top-level type.

    Args:
        path: The file.
        what: What the checkpoint is called in messages (``"link-predictor"``).
        expect: ``dict`` or ``list``.

    Raises:
        CheckpointError: Unreadable, too large, not UTF-8, invalid or too deeply nested JSON, or
            not of type ``expect``; the message names the file.
    """
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise CheckpointError(f"{path}: larger than {MAX_CONFIG_BYTES >> 20} MB, not a {what} checkpoint file",
                                  str(path))
        value = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CheckpointError(f"corrupt checkpoint {path}: not UTF-8 text", str(path)) from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"corrupt checkpoint {path}: invalid JSON ({exc})", str(path), exc.lineno) from None
    except RecursionError:
        raise CheckpointError(f"corrupt checkpoint {path}: JSON nested too deeply", str(path)) from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}", str(path)) from None
    if not isinstance(value, expect):
        kind = "an object" if expect is dict else "a list"
        raise CheckpointError(f"corrupt checkpoint {path}: expected {kind} of {what} settings, found "
                              f"{type(value).__name__}", str(path))
    return value


def read_checkpoint_config(directory: str | Path, fmt: str, what: str, command: str,
                           required: Sequence[str] = (), config_file: str = CONFIG_FILE) -> dict:
    """Read and check the ``config.json`` of a checkpoint folder.

    Args:
        directory: The checkpoint folder.
        fmt: The ``"format"`` marker its config must carry (``"kgqa-link-predictor"``).
        what: What such a checkpoint is called in messages (``"link-predictor"``).
        command: The command that writes one, for the hint (``"kgqa train lp"``).
        required: Other files the folder must hold.
        config_file: The configuration file's name.

    Returns:
        The configuration (a dict).

    Raises:
        CheckpointError: No folder, a missing file, a config that is not a JSON object, or another format.
    """
    folder = Path(directory)
    if not folder.is_dir():
        what_is = "a file, not a folder" if folder.exists() else "folder not found"
        raise CheckpointError(f"no {what} checkpoint at {folder}: {what_is} (train one with `{command}`)", str(folder))
    path = folder / config_file
    if not path.is_file():
        raise CheckpointError(f"{folder} is not a {what} checkpoint: {config_file} is missing "
                              f"(train one with `{command}`)", str(folder))
    config = read_json_file(path, what)
    if config.get("format") != fmt:
        raise CheckpointError(f"{path} is not a {what} checkpoint (expected \"format\": \"{fmt}\", found "
                              f"{config.get('format')!r})", str(path))
    missing = [name for name in required if not (folder / name).is_file()]
    if missing:
        raise CheckpointError(f"incomplete checkpoint {folder}: {', '.join(missing)} "
                              f"{'is' if len(missing) == 1 else 'are'} missing (re-train with `{command}`)",
                              str(folder))
    return config


def verify_weights(folder: str | Path, config: dict, weights_file: str, command: str,
                   config_file: str = CONFIG_FILE) -> Path:
    """Check the weights file of a checkpoint against the SHA-256 its config records.

    A config without a hash is refused: without it a truncated or swapped weights file would load
    unchecked.

    Returns:
        The weights file's path.

    Raises:
        CheckpointError: The file is missing, the config records no hash, or the hash differs.
    """
    folder = Path(folder)
    weights = folder / weights_file
    if not weights.is_file():
        raise CheckpointError(f"incomplete checkpoint {folder}: {weights_file} is missing", str(weights))
    recorded = config.get("sha256")
    if not isinstance(recorded, str) or not recorded:
        raise CheckpointError(f"{folder / config_file} records no \"sha256\" of {weights_file}, so its weights "
                              f"cannot be checked; re-train with `{command}`", str(folder / config_file))
    if file_sha256(weights) != recorded:
        raise CheckpointError(f"corrupt checkpoint {folder}: {weights_file} does not match the SHA-256 recorded "
                              f"in {config_file} (re-train with `{command}`)", str(weights))
    return weights


def check_replaceable(target: str | Path, fmt: str, what: str, config_file: str = CONFIG_FILE) -> None:
    """Raise ``CheckpointError`` unless ``target`` is absent, an empty folder or a checkpoint whose
    ``config_file`` names ``fmt`` (a damaged one of ours may be replaced; someone else's folder may not).

    Args:
        target: The folder a trainer is about to write.
        fmt: The ``"format"`` string its checkpoints carry, e.g. ``"kgqa-eges"``.
        what: What such a checkpoint is called in messages, e.g. ``"EGES"``.
        config_file: The checkpoint's configuration file.
    """
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise CheckpointError(f"refusing to replace {target}: it is a file, not a checkpoint folder", str(target))
    config = target / config_file
    if config.is_file():
        if fmt not in config.read_text(encoding="utf-8", errors="replace"):
            raise CheckpointError(f"refusing to replace {target}: its {config_file} is not a {what} checkpoint's",
                                  str(config))
        return
    if any(target.iterdir()):
        raise CheckpointError(f"refusing to replace {target}: it is not empty and holds no {what} checkpoint",
                              str(target))


def publish_folder(staged: Path, target: Path, fmt: str, what: str, config_file: str = CONFIG_FILE) -> Path:
    """Make the finished folder ``staged`` the checkpoint at ``target``, replacing an old one of the same format.

    Both renames stay inside ``target``'s parent, so each is atomic; the old checkpoint is moved
    aside before the new one takes its name and deleted only afterwards.

    Raises:
        CheckpointError: ``target`` is something other than an empty folder or a ``fmt`` checkpoint.
    """
    staged, target = Path(staged), Path(target)
    check_replaceable(target, fmt, what, config_file)
    if not target.exists():
        os.replace(staged, target)
        return target
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
        os.replace(staged, target)
        return target
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, old / target.name)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


@contextmanager
def staged_folder(directory: str | Path, fmt: str, what: str, config_file: str = CONFIG_FILE) -> Iterator[Path]:
    """Write a checkpoint atomically: yields an empty sibling folder of ``directory`` to fill, then
    publishes it at ``directory``; on any error (or Ctrl-C) it is removed and ``directory`` is untouched.

    Files are made readable by others (``mkdtemp`` and safetensors create private ones).

    Raises:
        CheckpointError: ``directory`` is something other than an empty folder or a ``fmt`` checkpoint
            (checked before anything is written and again at the swap).
    """
    target = Path(directory).resolve()
    check_replaceable(target, fmt, what, config_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield staged
        for path in [staged, *staged.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        publish_folder(staged, target, fmt, what, config_file)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def write_config(folder: Path, config: dict, config_file: str = CONFIG_FILE) -> Path:
    """Write ``config`` as indented UTF-8 JSON to ``folder / config_file``."""
    path = Path(folder) / config_file
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
