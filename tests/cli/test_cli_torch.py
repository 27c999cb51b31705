"""`micrograd-beans train --backend torch [--workers N] [--beans N]`, in-process through
cli.main (skipped without torch)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from micrograd_beans import serialize  # noqa: E402
from micrograd_beans.cli import main  # noqa: E402


def saved_parameters(path) -> dict:
    return json.loads(path.read_text())["parameters"]


def test_torch_backend_trains_the_note_as_the_engine_does(tmp_path, capsys):
    engine, in_torch = tmp_path / "engine.json", tmp_path / "torch.json"
    assert main(["train", "--epochs", "4", "--save", str(engine), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["train", "--epochs", "4", "--backend", "torch", "--save", str(in_torch)]) == 0
    out = capsys.readouterr().out
    assert "trained 4 epochs in" in out and "beans/s (per-sample sgd" in out
    assert "; torch float64, one process)" in out
    a, b = saved_parameters(engine), saved_parameters(in_torch)
    assert list(a) == list(b) == ["w11_1", "b1_1", "w12_1", "b2_1", "w11_2", "w21_2", "b1_2"]
    assert max(abs(a[k] - b[k]) for k in a) < 1e-12
    # the file is an ordinary model file: load it and train on from it
    assert serialize.load(in_torch).state_dict() == b
    assert main(["train", "--epochs", "0", "--load", str(in_torch)]) == 0
    assert "from " + str(in_torch) in capsys.readouterr().out


def test_more_beans_and_batches_in_torch(tmp_path, capsys):
    out_file = tmp_path / "spiral.json"
    args = ["train", "--lesson", "spiral", "--backend", "torch", "--beans", "3000"]
    args += ["--batch-size", "256", "--epochs", "2", "--save", str(out_file)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "; 3000 beans" in out and "batch 256 sgd" in out
    rate = out.split(" beans/s")[0].rsplit(" ", 1)[1]
    assert float(rate.replace(",", "")) > 0
    assert json.loads(out_file.read_text())["architecture"]["nouts"] == [8, 8, 8, 1]


def test_two_workers_from_the_command_line_match_one_process(tmp_path, capsys):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    common = ["train", "--lesson", "disc", "--backend", "torch", "--beans", "60"]
    common += ["--batch-size", "8", "--epochs", "2", "--lr", "0.5"]
    assert main([*common, "--save", str(one)]) == 0
    assert main([*common, "--workers", "2", "--save", str(two)]) == 0
    out = capsys.readouterr().out
    assert "2 worker processes (DDP, gloo" in out
    a, b = saved_parameters(one), saved_parameters(two)
    assert max(abs(a[k] - b[k]) for k in a) < 1e-9


@pytest.mark.parametrize(
    "args, message",
    [
        (["--workers", "2"], "argument --workers: needs --backend torch"),
        (["--backend", "torch", "--dynamic"], "argument --dynamic: applies to --backend engine"),
        (["--backend", "torch", "--workers", "2"], "give --batch-size of at least 2"),
        (
            ["--backend", "torch", "--workers", "4", "--batch-size", "3"],
            "give --batch-size of at least 4",
        ),
        (["--beans", "1"], "argument --beans: expected a number >= 2"),
        (["--backend", "jax"], "argument --backend: invalid choice: 'jax'"),
        (["--backend", "torch", "--workers", "0"], "argument --workers"),
        (
            ["--backend", "torch", "--workers", "3", "--beans", "2", "--batch-size", "8"],
            "argument --workers: 3 workers share every batch, and there are only 2 beans; "
            "give --beans of at least 3",
        ),
        (
            ["--backend", "torch", "--optimizer", "adam", "--momentum", "0.5"],
            "argument --momentum: applies to --optimizer sgd or momentum, not adam",
        ),
    ],
)
def test_bad_combinations_exit_2_with_the_usage(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans train") and message in err


def test_workers_under_torchrun_are_torchruns(monkeypatch, capsys):
    for name, value in {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--backend", "torch", "--workers", "2", "--batch-size", "4"])
    assert exit_info.value.code == 2
    assert "under torchrun the processes are torchrun's" in capsys.readouterr().err


def test_torchruns_processes_need_a_share_of_every_batch(monkeypatch, capsys):
    env = {"RANK": "0", "WORLD_SIZE": "4", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1"}
    for name, value in (env | {"MASTER_PORT": "29500"}).items():
        monkeypatch.setenv(name, value)
    for args, message in [
        (["--batch-size", "3"], "torchrun's 4 processes share every batch; give --batch-size"),
        (["--beans", "3", "--batch-size", "8"], "give --beans of at least 4"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(["train", "--backend", "torch", *args])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: micrograd-beans train") and message in err


def test_a_diverging_run_ends_in_one_line_with_any_number_of_workers(capsys):
    run = ["train", "--lesson", "line", "--batch-size", "4", "--lr", "100", "--epochs", "50"]
    assert main([*run, "--no-progress"]) == 1
    in_engine = capsys.readouterr().err
    assert in_engine == (
        "micrograd-beans train: error: training diverged in epoch 5: the loss is inf; "
        "try a smaller learning rate than 100\n"
    )
    assert main([*run, "--backend", "torch"]) == 1
    assert capsys.readouterr().err == in_engine
    # two workers, as a user runs it: everything on stderr, the workers' included
    two = subprocess.run(
        [sys.executable, "-m", "micrograd_beans", *run, "--backend", "torch", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (two.returncode, two.stderr) == (1, in_engine)


def test_gradcheck_and_graph_read_a_model_trained_in_torch(tmp_path, capsys):
    saved = tmp_path / "disc.json"
    args = ["train", "--lesson", "disc", "--backend", "torch", "--epochs", "3"]
    assert main([*args, "--save", str(saved)]) == 0
    trained = serialize.load(saved).state_dict()
    capsys.readouterr()
    assert main(["gradcheck", "--load", str(saved)]) == 0  # the lesson comes from the file
    out = capsys.readouterr().out
    assert out.startswith("lesson disc") and f"model from {saved}" in out
    assert f"{trained['w11_1']:.6g}" in out and "all 9 gradients agree" in out
    picture = tmp_path / "disc.dot"
    assert main(["graph", "--load", str(saved), "--samples", "2", "--out", str(picture)]) == 0
    dot = picture.read_text()
    assert "w11_1" in dot and f"{trained['w11_1']:.4f}" in dot
    assert main(["gradcheck", "--load", str(saved), "--lesson", "hidden-layer"]) == 1
    assert "does not fit lesson 'hidden-layer'" in capsys.readouterr().err
