"""Tests for `micrograd-beans gradcheck`, run as a learner runs it: in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest

from micrograd_beans.course import by_hand
from micrograd_beans.course.lessons import get_lesson


def gradcheck_cli(*args: str, setup: str = "") -> subprocess.CompletedProcess:
    """Run the CLI's gradcheck in a fresh interpreter, after `setup` (Python source)."""
    code = f"import sys\n{setup}\nfrom micrograd_beans.cli import main\n"
    code += "sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "gradcheck", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(stdout: str) -> dict[str, list[str]]:
    """Parameter name -> the other cells of its row."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("parameter"))
    return {line.split()[0]: line.split()[1:] for line in lines[start + 1 : -1]}


def test_the_note_network_three_ways():
    run = gradcheck_cli("--seed", "3", "--bean", "40")
    assert run.returncode == 0, run.stderr
    table = rows(run.stdout)
    assert list(table) == list(by_hand.PARAM_NAMES)
    assert run.stdout.splitlines()[-1].startswith("all 7 gradients agree")
    # the by-hand column is the note's formula on this bean and these weights
    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(3)
    model = lesson.make_model(3)
    hand = by_hand.gradients(model.state_dict(), float(xs[40]), float(ys[40]))
    for name, (value, engine, by_hand_text, finite, max_err) in table.items():
        assert float(value) == pytest.approx(model.state_dict()[name], rel=1e-5)
        assert float(by_hand_text) == pytest.approx(hand[name], rel=1e-9, abs=1e-15)
        assert float(engine) == pytest.approx(hand[name], rel=1e-9, abs=1e-15)
        assert float(finite) == pytest.approx(hand[name], rel=1e-6, abs=1e-9)
        assert float(max_err) < 1e-8
    assert f"x = {float(xs[40]):.6g}" in run.stdout


def test_a_wrong_rule_in_the_engine_exits_1():
    wrong = (
        "import dataclasses\n"
        "from micrograd_beans.engine import OPS\n"
        "wrong = lambda g, out, a: (g * out,)\n"
        "OPS['sigmoid'] = dataclasses.replace(OPS['sigmoid'], backward=wrong)"
    )
    run = gradcheck_cli("--seed", "1", setup=wrong)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL" in run.stdout
    assert "7 of 7 gradients disagree" in run.stdout.splitlines()[-1]


@pytest.mark.parametrize("lesson", ["line", "disc"])
def test_other_lessons_compare_with_finite_differences(lesson):
    run = gradcheck_cli("--lesson", lesson, "--seed", "2")
    assert run.returncode == 0, run.stderr
    table = rows(run.stdout)
    names = [name for name, _ in get_lesson(lesson).make_model(2).named_parameters()]
    assert list(table) == names
    assert all(cells[2] == "-" for cells in table.values())  # no by-hand formula here


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--lesson", "nope"], "--lesson"),
        (["--bean", "100"], "--bean"),
        (["--bean", "-1"], "--bean"),
        (["--seed", "-3"], "--seed"),
        (["--eps", "0"], "--eps"),
        (["--eps", "nan"], "--eps"),
        (["--atol", "-1"], "--atol"),
        (["--rtol", "inf"], "--rtol"),
    ],
)
def test_bad_arguments_are_usage_errors(args, flag):
    run = gradcheck_cli(*args)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("usage: micrograd-beans gradcheck")
    assert f"argument {flag}" in run.stderr and "Traceback" not in run.stderr
