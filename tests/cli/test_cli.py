"""Tests for `micrograd-beans train`: the console script in a subprocess (few epochs, to stay
fast), and its error paths through cli.main in-process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_beans.cli import main

SCRIPT = Path(sys.executable).with_name("micrograd-beans")


def script() -> str:
    if SCRIPT.exists():
        return str(SCRIPT)
    found = shutil.which("micrograd-beans")
    if found is None:
        pytest.skip("the micrograd-beans console script is not installed")
    return found


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MICROGRAD_BEANS_DEBUG"}
    return subprocess.run(
        [script(), *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env
    )


def test_console_script_trains_saves_and_loads(tmp_path):
    saved = tmp_path / "note.json"
    first = run("train", "--epochs", "30", "--seed", "2", "--save", str(saved))
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "lesson hidden-layer" in out and "MLP(1, [2, 1]" in out
    assert "trained 30 epochs" in out
    match = re.search(r"final loss (\S+)  accuracy (\S+) \((\d+)/100 beans\)", out)
    assert match and 0.0 < float(match.group(1)) < 1.0
    assert "w11_1=" in out and "b1_2=" in out
    assert first.stderr == ""  # no progress bar when stderr is not a terminal
    doc = json.loads(saved.read_text())
    assert doc["metadata"]["lesson"] == "hidden-layer" and doc["metadata"]["epochs"] == 30

    again = run("train", "--epochs", "0", "--seed", "2", "--load", str(saved))
    assert again.returncode == 0, again.stderr
    assert match.group(0) in again.stdout  # same model, same beans: the same result


def test_console_script_other_lesson_and_sizes():
    result = run("train", "--lesson", "disc", "--hidden", "3", "--epochs", "2", "--lr", "0.1")
    assert result.returncode == 0, result.stderr
    assert "MLP(2, [3, 1]" in result.stdout and "lr 0.1" in result.stdout


def test_console_script_bad_argument_is_a_usage_error():
    result = run("train", "--epochs", "ten")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "--epochs" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--lesson", "deep"],
        ["train", "--epochs", "-1"],
        ["train", "--lr", "0"],
        ["train", "--lr", "nan"],
        ["train", "--seed", "-4"],
        ["train", "--hidden", "0"],
        ["train", "--hidden", "2,x"],
        ["train", "--bogus"],
    ],
)
def test_bad_arguments_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_regression_lesson_prints_no_accuracy(capsys):
    assert main(["train", "--lesson", "line", "--epochs", "3", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "final loss" in out and "accuracy" not in out
    assert "w11_1=" in out and "b1_1" not in out


def test_hidden_sizes_in_both_spellings(capsys):
    assert main(["train", "--lesson", "spiral", "--hidden", "3,2", "--epochs", "1"]) == 0
    assert "MLP(2, [3, 2, 1]" in capsys.readouterr().out
    assert main(["train", "--lesson", "spiral", "--hidden", "3", "2", "--epochs", "1"]) == 0
    assert "MLP(2, [3, 2, 1]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["--load", "{d}/missing.json"], "missing.json: no such model file"),
        ("not json", ["--load", "{d}/m.json"], "m.json: not a micrograd_beans model file"),
        ("wide", ["--load", "{d}/m.json", "--lesson", "disc"], "does not fit lesson 'disc'"),
        ("wide", ["--load", "{d}/m.json", "--hidden", "2"], "differ from --hidden"),
        (None, ["--save", "{d}/no/such/dir/m.json", "--epochs", "1"], "does not exist"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(tmp_path, capsys, setup, args, message):
    if setup == "not json":
        (tmp_path / "m.json").write_text("{oops")
    elif setup == "wide":
        assert (
            main(["train", "--hidden", "3", "--epochs", "0", "--save", str(tmp_path / "m.json")])
            == 0
        )
        capsys.readouterr()
    status = main(["train", *[a.format(d=tmp_path) for a in args]])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("micrograd-beans train: error:") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def _cli_process(*args: str, cwd: Path, **popen) -> subprocess.Popen:
    """The CLI in a child Python, unbuffered (so a closed pipe shows at the first print)."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "MICROGRAD_BEANS_DEBUG"}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(root))
    code = "import sys; from micrograd_beans.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, env=env, **popen)


def test_a_closed_pipe_still_saves_and_ends_quietly(tmp_path):
    proc = _cli_process(
        "train",
        "--epochs",
        "20",
        "--no-progress",
        "--save",
        "m.json",
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()  # `| head -1`: read one line, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert first.startswith(b"lesson hidden-layer")
    assert err == ""  # no BrokenPipeError, no "Exception ignored"
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["metadata"]["epochs"] == 20


def test_results_are_saved_before_they_are_printed(tmp_path, monkeypatch):
    order = []
    from micrograd_beans import serialize

    real_save = serialize.save
    monkeypatch.setattr(
        serialize, "save", lambda *a, **k: (order.append("save"), real_save(*a, **k))[1]
    )
    monkeypatch.setattr(
        "builtins.print", lambda *a, **k: order.append(str(a[0]).split()[0] if a else "")
    )
    assert (
        main(["train", "--epochs", "1", "--no-progress", "--save", str(tmp_path / "m.json")]) == 0
    )
    assert order.index("save") < order.index("trained")
    assert order[-1] == "saved"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--save", ""], "argument --save: expected a file name"),
        (["--load", ""], "argument --load: expected a file name"),
        (["--epochs", "-1"], "argument --epochs: expected a number >= 0"),
        (["--seed", "-1"], "argument --seed: expected a number >= 0"),
        (["--lr", "inf"], "argument --lr: expected a finite number > 0"),
    ],
)
def test_argument_errors_name_the_flag(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans train") and message in err


def test_an_unwritable_save_fails_before_training(tmp_path, monkeypatch, capsys):
    trained = []
    monkeypatch.setattr("micrograd_beans.train.fit", lambda *a, **k: trained.append(1))
    (tmp_path / "d.json").mkdir()
    assert main(["train", "--save", str(tmp_path / "d.json")]) == 1
    err = capsys.readouterr().err
    assert f"cannot save {tmp_path / 'd.json'}: it is a directory" in err
    assert trained == []


def test_train_saves_without_torch_installed(tmp_path, monkeypatch, capsys):
    # PyTorch is an optional extra: the engine's own training and --save must not need it.
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    for name in [m for m in sys.modules if m.startswith("micrograd_beans.torch")]:
        monkeypatch.delitem(sys.modules, name)
    saved = tmp_path / "note.json"
    assert main(["train", "--epochs", "2", "--no-progress", "--save", str(saved)]) == 0
    assert json.loads(saved.read_text())["metadata"]["epochs"] == 2
    assert "trained 2 epochs" in capsys.readouterr().out


def test_a_network_too_big_to_hold_is_a_usage_error_before_building(capsys, monkeypatch):
    built = []
    monkeypatch.setattr(
        "micrograd_beans.course.lessons.Lesson.make_model", lambda *a, **k: built.append(1)
    )
    with pytest.raises(SystemExit) as info:
        main(["train", "--hidden", "100000,100000"])
    assert info.value.code == 2 and built == []
    err = capsys.readouterr().err
    assert "argument --hidden: 100000,100000 makes a network of 10,000,400,001 parameters" in err


def test_running_out_of_memory_is_one_line(capsys, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("micrograd_beans.train.fit", no_memory)
    assert main(["train", "--epochs", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert (
        err == "micrograd-beans train: error: out of memory; use fewer beans or a smaller network\n"
    )
