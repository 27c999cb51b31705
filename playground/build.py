"""Build the bean playground: one static folder that runs micrograd_beans in any browser.

    python playground/build.py OUT

writes OUT/index.html and everything it loads, from this checkout and nothing else at run
time: the page (playground/src), Pyodide, viz.js and uPlot from playground/node_modules
(installed from package-lock.json with `npm ci` when missing; node and npm are needed to
build, not to use the page), the package's own source as micrograd_beans.zip, and
lessons.json (every lesson's beans for the seeds the page offers, drawn with numpy here,
because Pyodide's npm package has no numpy). Serve OUT with any static server, e.g.
`micrograd-beans playground --dir OUT`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODULES = HERE / "node_modules"
#: What the page loads from each npm package (copied, never linked to a CDN).
VENDOR = {
    "pyodide": [
        "pyodide.mjs",
        "pyodide.asm.mjs",
        "pyodide.asm.wasm",
        "python_stdlib.zip",
        "pyodide-lock.json",
    ],
    "@viz-js/viz/dist": ["viz-global.js"],
    "uplot/dist": ["uPlot.iife.min.js", "uPlot.min.css"],
}
#: Where each package's files go in the site.
TARGET = {"pyodide": "pyodide", "@viz-js/viz/dist": "vendor", "uplot/dist": "vendor"}


def npm_ci() -> None:
    """Install the pinned npm packages (package-lock.json) if they are not there yet."""
    lock = json.loads((HERE / "package-lock.json").read_text())
    wanted = {
        path.removeprefix("node_modules/"): info["version"]
        for path, info in lock["packages"].items()
        if path.startswith("node_modules/")
    }
    installed = {}
    for name in wanted:
        manifest = MODULES / name / "package.json"
        if manifest.is_file():
            installed[name] = json.loads(manifest.read_text())["version"]
    if installed == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "build.py: npm is needed to fetch Pyodide, viz.js and uPlot "
            "(apt-get install nodejs npm), then run this again"
        )
    print("build.py: npm ci (the versions pinned in playground/package-lock.json)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def package_zip(out: Path) -> None:
    """The package's source, as it is in this checkout, zipped for Pyodide's sys.path."""
    source = ROOT / "micrograd_beans"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            if path.suffix in {".py", ".csv", ".typed"}:
                archive.write(path, path.relative_to(ROOT).as_posix())


def lessons_json(out: Path) -> None:
    """Every lesson's settings and beans, computed with this checkout's code."""
    sys.path.insert(0, str(ROOT))
    from micrograd_beans.course.playground import site_data

    out.write_text(json.dumps(site_data(), separators=(",", ":")), encoding="utf-8")


def build(out: Path) -> dict[str, int]:
    """Write the site into `out` (emptied first if it is an earlier build). Returns sizes."""
    if out.exists():
        earlier = (out / "index.html").is_file() and (out / "worker.js").is_file()
        if not earlier and any(out.iterdir()):
            sys.exit(f"build.py: {out} exists and is not an earlier build; choose an empty folder")
        shutil.rmtree(out)
    npm_ci()
    out.mkdir(parents=True)
    for path in (HERE / "src").iterdir():
        shutil.copy(path, out / path.name)
    for package, files in VENDOR.items():
        target = out / TARGET[package]
        target.mkdir(exist_ok=True)
        for name in files:
            shutil.copy(MODULES / package / name, target / name)
    package_zip(out / "micrograd_beans.zip")
    lessons_json(out / "lessons.json")
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "gzip_bytes": sum(len(gzip.compress(p.read_bytes(), 6)) for p in files),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder to write the site into")
    args = parser.parse_args(argv)
    sizes = build(args.out)
    print(
        f"build.py: wrote {args.out}/index.html and {sizes['files'] - 1} more files, "
        f"{sizes['bytes'] / 1e6:.1f} MB ({sizes['gzip_bytes'] / 1e6:.1f} MB gzip-compressed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
