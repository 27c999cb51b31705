"""The real-browser tests: Debian's chromium driven by Playwright, against JupyterLab, Voilà
and the built docs site, each started here on localhost and stopped by its PID.

Every test here is marked `browser`. Without Playwright (the [browser] extra) or a Chromium
the tests skip; under CI a skip fails (tests/ci_gate.py), so CI always runs them. Playwright's
own browser download is never used: the browser is `$MICROGRAD_BEANS_CHROMIUM`, else
/usr/bin/chromium (Debian: `apt-get install chromium`).

The servers serve a temporary copy of notebooks/ (with the notebooks the tests write), with
their own settings, data and runtime folders: every notebook is opened as a fresh clone
opens, untrusted, and nothing is written to the checkout. `MICROGRAD_BEANS_SCREENSHOTS=docs`
makes the screenshot test write the widgets' pictures into docs/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import probes
import pytest
import servers

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A learner's laptop, JupyterLab's file browser open: an output area ~950 px wide.
VIEWPORT = {"width": 1280, "height": 960}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    path = os.environ.get("MICROGRAD_BEANS_CHROMIUM") or shutil.which("chromium")
    return path or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright: pip install -e '.[browser]'"
    )
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: apt-get install chromium (or set MICROGRAD_BEANS_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


def _needs(module: str, extra: str) -> None:
    pytest.importorskip(module, reason=f"{module}: pip install -e '.[{extra}]'")


@pytest.fixture(scope="session")
def notebook_root(tmp_path_factory) -> Path:
    """A copy of notebooks/ and its Chinese ones in zh/ (the tests add theirs): what the
    servers serve."""
    _needs("nbformat", "notebook")
    root = tmp_path_factory.mktemp("notebooks")
    for path in [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "notebooks").glob("zh/*.ipynb")]:
        target = root / path.relative_to(ROOT / "notebooks")
        target.parent.mkdir(exist_ok=True)
        shutil.copy(path, target)
    probes.write_probes(root)
    return root


@pytest.fixture(scope="session")
def lab_server(browser, notebook_root, tmp_path_factory):
    _needs("jupyterlab", "browser")
    with servers.jupyterlab(notebook_root, tmp_path_factory.mktemp("lab-home")) as server:
        yield server


@pytest.fixture(scope="session")
def voila_server(browser, notebook_root, tmp_path_factory):
    _needs("voila", "browser")
    with servers.voila(notebook_root, tmp_path_factory.mktemp("voila-home")) as server:
        yield server


@pytest.fixture(scope="session")
def docs_site(browser, tmp_path_factory):
    """The docs site, built strictly (or the one `$MICROGRAD_BEANS_DOCS_SITE` points to,
    built from this checkout, as .ci/run does), served over HTTP."""
    built = os.environ.get("MICROGRAD_BEANS_DOCS_SITE")
    if built:
        site = Path(built)
        assert (site / "index.html").is_file(), f"MICROGRAD_BEANS_DOCS_SITE={built}: no index.html"
    else:
        _needs("mkdocs", "docs")
        site = tmp_path_factory.mktemp("site")
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=900,
        )
    with servers.static_files(site, tmp_path_factory.mktemp("http-home")) as server:
        yield server
