"""Every notebook under notebooks/ runs top to bottom in a fresh headless kernel.

Other parts of the project drop their notebooks into notebooks/ (and their Chinese versions
into notebooks/zh/); this test picks each one up by itself. A Chinese notebook has the same
code cells as its English twin of the same name, so the two cannot drift apart. A notebook
fails on any cell error or when it takes longer than NOTEBOOK_TIMEOUT seconds in all. The
kernel imports micrograd_beans from this checkout (PYTHONPATH is set to the repository root),
so an installed copy is not needed.
Skipped when the notebook tools (the `[notebook]` extra) are not installed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
CHINESE = sorted((NOTEBOOK_DIR / "zh").glob("*.ipynb"))
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) + CHINESE
#: Each notebook runs well under a minute on a quiet machine; this hard limit only catches
#: a hang (the suite often runs beside other heavy jobs).
NOTEBOOK_TIMEOUT = 300.0


def _kernel_env() -> dict[str, str]:
    """The test's environment with the repository first on the kernel's import path, and
    no display, as on a notebook server."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("MPLBACKEND", None)  # the kernel picks its inline backend itself
    return env


def run_notebook(path: Path, timeout: float = NOTEBOOK_TIMEOUT):
    """Execute the notebook at `path` in a fresh python3 kernel; return (notebook, seconds)."""
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,  # per cell; the whole notebook is checked below
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
    )
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_kernel_env())  # the kernel inherits the environment it starts in
    try:
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb, seconds


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ has no .ipynb files"


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[str(p.relative_to(NOTEBOOK_DIR)) for p in NOTEBOOKS]
)
def test_notebook_runs(path: Path) -> None:
    nb, seconds = run_notebook(path)
    assert seconds < NOTEBOOK_TIMEOUT, f"{path.name} took {seconds:.0f} s"
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"{path.name}: {errors[0]['ename']}: {errors[0]['evalue']}"


def _code_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def test_the_note_has_a_chinese_notebook() -> None:
    assert NOTEBOOK_DIR / "zh" / "04_hidden_layer.ipynb" in CHINESE


@pytest.mark.parametrize("path", CHINESE, ids=[p.name for p in CHINESE])
def test_a_chinese_notebook_runs_its_english_twins_code(path: Path) -> None:
    twin = NOTEBOOK_DIR / path.name
    assert twin.is_file(), f"notebooks/zh/{path.name} has no English twin notebooks/{path.name}"
    chinese, english = _code_cells(path), _code_cells(twin)
    assert len(chinese) == len(english), "the two notebooks have different numbers of code cells"
    for number, (zh, en) in enumerate(zip(chinese, english, strict=True), start=1):
        assert zh == en, f"code cell {number} differs from notebooks/{path.name}'s"
    nb = nbformat.read(path, as_version=4)
    text = "".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > len(text) / 4, "not in Chinese"


def test_a_failing_cell_fails_the_run(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import micrograd_beans"),  # the kernel finds the checkout
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="ZeroDivisionError"):
        run_notebook(path)
