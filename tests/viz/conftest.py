"""The `renderer` fixture the viz tests share: each picture test runs once per renderer
(graphviz-pure always, Debian's `dot` when present), chosen through $MICROGRAD_BEANS_DOT."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from micrograd_beans.render import ENV_VAR


def _graphviz_pure() -> str | None:
    return shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=str(Path(sys.executable).parent)
    )


RENDERERS = {"graphviz-pure": _graphviz_pure(), "dot": shutil.which("dot")}


@pytest.fixture(params=["graphviz-pure", "dot"])
def renderer(request, monkeypatch):
    """Run the test once per renderer, chosen through the documented environment variable."""
    path = RENDERERS[request.param]
    if path is None:
        if request.param == "graphviz-pure":
            pytest.fail("graphviz-pure is a dependency of the package and must be installed")
        pytest.skip("Debian's graphviz (`dot`) is not installed")
    monkeypatch.setenv(ENV_VAR, path)
    return request.param
