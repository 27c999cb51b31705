"""Tests for the options that choose how a lesson trains (`--optimizer`, `--momentum`,
`--loss`, `--batch-size`) in `micrograd-beans train` and `micrograd-beans demo`, in-process."""

from __future__ import annotations

import argparse

import pytest

from micrograd_beans import serialize
from micrograd_beans.cli import main
from micrograd_beans.cli.training_options import add_training_options, training_settings
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.optim import SGD, Adam
from micrograd_beans.train import fit


def trained_by_cli(tmp_path, capsys, *options: str) -> tuple[dict, str]:
    path = tmp_path / "m.json"
    argv = ["train", "--epochs", "4", "--seed", "3", "--save", str(path), "--no-progress"]
    assert main([*argv, *options]) == 0
    return serialize.load(path).state_dict(), capsys.readouterr().out


def trained_directly(**settings) -> dict:
    lesson = get_lesson("hidden-layer")
    model = lesson.make_model(3)
    xs, ys = lesson.make_data(3)
    optimizer = settings.pop("optimizer", "sgd")
    if callable(optimizer):
        optimizer = optimizer(model)
        settings.pop("lr", None)
    kwargs = {**lesson.fit_kwargs(), "epochs": 4, **settings, "optimizer": optimizer}
    if not isinstance(optimizer, str):
        kwargs.pop("lr")
    fit(model, xs, ys, seed=3, progress=False, compiled="auto", **kwargs)  # as the CLI
    return model.state_dict()


@pytest.mark.parametrize(
    ("options", "expected", "said"),
    [
        (["--optimizer", "adam"], {"optimizer": "adam"}, "per-sample adam, lr 0.03"),
        (
            ["--optimizer", "momentum"],
            {"optimizer": lambda m: SGD(m.parameters(), 0.03, momentum=0.9)},
            "per-sample momentum 0.9",
        ),
        (
            ["--momentum", "0.5"],
            {"optimizer": lambda m: SGD(m.parameters(), 0.03, momentum=0.5)},
            "momentum 0.5",
        ),
        (
            ["--optimizer", "momentum", "--momentum", "0.25", "--lr", "0.1"],
            {"optimizer": lambda m: SGD(m.parameters(), 0.1, momentum=0.25)},
            "momentum 0.25, lr 0.1",
        ),
        (["--loss", "bce"], {"loss": "bce"}, "loss bce"),
        (["--batch-size", "10"], {"batch_size": 10}, "batch 10 sgd"),
        (["--batch-size", "full"], {"batch_size": None}, "full-batch sgd"),
        (
            ["--optimizer", "adam", "--loss", "bce", "--batch-size", "7", "--lr", "0.01"],
            {"optimizer": lambda m: Adam(m.parameters(), 0.01), "loss": "bce", "batch_size": 7},
            "batch 7 adam, lr 0.01, loss bce",
        ),
    ],
)
def test_each_option_trains_as_fit_with_that_setting(tmp_path, capsys, options, expected, said):
    got, out = trained_by_cli(tmp_path, capsys, *options)
    assert got == trained_directly(**expected)
    assert said in out
    assert got != trained_directly()  # the option changed the training


def test_without_options_the_lessons_settings_train(tmp_path, capsys):
    got, out = trained_by_cli(tmp_path, capsys)
    assert got == trained_directly()
    assert "(per-sample sgd, lr 0.03, loss squared_error; generated code)" in out


@pytest.mark.parametrize(
    ("argv", "flag", "message"),
    [
        (["--optimizer", "rmsprop"], "--optimizer", "invalid choice: 'rmsprop'"),
        (["--momentum", "1"], "--momentum", "expected a number in [0, 1), got 1"),
        (["--momentum", "-0.1"], "--momentum", "in [0, 1)"),
        (["--momentum", "nan"], "--momentum", "in [0, 1)"),
        (["--momentum", "fast"], "--momentum", "got 'fast'"),
        (["--optimizer", "adam", "--momentum", "0.5"], "--momentum", "not adam"),
        (["--loss", "mse"], "--loss", "choose from squared-error, bce"),
        (["--batch-size", "0"], "--batch-size", "whole number >= 1 or 'full', got 0"),
        (["--batch-size", "2.5"], "--batch-size", "got '2.5'"),
    ],
)
@pytest.mark.parametrize("command", [["train"], ["demo", "hidden-layer"]])
def test_bad_values_exit_2_with_the_usage_naming_the_flag(command, argv, flag, message, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans " + command[0])
    assert f"argument {flag}: " in err and message in err


def test_options_left_out_keep_the_lessons_settings():
    parser = argparse.ArgumentParser()
    add_training_options(parser)
    settings = get_lesson("spiral").fit_kwargs()
    assert training_settings(settings, parser.parse_args([])) == settings
    loss_only = training_settings(settings, parser.parse_args(["--loss", "squared-error"]))
    assert loss_only == settings  # the spelling maps onto losses.LOSSES' name


def test_demo_trains_with_the_options(tmp_path, capsys):
    png = tmp_path / "bce.png"
    argv = ["demo", "single-neuron", "--epochs", "3", "--no-window", "--save", str(png)]
    assert main([*argv, "--loss", "bce", "--optimizer", "adam", "--batch-size", "full"]) == 0
    assert png.stat().st_size > 0
    summary = capsys.readouterr().out.splitlines()[0]
    lesson = get_lesson("single-neuron")
    model = lesson.make_model(0)
    xs, ys = lesson.make_data(0)
    settings = {**lesson.fit_kwargs(), "epochs": 3, "optimizer": "adam", "loss": "bce"}
    fit(model, xs, ys, seed=0, progress=False, **{**settings, "batch_size": None})
    from micrograd_beans.train import evaluate

    loss, _ = evaluate(model, xs, ys, "bce")  # the summary reports the loss that trained
    assert f"final loss {loss:.4g}" in summary


def test_the_graph_tour_refuses_training_options(capsys):
    assert main(["demo", "graph-tour", "--optimizer", "adam", "--no-window"]) == 1
    assert "optimizer apply to the lessons' demos" in capsys.readouterr().err


def test_train_says_which_code_ran_the_updates(capsys):
    assert main(["train", "--epochs", "2", "--optimizer", "adam", "--loss", "bce"]) == 0
    assert "loss bce; generated code)" in capsys.readouterr().out
    assert main(["train", "--epochs", "2", "--dynamic"]) == 0
    assert "; engine graph (compiled=False))" in capsys.readouterr().out
