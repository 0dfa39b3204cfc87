"""`kgqa train sbert` parses the shared train arguments and its own, and rejects bad values clearly."""

from __future__ import annotations

from assistant.cli import build_parser, main


def test_cli_parses_sbert():
    args = build_parser().parse_args(["train", "sbert", "--max-steps", "3", "--batch-size", "8", "--device", "cpu",
                                      "--no-hard-negatives", "--max-pairs", "0"])
    assert (args.max_steps, args.batch_size, args.device, args.epochs) == (3, 8, "cpu", 2)
    assert args.no_hard_negatives and args.max_pairs == 0 and args.output is None
    assert args.func.__name__ == "cmd_train_sbert"


def test_cli_rejects_bad_values(capsys):
    assert main(["train", "sbert", "--batch-size", "1"]) == 2
    assert "--batch-size" in capsys.readouterr().err


def test_cli_cuda_without_a_gpu_is_a_clear_error(capsys):
    import pytest
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the run would start")
    assert main(["train", "sbert", "--device", "cuda"]) == 2
    assert "no CUDA device" in capsys.readouterr().err
