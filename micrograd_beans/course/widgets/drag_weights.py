"""`DragWeights`: one slider per parameter, named as the note names them (w11_1, b1_1, ...).

Dragging one redraws the model's curve over the beans (for a two-input lesson its decision
boundary) and updates the loss and every parameter's gradient: the engine's, and beside it
the note's hand-derived formula (`course.by_hand`) where the model is the note's network.
A button takes one gradient step θ ← θ − α·de/dθ with the gradient shown (the note's
α = 0.03 by default), another trains one epoch the way the lesson does (per-sample SGD over
the beans in order); the sliders follow.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from micrograd_beans import losses
from micrograd_beans.course import by_hand
from micrograd_beans.course.widgets.common import (
    bean_x,
    beans,
    check_model,
    has_note_formulas,
    heading,
    ipywidgets,
    lesson_title,
    mono,
    table,
    widget_bundle,
)
from micrograd_beans.course.widgets.language import translations
from micrograd_beans.course.widgets.sliders import ParameterSlider
from micrograd_beans.engine import Value
from micrograd_beans.nn import MLP


class DragWeights:
    """Sliders for every parameter of a model, with its picture, loss and gradients.

    `model` is an `nn.MLP` with one output and one input (drawn as its curve over the beans)
    or two (its shaded prediction and 0.5 boundary over the beans): any lesson's network
    (the deep spiral's has 177 sliders); `xs, ys` the beans. The loss shown is the mean of
    `loss(model(x), y)` over all beans, or over one bean chosen in the "gradient of" list
    (the note's e for that bean); its gradient is what the "step" button follows:
    θ ← θ − α·de/dθ. "epoch" trains one epoch with `fit` (per-sample SGD in order unless
    `fit_kwargs` say otherwise). Every change writes the model's own parameters, so the
    model is trained when you are done. `lang` is the language of its words ("en", "zh").

    Each parameter has a slider (steps of 0.001) and a box with its exact value: dragging
    sets the parameter to the number the slider stands at, typing sets the number typed,
    and nothing the widget shows is ever taken back as a change.

    Attributes for code and tests: `sliders` (name → `ParameterSlider`, with `.slider`,
    `.number` and `.value`), `bean`, `alpha`, `step_button`, `epoch_button`,
    `reset_button`, `plot` (Image), `numbers` and `status` (HTML), `widget` (the whole
    layout); `rows()` returns what the table shows as numbers.
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
        lang: str = "en",
    ) -> None:
        self._ = translations(lang).gettext
        self.lang = lang
        w = ipywidgets()
        self.model = check_model(model, "DragWeights")
        if model.nin > 2:
            raise ValueError(
                f"DragWeights draws a model of one input (its curve) or two (its decision "
                f"boundary), and this model takes {model.nin}; use StepBackward to follow "
                "its gradients"
            )
        self._check_lr(lr)
        self.beans = beans(model, xs, ys)
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
        self.message = ""
        self.grads: dict[str, float] = {}
        self.hand: dict[str, float] | None = None
        self.loss = math.nan

        _ = self._
        self.sliders = {
            name: ParameterSlider(
                w,
                name,
                p.data,
                lambda v, name=name: self._chosen(name, v),
                tooltip=_("{name}, exactly").format(name=name),
            )
            for name, p in self.params.items()
        }
        self._make_controls(w, lr)
        self.widget = self._layout(w, title)
        self._figure, self._view, self._marker = self._make_figure()
        self.refresh()

    @staticmethod
    def _check_lr(lr: object) -> None:
        if isinstance(lr, bool) or not (
            isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)
        ):
            raise ValueError(f"lr must be a positive number, got {lr!r}")

    def _make_controls(self, w: Any, lr: float) -> None:
        """The bean chooser, α, the step/epoch/reset buttons and the output areas."""
        _ = self._
        options = [(_("all beans (mean loss)"), -1)] + [
            (_("bean {i}: x = {x}, y = {y}").format(i=i, x=bean_x(x, 3), y=f"{y:g}"), i)
            for i, (x, y) in enumerate(self.beans)
        ]
        self.bean = w.Dropdown(
            options=options,
            value=-1,
            description=_("gradient of"),
            style={"description_width": "80px"},
            layout=w.Layout(width="400px"),
        )
        self.bean.observe(lambda _change: self.refresh(), names="value")
        # α as given (no silent clamp to a range): checked when a step or an epoch uses it
        self.alpha = w.FloatText(
            value=float(lr),
            description="α",
            style={"description_width": "48px"},
            layout=w.Layout(width="160px"),
        )
        self.step_button = w.Button(
            description=_("step"), tooltip=_("one step: θ ← θ − α·de/dθ with the gradients shown")
        )
        self.epoch_button = w.Button(
            description=_("epoch"), tooltip=_("one epoch of the lesson's training over all beans")
        )
        self.reset_button = w.Button(description=_("reset"), tooltip=_("back to the first values"))
        for button in (self.step_button, self.epoch_button, self.reset_button):
            button.layout = w.Layout(width="110px")
        self.step_button.on_click(lambda _b: self.step())
        self.epoch_button.on_click(lambda _b: self.epoch())
        self.reset_button.on_click(lambda _b: self.reset())
        self.plot = w.Image(format="png")  # at its own size, 400 px wide for a curve
        self.numbers = w.HTML()
        self.status = w.HTML()

    def _layout(self, w: Any, title: str) -> Any:
        """The title; the controls with the picture beside them (under them where the page is
        too narrow: nothing is cut off); the numbers under both."""
        controls = w.VBox(
            [
                *(s.widget for s in self.sliders.values()),
                self.bean,
                w.HBox([self.alpha]),
                w.HBox([self.step_button, self.epoch_button, self.reset_button]),
                self.status,
            ]
        )
        beside = w.HBox([controls, self.plot], layout=w.Layout(flex_flow="row wrap"))
        return w.VBox([heading(w, title), beside, self.numbers], layout=w.Layout(max_width="100%"))

    @classmethod
    def from_lesson(
        cls, lesson: str = "hidden-layer", seed: int = 0, lang: str = "en"
    ) -> DragWeights:
        """The widget on a lesson's network and beans for a seed (the note's by default)."""
        from micrograd_beans.course.lessons import get_lesson

        les = get_lesson(lesson)
        model, xs, ys = les.setup(seed)
        words = translations(lang)
        _ = words.gettext
        title = lesson_title(_("{title} ({model}, seed {seed})"), les, seed, words)
        return cls(
            model,
            xs,
            ys,
            lr=les.lr,
            loss=les.loss,
            fit_kwargs=les.fit_kwargs(),
            title=title,
            lang=lang,
        )

    # --- what the widget computes ----------------------------------------------------------

    def _chosen_beans(self) -> list[tuple[Any, float]]:
        k = self.bean.value
        return self.beans if k < 0 else [self.beans[k]]

    def _compute(self) -> None:
        """Loss and de/dθ of the chosen beans: the engine's, and the note's formulas."""
        chosen = self._chosen_beans()
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
        fig = Figure(figsize=(5.0, 3.1) if one_input else (4.8, 3.8), dpi=80)
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
        _ = self._
        k = self.bean.value
        n = len(self.beans)
        if k >= 0:
            x, y = self.beans[k]
            what = _("e of bean {k} (x = {x}, y = {y})").format(k=k, x=bean_x(x, 4), y=f"{y:g}")
        elif self.loss_name == "squared_error":
            what = _("mean of e = (y − ŷ)² over {n} beans").format(n=n)
        else:
            what = _("mean {loss} over {n} beans").format(loss=self.loss_name, n=n)
        caption = _("loss = {what} = {value}").format(what=what, value=f"{self.loss:.6g}")
        if self.binary:
            caption += _("; accuracy {accuracy}").format(accuracy=f"{self._accuracy():.0%}")
        head = [_("parameter"), _("value"), _("de/dθ engine")]
        if self.hand is not None:
            head.append(_("de/dθ note's formula"))
        rows = []
        for name, value, g, hand in self.rows():
            # the value whole (Python's shortest exact form), the gradients to 6 digits
            row = [name, repr(value), f"{g:.6g}"]
            if hand is not None:
                row.append(f"{hand:.6g}")
            rows.append(row)
        return table(head, rows, caption)

    def _show_status(self) -> None:
        counts = self._("steps {steps}, epochs {epochs}").format(
            steps=self.steps, epochs=self.epochs
        )
        self.status.value = mono(f"{counts}. {self.message}" if self.message else counts)

    def refresh(self, message: str = "") -> None:
        """Recompute loss and gradients for the model as it is now, put its parameters on
        the sliders and redraw everything; `message` goes on the status line."""
        self.message = message
        for name, slider in self.sliders.items():
            slider.show(self.params[name].data)
        self._compute()
        self.numbers.value = self._table()
        self._redraw()
        self._show_status()

    # --- what the controls do ------------------------------------------------------------

    def _chosen(self, name: str, value: float) -> None:
        """A learner dragged a slider or typed a number: the parameter becomes exactly that."""
        if not math.isfinite(value):
            self.refresh(self._("not taken: {name} must be a finite number").format(name=name))
            return
        self.params[name].data = value
        self.refresh()

    def _alpha(self) -> float | None:
        """α from its box, or None (with the reason on the status line) if it is not usable."""
        alpha = float(self.alpha.value)
        if not (alpha > 0 and math.isfinite(alpha)):
            self.message = self._("α must be a positive number, got {alpha}").format(alpha=alpha)
            self._show_status()
            return None
        return alpha

    def step(self) -> None:
        """One gradient step with the gradients shown: θ ← θ − α·de/dθ for every parameter."""
        alpha = self._alpha()
        if alpha is None:
            return
        new = {name: p.data - alpha * self.grads[name] for name, p in self.params.items()}
        if not all(math.isfinite(v) for v in new.values()):
            self.message = self._(
                "not taken: with α = {alpha} this step overflows a parameter to inf or NaN; "
                "try a smaller α (or reset)"
            ).format(alpha=f"{alpha:g}")
            self._show_status()
            return
        for name, p in self.params.items():
            p.data = new[name]
        self.steps += 1
        self.refresh()

    def epoch(self) -> None:
        """One epoch of the lesson's training (train.fit with α from the widget). An epoch
        that diverges is not taken: the parameters stay as they were before it."""
        from micrograd_beans.train import fit

        alpha = self._alpha()
        if alpha is None:
            return
        before = self.model.state_dict()
        settings = {"loss": self._loss_arg, **self.fit_kwargs}
        try:
            history = fit(
                self.model, self.xs, self.ys, epochs=1, lr=alpha, progress=False, **settings
            )
        except FloatingPointError as err:
            self.model.load_state_dict(before)
            self.refresh(
                self._(
                    "not taken: this epoch diverged ({error}); the parameters are back where "
                    "they were. Try a smaller α, or reset."
                ).format(error=err)
            )
            return
        self.epochs += 1
        self.refresh(
            self._("epoch loss {loss} (mean over the epoch's updates)").format(
                loss=f"{history.loss[-1]:.6g}"
            )
        )

    def reset(self) -> None:
        """Every parameter back to the value it had when the widget was made."""
        self.model.load_state_dict(self.start)
        self.steps = self.epochs = 0
        self.refresh()

    def __repr__(self) -> str:
        where = "all beans" if self.bean.value < 0 else f"bean {self.bean.value}"
        return (
            f"<DragWeights on {self.model!r}: loss {self.loss:.6g} ({where}), sliders "
            f"{', '.join(self.sliders)}; steps {self.steps}, epochs {self.epochs}>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return widget_bundle(self.widget, repr(self), self._, **kwargs)


def drag_weights(lesson: str = "hidden-layer", seed: int = 0, lang: str = "en") -> DragWeights:
    """`DragWeights.from_lesson(lesson, seed, lang)`: the sliders on a lesson's network."""
    return DragWeights.from_lesson(lesson, seed, lang)
