"""Every ```python block of README.md, README.zh-CN.md and docs/**/*.md runs.

A page's blocks run in order in one namespace (a later block may use an earlier one's
names), in a scratch directory, with the engine put back afterwards (define_op examples).
A block that is deliberately not runnable on its own (an excerpt of the library's source or
of generated code, a fragment of the lecture's graph, notebook magic) has the line
`<!-- no-run: why -->` right before its fence; keep those few. A page whose example needs an
optional extra that is not installed (ipywidgets for the widgets) is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from engine_state import engine_restored

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "README.zh-CN.md", *sorted((ROOT / "docs").rglob("*.md"))]
NO_RUN = re.compile(r"^\s*<!-- no-run: .+ -->\s*$")


def code_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(line, source, runs) of each ```python block; `runs` is False under a no-run mark."""
    blocks = []
    rows = text.splitlines(True)
    i = 0
    while i < len(rows):
        opening = rows[i].lstrip(" ")
        if opening.startswith("```python"):
            indent = len(rows[i]) - len(opening)
            end = i + 1
            while end < len(rows) and rows[end].strip() != "```":
                end += 1
            source = "".join(row[indent:] for row in rows[i + 1 : end])
            runs = i == 0 or not NO_RUN.match(rows[i - 1])
            blocks.append((i + 1, source, runs))
            i = end
        i += 1
    return blocks


def _pages_with_code() -> list[Path]:
    return [p for p in PAGES if code_blocks(p.read_text(encoding="utf-8"))]


def test_the_extractor_reads_indented_blocks_and_marks():
    text = (
        "x\n```python\na = 1\n```\n- item\n\n  ```python\n  b = a + 1\n  ```\n"
        "<!-- no-run: an excerpt -->\n```python\n...\n```\n```bash\nls\n```\n"
    )
    assert code_blocks(text) == [
        (2, "a = 1\n", True),
        (7, "b = a + 1\n", True),
        (11, "...\n", False),
    ]


@pytest.mark.parametrize("page", _pages_with_code(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_block_of_the_page_runs(page, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib").use("Agg")  # pages that plot: no window
    monkeypatch.chdir(tmp_path)  # pages that save files
    namespace = {"__name__": "__docs__"}
    with engine_restored():
        for line, source, runs in code_blocks(page.read_text(encoding="utf-8")):
            if not runs:
                continue
            code = compile(source, f"{page.relative_to(ROOT)}:{line}", "exec")
            try:
                exec(code, namespace)  # noqa: S102 (the docs' own examples)
            except ImportError as err:
                if "pip install" in str(err) or isinstance(err, ModuleNotFoundError):
                    pytest.skip(f"an optional extra is not installed: {err}")
                raise
