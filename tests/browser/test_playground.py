"""The bean playground in a real browser: Debian's chromium driven by Playwright.

The site is built from this checkout (`playground/build.py`; or the folder
`$MICROGRAD_BEANS_PLAYGROUND_SITE` names, built from this checkout, as .ci/run does) and
served on localhost by the CLI's own server; every request to any other host is blocked and
fails the test that made it, and so does any console error. Pyodide takes tens of seconds
to start on a busy machine, so one page is loaded once and each test drives it from a URL
hash, as a teacher's link would. The numbers are checked against `fit` run here, in CPython.

The site, its server and its page are this file's fixtures (names starting `playground_`);
the browser is the session's one (tests/browser/conftest.py, which also marks every test
here `browser`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from micrograd_beans.course.chain_rule import number
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.train import fit

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_MS = 180_000  # Pyodide's start, on a loaded 2-core machine


@pytest.fixture(scope="module")
def playground_site(tmp_path_factory) -> Path:
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    built = os.environ.get("MICROGRAD_BEANS_PLAYGROUND_SITE")
    if built:
        site = Path(built)
        assert (site / "index.html").is_file(), f"MICROGRAD_BEANS_PLAYGROUND_SITE={built}: empty"
        return site
    if not (ROOT / "playground" / "build.py").is_file():
        pytest.skip("no playground/build.py here (an sdist): nothing to build the site from")
    if shutil.which("npm") is None and not (ROOT / "playground" / "node_modules").is_dir():
        pytest.skip("building the playground needs npm (apt-get install nodejs npm)")
    site = tmp_path_factory.mktemp("playground") / "site"
    subprocess.run([sys.executable, str(ROOT / "playground" / "build.py"), str(site)], check=True)
    return site


@pytest.fixture(scope="module")
def playground_url(playground_site):
    from micrograd_beans.cli.playground import serve

    server = serve(playground_site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def playground_page(browser, playground_url):
    """The page, in the session's Chromium (tests/browser/conftest.py: one Playwright per
    process, since a second sync Playwright cannot start inside the first)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    held: list = []  # the first request for the lessons' data, held until the page is checked

    def local_only(route):
        if route.request.url == playground_url + "lessons.json" and not held:
            held.append(route)
        elif route.request.url.startswith(playground_url):
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.goto(playground_url + "#lesson=hidden-layer&seed=0&lang=en")
    # the held request reaches this process as an event of its own, not ordered with the
    # load event goto waits for: let events in until it is here (5 s at most)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    # loaded, its data not yet there: no control may look usable (a click would do nothing)
    assert held and page.get_by_role("button", name="Play").is_disabled()
    held[0].continue_()
    # before Python is ready, the lesson's beans and untrained curve are already drawn
    assert page.get_by_role("button", name="Play").is_disabled()
    page.wait_for_selector("#status.ready", timeout=READY_TIMEOUT_MS)
    idle(page)
    page.problems = problems
    yield page
    context.close()


@pytest.fixture
def pg(playground_page):
    """The loaded page, its problems checked after each test."""
    playground_page.problems.clear()
    yield playground_page
    assert playground_page.problems == []


def idle(page) -> None:
    page.evaluate("window.playground.idle()")


def open_hash(page, hash_: str) -> None:
    """Go to a URL hash on the loaded page (as following a teacher's link), wait for it."""
    page.evaluate(f"location.hash = {hash_!r}")
    page.wait_for_function("document.querySelector('#epoch').textContent === '0'")
    idle(page)


def page_state(page) -> dict:
    return page.evaluate("window.playground.page.view.state")


def expected_fit(lesson: str, seed: int, epochs: int, **changes):
    les = get_lesson(lesson).with_(**changes)
    model, xs, ys = les.setup(seed=seed)
    history = fit(
        model, xs, ys, epochs=epochs, lr=les.lr, optimizer=les.optimizer, loss=les.loss,
        shuffle=les.shuffle, seed=seed, progress=False,
    )  # fmt: skip
    return model, history


def test_ready_with_the_notes_network(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=0&lang=en")
    assert pg.locator("#status-text").text_content().startswith("Ready")
    assert pg.locator("#lesson").input_value() == "hidden-layer"
    assert pg.locator("#graph svg").count() == 1
    for name in ("w11_1", "b1_1", "w12_1", "b2_1", "w11_2", "w21_2", "b1_2"):
        assert pg.get_by_role("slider", name=name).count() == 1
    for name in ("Play", "Step", "Reset", "Copy as Python"):
        assert pg.get_by_role("button", name=name).is_enabled()


def test_steps_give_fits_numbers(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=3&lang=en")
    step = pg.get_by_role("button", name="Step")
    for _ in range(4):
        step.click()
    pg.wait_for_function("document.querySelector('#epoch').textContent === '4'")
    idle(pg)
    model, history = expected_fit("hidden-layer", 3, 4)
    state = page_state(pg)
    assert state["loss"] == history.loss[-1]
    assert state["accuracy"] == history.accuracy[-1]
    assert state["parameters"] == model.state_dict()
    shown = pg.locator("#loss-now").text_content()  # 6 significant digits
    assert len(shown.lstrip("0.").replace(".", "")) == 6
    assert float(shown) == float(f"{history.loss[-1]:.6g}")


def test_a_shared_link_restores_the_settings_and_the_numbers(pg):
    open_hash(pg, "#lesson=disc&seed=2&lr=0.05&optimizer=adam&loss=bce&hidden=3&lang=en")
    assert pg.locator("#lesson").input_value() == "disc"
    assert pg.locator("#seed").input_value() == "2"
    assert pg.locator("#optimizer").input_value() == "adam"
    assert pg.locator("#loss").input_value() == "bce"
    assert pg.locator("#hidden").input_value() == "3"
    assert pg.locator("#lr").input_value() == "0.05"
    pg.evaluate("window.playground.ask({do: 'train', epochs: 6, since: 0})")
    model, history = expected_fit("disc", 2, 6, optimizer="adam", lr=0.05, loss="bce", hidden=(3,))
    state = pg.evaluate("window.playground.ask({do: 'view', since: 0}).then(v => v.state)")
    assert state["losses"] == history.loss
    assert state["parameters"] == model.state_dict()


def test_play_trains_and_the_page_stays_responsive(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=0&lang=en")
    pg.evaluate(
        """() => { window.longTasks = [];
        new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map(
          (e) => e.duration))).observe({ type: "longtask" }); }"""
    )
    pg.get_by_role("button", name="Play").click()
    pg.wait_for_function("Number(document.querySelector('#epoch').textContent) >= 300")
    pg.get_by_role("button", name="Pause").click()
    idle(pg)
    state = page_state(pg)
    losses = pg.evaluate("window.playground.page.losses")
    start_loss = losses[0]
    assert state["epoch"] >= 300 and len(losses) == state["epoch"]
    assert state["loss"] < start_loss
    _, history = expected_fit("hidden-layer", 0, state["epoch"])
    assert losses == history.loss  # every epoch of the curve is fit's
    long_tasks = pg.evaluate("window.longTasks")
    assert max(long_tasks, default=0) < 100, long_tasks


def test_a_slider_moves_the_curve_and_the_gradient_table(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=0&lang=en")
    picture = pg.evaluate("document.querySelector('#picture').toDataURL()")
    table = pg.locator("#grads").inner_text()
    slider = pg.get_by_role("slider", name="w11_2")
    before = float(slider.input_value())
    slider.focus()
    for _ in range(30):
        pg.keyboard.press("ArrowLeft")  # by keyboard: 30 steps of 0.01
    idle(pg)
    value = page_state(pg)["parameters"]["w11_2"]
    assert value == pytest.approx(before - 0.3, abs=0.011)
    assert pg.evaluate("document.querySelector('#picture').toDataURL()") != picture
    assert pg.locator("#grads").inner_text() != table
    rows = pg.evaluate("window.playground.page.view.table")
    for row in rows:  # the engine's gradient beside the note's formula, at the new weights
        assert row["engine"] == pytest.approx(row["note"], rel=1e-12, abs=1e-15)
    assert f"{value:.6g}·a1_1" in pg.locator("#formula").text_content()


def test_the_graph_steps_backward_to_backwards_gradients(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=0&lang=en")
    pg.locator("#graph-bean").fill("42")
    pg.locator("#graph-bean").dispatch_event("change")
    idle(pg)
    assert pg.locator("#graph-head").text_content().startswith("Step 0 of 13")
    nxt = pg.get_by_role("button", name="Next node")
    for _ in range(3):
        nxt.click()
        idle(pg)
    head = pg.locator("#graph-head").text_content()
    assert head.startswith("Step 3 of 13: node a1_2")
    # its gradient written as the lines below write it (4 digits), not to 6
    shown = number(pg.evaluate("window.playground.page.graph.current_grad"))
    assert f"its gradient {shown} is complete" in head
    assert f"= {shown} · " in pg.locator("#graph-lines").text_content()
    assert "de/dz1_2 = de/da1_2 · a1_2(1 − a1_2)" in pg.locator("#graph-lines").text_content()
    svg = pg.locator("#graph svg").inner_html()
    assert "grad" in svg and 'stroke-width="3.5"' in svg  # the current node, outlined
    pg.get_by_role("button", name="End").click()
    idle(pg)
    graph = pg.evaluate("window.playground.page.graph")
    model, xs, ys = get_lesson("hidden-layer").setup(seed=0)
    from micrograd_beans.losses import squared_error

    squared_error(model(float(xs[42])), float(ys[42])).backward()
    assert graph["grads"] == {name: p.grad for name, p in model.named_parameters()}
    assert "Backward is done" in pg.locator("#graph-lines").text_content()


def test_copy_as_python_gives_the_pages_numbers(pg):
    open_hash(pg, "#lesson=single-neuron&seed=1&lr=0.2&lang=en")
    pg.evaluate("window.playground.ask({do: 'train', epochs: 7, since: 0})")
    pg.get_by_role("button", name="Step").click()
    pg.wait_for_function("document.querySelector('#epoch').textContent === '8'")
    idle(pg)
    pg.get_by_role("button", name="Copy as Python").click()
    assert pg.locator("#copied").text_content() == "Copied."
    code = pg.locator("#python").text_content()
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<playground>", "exec"), namespace)
    state = page_state(pg)
    assert namespace["history"].loss[-1] == state["loss"]
    assert namespace["model"].state_dict() == state["parameters"]


def test_your_own_beans_by_click_and_in_the_link(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=0&lang=en")
    pg.locator("#own-beans summary").click()
    pg.locator("#beans-text").fill("0.2,0\n0.9,1\n1.7,0")
    pg.get_by_role("button", name="Train on these beans").click()
    idle(pg)
    assert page_state(pg)["xs"] == [0.2, 0.9, 1.7]
    pg.locator("#click-mode").select_option("1")
    box = pg.locator("#picture").bounding_box()
    pg.locator("#picture").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    idle(pg)
    state = page_state(pg)
    assert len(state["xs"]) == 4 and state["ys"][-1] == 1.0
    assert "beans=" in pg.evaluate("location.hash")
    pg.get_by_role("button", name="Step").click()
    idle(pg)
    model, _, _ = get_lesson("hidden-layer").setup(seed=0)
    history = fit(model, state["xs"], state["ys"], epochs=1, lr=0.03, progress=False)
    assert page_state(pg)["loss"] == history.loss[-1]
    pg.get_by_role("button", name="Back to the lesson's beans").click()
    idle(pg)
    assert len(page_state(pg)["xs"]) == 100


def test_chinese_switches_every_text(pg):
    open_hash(pg, "#lesson=hidden-layer&seed=0&lang=en")
    pg.get_by_role("button", name="中文").click()
    idle(pg)
    assert pg.locator("h1").text_content() == "豆豆游乐场"
    assert pg.get_by_role("button", name="播放").count() == 1
    assert pg.get_by_role("button", name="单步").count() == 1
    assert "lang=zh" in pg.evaluate("location.hash")
    text = pg.locator("body").inner_text()
    for term in ("隐藏层", "学习率", "梯度", "反向传播", "损失"):
        assert term in text
    assert pg.evaluate("document.documentElement.lang") == "zh-CN"
    pg.get_by_role("button", name="English").click()
    assert pg.locator("h1").text_content() == "Bean playground"


def test_fits_a_phone_screen(pg):
    open_hash(pg, "#lesson=disc&seed=0&lang=en")
    pg.set_viewport_size({"width": 390, "height": 844})
    try:
        idle(pg)
        overflow = pg.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390
        assert pg.get_by_role("button", name="Play").is_visible()
    finally:
        pg.set_viewport_size({"width": 1280, "height": 900})
