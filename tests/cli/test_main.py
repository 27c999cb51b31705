"""`micrograd-beans --version` and `python -m micrograd_beans`: the same CLI either way."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

import micrograd_beans
from micrograd_beans.cli import main


def run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_beans", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version_flag_prints_the_package_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"micrograd-beans {micrograd_beans.__version__}\n"


def test_version_agrees_with_the_installed_metadata():
    try:
        installed = metadata.version("micrograd_beans")
    except metadata.PackageNotFoundError:
        pytest.skip("micrograd_beans is not installed (run from a source tree)")
    assert installed == micrograd_beans.__version__


def test_python_dash_m_runs_the_same_cli():
    version = run_module("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"micrograd-beans {micrograd_beans.__version__}\n"

    trained = run_module("train", "--epochs", "3", "--seed", "1", "--no-progress")
    assert trained.returncode == 0, trained.stderr
    assert "trained 3 epochs" in trained.stdout and "w11_1=" in trained.stdout


def test_python_dash_m_without_a_command_prints_usage_and_exits_2():
    result = run_module()
    assert result.returncode == 2
    assert result.stdout.startswith("usage: micrograd-beans")
    for command in ("train", "graph", "gradcheck", "demo", "codegen"):
        assert command in result.stdout


def test_python_dash_m_reports_argument_errors_with_status_2():
    result = run_module("train", "--epochs", "many")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "--epochs" in result.stderr
