"""Run the course's notebooks top to bottom and save them with their outputs, as committed.

    python notebooks/execute.py                        # every notebook under notebooks/
    python notebooks/execute.py notebooks/widgets.ipynb
    python notebooks/execute.py --metadata-only        # only the kernel's metadata

Each runs in a fresh `python3` kernel importing micrograd_beans from this checkout, with no
display (as on a notebook server), and is saved with:
- its outputs as a front end shows them once the cells have run (a widget closed while
  running, such as fit's progress bar, is gone), and the state of the widgets it shows (so
  a trusted notebook shows them as they were);
- the kernel's own metadata: `kernelspec` as the installed python3 kernel names itself and
  `language_info` as the kernel reports it. JupyterLab writes both into a notebook when it
  opens it, so any difference would show the notebook as modified before any edit.
  (`language_info` holds the Python version that ran it: a learner on another version sees
  that one line change.)

tests/test_notebooks.py runs every notebook the same way (`run`), without saving.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "python3"
#: Each notebook runs well under a minute on a quiet machine; this per-cell limit only
#: catches a hang (notebooks are often run beside other heavy jobs).
CELL_TIMEOUT = 300.0
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def all_notebooks() -> list[Path]:
    """Every notebook under notebooks/ (the Chinese ones in notebooks/zh/ too)."""
    return sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def kernel_env() -> dict[str, str]:
    """The environment a kernel starts in: the checkout first on its import path, no display."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND"):  # the kernel picks its backend
        env.pop(var, None)
    return env


def kernelspec() -> dict[str, str]:
    """The notebook metadata naming the python3 kernel exactly as it names itself."""
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    return {"display_name": spec.display_name, "language": spec.language, "name": KERNEL}


class _Client(NotebookClient):
    """nbclient's client, noting the widgets closed while the notebook ran."""

    def handle_comm_msg(self, outs, msg, cell_index) -> None:
        super().handle_comm_msg(outs, msg, cell_index)
        if msg["msg_type"] == "comm_close":
            self.closed_widgets.add(msg["content"]["comm_id"])


def _drop_closed_widgets(nb: nbformat.NotebookNode, closed: set[str]) -> None:
    """Outputs and saved state as a front end shows them once the cells have run: a widget
    closed while running (fit's progress bar, leave=False) is gone, and the saved state keeps
    only the widgets the remaining outputs show (and the widgets those hold)."""
    shown = set()
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view is not None and view.get("model_id") in closed:
                continue
            if view is not None:
                shown.add(view["model_id"])
            kept.append(out)
        if cell.cell_type == "code":
            cell.outputs = kept
    states = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    needed, todo = set(), list(shown)
    while todo:  # every model the shown ones refer to, as "IPY_MODEL_<id>"
        model = todo.pop()
        if model in needed or model not in states:
            continue
        needed.add(model)
        todo += re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(states[model]))
    for model in set(states) - needed:
        del states[model]
    if "widgets" in nb.metadata and not states:
        del nb.metadata["widgets"]


def run(path: Path, timeout: float = CELL_TIMEOUT) -> tuple[nbformat.NotebookNode, float]:
    """Execute the notebook at `path` in a fresh kernel; (the notebook with outputs, seconds).
    A cell that raises raises `nbclient.exceptions.CellExecutionError`."""
    nb = nbformat.read(path, as_version=4)
    client = _Client(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
        store_widget_state=True,
    )
    client.closed_widgets = set()
    with _kernel_environment():
        start = time.perf_counter()
        client.execute()  # also writes the kernel's language_info into the metadata
        seconds = time.perf_counter() - start
    _drop_closed_widgets(nb, client.closed_widgets)
    nb.metadata["kernelspec"] = kernelspec()
    return nb, seconds


@contextlib.contextmanager
def _kernel_environment():
    """The kernel inherits the environment it starts in: kernel_env() while it starts."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_env())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def language_info() -> dict:
    """What the python3 kernel reports as its language_info (a kernel is started to ask)."""
    with _kernel_environment():
        manager, client = start_new_kernel(kernel_name=KERNEL)
    try:
        reply = client.kernel_info(reply=True, timeout=60)
        return reply["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def with_kernel_metadata(path: Path, info: dict) -> nbformat.NotebookNode:
    """The notebook at `path`, outputs untouched, with the kernel's own metadata."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = kernelspec()
    nb.metadata["language_info"] = info
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: all under notebooks/")
    parser.add_argument(
        "--metadata-only",
        action="store_true",
        help="do not run the cells: only save the kernel's metadata (outputs untouched)",
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or all_notebooks()
    info = language_info() if args.metadata_only else None
    for path in paths:
        if info is not None:
            nbformat.write(with_kernel_metadata(path, info), path)
            print(f"{path}: metadata")
            continue
        nb, seconds = run(path)
        nbformat.write(nb, path)
        print(f"{path}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
