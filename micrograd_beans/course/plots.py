"""Pictures of the course's lessons: beans, fitted curves, surfaces, boundaries.

Every function here draws into a matplotlib `Figure` and returns it; nothing calls
`plt.show()`. Only demos and the CLI decide whether to show a window or save a file.

Models enter as a `predict` function on a batch of inputs: a 1-D array of bean sizes for
the 1-input lessons, an `(n, 2)` array for the 2-input ones, returning one number per
bean. `predictor(model)` turns any model that takes one bean (an `MLP`, or a plain
function returning a `Value` or a float) into such a function.

The views (`FitView`, `HistoryView`, `SurfaceView`, `BoundaryView`) draw the fixed parts
once and redraw only the model on `update`, which is what `course.animation`'s
`TrainingAnimation` calls every k epochs; `plot_fit`, `plot_history`, `plot_surface` and
`plot_boundary` are the one-shot forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from micrograd_beans.course.animation import is_inline_backend

Predict = Callable[[np.ndarray], Any]
"""A model on a batch: inputs of shape (n,) or (n, 2) -> n outputs."""

#: The course's axis names and title (the note's `plt.title`, `plt.xlabel`, `plt.ylabel`).
TITLE = "Size-Toxicity Function"
SIZE = "Bean Size"
TOXICITY = "Toxicity"

# Colours: toxic beans red, safe beans green, the model dark blue, as on the course's slides.
TOXIC_COLOR = "#d62728"
SAFE_COLOR = "#2ca02c"
BEAN_COLOR = "#1f77b4"
MODEL_COLOR = "#17365d"
TOXICITY_CMAP = "RdYlGn_r"


# --- models as batch predictors ---------------------------------------------------------


def predictor(model: Callable[..., Any]) -> Predict:
    """A batch `predict` for a model that takes one bean and returns a Value or a float.

    A 1-D batch passes each size as a float (`model(0.7)`); an `(n, k)` batch passes each
    row as a list of floats (`model([0.7, 1.2])`). An `MLP` is evaluated layer by layer in
    numpy instead (the same numbers, to rounding), so a 6,400-point contour of the deep
    lesson's network costs milliseconds per frame rather than building 6,400 graphs.
    """
    layers = _mlp_arrays(model)

    def predict(inputs: np.ndarray) -> np.ndarray:
        batch = np.asarray(inputs, dtype=float)
        if batch.ndim not in (1, 2):
            raise ValueError(f"predict takes inputs of shape (n,) or (n, k), got {batch.shape}")
        if layers is not None:
            return _mlp_forward(layers, batch)
        one = getattr(model, "predict", model)  # an MLP's float path skips building a graph
        return np.array([_scalar(one(s)) for s in batch.tolist()], dtype=float)

    return predict


_NP_ACT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    # sigmoid without overflow warnings: e = exp(-|z|) is at most 1
    "sigmoid": lambda z: np.where(z >= 0, 1.0, np.exp(z)) / (1.0 + np.exp(-np.abs(z))),
}


def _mlp_arrays(model: Any) -> list[list[Any]] | None:
    """An nn.MLP's neurons layer by layer, if `model` is built like one (else None).

    Only the structure is kept: `_mlp_forward` reads the parameter values on every call,
    so a predictor made once sees the training that happens between frames.
    """
    layer_list = getattr(model, "layers", None)
    if not isinstance(layer_list, list) or not layer_list:
        return None
    try:
        layers = [list(layer.neurons) for layer in layer_list]
        for layer in layers:
            if len({n.activation for n in layer}) != 1 or layer[0].activation not in _NP_ACT:
                return None
            for n in layer:
                if not isinstance(n.w, list):
                    return None
    except (AttributeError, TypeError):
        return None
    return layers


def _mlp_forward(layers: list[list[Any]], batch: np.ndarray) -> np.ndarray:
    a = batch.reshape(batch.shape[0], -1)
    for layer in layers:
        w = np.array([[p.data for p in n.w] for n in layer], dtype=float)
        b = np.array([n.b.data if n.b is not None else 0.0 for n in layer], dtype=float)
        if a.shape[1] != w.shape[1]:
            raise ValueError(f"the model expects {w.shape[1]} input(s), got {a.shape[1]}")
        a = _NP_ACT[layer[0].activation](a @ w.T + b)
    if a.shape[1] != 1:
        raise ValueError(f"the model returned {a.shape[1]} outputs; plots need exactly one")
    return a[:, 0]


def _scalar(out: Any) -> float:
    if isinstance(out, (list, tuple)):
        if len(out) != 1:
            raise ValueError(f"the model returned {len(out)} outputs; plots need exactly one")
        out = out[0]
    return float(getattr(out, "data", out))


def _predictions(predict: Predict, inputs: np.ndarray) -> np.ndarray:
    out = np.asarray(predict(inputs), dtype=float).reshape(-1)
    if out.shape[0] != inputs.shape[0]:
        raise ValueError(
            f"predict returned {out.shape[0]} values for {inputs.shape[0]} inputs; "
            "it must return one number per bean"
        )
    return out


def _beans_1d(xs: Any, ys: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.ndim != 1 or y.shape != x.shape or x.size == 0:
        raise ValueError(
            f"1-input beans need xs and ys of the same shape (n,), got {x.shape} and {y.shape}"
        )
    return x, y


def _beans_2d(xs: Any, ys: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float).reshape(-1)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] != y.shape[0] or x.size == 0:
        raise ValueError(
            f"2-input beans need xs of shape (n, 2) and ys of shape (n,), "
            f"got {x.shape} and {np.shape(ys)}"
        )
    return x, y


def _is_binary(ys: np.ndarray) -> bool:
    return bool(np.all((ys == 0.0) | (ys == 1.0)))


def _span(values: np.ndarray, margin: float = 0.08) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    pad = (hi - lo) * margin or 0.5
    return lo - pad, hi + pad


def _new_axes(ax: Axes | None, projection: str | None = None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(6.4, 4.8))
    return fig.add_subplot(projection=projection)


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    return fig


def _shown_once(fig: Figure, made_here: bool) -> Figure:
    """The Figure a plot function returns, shown once when it ends a notebook cell.

    Under Jupyter's inline backend a pyplot figure is shown at the end of the cell *and*
    again as the cell's value when the function call is its last line. So a figure this
    module made itself leaves pyplot there (plt.close: the Figure stays whole) and shows
    once, as the returned value (or with `display(fig)`). Elsewhere nothing changes: in a
    script, `plt.show()` shows it as before.
    """
    if made_here and is_inline_backend():
        import matplotlib.pyplot as plt

        plt.close(fig)
    return fig


def _scatter_beans(ax: Axes, coords: Sequence[np.ndarray], ys: np.ndarray) -> None:
    """Beans at `coords`: toxic red and safe green when the labels are 0/1, else one colour."""
    style = dict(s=22, edgecolors="white", linewidths=0.5, zorder=3)
    if not _is_binary(ys):
        ax.scatter(*coords, color=BEAN_COLOR, label="beans", **style)
        return
    for value, color, name in ((1.0, TOXIC_COLOR, "toxic beans"), (0.0, SAFE_COLOR, "safe beans")):
        mask = ys == value
        if mask.any():
            ax.scatter(*(c[mask] for c in coords), color=color, label=name, **style)


def _quiet_corner(x: np.ndarray, y: np.ndarray) -> str:
    """ "upper left" or "upper right", whichever has fewer beans near it."""
    (x0, x1), top = (float(x.min()), float(x.max())), float(y.max())
    high = y >= top - 0.25 * (top - float(y.min()))
    left = np.count_nonzero(high & (x <= x0 + (x1 - x0) / 3))
    right = np.count_nonzero(high & (x >= x1 - (x1 - x0) / 3))
    return "upper left" if left <= right else "upper right"


# --- 1-input lessons: beans and the model's curve ----------------------------------------


class FitView:
    """The beans of a 1-input lesson and the model's curve over them (the note's plot)."""

    def __init__(
        self,
        ax: Axes,
        xs: Any,
        ys: Any,
        *,
        title: str = TITLE,
        xlabel: str = SIZE,
        ylabel: str = TOXICITY,
        points: int = 200,
    ) -> None:
        self.ax = ax
        self.xs, self.ys = _beans_1d(xs, ys)
        self.title = title
        lo, hi = _span(self.xs, 0.03)
        #: Where the curve is evaluated: `points` sizes evenly over the beans.
        self.grid = np.linspace(lo, hi, points)
        _scatter_beans(ax, (self.xs, self.ys), self.ys)
        (self.line,) = ax.plot([], [], color=MODEL_COLOR, linewidth=2.5, label="model", zorder=4)
        ax.set_xlim(lo, hi)
        ax.set_ylim(*_span(self.ys, 0.12))
        ax.set_title(title, fontsize=12)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        # a fixed corner, chosen from the beans: "best" would hop around as the curve moves
        ax.legend(loc=_quiet_corner(self.xs, self.ys), fontsize=9, framealpha=0.9)

    @property
    def animated(self) -> list[Any]:
        """The artists `update` changes (the curve and the title), for blitting."""
        return [self.line, self.ax.title]

    def update(self, predict: Predict, note: str = "") -> bool:
        """Redraw the model's curve; `note` (e.g. "epoch 100") goes after the title.

        Returns True: only the `animated` artists changed.
        """
        self.line.set_data(self.grid, _predictions(predict, self.grid))
        self.ax.set_title(f"{self.title}  ({note})" if note else self.title, fontsize=12)
        return True


def plot_fit(
    xs: Any,
    ys: Any,
    predict: Predict | None = None,
    *,
    ax: Axes | None = None,
    title: str = TITLE,
    xlabel: str = SIZE,
    ylabel: str = TOXICITY,
    points: int = 200,
) -> Figure:
    """Scatter the beans of a 1-input lesson and, given `predict`, draw the model's curve."""
    made_here = ax is None
    view = FitView(_new_axes(ax), xs, ys, title=title, xlabel=xlabel, ylabel=ylabel, points=points)
    if predict is not None:
        view.update(predict)
    return _shown_once(_figure(view.ax), made_here)


# --- training history ------------------------------------------------------------------


def history_series(history: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(epochs, loss, accuracy) from a training History, a mapping or a plain loss list.

    Epochs count from 1. `accuracy` is None when the history has none (the regression
    lessons), so only the loss is drawn.
    """
    if isinstance(history, Mapping):
        loss, acc = history.get("loss"), history.get("accuracy")
        epochs = history.get("epochs")
    elif hasattr(history, "loss"):
        loss, acc = history.loss, getattr(history, "accuracy", None)
        epochs = getattr(history, "epochs", None)
    else:
        loss, acc, epochs = history, None, None
    loss_a = np.asarray(loss if loss is not None else [], dtype=float).reshape(-1)
    if epochs is None or callable(epochs) or np.ndim(epochs) == 0:
        epochs_a = np.arange(1, loss_a.size + 1, dtype=float)
    else:
        epochs_a = np.asarray(epochs, dtype=float).reshape(-1)
    acc_a = None
    if acc is not None:
        acc_a = np.asarray([np.nan if a is None else a for a in acc], dtype=float).reshape(-1)
        if acc_a.size == 0 or np.all(np.isnan(acc_a)):
            acc_a = None
    if epochs_a.size != loss_a.size or (acc_a is not None and acc_a.size != loss_a.size):
        raise ValueError("the history's epochs, loss and accuracy differ in length")
    return epochs_a, loss_a, acc_a


class HistoryView:
    """Loss per epoch (log scale, whole decades) and, on a second axis, accuracy per epoch."""

    def __init__(
        self, ax: Axes, epochs: int | None = None, *, title: str = "Training", accuracy: bool = True
    ) -> None:
        self.ax = ax
        (self.loss_line,) = ax.plot([], [], color="C0", linewidth=2, label="loss")
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # decades only
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss (log scale)", color="C0")
        ax.set_title(title, fontsize=12)
        ax.grid(True, alpha=0.3)
        if epochs:
            ax.set_xlim(0, epochs)
        self.acc_ax: Axes | None = None
        self.acc_line = None
        handles = [self.loss_line]
        if accuracy:
            self.acc_ax = ax.twinx()
            (self.acc_line,) = self.acc_ax.plot([], [], color="C2", linewidth=2, label="accuracy")
            self.acc_ax.set_ylim(0.0, 1.05)
            self.acc_ax.set_ylabel("Accuracy", color="C2")
            handles.append(self.acc_line)
        ax.legend(handles=handles, loc="center right", fontsize=9, framealpha=0.9)

    @property
    def animated(self) -> list[Any]:
        """The artists `update` changes while the axes stay put, for blitting."""
        lines = [self.loss_line] + ([self.acc_line] if self.acc_line is not None else [])
        return [*lines, self.ax.title]

    def update(self, history: Any) -> bool:
        """Redraw the curves from a History (or mapping, or loss list) so far.

        Returns True when only the `animated` artists changed, False when an axis moved.
        """
        limits = (self.ax.get_xlim(), self.ax.get_ylim())
        epochs, loss, acc = history_series(history)
        self.loss_line.set_data(epochs, loss)
        positive = loss[np.isfinite(loss) & (loss > 0)]
        if positive.size:
            # whole decades: the axis keeps readable ticks (0.01, 0.1, 1) and moves only
            # when the loss crosses one, so an animation does not jitter
            lo = 10.0 ** math.floor(math.log10(float(positive.min())))
            hi = 10.0 ** math.ceil(math.log10(float(positive.max())))
            self.ax.set_ylim(lo, hi if hi > lo else lo * 10.0)
        if epochs.size and self.ax.get_xlim()[1] < epochs[-1]:
            self.ax.set_xlim(0, epochs[-1])
        if self.acc_line is not None and acc is not None:
            self.acc_line.set_data(epochs, acc)
        return (self.ax.get_xlim(), self.ax.get_ylim()) == limits


def plot_history(history: Any, *, ax: Axes | None = None, title: str = "Training") -> Figure:
    """Loss and accuracy per epoch from a training History (accuracy only if it has one)."""
    made_here = ax is None
    epochs, _, acc = history_series(history)
    view = HistoryView(
        _new_axes(ax),
        int(epochs[-1]) if epochs.size else None,
        title=title,
        accuracy=acc is not None,
    )
    view.update(history)
    return _shown_once(_figure(view.ax), made_here)


# --- 2-input lessons: a surface over the beans, and the decision boundary ----------------


def _grid(x: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (lo1, hi1), (lo2, hi2) = _span(x[:, 0], 0.05), _span(x[:, 1], 0.05)
    g1, g2 = np.meshgrid(np.linspace(lo1, hi1, resolution), np.linspace(lo2, hi2, resolution))
    return g1, g2, np.column_stack([g1.ravel(), g2.ravel()])


class SurfaceView:
    """A 2-input model as a 3-D surface over the scattered beans (lesson 7's picture)."""

    def __init__(
        self,
        ax: Axes,
        xs: Any,
        ys: Any,
        *,
        title: str = "Toxicity over two features",
        labels: tuple[str, str] = ("x1", "x2"),
        zlabel: str = TOXICITY,
        resolution: int = 30,
    ) -> None:
        if getattr(ax, "name", "") != "3d":
            raise ValueError('SurfaceView needs a 3-D Axes: fig.add_subplot(projection="3d")')
        self.ax = ax
        self.xs, self.ys = _beans_2d(xs, ys)
        self.title = title
        self.g1, self.g2, self.grid = _grid(self.xs, resolution)
        self.surface: Any = None
        before = list(ax.collections)
        _scatter_beans(ax, (self.xs[:, 0], self.xs[:, 1], self.ys), self.ys)
        self._beans = [c for c in ax.collections if c not in before]
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.set_zlabel(zlabel)
        ax.set_zlim(*_span(self.ys, 0.05))
        ax.set_title(title, fontsize=12)
        ax.view_init(elev=24, azim=-128)
        ax.legend(loc="upper left", fontsize=9)

    @property
    def animated(self) -> list[Any]:
        """The surface and the beans (drawn over it when blitting). Not the title: a 3-D
        title is placed by a full draw, so give `update` no note when blitting."""
        return [a for a in (self.surface, *self._beans) if a is not None]

    def update(self, predict: Predict, note: str = "") -> bool:
        """Replace the surface with the model's current predictions.

        Returns True: only the `animated` artists changed.
        """
        z = _predictions(predict, self.grid).reshape(self.g1.shape)
        if self.surface is not None:
            self.surface.remove()
        self.surface = self.ax.plot_surface(
            self.g1,
            self.g2,
            z,
            cmap=TOXICITY_CMAP,
            vmin=0.0,
            vmax=1.0,
            alpha=0.7,
            linewidth=0,
            edgecolor="none",
            antialiased=True,
            rcount=self.g1.shape[0],
            ccount=self.g1.shape[1],
        )
        self.ax.set_title(f"{self.title}  ({note})" if note else self.title, fontsize=12)
        return True


def plot_surface(
    xs: Any,
    ys: Any,
    predict: Predict,
    *,
    ax: Axes | None = None,
    title: str = "Toxicity over two features",
    labels: tuple[str, str] = ("x1", "x2"),
    resolution: int = 30,
) -> Figure:
    """A 2-input model as a 3-D surface over the beans, on a `projection="3d"` Axes."""
    made_here = ax is None
    view = SurfaceView(
        _new_axes(ax, projection="3d"), xs, ys, title=title, labels=labels, resolution=resolution
    )
    view.update(predict)
    return _shown_once(_figure(view.ax), made_here)


class BoundaryView:
    """A 2-input model seen from above: shaded toxicity and the 0.5 decision boundary."""

    def __init__(
        self,
        ax: Axes,
        xs: Any,
        ys: Any,
        *,
        title: str = "Decision boundary",
        labels: tuple[str, str] = ("x1", "x2"),
        resolution: int = 80,
        colorbar: bool = True,
    ) -> None:
        self.ax = ax
        self.xs, self.ys = _beans_2d(xs, ys)
        self.title = title
        self.g1, self.g2, self.grid = _grid(self.xs, resolution)
        self.filled: Any = None
        self.boundary: Any = None
        before = list(ax.collections)
        _scatter_beans(ax, (self.xs[:, 0], self.xs[:, 1]), self.ys)
        self._beans = [c for c in ax.collections if c not in before]
        ax.set_xlim(self.g1.min(), self.g1.max())
        ax.set_ylim(self.g2.min(), self.g2.max())
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.set_title(title, fontsize=12)
        ax.set_aspect("equal", adjustable="box")
        ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
        if colorbar:
            mappable = matplotlib.cm.ScalarMappable(
                norm=matplotlib.colors.Normalize(0.0, 1.0), cmap=TOXICITY_CMAP
            )
            _figure(ax).colorbar(
                mappable, ax=ax, label="predicted toxicity", fraction=0.046, pad=0.04
            )

    @property
    def animated(self) -> list[Any]:
        """What `update` replaces (the shading, the boundary line, the title) and what must
        stay drawn over it when blitting (the beans, the legend)."""
        return [
            a
            for a in (self.filled, self.boundary, *self._beans, self.ax.get_legend(), self.ax.title)
            if a is not None
        ]

    def update(self, predict: Predict, note: str = "") -> bool:
        """Redraw the shading and the boundary from the model's current predictions.

        Returns True: only the `animated` artists changed.
        """
        z = _predictions(predict, self.grid).reshape(self.g1.shape)
        for artist in (self.filled, self.boundary):
            if artist is not None:
                artist.remove()
        self.filled = self.ax.contourf(
            self.g1,
            self.g2,
            z,
            levels=np.linspace(0, 1, 11),
            cmap=TOXICITY_CMAP,
            alpha=0.45,
            extend="both",
            zorder=1,
        )
        self.boundary = None
        if z.min() < 0.5 < z.max():
            self.boundary = self.ax.contour(
                self.g1, self.g2, z, levels=[0.5], colors="black", linewidths=2, zorder=2
            )
        self.ax.set_title(f"{self.title}  ({note})" if note else self.title, fontsize=12)
        return True


def plot_boundary(
    xs: Any,
    ys: Any,
    predict: Predict,
    *,
    ax: Axes | None = None,
    title: str = "Decision boundary",
    labels: tuple[str, str] = ("x1", "x2"),
    resolution: int = 80,
) -> Figure:
    """A 2-input model as shaded toxicity with its 0.5 contour over the beans."""
    made_here = ax is None
    view = BoundaryView(_new_axes(ax), xs, ys, title=title, labels=labels, resolution=resolution)
    view.update(predict)
    return _shown_once(_figure(view.ax), made_here)
