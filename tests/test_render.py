"""Tests for micrograd_beans/render.py: which Graphviz executable is found, in what order.

Running a renderer for real (pictures, errors, files) is tested through `draw_dot` in
tests/viz/; here only the lookup, with fake executables.
"""

from __future__ import annotations

import sys

import pytest
from renderer_cases import fake_renderer

from micrograd_beans.render import ENV_VAR, RendererNotFoundError, find_renderer


def test_renderer_lookup_order(no_renderer, tmp_path, monkeypatch):
    on_path, scripts = tmp_path / "path", tmp_path / "venv-bin"
    pure_in_venv = fake_renderer(scripts, "graphviz-pure", "exit 0")
    monkeypatch.setattr(sys, "executable", str(scripts / "python"))
    assert find_renderer() == str(pure_in_venv)  # a venv that is not activated
    monkeypatch.setenv("PATH", str(on_path))
    pure = fake_renderer(on_path, "graphviz-pure", "exit 0")
    assert find_renderer() == str(pure)
    dot = fake_renderer(on_path, "dot", "exit 0")
    assert find_renderer() == str(dot)
    chosen = fake_renderer(tmp_path / "mine", "my-dot", "exit 0")
    monkeypatch.setenv(ENV_VAR, str(chosen))
    assert find_renderer() == str(chosen)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere" / "dot"))
    with pytest.raises(RendererNotFoundError, match=ENV_VAR):
        find_renderer()
