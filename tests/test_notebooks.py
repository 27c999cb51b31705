"""Every notebook under notebooks/ runs top to bottom in a fresh headless kernel.

Other parts of the project drop their notebooks into notebooks/; this test picks each one
up by itself. A notebook fails on any cell error or when it takes longer than
NOTEBOOK_TIMEOUT seconds in all. The kernel imports micrograd_beans from this checkout
(PYTHONPATH is set to the repository root), so an installed copy is not needed.
Skipped when the notebook tools (the `[notebook]` extra) are not installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
import execute  # noqa: E402  (notebooks/execute.py: how the notebooks are run and saved)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Each notebook runs well under a minute on a quiet machine; this hard limit only catches
#: a hang (the suite often runs beside other heavy jobs).
NOTEBOOK_TIMEOUT = 300.0


def run_notebook(path: Path, timeout: float = NOTEBOOK_TIMEOUT):
    """Execute the notebook at `path` in a fresh python3 kernel, as notebooks/execute.py
    does to save it; return (notebook, seconds)."""
    return execute.run(path, timeout=timeout)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ has no .ipynb files"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_saved_with_the_kernels_own_metadata(path: Path) -> None:
    """JupyterLab writes the kernel's kernelspec and language_info into a notebook it opens:
    one saved otherwise opens as modified. (tests/browser/ opens each one to check.)"""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec") == execute.kernelspec(), (
        f"{path.name}: save it with notebooks/execute.py"
    )
    info = nb.metadata.get("language_info", {})
    assert info.get("name") == "python" and info.get("version"), f"{path.name}: no language_info"
    assert set(info) >= {"codemirror_mode", "file_extension", "mimetype", "pygments_lexer"}
