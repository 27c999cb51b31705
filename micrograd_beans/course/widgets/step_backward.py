"""`StepBackward`: the computation graph of one bean's loss; buttons (or a slider) run
backward one node at a time, in the engine's own order. The current node is marked in the
drawing and its chain rule is written out with the numbers
(`de/dz1_2 = de/da1_2 · a1_2(1 − a1_2) = -0.2931 · 0.2153 = -0.0631`). After the last step
every gradient equals what `backward()` gives.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from micrograd_beans import losses
from micrograd_beans.course.backward_steps import BackwardSteps
from micrograd_beans.course.chain_rule import number
from micrograd_beans.course.widgets.common import (
    beans,
    check_model,
    heading,
    ipywidgets,
    lesson_title,
    mono,
    table,
    widget_bundle,
)
from micrograd_beans.course.widgets.graph_view import graph_html, window_size
from micrograd_beans.course.widgets.language import translations
from micrograd_beans.engine import Value
from micrograd_beans.nn import MLP


class StepBackward:
    """Backward on one bean's graph, one node at a time, in the engine's own order.

    `model` is any `nn.MLP` with one output (any lesson's network); `xs, ys` the beans; the
    graph is `loss(model(x), y)` for the bean chosen with the `bean` slider. Step 0 gives
    the loss its gradient 1; step k runs the chain rule of the k-th op result in the order
    `backward()` visits them (each after every node that uses it): its gradient, now
    complete, is multiplied by its local derivative and added into each operand's. The
    drawing marks that node and shows the part of the graph around it at full size (the
    "whole graph" toggle shrinks all of it to the width); the lines above it give each
    product with its numbers. At the last step every gradient equals what `backward()` gives
    (the table checks it). Stepping writes `.grad` of the model's parameters, as
    `backward()` on that bean does. `lang` is the language of its words ("en", "zh").

    Attributes for code and tests: `bean` and `position` (IntSliders), `start_button`,
    `back_button`, `next_button`, `end_button`, `whole` (ToggleButton), `graph` (HTML with
    the SVG), `explain` and `table` (HTML), `widget`; `order` is the list of op results,
    `root` the loss Value, `lines` the chain-rule lines of the current step as plain text.
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
        lang: str = "en",
    ) -> None:
        self._catalogue = translations(lang)
        self._ = self._catalogue.gettext
        self.lang = lang
        self.title = title
        w = ipywidgets()
        self.model = check_model(model, "StepBackward")
        self.beans = beans(model, xs, ys)
        if isinstance(bean, bool) or not isinstance(bean, int) or not 0 <= bean < len(self.beans):
            raise ValueError(
                f"bean must be a number between 0 and {len(self.beans) - 1}, got {bean!r}"
            )
        self.loss_fn = losses.get_loss(loss)
        self.rankdir = rankdir
        self._moving = False
        self._make_controls(w, bean)
        self.widget = self._layout(w, title)
        self.rebuild()

    def _make_controls(self, w: Any, bean: int) -> None:
        """The bean and step sliders, the start/back/step/end buttons, the output areas."""
        _ = self._
        self.bean = w.IntSlider(
            value=bean,
            min=0,
            max=len(self.beans) - 1,
            description=_("bean"),
            continuous_update=False,
            layout=w.Layout(width="420px"),
        )
        self.position = w.IntSlider(
            value=0,
            min=0,
            max=1,
            description=self._catalogue.pgettext("the step slider", "step"),
            layout=w.Layout(width="420px"),
        )
        # Font Awesome icons (ipywidgets' own): ⏮ and ⏭ are missing from common fonts
        buttons = (
            ("start_button", _("start"), "fast-backward", _("before backward: de/de = 1")),
            ("back_button", _("back"), "step-backward", _("one node back")),
            ("next_button", _("step"), "step-forward", _("the next node's chain rule")),
            ("end_button", _("end"), "fast-forward", _("all the way: backward() done")),
        )
        for attr, label, icon, tip in buttons:
            button = w.Button(
                description=label, icon=icon, tooltip=tip, layout=w.Layout(width="110px")
            )
            setattr(self, attr, button)
        moves = (
            (self.start_button, lambda: 0),
            (self.back_button, lambda: self.position.value - 1),
            (self.next_button, lambda: self.position.value + 1),
            (self.end_button, lambda: self.position.max),
        )
        for button, where in moves:
            button.on_click(lambda _b, where=where: self.go(where()))
        self.whole = w.ToggleButton(
            value=False,
            description=_("whole graph"),
            icon="arrows-alt",
            tooltip=_("the whole graph, shrunk to the width; off: the part around the node"),
            layout=w.Layout(width="150px"),
        )
        self.whole.observe(lambda _change: self._show_graph(), names="value")
        self.bean.observe(lambda _change: self.rebuild(), names="value")
        self.position.observe(lambda change: self._on_position(change["new"]), names="value")
        self.bean_text = w.HTML()
        self.graph = w.HTML(layout=w.Layout(max_width="100%", overflow="hidden"))
        self.explain = w.HTML()
        self.table = w.HTML()

    def _layout(self, w: Any, title: str) -> Any:
        """Title, bean, step and buttons above the chain-rule lines, the graph, the table."""
        buttons = w.HBox(
            [self.start_button, self.back_button, self.next_button, self.end_button, self.whole]
        )
        return w.VBox(
            [
                heading(w, title),
                w.HBox([self.bean, self.bean_text]),
                w.HBox([self.position]),
                buttons,
                self.explain,
                self.graph,
                self.table,
            ],
            layout=w.Layout(max_width="100%"),
        )

    @classmethod
    def from_lesson(
        cls, lesson: str = "hidden-layer", seed: int = 0, bean: int = 0, lang: str = "en"
    ) -> StepBackward:
        """The widget on a lesson's network and beans for a seed (the note's by default)."""
        from micrograd_beans.course.lessons import get_lesson

        les = get_lesson(lesson)
        model, xs, ys = les.setup(seed)
        words = translations(lang)
        _ = words.gettext
        title = lesson_title(
            _("{title} ({model}, seed {seed}): backward one node at a time"), les, seed, words
        )
        return cls(model, xs, ys, loss=les.loss, bean=bean, title=title, lang=lang)

    # --- the graph and the steps -----------------------------------------------------------

    def rebuild(self) -> None:
        """Build the chosen bean's graph with the model as it is now; back to step 0."""
        check_model(self.model, "StepBackward")  # a parameter may have been set since
        x, y = self.beans[self.bean.value]
        self.root = self.loss_fn(self.model(x), y)
        if not self.root.label:
            self.root.label = "L"
        self.walk = BackwardSteps(self.root, now=self._("(now {grad} = {value})"))
        self._window: tuple[float, float] | None = None  # one size per graph, from step 0
        shown_x = f"{x:.4g}" if isinstance(x, float) else ", ".join(f"{v:.4g}" for v in x)
        self.bean_text.value = mono(
            f"x = {shown_x}, y = {y:g}, {self.root.label} = {self.root.data:.4g}"
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
        self.walk.go(k)
        self._moving = True
        try:
            self.position.value = self.walk.position
        finally:
            self._moving = False
        self._show(self.walk.current, self.walk.position)

    # the walk's state, read by the widget's views and by learners poking at it
    @property
    def order(self) -> list[Value]:
        """The nodes in the order their gradients are sent on (`backward()`'s order)."""
        return self.walk.order

    @property
    def step(self) -> int:
        """How many steps have been taken (0: only de/de = 1 given)."""
        return self.walk.position

    @property
    def nodes(self) -> list[Value]:
        return self.walk.nodes

    @property
    def lines(self) -> list[str]:
        """The chain-rule lines of the last step taken."""
        return self.walk.lines

    # --- what the widget shows -------------------------------------------------------------

    def _show(self, current: Value, k: int) -> None:
        _ = self._
        name = self.walk.names.factor(current)
        d = self.walk.d
        n = len(self.order)
        if k == 0:
            head = _(
                "step 0 of {n}: backward starts at the loss, {grad} = 1. Each step takes the "
                "next node in the engine's order (every node comes after all the nodes that "
                "use it, so its gradient is complete) and sends its gradient to its operands "
                "by the chain rule."
            ).format(n=n, grad=f"{d}{name}")
        else:
            made = self.walk.names.formula(current) if current.label else ""
            head = _(
                "step {k} of {n}: node {node}, {grad} = {value} is complete; times each local "
                "derivative, into its operands:"
            ).format(
                k=k,
                n=n,
                node=f"{name} = {made}" if made else name,
                grad=f"{d}{name}",
                value=number(current.grad),
            )
        body = "\n".join(html.escape(line) for line in self.lines)
        done = " " + _("Backward is done.") if k == n else ""
        self.explain.value = f"<div>{html.escape(head + done)}</div>" + (
            f"<pre style='margin:4px 0'>{body}</pre>" if body else ""
        )
        self._svg = self._drawing(current)
        self._show_graph()
        self.table.value = self._grad_table(k == n)

    def _drawing(self, current: Value) -> str | RuntimeError:
        """The SVG of the graph with `current` outlined, or the renderer's error."""
        from micrograd_beans.viz import RendererNotFoundError, RenderError, draw_dot

        drawing = draw_dot(self.root, self.rankdir, current=current, params=self.model.parameters())
        try:
            return drawing.pipe("svg").decode("utf-8")
        except (RendererNotFoundError, RenderError) as err:
            return err

    def _show_graph(self) -> None:
        """The drawing: the part around the current node, or all of it (`whole`)."""
        if isinstance(self._svg, RuntimeError):  # no renderer: say so, the steps still work
            self.graph.value = f"<pre>{html.escape(str(self._svg))}</pre>"
        else:
            self._window = self._window or window_size(self._svg)
            self.graph.value = graph_html(self._svg, whole=self.whole.value, size=self._window)

    def backward_grads(self) -> dict[str, float]:
        """What `backward()` gives each parameter for this bean, on a fresh copy of the model."""
        twin = MLP(**self.model.config())
        twin.load_state_dict(self.model.state_dict())
        x, y = self.beans[self.bean.value]
        self.loss_fn(twin(x), y).backward()
        return {name: p.grad for name, p in twin.named_parameters()}

    def _grad_table(self, finished: bool) -> str:
        _ = self._
        named = self.model.named_parameters()
        d = f"d{self.root.label}/dθ"
        head = [_("parameter"), _("value"), _("{d} so far").format(d=d)]
        rows = [[name, f"{p.data:.6g}", f"{p.grad:.6g}"] for name, p in named]
        bad = None
        if finished:
            check = self.backward_grads()
            head.append(_("{d} by backward()").format(d=d))
            for row, (name, _p) in zip(rows, named, strict=True):
                row.append(f"{check[name]:.6g}")
            bad = [p.grad != check[name] for name, p in named]
        caption = _("the parameters' gradients")
        if finished and not any(bad or ()):
            caption += _(" (every one equal to backward()'s)")
        return table(head, rows, caption, bad=bad, max_rows=40)

    def __repr__(self) -> str:
        return (
            f"<StepBackward on {self.model!r}, bean {self.bean.value}: step {self.step} of "
            f"{len(self.order)}, {self.root.label} = {self.root.data:.6g}>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return widget_bundle(self.widget, repr(self), self._, **kwargs)


def step_backward(
    lesson: str = "hidden-layer", seed: int = 0, bean: int = 0, lang: str = "en"
) -> StepBackward:
    """`StepBackward.from_lesson(lesson, seed, bean, lang)`: backward one node at a time."""
    return StepBackward.from_lesson(lesson, seed, bean, lang)
