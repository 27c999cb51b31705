"""The `demo` command and the scripts in demos/: usage errors exit 2, file errors are one
line and come before training, and every script runs headless.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from micrograd_beans import cli  # noqa: E402
from micrograd_beans.cli import demo as demo_cli  # noqa: E402
from micrograd_beans.course import animation, demo  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {
    "single-neuron": "single_neuron.py",
    "hidden-layer": "hidden_layer.py",
    "two-inputs": "two_inputs.py",
    "disc": "disc.py",
    "spiral": "spiral.py",
    "graph-tour": "graph_tour.py",
}


pytestmark = pytest.mark.usefixtures("headless")


def test_every_script_is_a_demo():
    assert set(SCRIPTS) <= set(demo.demo_names())
    assert sorted(p.name for p in (ROOT / "demos").glob("*.py")) == sorted(
        [*SCRIPTS.values(), "quickstart.py"]  # quickstart prints, it draws nothing
    )


def test_demo_flag_dynamic_selects_the_engine(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "run_demo", lambda name, **kw: calls.append((name, kw["compiled"])))
    parser = argparse.ArgumentParser()
    demo_cli.add_arguments(parser, lesson=False)
    assert demo_cli.run(parser.parse_args([]), "hidden-layer") == 0
    assert demo_cli.run(parser.parse_args(["--dynamic"]), "hidden-layer") == 0
    assert calls == [("hidden-layer", "auto"), ("hidden-layer", False)]


def test_the_options_reach_run_demo(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(demo, "run_demo", lambda name, **kw: calls.append((name, kw)))
    out = tmp_path / "d.gif"
    argv = ["demo", "disc", "--epochs", "7", "--seed", "3", "--every", "2", "--save", str(out)]
    assert cli.main([*argv, "--no-window", "--optimizer", "adam"]) == 0
    ((name, kw),) = calls
    assert name == "disc"
    assert (kw["epochs"], kw["seed"], kw["every"], kw["show"]) == (7, 3, 2, False)
    assert Path(kw["save"]) == out
    assert kw["training"]["optimizer"] == "adam"


def test_a_scripts_bad_option_is_a_usage_error_naming_the_script(capsys):
    with pytest.raises(SystemExit) as info:
        demo_cli.main("disc", ["--every", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: disc demo") and "argument --every: expected a number >= 1" in err


def test_a_scripts_error_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(animation, "ffmpeg_available", lambda: False)
    assert demo_cli.main("disc", ["--save", str(tmp_path / "d.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("disc demo: error: ") and "needs ffmpeg" in err
    assert err.count("\n") == 1 and list(tmp_path.iterdir()) == []


def test_headless_without_save_writes_lesson_png_in_the_current_folder(
    tmp_path, monkeypatch, capsys, picture
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "line-bias", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "wrote line-bias.png" in out and "final loss" in out
    assert picture(tmp_path / "line-bias.png")[0] == "PNG"


def test_cli_file_errors_are_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(animation, "ffmpeg_available", lambda: False)
    assert cli.main(["demo", "hidden-layer", "--save", "out.mp4"]) == 1
    err = capsys.readouterr().err
    assert "needs ffmpeg" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_unwritable_folder_fails_at_once_naming_the_path(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    started = time.perf_counter()
    assert cli.main(["demo", "hidden-layer", "--save", str(locked / "n.gif")]) == 1
    assert time.perf_counter() - started < 5  # not after training
    err = capsys.readouterr().err
    assert f"cannot save {locked / 'n.gif'}" in err and "not writable" in err
    assert ".partial" not in err


def test_unwritable_folder_is_detected_without_training(tmp_path, monkeypatch, capsys):
    """The same check as above, also when running as root: os.access is what decides."""
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    trained = []
    monkeypatch.setattr("micrograd_beans.train.fit", lambda *a, **k: trained.append(1))
    assert cli.main(["demo", "hidden-layer", "--save", str(tmp_path / "n.gif")]) == 1
    err = capsys.readouterr().err
    assert f"cannot save {tmp_path / 'n.gif'}" in err and "not writable" in err
    assert trained == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "hidden-layer", "--save", "out.bmp"], "argument --save: cannot save 'out.bmp'"),
        (["demo", "hidden-layer", "--save", ""], "argument --save: expected a file name"),
        (["demo", "no-such-lesson"], "argument LESSON: invalid choice: 'no-such-lesson'"),
        (["demo", "hidden-layer", "--every", "0"], "argument --every: expected a number >= 1"),
        (["demo", "hidden-layer", "--epochs", "-1"], "argument --epochs: expected a number >= 0"),
        (["demo", "hidden-layer", "--seed", "-2"], "argument --seed: expected a number >= 0"),
    ],
)
def test_cli_argument_errors_are_usage_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans demo") and message in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_demo_scripts_run_headless(name, tmp_path, picture):
    out = tmp_path / "frame.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "demos" / SCRIPTS[name]),
            "--epochs",
            "2",
            "--every",
            "1",
            "--save",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    fmt, _, _, variance = picture(out)
    assert fmt == "PNG" and variance > 200
