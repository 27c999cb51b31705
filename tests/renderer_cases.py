"""Stand-in Graphviz renderers for the rendering tests (test_render.py, viz/test_drawing.py)."""

from __future__ import annotations

import stat
from pathlib import Path


def fake_renderer(folder: Path, name: str, script: str) -> Path:
    """An executable shell script `folder/name` running `script`: a renderer that behaves
    as the test needs (fails, writes the wrong format, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text("#!/bin/sh\n" + script + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe
