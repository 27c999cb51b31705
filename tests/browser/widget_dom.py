"""Reading the course's widgets and pictures off a page, the same in JupyterLab and Voilà:
`scope` is a Playwright Locator for the output the widget is shown in."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Playwright is the [browser] extra; without it the tests skip
    from playwright.sync_api import Locator, Page


from micrograd_beans.viz import CURRENT_COLOUR

#: A widget answers a click within this time even on a busy machine.
ANSWER_TIMEOUT_S = 60.0


def button(scope: Locator, label: str) -> Locator:
    """The widget button whose text is exactly `label` (icons aside)."""
    return scope.locator("button.jupyter-button").filter(has_text=label).first


def text_of(scope: Locator, selector: str) -> str:
    return scope.locator(selector).first.inner_text()


def drag_table(scope: Locator) -> dict[str, list[str]]:
    """DragWeights' table: parameter name -> its cells (value, engine, formula)."""
    rows = scope.evaluate(
        """el => {
            const table = [...el.querySelectorAll('table')]
                .find(t => t.innerText.includes('de/dθ'));
            return [...table.querySelectorAll('tbody tr')]
                .map(tr => [...tr.cells].map(td => td.innerText.trim()));
        }"""
    )
    return {row[0]: row[1:] for row in rows}


def drag_status(scope: Locator) -> str:
    """DragWeights' status line (steps and epochs, then the last message)."""
    return scope.evaluate(
        """el => [...el.querySelectorAll('.widget-html-content span')]
            .map(s => s.innerText).find(t => /steps \\d+, epochs \\d+/.test(t)) || ''"""
    )


def wait_for_status(page: Page, scope: Locator, wanted: str) -> str:
    """Wait until DragWeights' status line holds `wanted` (the kernel has answered)."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    status = ""
    while time.monotonic() < deadline:
        status = drag_status(scope)
        if wanted in status:
            return status
        page.wait_for_timeout(200)
    raise AssertionError(f"the status line never said {wanted!r}; it says {status!r}")


def explain_text(scope: Locator) -> str:
    """StepBackward's line saying which step it is at."""
    return scope.evaluate(
        """el => [...el.querySelectorAll('.widget-html-content div')]
            .map(d => d.innerText).find(t => /^step \\d+ of \\d+/.test(t)) || ''"""
    )


def current_node_box(scope: Locator) -> dict | None:
    """The screen rectangle of the shapes outlined in the current node's colour, and of the
    box the graph is shown in (what of it is visible), and the window's size."""
    return scope.evaluate(
        f"""el => {{
            const shapes = [...el.querySelectorAll('svg [stroke="{CURRENT_COLOUR}"]')];
            if (!shapes.length) return null;
            const rs = shapes.map(s => s.getBoundingClientRect());
            const svg = shapes[0].closest('svg');
            const box = svg.parentElement.getBoundingClientRect();
            return {{
                left: Math.min(...rs.map(r => r.left)), right: Math.max(...rs.map(r => r.right)),
                top: Math.min(...rs.map(r => r.top)), bottom: Math.max(...rs.map(r => r.bottom)),
                box: {{left: box.left, right: box.right, top: box.top, bottom: box.bottom}},
                viewport: {{width: window.innerWidth, height: window.innerHeight}},
            }};
        }}"""
    )


def cut_off_by_their_output(page: Page, output_selector: str) -> list[str]:
    """Everything shown (text, controls, pictures; not the parts of a drawing outside the
    window its <svg> shows) reaching past the right edge of the output it is in, described."""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].flatMap(out => {
            const edge = out.getBoundingClientRect().right + 1;
            return [...out.querySelectorAll('*')]
                .filter(e => e.parentElement.closest('svg') === null)
                .filter(e => e.getBoundingClientRect().width > 0)
                .filter(e => e.getBoundingClientRect().right > edge)
                .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > edge))
                .map(e => `${e.tagName} "${(e.innerText || '').slice(0, 40)}" reaches `
                     + `${Math.round(e.getBoundingClientRect().right - edge)} px past`);
        })""",
        output_selector,
    )


def pictures_wider_than_their_output(page: Page, output_selector: str) -> list[str]:
    """Every picture (img, svg) shown wider than the output it is in, described."""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].flatMap(out => {
            const width = out.getBoundingClientRect().width;
            return [...out.querySelectorAll('img, svg')]
                .filter(p => p.parentElement.closest('svg') === null)  // whole pictures
                .map(p => [p, p.getBoundingClientRect().width])
                .filter(([p, w]) => w > width + 1)
                .map(([p, w]) => `${p.tagName} ${Math.round(w)} px in ${Math.round(width)} px`
                     + ` (${(p.getAttribute('alt') || p.getAttribute('src') || '').slice(0, 60)})`);
        })""",
        output_selector,
    )


def check_step_backward(page: Page, widget: Locator) -> None:
    """Step through backward with the mouse: at every step the outlined node is inside the
    graph's visible box and the window, the buttons do not move, nothing scrolls sideways."""
    next_button = button(widget, "step")
    next_button.wait_for()
    next_button.scroll_into_view_if_needed()
    where = next_button.bounding_box()
    steps = int(explain_text(widget).split(" of ")[1].split(":")[0])
    assert steps == 13  # the note's graph: 13 op results
    for k in range(steps + 1):
        if k:
            page.mouse.click(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
            page.wait_for_function(
                "([el, k]) => [...el.querySelectorAll('.widget-html-content div')]"
                ".some(d => d.innerText.startsWith(`step ${k} of`))",
                arg=[widget.element_handle(), k],
                timeout=60_000,
            )
        node = current_node_box(widget)
        assert node is not None, f"step {k}: no node outlined"
        box, view = node["box"], node["viewport"]
        inside_box = box["left"] <= node["left"] and node["right"] <= box["right"] + 0.5
        inside_box &= box["top"] <= node["top"] and node["bottom"] <= box["bottom"] + 0.5
        assert inside_box, f"step {k}: the node {node} is outside the graph's box"
        assert node["left"] >= 0 and node["right"] <= view["width"], f"step {k}: off screen"
        assert node["top"] >= 0 and node["bottom"] <= view["height"], f"step {k}: off screen"
        assert next_button.bounding_box() == where, f"step {k}: the buttons moved"
    assert "Backward is done." in explain_text(widget)
    button(widget, "whole graph").click()
    page.wait_for_timeout(1000)
    node = current_node_box(widget)
    assert node is not None and node["right"] <= node["box"]["right"] + 0.5
