"""The graph tour: backward through the note's computation graph, one node at a time.

`graph_tour()` draws the note's 1-2-1 network on one bean (x = 0.9, toxic) with
`viz.draw_dot`: first before backward (every grad 0), then each node's de/d(node) as
backward finishes it, with the chain-rule path from that node to the loss in red. It is
the demo `graph-tour` (`micrograd-beans demo graph-tour`, `demos/graph_tour.py`).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd_beans.checks import check_int
from micrograd_beans.course import demo_output

#: The tour's name among the demos.
GRAPH_TOUR = "graph-tour"


def _backward_order(root: Any) -> list[Any]:
    """Every non-constant node of root's graph, each after all the nodes that use it.

    This is the order in which backward finishes their gradients: root first, the
    parameters and inputs last. Iterative (post-order with an explicit stack), reversed.
    """
    from micrograd_beans.engine import Constant

    order, seen, stack = [], {id(root)}, [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, False))
    return [v for v in reversed(order) if not isinstance(v, Constant)]


def graph_tour(
    *,
    epochs: int | None = None,
    seed: int = 0,
    every: int | None = None,
    save: str | os.PathLike[str] | None = None,
    show: bool | None = None,
    log: Callable[[str], object] | None = print,
    compiled: bool | str = "auto",
) -> demo_output.DemoResult:
    """Walk backward through the note's graph for one bean, one node's gradient at a time.

    The first frame is the graph before backward (every grad 0); each next frame fills in
    the gradient of one more node (`every` nodes per frame), in the order backward
    finishes them, with the path from that node to the loss in red: the chain rule the
    note writes out by hand. The final frame is the whole graph after backward. `epochs`
    trains the note's network that long first (default 0: the random start, as the note).
    """
    from micrograd_beans.course import animation

    epochs = 0 if epochs is None else check_int(epochs, "epochs", minimum=0)
    every = 1 if every is None else check_int(every, "every", minimum=1)
    live, path = demo_output.window_and_file(GRAPH_TOUR, save, show)
    started = time.perf_counter()
    x, y = 0.9, 1.0  # one toxic bean of size 0.9, as in the README
    e, train_seconds = _tour_loss(epochs, seed, compiled, x, y)
    e.backward()
    nodes = _backward_order(e)
    steps = list(range(0, len(nodes) + 1, every))  # how many nodes have their grad, per frame
    if steps[-1] != len(nodes):
        steps.append(len(nodes))

    fig = _tour_figure(epochs, x, y)
    anim = animation.TrainingAnimation(
        fig,
        _TourFrame(fig.axes[0], e, nodes),
        save=path,
        live=live,
        fps=1.5,
        hold=2.0,
        dpi=100,
        max_frames=demo_output.MAX_FRAMES,
        pause=0.8,
    )
    with anim:  # on an error or Ctrl-C, no half-written file is left
        for done in steps[:-1]:
            anim.frame(done)
        written = anim.finish(steps[-1], show=False)
    result = demo_output.DemoResult(GRAPH_TOUR, epochs, 0.0, train_seconds, e.data, None, path)
    result.seconds = time.perf_counter() - started
    result.frames = anim.frames_written
    if log is not None:
        log(f"{GRAPH_TOUR}: {len(nodes)} nodes, e = {e.data:.5f}, {len(steps)} frames")
        if written is not None:
            log(f"wrote {written}")
    demo_output.show_or_close(fig, anim)
    return result


def _tour_loss(epochs: int, seed: int, compiled: bool | str, x: float, y: float) -> tuple:
    """The note's network (trained `epochs` first, if any) and its loss on one bean (x, y):
    (the loss Value, seconds spent training)."""
    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.losses import squared_error
    from micrograd_beans.train import fit

    lesson = get_lesson("hidden-layer")
    model = lesson.make_model(seed)
    train_seconds = 0.0
    if epochs:
        xs, ys = lesson.make_data(seed)
        kwargs = {**lesson.fit_kwargs(), "epochs": epochs}
        train_seconds = fit(model, xs, ys, seed=seed, compiled=compiled, **kwargs).seconds
    return squared_error(model(x), y), train_seconds


def _tour_figure(epochs: int, x: float, y: float) -> Any:
    """A wide figure with one bare axes for the graph's picture, titled with the bean."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(13, 5.4))
    ax.set_axis_off()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.86)
    start = f"after {epochs} epochs" if epochs else "at its random start"
    fig.suptitle(
        f"Backward through the note's network ({start}), one bean: x = {x}, y = {y:g}",
        fontsize=13,
        fontweight="bold",
    )
    return fig


class _TourFrame:
    """Draws the tour's frame in which the first `done` nodes have their gradients: the
    graph rendered by Graphviz, shown as an image, titled with the node just finished."""

    def __init__(self, ax: Any, root: Any, nodes: list[Any]) -> None:
        self.ax, self.root, self.nodes = ax, root, nodes
        self.grads = {id(v): v.grad for v in nodes}  # after backward; frames show a prefix
        self.image: Any = None

    def __call__(self, done: int) -> None:
        nodes = self.nodes
        for k, v in enumerate(nodes):
            v.grad = self.grads[id(v)] if k < done else 0.0
        current = nodes[done - 1] if 0 < done < len(nodes) else None
        self._show(self._picture(current))
        self.ax.set_title(self._title(done, current), fontsize=12)

    def _picture(self, current: Any) -> np.ndarray:
        from PIL import Image

        from micrograd_beans.viz import draw_dot

        png = draw_dot(self.root, highlight=current).pipe("png")
        with Image.open(io.BytesIO(png)) as im:
            return np.asarray(im.convert("RGB"))

    def _show(self, pixels: np.ndarray) -> None:
        ax = self.ax
        if self.image is None:
            self.image = ax.imshow(pixels, interpolation="antialiased")
            return
        self.image.set_data(pixels)  # pictures differ in size: the extent and limits follow
        self.image.set_extent((-0.5, pixels.shape[1] - 0.5, pixels.shape[0] - 0.5, -0.5))
        ax.set_xlim(-0.5, pixels.shape[1] - 0.5)
        ax.set_ylim(pixels.shape[0] - 0.5, -0.5)

    def _title(self, done: int, current: Any) -> str:
        if done == 0:
            return "Before backward: every grad is 0"
        if current is None:
            return (
                "After backward: de/d(node) at every node; the parameters' grads are the "
                "note's hand-derived ones"
            )
        name = current.label or current.op
        return (
            f"Backward step {done} of {len(self.nodes)}: de/d{name} = {current.grad:.4g}"
            "  (red: the chain-rule path to e)"
        )
