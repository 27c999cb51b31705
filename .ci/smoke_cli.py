"""Run every `micrograd-beans` command once, as a user of an installed wheel would.

Run it with the Python of the environment under test, from any folder: it uses that
environment's console script and `python -m micrograd_beans`, works in a temporary folder,
and fails when a command exits non-zero, writes nothing where it should, or when the CLI
has a command this script does not run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from micrograd_beans.cli import COMMANDS

SCRIPT = str(Path(sys.executable).with_name("micrograd-beans"))

# (command line, file it must write or None); short runs of every command and every demo.
RUNS: list[tuple[list[str], str | None]] = [
    (["--version"], None),
    (["train", "--epochs", "20", "--save", "note.json"], "note.json"),
    (["train", "--load", "note.json", "--epochs", "0"], None),
    (["train", "--lesson", "spiral", "--epochs", "2"], None),
    (["graph", "--out", "note.svg"], "note.svg"),
    (["graph", "--lesson", "disc", "--samples", "2", "--out", "disc.png"], "disc.png"),
    (["gradcheck"], None),
    (["codegen", "--by-hand"], None),
    (["codegen", "--lesson", "spiral", "--loop"], None),
    (["demo", "hidden-layer", "--epochs", "100", "--save", "fit.gif"], "fit.gif"),
    (["demo", "disc", "--epochs", "20", "--save", "disc.gif"], "disc.gif"),
    (["demo", "two-inputs", "--epochs", "20", "--save", "plane.gif"], "plane.gif"),
    (["demo", "spiral", "--epochs", "4", "--save", "spiral.gif"], "spiral.gif"),
    (["demo", "single-neuron", "--epochs", "50", "--save", "neuron.png"], "neuron.png"),
    (["demo", "line", "--save", "line.png"], "line.png"),
    (["demo", "graph-tour", "--save", "tour.gif"], "tour.gif"),
    (["playground", "--help"], None),  # serving needs a built site: the browser tests serve one
]


def main() -> int:
    untested = set(COMMANDS) - {args[0] for args, _ in RUNS}
    if untested:
        print(f"smoke: no run for command(s) {sorted(untested)}", file=sys.stderr)
        return 1
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("DISPLAY", None)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="micrograd-beans-smoke-") as folder:
        runs = [([SCRIPT, *args], out) for args, out in RUNS]
        runs.append(([sys.executable, "-m", "micrograd_beans", "gradcheck"], None))
        for command, out in runs:
            start = time.perf_counter()
            result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            shown = " ".join(command).replace(SCRIPT, "micrograd-beans")
            shown = shown.replace(sys.executable, "python")
            target = Path(folder, out or ".")
            wrote = out is None or (target.is_file() and target.stat().st_size > 0)
            if result.returncode != 0 or not wrote:
                failures += 1
                print(f"smoke: FAILED ({result.returncode}) {shown}\n{result.stderr}")
            else:
                print(f"smoke: ok {seconds:5.1f} s  {shown}")
    print(f"smoke: {len(runs) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
