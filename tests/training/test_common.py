"""What all trainers share: the device resolution, the checkpoint reader and the atomic publish."""

from __future__ import annotations

import json

import pytest
import torch

from assistant.kg.errors import KGQAError
from training.checkpoint import (
    CheckpointError,
    read_checkpoint_config,
    staged_folder,
    verify_weights,
)
from training.common import DeviceError, resolve_device

FMT = "kgqa-test"


def test_auto_is_cuda_only_when_torch_sees_a_gpu():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device(None) == resolve_device("auto")
    assert resolve_device("cpu") == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_user_error():
    with pytest.raises(DeviceError, match="--device cuda was asked for, but torch sees no CUDA device") as err:
        resolve_device("cuda")
    assert isinstance(err.value, KGQAError) and isinstance(err.value, ValueError)


def test_unknown_device_names_the_choices():
    with pytest.raises(DeviceError, match="unknown device 'tpu'; expected one of auto, cpu, cuda"):
        resolve_device("tpu")


def _write(folder, config: dict, weights: bytes = b"w") -> None:
    from training.checkpoint import file_sha256

    (folder / "w.bin").write_bytes(weights)
    (folder / "config.json").write_text(json.dumps({**config, "sha256": file_sha256(folder / "w.bin")}))


def test_staged_folder_publishes_and_a_failure_keeps_the_previous_checkpoint(tmp_path):
    target = tmp_path / "ckpt"
    with staged_folder(target, FMT, "test") as staged:
        _write(staged, {"format": FMT, "n": 1})
    config = read_checkpoint_config(target, FMT, "test", "make one")
    assert config["n"] == 1
    verify_weights(target, config, "w.bin", "make one")
    with pytest.raises(RuntimeError, match="disk full"), staged_folder(target, FMT, "test") as staged:
        _write(staged, {"format": FMT, "n": 2})
        raise RuntimeError("disk full")
    assert read_checkpoint_config(target, FMT, "test", "make one")["n"] == 1  # the old one still serves
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]  # no staging folder left behind
    with staged_folder(target, FMT, "test") as staged:
        _write(staged, {"format": FMT, "n": 3})
    assert read_checkpoint_config(target, FMT, "test", "make one")["n"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]


def test_someone_elses_folder_is_never_replaced(tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("keep")
    with pytest.raises(CheckpointError, match="refusing to replace"), staged_folder(mine, FMT, "test") as staged:
        _write(staged, {"format": FMT})
    assert (mine / "todo.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


@pytest.mark.parametrize(("content", "message"), [
    ("[1, 2]", "expected an object of test settings, found list"),
    ('"text"', "found str"),
    ("{not json", "invalid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (b"\xff\xfe{}", "not UTF-8"),
    ('{"format": "other"}', 'expected "format": "kgqa-test"'),
])
def test_bad_configs_name_the_file(tmp_path, content, message):
    (tmp_path / "config.json").write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CheckpointError, match=message) as err:
        read_checkpoint_config(tmp_path, FMT, "test", "make one")
    assert str(tmp_path / "config.json") in str(err.value) and err.value.file == str(tmp_path / "config.json")


def test_weights_without_a_recorded_hash_are_refused(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"w")
    with pytest.raises(CheckpointError, match='records no "sha256" of w.bin'):
        verify_weights(tmp_path, {"format": FMT}, "w.bin", "make one")
    with pytest.raises(CheckpointError, match="does not match the SHA-256"):
        verify_weights(tmp_path, {"format": FMT, "sha256": "0" * 64}, "w.bin", "make one")
    with pytest.raises(CheckpointError, match="missing.bin is missing"):
        verify_weights(tmp_path, {"format": FMT, "sha256": "0" * 64}, "missing.bin", "make one")
