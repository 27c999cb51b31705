"""The docs site's generated CLI reference: every command, its real help text."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from micrograd_beans.cli import COMMANDS

HOOK = Path(__file__).resolve().parent.parent / "docs" / "hooks" / "cli_reference.py"


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("cli_reference", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_has_every_command_with_its_argparse_help(hook):
    page = hook.on_page_markdown("# Command line\n\n<!-- cli-reference -->\n")
    assert "<!-- cli-reference -->" not in page
    assert "usage: micrograd-beans [-h] [--version] COMMAND ..." in page
    for name in COMMANDS:
        assert f"## `micrograd-beans {name}`" in page
        assert f"usage: micrograd-beans {name} [-h]" in page
    assert "--epochs" in page and "--out PATH" in page and "LESSON" in page


def test_cli_reference_does_not_depend_on_the_terminal_width(hook, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = hook.cli_reference()
    monkeypatch.setenv("COLUMNS", "200")
    assert hook.cli_reference() == narrow


def test_pages_without_the_marker_are_left_alone(hook):
    text = "# Engine\n\nNo generated text here.\n"
    assert hook.on_page_markdown(text) == text
