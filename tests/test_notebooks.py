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

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
import execute  # noqa: E402  (notebooks/execute.py: how the notebooks are run and saved)

NOTEBOOK_DIR = ROOT / "notebooks"
CHINESE = sorted((NOTEBOOK_DIR / "zh").glob("*.ipynb"))
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) + CHINESE
#: Each notebook runs well under a minute on a quiet machine; this hard limit only catches
#: a hang (the suite often runs beside other heavy jobs).
NOTEBOOK_TIMEOUT = 300.0


def run_notebook(path: Path, timeout: float = NOTEBOOK_TIMEOUT):
    """Execute the notebook at `path` in a fresh python3 kernel, as notebooks/execute.py
    does to save it; return (notebook, seconds)."""
    return execute.run(path, timeout=timeout)


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


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[str(p.relative_to(NOTEBOOK_DIR)) for p in NOTEBOOKS]
)
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


def test_a_saved_notebook_keeps_the_widgets_it_shows_not_the_closed_progress_bar(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from micrograd_beans.course.lessons import get_lesson\n"
            "from micrograd_beans.train import fit\n"
            'model, xs, ys = get_lesson("line").setup(0)\n'
            "fit(model, xs, ys, epochs=3, lr=0.1)  # a progress bar while it trains"
        ),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=7)"),
    ]
    path = tmp_path / "bars.ipynb"
    nbformat.write(nb, path)
    ran, _ = run_notebook(path)
    views = [
        out["data"][execute.WIDGET_VIEW]["model_id"]
        for cell in ran.cells
        for out in cell.outputs
        if execute.WIDGET_VIEW in out.get("data", {})
    ]
    assert len(views) == 1  # the slider; the bar closed when training ended, as in a browser
    state = ran.metadata["widgets"][execute.WIDGET_STATE]["state"]
    assert state[views[0]]["state"]["value"] == 7
    assert {s["model_name"] for s in state.values()} == {
        "IntSliderModel",
        "LayoutModel",
        "SliderStyleModel",
    }
    assert ran.metadata["kernelspec"] == execute.kernelspec()
