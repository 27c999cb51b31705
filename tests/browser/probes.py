"""The small notebooks the browser tests open beside the course's own: each shows one widget
or picture and, where the test needs it, prints the model's numbers as JSON."""

from __future__ import annotations

import json
from pathlib import Path

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

PROBES = {
    "drag_probe.ipynb": [
        "import json\n"
        "from micrograd_beans.course.widgets import DragWeights\n\n"
        'drag = DragWeights.from_lesson("hidden-layer", seed=0)\n'
        "start = drag.model.state_dict()\n"
        "drag",
        "print(json.dumps({'state': drag.model.state_dict(), 'grads': drag.grads}))",
    ],
    "steps_probe.ipynb": [
        "from micrograd_beans.course.widgets import StepBackward\n\n"
        'StepBackward.from_lesson("hidden-layer", seed=0, bean=30)',
    ],
    "wide_drawing.ipynb": [
        "from micrograd_beans.course.lessons import get_lesson\n"
        "from micrograd_beans.losses import squared_error\n"
        "from micrograd_beans.viz import draw_dot\n\n"
        'model, xs, ys = get_lesson("hidden-layer").setup(0)\n'
        "e = squared_error(model(float(xs[60])), float(ys[60]))\n"
        "e.backward()\n"
        'draw_dot(e, "LR", params=model.parameters())  # the note\'s graph, ~2,300 px wide',
    ],
    # the pictures in docs/: the note's network part of the way (one hidden neuron has found
    # the right edge, the other not yet), and backward at the output neuron's sigmoid
    "screenshots.ipynb": [
        "from micrograd_beans.course.lessons import get_lesson\n"
        "from micrograd_beans.course.widgets import DragWeights, StepBackward\n"
        "from micrograd_beans.train import fit\n\n"
        'lesson = get_lesson("hidden-layer")\n'
        "model, xs, ys = lesson.setup(0)\n"
        "fit(model, xs, ys, epochs=400, lr=lesson.lr, progress=False)\n"
        "title = f'{lesson.title} ({lesson.model_text}, seed 0, after 400 epochs)'\n"
        "DragWeights(model, xs, ys, lr=lesson.lr, fit_kwargs=lesson.fit_kwargs(), title=title)",
        'steps = StepBackward.from_lesson("hidden-layer", seed=0, bean=30)\nsteps.go(3)\nsteps',
    ],
}


def write_probes(root: Path) -> None:
    import nbformat  # the [notebook] extra: imported here, so a venv without it can collect

    for name, cells in PROBES.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = KERNELSPEC
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(nb, root / name)


def printed_json(text: str) -> dict:
    """The JSON object a probe cell printed (its last line that is one)."""
    lines = [line for line in text.splitlines() if line.startswith("{")]
    assert lines, f"no JSON printed: {text!r}"
    return json.loads(lines[-1])
