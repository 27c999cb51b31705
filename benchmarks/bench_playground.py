"""The playground's speed: the note's full run in the page (Pyodide in headless Chromium)
against the same run in CPython, measured in the same run of this script.

The run is the note's: 5,000 epochs x 100 bump beans, per-sample SGD, α = 0.03, seed 0,
through `fit` (generated code in both). In the page it is one request to the Web Worker,
timed inside Python there (the `train_ms` the page's Play loop also uses), so the figure is
Pyodide's speed, not the page's drawing. Also printed: the time from opening the page to
Python being ready, and to the trained curve drawn (ready + the run + one view).

    python benchmarks/bench_playground.py [--site BUILT] [--epochs N]

Needs Playwright (pip install playwright), Debian's chromium and a built site (built here
into a temporary folder by playground/build.py unless --site names one).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import median_seconds

from micrograd_beans.cli.playground import serve
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.train import fit

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def cpython_seconds(epochs: int) -> tuple[float, float]:
    """Median seconds of the note's run in this CPython, and its final loss."""
    model, xs, ys = get_lesson("hidden-layer").setup(seed=0)
    start = model.state_dict()
    xs, ys = xs.tolist(), ys.tolist()
    result = {}

    def run() -> None:
        model.load_state_dict(start)
        result["loss"] = fit(model, xs, ys, epochs=epochs, lr=0.03, progress=False).loss[-1]

    return median_seconds(run, repeats=3), result["loss"]


def page_seconds(site: Path, epochs: int, repeats: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    server = serve(site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    out: dict = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(url + "#lesson=hidden-layer&seed=0")
            page.wait_for_selector("#status.ready", timeout=300_000)
            out["ready"] = time.perf_counter() - start
            runs = []
            for _ in range(repeats):
                answer = page.evaluate(
                    """async (epochs) => {
                        await window.playground.idle();
                        await window.playground.reset();
                        const t0 = performance.now();
                        const a = await window.playground.ask(
                            {do: "train", epochs, since: epochs, table: false});
                        return [a.train_ms, performance.now() - t0, a.state.loss];
                    }""",
                    epochs,
                )
                runs.append(answer)
            runs.sort()
            out["train"], out["request"], out["loss"] = runs[len(runs) // 2]
            out["trained_curve"] = out["ready"] + runs[0][1] / 1000
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built playground (default: build one)")
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "site"
            build = [sys.executable, str(ROOT / "playground" / "build.py"), str(site)]
            subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
        page = page_seconds(site, args.epochs)
    cpython, loss = cpython_seconds(args.epochs)
    ratio = page["train"] / 1000 / cpython
    print(f"the note's run: {args.epochs} epochs x 100 beans, per-sample SGD, seed 0")
    print(f"CPython {sys.version.split()[0]}, fit (generated code): {cpython:.3f} s")
    print(f"Pyodide in Chromium, fit in the Web Worker: {page['train'] / 1000:.3f} s")
    print(f"ratio Pyodide / CPython: {ratio:.2f}")
    print(f"same final loss: {page['loss'] == loss} ({loss!r})")
    print(f"open page -> Python ready: {page['ready']:.1f} s")
    print(f"open page -> trained curve drawn: {page['trained_curve']:.1f} s")
    return {"cpython": cpython, "pyodide": page["train"] / 1000, "ratio": ratio, **page}


if __name__ == "__main__":
    main()
