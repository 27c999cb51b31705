"""The widgets in Voilà (a notebook shown as an app: outputs only, run when the page opens),
used with the mouse; the numbers they show checked against the engine and `fit`. The
pictures of the widgets in docs/ are taken here."""

from __future__ import annotations

import os
from pathlib import Path

import expected
import numpy as np
import widget_dom as dom
from expected import ALPHA, LESSON, SEED

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ".jp-OutputArea-output"
#: Voilà runs the whole notebook before the page shows; the lessons' fits take a while.
RENDER_TIMEOUT_MS = 240_000


def open_app(page, server, name: str, buttons: int) -> None:
    """Open a notebook in Voilà and wait until its widgets are live (`buttons` of them)."""
    page.goto(f"{server.url}/voila/render/{name}", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        f"document.querySelectorAll('button.jupyter-button').length >= {buttons}",
        timeout=RENDER_TIMEOUT_MS,
    )
    page.wait_for_timeout(1500)  # whatever the browser sends back after showing them arrives


def errors_shown(page) -> list[str]:
    return page.evaluate(
        """[...document.querySelectorAll('.jp-OutputArea-output')]
            .filter(o => o.matches('[data-mime-type="application/vnd.jupyter.stderr"]')
                      || o.innerText.includes('Traceback')
                      || o.innerText.includes('Error displaying widget'))
            .map(o => o.innerText.slice(0, 500))"""
    )


def table_values(scope) -> dict[str, float]:
    return {name: float(cells[0]) for name, cells in dom.drag_table(scope).items()}


def test_the_widget_notebook_runs_in_voila_without_errors(page, voila_server):
    open_app(page, voila_server, "widgets.ipynb", buttons=3 + 5 + 3 + 5 + 3)
    assert errors_shown(page) == []
    assert page.get_by_text("Error displaying widget").count() == 0
    assert dom.pictures_wider_than_their_output(page, OUTPUTS) == []
    assert dom.cut_off_by_their_output(page, OUTPUTS) == []


def test_drag_weights_in_voila_shows_the_model_unchanged_and_steps_exactly(page, voila_server):
    open_app(page, voila_server, "drag_probe.ipynb", buttons=3)
    widget = page.locator(OUTPUTS).filter(has=page.locator("button.jupyter-button")).first
    start = expected.start_state(LESSON, SEED)
    assert table_values(widget) == start  # shown whole, and showing it changed nothing
    assert "steps 0, epochs 0" in dom.drag_status(widget)

    dom.button(widget, "step").click()
    dom.wait_for_status(page, widget, "steps 1, epochs 0")
    assert table_values(widget) == expected.after_step(LESSON, SEED, start, ALPHA)

    dom.button(widget, "reset").click()
    dom.wait_for_status(page, widget, "steps 0, epochs 0")
    assert table_values(widget) == start
    dom.button(widget, "epoch").click()
    status = dom.wait_for_status(page, widget, "epochs 1")
    assert "epoch loss" in status
    assert table_values(widget) == expected.after_epoch(LESSON, SEED, start)
    # each parameter's box holds its exact value (the last box is α)
    boxes = widget.locator(".widget-text input").evaluate_all("els => els.map(e => e.value)")
    assert [float(v) for v in boxes] == [*expected.after_epoch(LESSON, SEED, start).values(), ALPHA]


def test_step_backward_in_voila_keeps_the_current_node_in_view(page, voila_server):
    open_app(page, voila_server, "steps_probe.ipynb", buttons=5)
    widget = page.locator(OUTPUTS).filter(has=page.locator("button.jupyter-button")).first
    dom.check_step_backward(page, widget)


def test_pictures_of_the_widgets(page, voila_server, tmp_path):
    """The widgets as a learner sees them, before and after a step, and backward at a node.
    With MICROGRAD_BEANS_SCREENSHOTS=docs they are written into docs/ (the pictures the docs
    show); otherwise into a temporary folder, only checked to be pictures of the widgets."""
    target = os.environ.get("MICROGRAD_BEANS_SCREENSHOTS")
    folder = ROOT / target if target else tmp_path
    open_app(page, voila_server, "screenshots.ipynb", buttons=3 + 5)
    page.set_viewport_size({"width": 1100, "height": 1400})
    outputs = page.locator(OUTPUTS).filter(has=page.locator("button.jupyter-button"))
    drag, steps = outputs.nth(0), outputs.nth(1)
    pictures = {
        # the whole widget: its title, the controls beside the curve, and the table under both
        "drag_weights.png": lambda: drag.locator(".widget-vbox").first,
        "drag_weights_step.png": lambda: drag.locator(".widget-vbox").first,
        "step_backward.png": lambda: steps.locator(".widget-vbox").first,
    }
    shots = {}
    for name, element in pictures.items():
        if name == "drag_weights_step.png":
            dom.button(drag, "step").click()
            dom.wait_for_status(page, drag, "steps 1, epochs 0")
            page.wait_for_timeout(500)  # the new curve is drawn
        shots[name] = folder / name
        element().screenshot(path=shots[name], animations="disabled")
    from PIL import Image

    for name, path in shots.items():
        with Image.open(path) as im:
            assert im.format == "PNG" and im.width > 700 and im.height > 350, name
            grey = np.asarray(im.convert("L"))
            assert len(np.unique(grey)) > 50, f"{name} looks blank"
