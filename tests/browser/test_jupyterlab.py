"""The course in JupyterLab, as a learner meets it: every notebook opened from a fresh clone
(untrusted, not yet run), the widget notebook run, and the widgets used with the mouse and
the keyboard, their numbers checked against the engine and `fit`."""

from __future__ import annotations

from pathlib import Path

import expected
import lab
import pytest
import widget_dom as dom
from expected import ALPHA, LESSON, SEED
from probes import printed_json

_FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
#: Every notebook a learner opens, the Chinese ones (zh/) too, as paths under notebooks/.
NOTEBOOKS = sorted(
    p.relative_to(_FOLDER).as_posix()
    for p in [*_FOLDER.glob("*.ipynb"), *_FOLDER.glob("zh/*.ipynb")]
)
OUTPUTS = ".jp-Notebook .jp-OutputArea-output"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_opens_unmodified_and_shows_pictures_that_fit(page, lab_server, name):
    lab.open_notebook(page, lab_server.url, name)
    page.wait_for_timeout(1500)  # JupyterLab writes the kernel's metadata once it is ready
    assert not lab.is_dirty(page), f"{name} opens as modified"
    assert not lab.is_trusted(page)  # as a fresh clone opens
    assert lab.error_outputs(page) == []
    assert dom.pictures_wider_than_their_output(page, OUTPUTS) == []
    texts = page.locator(OUTPUTS).all_inner_texts()
    assert not [t for t in texts if "Drawing(digraph=" in t], "a drawing shows as text"
    widget_outputs = [t for t in texts if "<DragWeights on" in t or "<StepBackward on" in t]
    says_run_it = ("run the cell to use it", "运行这个单元格")  # English, or lang="zh"
    assert all(any(words in t for words in says_run_it) for t in widget_outputs)


def test_the_widget_notebook_runs_without_errors(page, lab_server):
    lab.open_notebook(page, lab_server.url, "widgets.ipynb")
    lab.run_all(page)
    assert lab.error_outputs(page) == []
    assert page.locator(f"{OUTPUTS} .jupyter-widgets button").count() >= 4 * 3
    assert page.get_by_text("Error displaying widget").count() == 0
    assert dom.pictures_wider_than_their_output(page, OUTPUTS) == []
    assert dom.cut_off_by_their_output(page, OUTPUTS) == []  # every widget fits the area


def table_values(scope) -> dict[str, float]:
    return {name: float(cells[0]) for name, cells in dom.drag_table(scope).items()}


def test_drag_weights_changes_nothing_by_being_shown_and_steps_exactly(page, lab_server):
    lab.open_notebook(page, lab_server.url, "drag_probe.ipynb")
    lab.run_cell(page, 0)
    widget = lab.cell_node(page, 0).locator(".jp-OutputArea-output")
    dom.button(widget, "step").wait_for()
    page.wait_for_timeout(1500)  # whatever the browser sends back after showing it arrives
    lab.wait_idle(page)
    start = expected.start_state(LESSON, SEED)

    lab.run_cell(page, 1)
    shown = printed_json(lab.cell_output_text(page, 1))
    assert shown["state"] == start  # showing it changed nothing, to the last bit
    assert table_values(widget) == start  # and the table shows the model's own numbers
    grads = {n: f"{g:.6g}" for n, g in shown["grads"].items()}
    assert {n: cells[1] for n, cells in dom.drag_table(widget).items()} == grads

    dom.button(widget, "step").click()
    dom.wait_for_status(page, widget, "steps 1, epochs 0")
    lab.run_cell(page, 1)
    after = printed_json(lab.cell_output_text(page, 1))["state"]
    assert after == expected.after_step(LESSON, SEED, start, ALPHA)  # exactly θ − α·de/dθ
    assert table_values(widget) == after

    dom.button(widget, "reset").click()
    dom.wait_for_status(page, widget, "steps 0, epochs 0")
    dom.button(widget, "epoch").click()
    status = dom.wait_for_status(page, widget, "epochs 1")
    assert "epoch loss" in status  # the epoch's message is not overwritten
    lab.run_cell(page, 1)
    assert printed_json(lab.cell_output_text(page, 1))["state"] == expected.after_epoch(
        LESSON, SEED, start
    )
    dom.button(widget, "reset").click()
    dom.wait_for_status(page, widget, "steps 0, epochs 0")
    lab.run_cell(page, 1)
    assert printed_json(lab.cell_output_text(page, 1))["state"] == start


def test_drag_weights_sets_what_the_learner_drags_or_types(page, lab_server):
    lab.open_notebook(page, lab_server.url, "drag_probe.ipynb")
    lab.run_cell(page, 0)
    widget = lab.cell_node(page, 0).locator(".jp-OutputArea-output")
    dom.button(widget, "step").wait_for()
    start = expected.start_state(LESSON, SEED)

    handle = widget.locator(".widget-slider .noUi-handle").first  # w11_1's slider
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 37, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_timeout(500)
    lab.wait_idle(page)
    lab.run_cell(page, 1)
    dragged = printed_json(lab.cell_output_text(page, 1))["state"]
    w11_1 = dragged["w11_1"]
    assert w11_1 > start["w11_1"] and w11_1 == round(w11_1 * 1000) / 1000  # a slider stop
    assert {n: v for n, v in dragged.items() if n != "w11_1"} == {
        n: v for n, v in start.items() if n != "w11_1"
    }
    number = widget.locator(".widget-text input").first  # w11_1's exact value
    assert float(number.input_value()) == w11_1

    number.fill("0.123456789")
    number.press("Enter")
    page.wait_for_timeout(500)
    lab.wait_idle(page)
    lab.run_cell(page, 1)
    assert printed_json(lab.cell_output_text(page, 1))["state"]["w11_1"] == 0.123456789


def test_step_backward_keeps_the_current_node_in_view_and_its_buttons_still(page, lab_server):
    lab.open_notebook(page, lab_server.url, "steps_probe.ipynb")
    lab.run_cell(page, 0)
    widget = lab.cell_node(page, 0).locator(".jp-OutputArea-output")
    dom.check_step_backward(page, widget)


def test_a_wide_drawing_fits_the_output_and_a_click_shows_it_full_size(page, lab_server):
    lab.open_notebook(page, lab_server.url, "wide_drawing.ipynb")
    lab.run_cell(page, 0)
    output = lab.cell_node(page, 0).locator(".jp-OutputArea-output")
    picture = output.locator("img").first
    area = output.bounding_box()["width"]
    fitted = picture.bounding_box()["width"]
    natural = picture.evaluate("img => img.naturalWidth")
    assert natural > area >= fitted > 0.9 * area  # whole, as wide as the output area
    picture.click()
    assert picture.bounding_box()["width"] == pytest.approx(natural, abs=1)
    scroller = picture.evaluate(
        "img => [img.parentElement.scrollWidth, img.parentElement.clientWidth]"
    )
    assert scroller[0] > scroller[1]  # full size scrolls inside its own box
    assert dom.pictures_wider_than_their_output(page, OUTPUTS) != []  # (the check sees it)
    picture.click()
    assert picture.bounding_box()["width"] == pytest.approx(fitted, abs=1)
    assert dom.pictures_wider_than_their_output(page, OUTPUTS) == []
