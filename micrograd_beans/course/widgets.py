"""Widgets for Jupyter that let a learner touch the gradients.

`DragWeights`: one slider per parameter, named as the note names them (w11_1, b1_1, ...).
Dragging one redraws the model's curve over the beans (for a two-input lesson its decision
boundary) and updates the loss and every parameter's gradient: the engine's, and beside it
the note's hand-derived formula (`course.by_hand`) where the model is the note's network.
A button takes one gradient step θ ← θ − α·de/dθ with the gradient shown (the note's
α = 0.03 by default), another trains one epoch the way the lesson does (per-sample SGD over
the beans in order); the sliders follow.

`StepBackward`: the computation graph of one bean's loss; buttons (or a slider) run
backward one node at a time, in the engine's own order. The current node is marked in the
drawing and its chain rule is written out with the numbers
(`de/dz1_2 = de/da1_2 · a1_2(1 − a1_2) = -0.2931 · 0.2153 = -0.0631`). After the last step
every gradient equals what `backward()` gives.

Both are plain objects holding an ipywidgets layout in `.widget`; a notebook cell ending in
one shows it. ipywidgets (the `[notebook]` extra) is imported only when a widget is built.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from micrograd_beans import display, losses
from micrograd_beans.course import by_hand
from micrograd_beans.engine import Value
from micrograd_beans.nn import MLP

#: What to install when ipywidgets is missing.
INSTALL_HINT = "pip install 'micrograd_beans[notebook]'"

#: The note's 1-2-1 network, as `MLP.config()` describes it.
_NOTE_CONFIG = {
    "nin": 1,
    "nouts": [2, 1],
    "activation": "sigmoid",
    "output_activation": "sigmoid",
    "bias": True,
}


def _ipywidgets() -> Any:
    """The ipywidgets module, or an ImportError saying which extra brings it."""
    try:
        import ipywidgets
    except ImportError as err:
        raise ImportError(
            f"the course's widgets need ipywidgets (the [notebook] extra): {INSTALL_HINT}"
        ) from err
    return ipywidgets


def has_note_formulas(model: object, loss: str | Callable = "squared_error") -> bool:
    """True when `course.by_hand`'s formulas give this model's gradients: the note's 1-2-1
    sigmoid network with its seven parameters, trained on the note's squared error."""
    config = getattr(model, "config", None)
    if config is None or loss not in ("squared_error", losses.squared_error):
        return False
    names = [n for n, _ in model.named_parameters()]  # type: ignore[attr-defined]
    return config() == _NOTE_CONFIG and names == list(by_hand.PARAM_NAMES)


def _check_model(model: object, widget: str) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(
            f"{widget} needs an nn.MLP (e.g. lesson.make_model(seed)), got {type(model).__name__}"
        )
    if model.nouts[-1] != 1:
        raise ValueError(f"{widget} shows a model with one output; this one has {model.nouts[-1]}")
    return model


def _beans(model: MLP, xs: object, ys: object) -> list[tuple[Any, float]]:
    """(x, y) pairs the model takes: x a float (one input) or a list of floats."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float).reshape(-1)
    x = x.reshape(len(x), -1) if x.ndim else x.reshape(1, 1)
    if x.shape[0] == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"xs and ys must hold the same number of beans (at least one), got {x.shape[0]} "
            f"and {y.shape[0]}"
        )
    if x.shape[1] != model.nin:
        raise ValueError(f"the model takes {model.nin} input(s) per bean, xs has {x.shape[1]}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("xs and ys must be finite numbers (no NaN or infinity)")
    inputs = x[:, 0].tolist() if model.nin == 1 else x.tolist()
    return list(zip(inputs, y.tolist(), strict=True))


def _bean_x(x: float | list[float], digits: int) -> str:
    """A bean's input as text: its size, or the pair (x1, x2)."""
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return "(" + ", ".join(f"{v:.{digits}g}" for v in x) + ")"


def _slider_bound(value: float) -> float:
    """A symmetric slider range that holds `value` with room to drag: at least ±4."""
    return float(max(4.0, math.ceil(abs(value) * 1.5)))


# --- Drag the weights ----------------------------------------------------------------------


class DragWeights:
    """Sliders for every parameter of a model, with its picture, loss and gradients.

    `model` is an `nn.MLP` with one output and one input (drawn as its curve over the beans)
    or two (its shaded prediction and 0.5 boundary over the beans): any lesson's network
    (the deep spiral's has 177 sliders); `xs, ys` the beans. The loss shown is the mean of
    `loss(model(x), y)` over all beans, or over one bean chosen in the "gradient of" list
    (the note's e for that bean); its gradient is what the "step" button follows:
    θ ← θ − α·de/dθ. "epoch" trains one epoch with `fit` (per-sample SGD in order unless
    `fit_kwargs` say otherwise). Every change writes the model's own parameters, so the
    model is trained when you are done.

    Attributes for code and tests: `sliders` (name → FloatSlider), `bean`, `alpha`,
    `step_button`, `epoch_button`, `reset_button`, `plot` (Image), `numbers` and `status`
    (HTML), `widget` (the whole layout); `rows()` returns what the table shows as numbers.
    """

    def __init__(
        self,
        model: MLP,
        xs: object,
        ys: object,
        *,
        lr: float = 0.03,
        loss: str | Callable = "squared_error",
        fit_kwargs: Mapping[str, object] | None = None,
        title: str = "",
    ) -> None:
        w = _ipywidgets()
        self.model = _check_model(model, "DragWeights")
        if model.nin > 2:
            raise ValueError(
                f"DragWeights draws a model of one input (its curve) or two (its decision "
                f"boundary), and this model takes {model.nin}; use StepBackward to follow "
                "its gradients"
            )
        if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        self.beans = _beans(model, xs, ys)
        self.xs = np.array([x for x, _ in self.beans])
        self.ys = np.array([y for _, y in self.beans])
        self.loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "loss")
        self.loss_fn = losses.get_loss(loss)
        self._loss_arg = loss
        self.fit_kwargs = {k: v for k, v in (fit_kwargs or {}).items() if k not in ("epochs", "lr")}
        self.formulas = has_note_formulas(model, loss)
        self.title = title
        self.binary = bool(np.all((self.ys == 0.0) | (self.ys == 1.0)))
        self.params = dict(model.named_parameters())
        self.start = model.state_dict()
        self.steps = self.epochs = 0
        self._syncing = False
        self.grads: dict[str, float] = {}
        self.hand: dict[str, float] | None = None
        self.loss = math.nan

        self.sliders = self._make_sliders(w)
        self._make_controls(w, lr)
        self.widget = self._layout(w, title)
        self._figure, self._view, self._marker = self._make_figure()
        self.refresh()

    def _make_sliders(self, w: Any) -> dict[str, Any]:
        """One slider per parameter, named as the note names it, writing the model."""
        sliders = {}
        for name, p in self.params.items():
            bound = _slider_bound(p.data)
            slider = w.FloatSlider(
                value=p.data,
                min=-bound,
                max=bound,
                step=0.001,
                description=name,
                readout_format=".3f",
                continuous_update=True,
                style={"description_width": "48px"},
                layout=w.Layout(width="330px"),
            )
            slider.observe(self._on_slider, names="value")
            sliders[name] = slider
        return sliders

    def _make_controls(self, w: Any, lr: float) -> None:
        """The bean chooser, α, the step/epoch/reset buttons and the output areas."""
        options = [("all beans (mean loss)", -1)] + [
            (f"bean {i}: x = {_bean_x(x, 3)}, y = {y:g}", i) for i, (x, y) in enumerate(self.beans)
        ]
        self.bean = w.Dropdown(
            options=options,
            value=-1,
            description="gradient of",
            style={"description_width": "80px"},
            layout=w.Layout(width="330px"),
        )
        self.bean.observe(lambda _: self.refresh(), names="value")
        self.alpha = w.BoundedFloatText(
            value=float(lr),
            min=1e-6,
            max=100.0,
            step=0.01,
            description="α",
            style={"description_width": "48px"},
            layout=w.Layout(width="160px"),
        )
        self.step_button = w.Button(
            description="step", tooltip="one step: θ ← θ − α·de/dθ with the gradients shown"
        )
        self.epoch_button = w.Button(
            description="epoch", tooltip="one epoch of the lesson's training over all beans"
        )
        self.reset_button = w.Button(description="reset", tooltip="back to the first values")
        for button in (self.step_button, self.epoch_button, self.reset_button):
            button.layout = w.Layout(width="100px")
        self.step_button.on_click(lambda _: self.step())
        self.epoch_button.on_click(lambda _: self.epoch())
        self.reset_button.on_click(lambda _: self.reset())
        self.plot = w.Image(format="png", layout=w.Layout(width="480px"))
        self.numbers = w.HTML()
        self.status = w.HTML()

    def _layout(self, w: Any, title: str) -> Any:
        """Controls on the left, the picture and the numbers on the right."""
        heading = w.HTML(f"<b>{html.escape(title)}</b>") if title else w.HTML("")
        controls = w.VBox(
            [
                heading,
                *self.sliders.values(),
                self.bean,
                w.HBox([self.alpha]),
                w.HBox([self.step_button, self.epoch_button, self.reset_button]),
                self.status,
            ]
        )
        return w.HBox([controls, w.VBox([self.plot, self.numbers])])

    @classmethod
    def from_lesson(cls, lesson: str = "hidden-layer", seed: int = 0) -> DragWeights:
        """The widget on a lesson's network and beans for a seed (the note's by default)."""
        from micrograd_beans.course.lessons import get_lesson

        les = get_lesson(lesson)
        model, xs, ys = les.setup(seed)
        settings = les.fit_kwargs()
        return cls(
            model,
            xs,
            ys,
            lr=les.lr,
            loss=les.loss,
            fit_kwargs=settings,
            title=f"{les.title} ({les.model_text}, seed {seed})",
        )

    # --- what the widget computes ----------------------------------------------------------

    def _chosen(self) -> list[tuple[Any, float]]:
        k = self.bean.value
        return self.beans if k < 0 else [self.beans[k]]

    def _compute(self) -> None:
        """Loss and de/dθ of the chosen beans: the engine's, and the note's formulas."""
        chosen = self._chosen()
        total: Value | None = None
        for x, y in chosen:
            e = self.loss_fn(self.model(x), y)
            total = e if total is None else total + e
        assert total is not None
        mean = total / len(chosen) if len(chosen) > 1 else total
        self.model.zero_grad()
        mean.backward()
        self.loss = mean.data
        self.grads = {name: p.grad for name, p in self.params.items()}
        # kept here, not in the parameters: training (fit) starts from zero grads
        self.model.zero_grad()
        self.hand = None
        if self.formulas:
            state = self.model.state_dict()
            sums = dict.fromkeys(by_hand.PARAM_NAMES, 0.0)
            for x, y in chosen:
                for name, g in by_hand.gradients(state, x, y).items():
                    sums[name] += g
            self.hand = {name: g / len(chosen) for name, g in sums.items()}

    def _accuracy(self) -> float:
        pred = np.array([self.model.predict(x) for x in self.xs.tolist()])
        return float(np.mean((pred >= 0.5) == (self.ys == 1.0)))

    def rows(self) -> list[tuple[str, float, float, float | None]]:
        """(name, value, engine de/dθ, formula de/dθ or None) for every parameter."""
        return [
            (
                name,
                p.data,
                self.grads[name],
                None if self.hand is None else self.hand[name],
            )
            for name, p in self.params.items()
        ]

    # --- drawing -------------------------------------------------------------------------

    def _make_figure(self) -> tuple[Any, Any, Any]:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from micrograd_beans.course.plots import BoundaryView, FitView

        one_input = self.model.nin == 1
        fig = Figure(figsize=(6.0, 3.6) if one_input else (5.6, 4.4), dpi=80)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        view = FitView(ax, self.xs, self.ys) if one_input else BoundaryView(ax, self.xs, self.ys)
        (marker,) = ax.plot(
            [], [], "o", markersize=13, markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=1.8, zorder=5,
        )  # fmt: skip
        fig.tight_layout()
        # Draw axes (and the beans under a curve) once; each redraw pastes them back and
        # draws only what the model changes, with what must stay on top of it (~20 ms for
        # a curve instead of ~200 ms: smooth while dragging).
        for artist in view.animated:
            artist.set_visible(False)
        fig.canvas.draw()
        self._background = fig.canvas.copy_from_bbox(fig.bbox)
        for artist in view.animated:
            artist.set_visible(True)
        return fig, view, marker

    def _redraw(self) -> None:
        from PIL import Image

        from micrograd_beans.course.plots import predictor

        k = self.bean.value
        self._view.update(predictor(self.model))
        if k < 0:
            self._marker.set_data([], [])
        else:
            x = self.beans[k][0]
            x1, x2 = (x, self.beans[k][1]) if self.model.nin == 1 else x  # size, toxicity
            self._marker.set_data([x1], [x2])
        canvas, ax = self._figure.canvas, self._view.ax
        canvas.restore_region(self._background)
        on_top = [*self._view.animated, self._marker, ax.get_legend()]
        for artist in dict.fromkeys(on_top):  # each once, in this order
            ax.draw_artist(artist)
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        out = io.BytesIO()
        image.save(out, format="png")
        self.plot.value = out.getvalue()

    def _table(self) -> str:
        k = self.bean.value
        if k < 0:
            what = f"mean of e = (y − ŷ)² over {len(self.beans)} beans"
            if self.loss_name != "squared_error":
                what = f"mean {self.loss_name} over {len(self.beans)} beans"
        else:
            x, y = self.beans[k]
            what = f"e of bean {k} (x = {_bean_x(x, 4)}, y = {y:g})"
        caption = f"loss = {what} = {self.loss:.6g}"
        if self.binary:
            caption += f"; accuracy {self._accuracy():.0%}"
        head = ["parameter", "value", "de/dθ engine"]
        if self.hand is not None:
            head.append("de/dθ note's formula")
        table = []
        for name, value, g, hand in self.rows():
            row = [name, f"{value:.6g}", f"{g:.6g}"]
            if hand is not None:
                row.append(f"{hand:.6g}")
            table.append(row)
        return display.html_table(head, table, caption)

    def _show_status(self, message: str = "") -> None:
        counts = f"steps {self.steps}, epochs {self.epochs}"
        text = f"{counts}. {message}" if message else counts
        self.status.value = f"<span style='font-family:monospace'>{html.escape(text)}</span>"

    def refresh(self) -> None:
        """Recompute loss and gradients for the model as it is now, and redraw everything."""
        self._compute()
        self.numbers.value = self._table()
        self._redraw()
        self._show_status()

    # --- what the controls do ------------------------------------------------------------

    def _on_slider(self, change: dict) -> None:
        if self._syncing:
            return
        self.params[change["owner"].description].data = float(change["new"])
        self.refresh()

    def _sync_sliders(self) -> None:
        """Move every slider to its parameter's value, widening its range when needed."""
        self._syncing = True
        try:
            for name, slider in self.sliders.items():
                value = self.params[name].data
                if abs(value) > slider.max:
                    bound = _slider_bound(value)
                    slider.max = bound
                    slider.min = -bound
                slider.value = value
        finally:
            self._syncing = False

    def step(self) -> None:
        """One gradient step with the gradients shown: θ ← θ − α·de/dθ for every parameter."""
        alpha = float(self.alpha.value)
        new = {name: p.data - alpha * self.grads[name] for name, p in self.params.items()}
        if not all(math.isfinite(v) for v in new.values()):
            self._show_status(
                f"not taken: with α = {alpha:g} this step overflows a parameter to inf or "
                "NaN; try a smaller α (or reset)"
            )
            return
        for name, p in self.params.items():
            p.data = new[name]
        self.steps += 1
        self._sync_sliders()
        self.refresh()

    def epoch(self) -> None:
        """One epoch of the lesson's training (train.fit with α from the widget)."""
        from micrograd_beans.train import fit

        settings = {"loss": self._loss_arg, **self.fit_kwargs}
        try:
            history = fit(
                self.model,
                self.xs,
                self.ys,
                epochs=1,
                lr=float(self.alpha.value),
                progress=False,
                **settings,
            )
        except FloatingPointError as err:
            self._show_status(str(err))
            return
        self.epochs += 1
        self._sync_sliders()
        self.refresh()
        self._show_status(f"epoch loss {history.loss[-1]:.6g} (mean over the epoch's updates)")

    def reset(self) -> None:
        """Every parameter back to the value it had when the widget was made."""
        self.model.load_state_dict(self.start)
        self.steps = self.epochs = 0
        self._sync_sliders()
        self.refresh()

    def __repr__(self) -> str:
        where = "all beans" if self.bean.value < 0 else f"bean {self.bean.value}"
        return (
            f"<DragWeights on {self.model!r}: loss {self.loss:.6g} ({where}), sliders "
            f"{', '.join(self.sliders)}; steps {self.steps}, epochs {self.epochs}>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        # the widget view in Jupyter; where widgets cannot show (a code host), this line
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


def drag_weights(lesson: str = "hidden-layer", seed: int = 0) -> DragWeights:
    """`DragWeights.from_lesson(lesson, seed)`: the sliders on a lesson's network."""
    return DragWeights.from_lesson(lesson, seed)


# --- Step through backward -----------------------------------------------------------------

#: How each op is written when a node is named by its formula (an unlabelled result).
_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
_FUNCS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "exp": "exp", "log": "log"}


def _number(x: float) -> str:
    return f"{x:.4g}"


class _Names:
    """What each node is called in the chain-rule lines: its label (the note's names), a
    constant's number, or for an unlabelled result its formula (`1 − a1_2`, `w11_2·a1_1`)."""

    def __init__(self) -> None:
        self._known: dict[Value, str] = {}

    def __call__(self, v: Value) -> str:
        """The bare name: a label, a number or a formula."""
        if v not in self._known:
            self._known[v] = v.label or self.formula(v)
        return self._known[v]

    def factor(self, v: Value) -> str:
        """The name as a factor (or after `de/d`): a formula gets parentheses."""
        name = self(v)
        return name if v.label or not v.parents else f"({name})"

    def formula(self, v: Value, depth: int = 0) -> str:
        """How v was computed from its operands' names (a leaf: its label or number)."""
        if not v.parents:
            return v.label or _number(v.data)
        if depth >= 3:  # deep unlabelled formulas would swamp the line
            return f"{v.op}(…)"

        def part(p: Value) -> str:
            text = p.label or self.formula(p, depth + 1)
            return f"({text})" if " " in text and v.op not in ("+", "affine") else text

        ps = [part(p) for p in v.parents]
        if v.op in ("+", "-") and len(ps) == 2:
            if v.op == "-" and " " in ps[1]:
                ps[1] = f"({ps[1]})"
            return f"{ps[0]} {_INFIX[v.op]} {ps[1]}"
        if v.op in ("*", "/"):
            return f"{ps[0]}{_INFIX[v.op]}{ps[1]}"
        if v.op == "**":
            return f"{ps[0]}^{ps[1]}"
        if v.op == "neg":
            return f"−{ps[0]}"
        if v.op == "affine":
            terms = [f"{ps[i]}·{ps[i + 1]}" for i in range(0, len(ps) - 1, 2)]
            return " + ".join([*terms, ps[-1]])
        return f"{_FUNCS.get(v.op, v.op)}({', '.join(ps)})"


def _local_text(v: Value, i: int, name: _Names) -> str:
    """The local derivative d(v)/d(operand i) as the note writes it, in the nodes' names."""
    ps = v.parents
    a = name.factor(ps[0])
    out = name.factor(v)
    op = v.op
    if op == "+":
        return "1"
    if op == "-":
        return "1" if i == 0 else "(−1)"
    if op == "*":
        return name.factor(ps[1 - i])
    if op == "/":
        return f"1/{name.factor(ps[1])}" if i == 0 else f"(−{a}/{name.factor(ps[1])}²)"
    if op == "**":
        b = ps[1]
        if i == 1:
            return f"{out}·ln {a}"
        if b.is_constant and b.data == 2.0:
            return f"2·{a}"
        return f"{name.factor(b)}·{a}^({name.factor(b)} − 1)"
    if op == "sigmoid":
        return f"{out}(1 − {out})"
    if op == "tanh":
        return f"(1 − {out}²)"
    if op == "relu":
        return f"[{a} > 0]"
    if op == "exp":
        return out
    if op == "log":
        return f"1/{a}"
    if op == "neg":
        return "(−1)"
    if op == "affine":  # operands w1, x1, w2, x2, ..., b
        if i == len(ps) - 1:
            return "1"
        return name.factor(ps[i + 1]) if i % 2 == 0 else name.factor(ps[i - 1])
    return f"∂{out}/∂{name.factor(ps[i])}"


class StepBackward:
    """Backward on one bean's graph, one node at a time, in the engine's own order.

    `model` is any `nn.MLP` with one output (any lesson's network); `xs, ys` the beans; the
    graph is `loss(model(x), y)` for the bean chosen with the `bean` slider. Step 0 gives
    the loss its gradient 1; step k runs the chain rule of the k-th op result in the order
    `backward()` visits them (each after every node that uses it): its gradient, now
    complete, is multiplied by its local derivative and added into each operand's. The
    drawing marks that node; the lines under it give each product with its numbers. At the
    last step every gradient equals what `backward()` gives (the table checks it).
    Stepping writes `.grad` of the model's parameters, as `backward()` on that bean does.

    Attributes for code and tests: `bean` and `position` (IntSliders), `start_button`,
    `back_button`, `next_button`, `end_button`, `graph` (HTML with the SVG), `explain` and
    `table` (HTML), `widget`; `order` is the list of op results, `root` the loss Value,
    `lines` the chain-rule lines of the current step as plain text.
    """

    def __init__(
        self,
        model: MLP,
        xs: object,
        ys: object,
        *,
        loss: str | Callable = "squared_error",
        bean: int = 0,
        title: str = "",
        rankdir: str = "LR",
    ) -> None:
        w = _ipywidgets()
        self.model = _check_model(model, "StepBackward")
        self.beans = _beans(model, xs, ys)
        if isinstance(bean, bool) or not isinstance(bean, int) or not 0 <= bean < len(self.beans):
            raise ValueError(
                f"bean must be a number between 0 and {len(self.beans) - 1}, got {bean!r}"
            )
        self.loss_fn = losses.get_loss(loss)
        self.rankdir = rankdir
        self._moving = False
        self.lines: list[str] = []
        self._make_controls(w, bean)
        self.widget = self._layout(w, title)
        self.rebuild()

    def _make_controls(self, w: Any, bean: int) -> None:
        """The bean and step sliders, the start/back/step/end buttons, the output areas."""
        self.bean = w.IntSlider(
            value=bean,
            min=0,
            max=len(self.beans) - 1,
            description="bean",
            continuous_update=False,
            layout=w.Layout(width="420px"),
        )
        self.position = w.IntSlider(
            value=0, min=0, max=1, description="step", layout=w.Layout(width="420px")
        )
        self.start_button = w.Button(description="⏮ start", tooltip="before backward: de/de = 1")
        self.back_button = w.Button(description="◀ back", tooltip="one node back")
        self.next_button = w.Button(description="step ▶", tooltip="the next node's chain rule")
        self.end_button = w.Button(description="end ⏭", tooltip="all the way: backward() done")
        moves = (
            (self.start_button, lambda: 0),
            (self.back_button, lambda: self.position.value - 1),
            (self.next_button, lambda: self.position.value + 1),
            (self.end_button, lambda: self.position.max),
        )
        for button, where in moves:
            button.layout = w.Layout(width="100px")
            button.on_click(lambda _, where=where: self.go(where()))
        self.bean.observe(lambda _: self.rebuild(), names="value")
        self.position.observe(lambda change: self._on_position(change["new"]), names="value")
        self.bean_text = w.HTML()
        self.graph = w.HTML()
        self.explain = w.HTML()
        self.table = w.HTML()

    def _layout(self, w: Any, title: str) -> Any:
        """Title, bean, step and buttons above the chain-rule lines, the graph, the table."""
        heading = w.HTML(f"<b>{html.escape(title)}</b>") if title else w.HTML("")
        buttons = w.HBox([self.start_button, self.back_button, self.next_button, self.end_button])
        return w.VBox(
            [
                heading,
                w.HBox([self.bean, self.bean_text]),
                w.HBox([self.position, buttons]),
                self.explain,
                self.graph,
                self.table,
            ]
        )

    @classmethod
    def from_lesson(
        cls, lesson: str = "hidden-layer", seed: int = 0, bean: int = 0
    ) -> StepBackward:
        """The widget on a lesson's network and beans for a seed (the note's by default)."""
        from micrograd_beans.course.lessons import get_lesson

        les = get_lesson(lesson)
        model, xs, ys = les.setup(seed)
        title = f"{les.title} ({les.model_text}, seed {seed}): backward one node at a time"
        return cls(model, xs, ys, loss=les.loss, bean=bean, title=title)

    # --- the graph and the steps -----------------------------------------------------------

    def rebuild(self) -> None:
        """Build the chosen bean's graph with the model as it is now; back to step 0."""
        from micrograd_beans.engine import _graph_nodes, _topological_order

        x, y = self.beans[self.bean.value]
        self.root = self.loss_fn(self.model(x), y)
        if not self.root.label:
            self.root.label = "L"
        self.order = _topological_order(self.root) if self.root.parents else []
        self.nodes = _graph_nodes(self.root)
        self._names = _Names()
        shown_x = f"{x:.4g}" if isinstance(x, float) else ", ".join(f"{v:.4g}" for v in x)
        self.bean_text.value = (
            f"<span style='font-family:monospace'>x = {shown_x}, y = {y:g}, "
            f"{self.root.label} = {self.root.data:.4g}</span>"
        )
        self._moving = True
        try:
            self.position.max = max(1, len(self.order))
            self.position.value = 0
        finally:
            self._moving = False
        self.go(0)

    def _on_position(self, k: int) -> None:
        if not self._moving:
            self.go(k)

    def go(self, k: int) -> None:
        """Show the graph after the first k chain-rule steps (0: only de/de = 1 given)."""
        k = max(0, min(int(k), len(self.order)))
        for v in self.nodes:
            v.grad = 0.0
        self.root.grad = 1.0
        self.lines = []
        for i, node in enumerate(self.order[:k]):
            self.lines = self._apply(node, explain=i == k - 1)
        self._moving = True
        try:
            self.position.value = k
        finally:
            self._moving = False
        self.step = k
        current = self.order[k - 1] if k else self.root
        self._show(current, k)

    def _apply(self, node: Value, explain: bool) -> list[str]:
        """One node's chain rule, as `Value._backward` runs it; its lines when `explain`."""
        from micrograd_beans.engine import OPS

        parents = node.parents
        datas = [p.data for p in parents]
        contributions = OPS[node.op].backward(node.grad, node.data, *datas)
        locals_ = OPS[node.op].backward(1.0, node.data, *datas) if explain else ()
        lines = []
        d = f"d{self.root.label}/d"
        seen: set[Value] = set()
        for i, (p, c) in enumerate(zip(parents, contributions, strict=True)):
            first = p.grad == 0.0 and p not in seen
            p.grad += c
            seen.add(p)
            if not explain or p.is_constant:
                continue
            name = self._names.factor(p)
            sign = "=" if first else "+="
            local = _local_text(node, i, self._names)
            line = (
                f"{d}{name} {sign} {d}{self._names.factor(node)} · {local}"
                f" = {_number(node.grad)} · {_number(locals_[i])} = {_number(c)}"
            )
            if not first:
                line += f"   (now {d}{name} = {_number(p.grad)})"
            lines.append(line)
        return lines

    # --- what the widget shows -------------------------------------------------------------

    def _show(self, current: Value, k: int) -> None:
        name = self._names.factor(current)
        d = f"d{self.root.label}/d"
        n = len(self.order)
        if k == 0:
            head = (
                f"step 0 of {n}: backward starts at the loss, {d}{name} = 1. "
                "Each step takes the next node in the engine's order (every node comes after "
                "all the nodes that use it, so its gradient is complete) and sends its "
                "gradient to its operands by the chain rule."
            )
        else:
            made = self._names.formula(current) if current.label else ""
            what = f"{name} = {made}" if made else name
            head = (
                f"step {k} of {n}: node {what}, {d}{name} = {_number(current.grad)} is "
                "complete; times each local derivative, into its operands:"
            )
        body = "\n".join(html.escape(line) for line in self.lines)
        done = " Backward is done." if k == n else ""
        self.explain.value = f"<div>{html.escape(head)}{done}</div>" + (
            f"<pre style='margin:4px 0'>{body}</pre>" if body else ""
        )
        self.graph.value = self._svg(current)
        self.table.value = self._grad_table(k == n)

    def _svg(self, current: Value) -> str:
        from micrograd_beans.viz import RendererNotFoundError, RenderError, draw_dot

        drawing = draw_dot(self.root, self.rankdir, current=current, params=self.model.parameters())
        try:
            svg = drawing.pipe("svg").decode("utf-8")
        except (RendererNotFoundError, RenderError) as err:
            return f"<pre>{html.escape(str(err))}</pre>"
        svg = svg[svg.find("<svg") :]  # the XML prologue does not belong inside HTML
        return f"<div style='overflow-x:auto'>{svg}</div>"

    def backward_grads(self) -> dict[str, float]:
        """What `backward()` gives each parameter for this bean, on a fresh copy of the model."""
        twin = MLP(**self.model.config())
        twin.load_state_dict(self.model.state_dict())
        x, y = self.beans[self.bean.value]
        self.loss_fn(twin(x), y).backward()
        return {name: p.grad for name, p in twin.named_parameters()}

    def _grad_table(self, finished: bool) -> str:
        named = self.model.named_parameters()
        d = f"d{self.root.label}/dθ"
        head = ["parameter", "value", f"{d} so far"]
        rows = [[name, f"{p.data:.6g}", f"{p.grad:.6g}"] for name, p in named]
        bad = None
        if finished:
            check = self.backward_grads()
            head.append(f"{d} by backward()")
            for row, (name, _) in zip(rows, named, strict=True):
                row.append(f"{check[name]:.6g}")
            bad = [p.grad != check[name] for name, p in named]
        caption = "the parameters' gradients" + (
            " (every one equal to backward()'s)" if finished and not any(bad or ()) else ""
        )
        return display.html_table(head, rows, caption, bad=bad, max_rows=40)

    def __repr__(self) -> str:
        return (
            f"<StepBackward on {self.model!r}, bean {self.bean.value}: step {self.step} of "
            f"{len(self.order)}, {self.root.label} = {self.root.data:.6g}>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


def step_backward(lesson: str = "hidden-layer", seed: int = 0, bean: int = 0) -> StepBackward:
    """`StepBackward.from_lesson(lesson, seed, bean)`: backward one node at a time."""
    return StepBackward.from_lesson(lesson, seed, bean)


__all__ = [
    "INSTALL_HINT",
    "DragWeights",
    "StepBackward",
    "drag_weights",
    "has_note_formulas",
    "step_backward",
]
