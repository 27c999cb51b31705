"""Driving JupyterLab from a Playwright page: open a notebook, run its cells, read what
they show. Cells run through JupyterLab's own commands (the app is exposed to the page
with `--LabApp.expose_app_in_browser`, as JupyterLab's own UI tests do); widgets are used
with the mouse, as a learner uses them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Playwright is the [browser] extra; without it the tests skip
    from playwright.sync_api import Page


#: Opening a notebook on a busy machine: its page, its kernel, its saved outputs.
OPEN_TIMEOUT_MS = 120_000
#: One notebook's cells, run in the browser's kernel.
RUN_TIMEOUT_S = 300.0

_CURRENT = "window.jupyterapp.shell.currentWidget"


def open_notebook(page: Page, server_url: str, name: str) -> None:
    """Open `name` in a fresh workspace and wait until its kernel is idle."""
    page.goto(f"{server_url}/lab/tree/{name}?reset")
    page.wait_for_function(
        f"window.jupyterapp && {_CURRENT} && {_CURRENT}.context "
        f"&& {_CURRENT}.context.path === {name!r}",
        timeout=OPEN_TIMEOUT_MS,
    )
    page.evaluate(f"{_CURRENT}.context.ready.then(() => {_CURRENT}.sessionContext.ready)")
    wait_idle(page)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT_MS)


def kernel_status(page: Page) -> str:
    return page.evaluate(
        f"(() => {{ const k = {_CURRENT}.sessionContext.session?.kernel; "
        "return k ? k.status : 'none'; })()"
    )


def wait_idle(page: Page, timeout_s: float = RUN_TIMEOUT_S, settle_s: float = 1.0) -> None:
    """Wait until the kernel has been idle for `settle_s` (widget messages come in bursts)."""
    deadline = time.monotonic() + timeout_s
    idle_since = None
    while time.monotonic() < deadline:
        if kernel_status(page) == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle_s:
                return
        else:
            idle_since = None
        time.sleep(0.2)
    raise TimeoutError(f"the kernel was not idle within {timeout_s:.0f} s")


def run_all(page: Page) -> None:
    """Run every cell, as Run > Run All Cells does, and wait until all have run."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait_cells_ran(page, range(code_cell_count(page)))


def run_cell(page: Page, index: int) -> None:
    """Run the code cell `index` (0-based among code cells) and wait until it has run."""
    page.evaluate(
        f"""(() => {{
            const nb = {_CURRENT}.content;
            const cells = nb.widgets.filter(c => c.model.type === 'code');
            nb.activeCellIndex = nb.widgets.indexOf(cells[{index}]);
            nb.deselectAll();
            return window.jupyterapp.commands.execute('notebook:run-cell');
        }})()"""
    )
    _wait_cells_ran(page, [index])


def code_cell_count(page: Page) -> int:
    return page.evaluate(f"{_CURRENT}.content.widgets.filter(c => c.model.type === 'code').length")


def _wait_cells_ran(page: Page, indices) -> None:
    indices = list(indices)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        counts = page.evaluate(
            f"{_CURRENT}.content.widgets.filter(c => c.model.type === 'code')"
            ".map(c => c.model.executionCount)"
        )
        if all(counts[i] is not None for i in indices) and kernel_status(page) == "idle":
            wait_idle(page)
            return
        time.sleep(0.3)
    raise TimeoutError(f"cells {indices} did not run within {RUN_TIMEOUT_S:.0f} s")


def cell_output_text(page: Page, index: int) -> str:
    """The text every output of code cell `index` shows, joined."""
    return page.evaluate(
        f"""(() => {{
            const cells = {_CURRENT}.content.widgets.filter(c => c.model.type === 'code');
            return [...cells[{index}].node.querySelectorAll('.jp-OutputArea-output')]
                .map(o => o.innerText).join('\\n');
        }})()"""
    )


def cell_node(page: Page, index: int):
    """A locator for code cell `index`'s node."""
    return page.locator(".jp-Notebook .jp-CodeCell").nth(index)


def is_dirty(page: Page) -> bool:
    """Whether JupyterLab holds the open notebook as changed since it was loaded."""
    return page.evaluate(f"{_CURRENT}.context.model.dirty")


def is_trusted(page: Page) -> bool:
    return page.evaluate(
        f"{_CURRENT}.content.widgets.filter(c => c.model.type === 'code')"
        ".every(c => c.model.trusted)"
    )


def error_outputs(page: Page) -> list[str]:
    """Every error, stderr text and "Error displaying widget" the notebook shows."""
    return page.evaluate(
        """[...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
            .filter(o => o.matches('[data-mime-type="application/vnd.jupyter.stderr"]')
                      || o.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]')
                      || o.innerText.includes('Traceback')
                      || o.innerText.includes('Error displaying widget'))
            .map(o => o.innerText.slice(0, 500))"""
    )
