"""Gradient checking of a model: `gradcheck_model(model, x, y, loss)`.

On one or more beans it checks each parameter's de/dθ three ways: the engine's gradient,
a hand-derived one where you pass it (`by_hand`, e.g. the note's formulas in
`course.by_hand`), and a central finite difference. This is the table
`micrograd-beans gradcheck` prints.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from micrograd_beans.display import html_table
from micrograd_beans.engine import Value
from micrograd_beans.gradcheck_errors import EMPTY_ADVICE, GradcheckError, GradcheckWarning
from micrograd_beans.gradients import grad
from micrograd_beans.losses import get_loss

__all__ = ["ModelGradcheckResult", "ModelGradcheckRow", "gradcheck_model"]


@dataclass(frozen=True)
class ModelGradcheckRow:
    """One parameter: its value and de/dθ three ways (`by_hand` None when not given)."""

    name: str
    value: float
    engine: float
    by_hand: float | None
    finite_difference: float
    max_error: float  # the largest difference between any two of the gradients
    ok: bool


@dataclass
class ModelGradcheckResult:
    """What gradcheck_model found: truthy when all agree; `str()` is the table."""

    rows: list[ModelGradcheckRow]
    loss: float  # the loss at the model's parameters, mean over the beans
    beans: int
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3

    @property
    def failures(self) -> list[ModelGradcheckRow]:
        return [row for row in self.rows if not row.ok]

    def __bool__(self) -> bool:
        return not self.failures

    @property
    def max_error(self) -> float:
        return max((row.max_error for row in self.rows), default=0.0)

    @property
    def empty(self) -> bool:
        """True when every gradient is 0 both ways: a check that shows nothing."""
        return all(r.engine == 0.0 and r.finite_difference == 0.0 for r in self.rows)

    @property
    def rule(self) -> str:
        return f"|a - b| <= {self.atol:g} + {self.rtol:g}·|b|"

    def _verdict(self) -> str:
        n = len(self.rows)
        if self.failures:
            names = ", ".join(r.name for r in self.failures)
            return f"{len(self.failures)} of {n} gradients disagree ({self.rule}): {names}"
        if self.empty:
            return f"all {n} gradients are 0: {EMPTY_ADVICE}"
        return f"all {n} gradients agree (max error {self.max_error:.1e}; {self.rule})"

    def _cells(self, row: ModelGradcheckRow) -> list[str]:
        hand = f"{row.by_hand:.10g}" if row.by_hand is not None else "-"
        return [
            row.name,
            f"{row.value:.6g}",
            f"{row.engine:.10g}",
            hand,
            f"{row.finite_difference:.10g}",
            f"{row.max_error:.1e}",
        ]

    def __str__(self) -> str:
        width = max([len(r.name) + 2 for r in self.rows] + [10])
        lines = [
            f"{'parameter':<{width}}{'value':>12}  {'engine':>16}  {'by hand':>16}  "
            f"{'finite diff':>16}  {'max error':>9}"
        ]
        for row in self.rows:
            name, value, engine_text, hand, fd, err = self._cells(row)
            lines.append(
                f"{name:<{width}}{value:>12}  {engine_text:>16}  {hand:>16}  {fd:>16}  "
                f"{err:>9}{'' if row.ok else '  FAIL'}"
            )
        lines.append(self._verdict())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ModelGradcheckResult: {self._verdict()}>"

    def _repr_html_(self) -> str:
        head = ["parameter", "value", "engine", "by hand", "finite diff", "max error"]
        caption = f"de/dθ on {self.beans} bean(s), loss {self.loss:.6g}: {self._verdict()}"
        body = [self._cells(row) for row in self.rows]
        return html_table(head, body, caption, [not r.ok for r in self.rows])


def _beans(x: object, y: object) -> list[tuple[object, object]]:
    """(x, y) pairs of floats: one bean when y is a number, else one per entry of y (lists,
    or numpy arrays read through their `tolist()`)."""
    x, y = _plain(x), _plain(y)
    if isinstance(y, numbers.Real):
        return [(_floats(x), float(y))]
    xs, ys = [_floats(v) for v in x], [float(v) for v in y]
    if len(xs) != len(ys):
        raise ValueError(f"gradcheck_model: x has {len(xs)} beans but y has {len(ys)}")
    if len(ys) == 0:
        raise ValueError("gradcheck_model: no beans given (x and y are empty)")
    return list(zip(xs, ys, strict=True))


def _plain(value: object) -> object:
    """A numpy array or number as Python lists and floats (numpy is not imported here)."""
    return value.tolist() if hasattr(value, "tolist") else value


def _floats(x: object) -> float | list[float]:
    """One bean's input: a float, or a list of floats."""
    return float(x) if isinstance(x, numbers.Real) else [float(v) for v in x]  # type: ignore[attr-defined]


def _named_parameters(model: object) -> list[tuple[str, Value]]:
    """`model.named_parameters()` as a list, or a clear error naming what is missing."""
    named = getattr(model, "named_parameters", None)
    if named is None:
        raise TypeError(
            f"gradcheck_model needs a model with named_parameters() (an nn.MLP), got "
            f"{type(model).__name__}; for a function of Values use gradcheck(f, inputs)"
        )
    named = list(named())
    if not named:
        raise ValueError("gradcheck_model: the model has no parameters to check")
    return named


def _mean_loss(
    model: object, loss_fn: Callable, beans: list[tuple[object, object]]
) -> Callable[[], Value]:
    """A function building the mean loss of `model` over `beans` at the parameters' current data."""

    def mean_loss() -> Value:
        total = None
        for bx, by in beans:
            e = loss_fn(model(bx), by)  # type: ignore[operator]
            total = e if total is None else total + e
        return total / len(beans) if len(beans) > 1 else total

    return mean_loss


def _by_hand_mean(
    by_hand: Callable[[dict[str, float], object, object], Mapping[str, float]],
    named: list[tuple[str, Value]],
    beans: list[tuple[object, object]],
) -> dict[str, float]:
    """`by_hand`'s gradients at the current parameters, averaged over the beans."""
    state = {name: p.data for name, p in named}
    hand = dict.fromkeys(state, 0.0)
    for bx, by in beans:
        for name, g in by_hand(state, bx, by).items():
            hand[name] += g / len(beans)
    return hand


def _finite_differences(
    mean_loss: Callable[[], Value], params: list[Value], eps: float
) -> list[float]:
    """Central differences of the mean loss, one parameter at a time (`.data` restored)."""
    finite = []
    for p in params:
        start = p.data
        try:
            p.data = start + eps
            up = mean_loss().data
            p.data = start - eps
            down = mean_loss().data
        finally:
            p.data = start
        finite.append((up - down) / (2.0 * eps) + 0.0)
    return finite


def _model_rows(
    named: list[tuple[str, Value]],
    engine_grads: list[float],
    hand: dict[str, float] | None,
    finite: list[float],
    atol: float,
    rtol: float,
) -> list[ModelGradcheckRow]:
    """One row per parameter: its two or three gradients, their largest gap, agreement."""

    def agree(a: float, b: float) -> bool:
        return abs(a - b) <= atol + rtol * abs(b)  # False for nan

    rows = []
    for (name, p), g, fd in zip(named, engine_grads, finite, strict=True):
        h = hand.get(name) if hand is not None else None
        found = [g, fd] if h is None else [g, h, fd]
        err = max(abs(a - b) for a in found for b in found)
        ok = agree(g, fd) and (h is None or (agree(h, fd) and agree(g, h)))
        rows.append(ModelGradcheckRow(name, p.data, g, h, fd, err, ok))
    return rows


def gradcheck_model(
    model: object,
    x: object,
    y: object,
    loss: str | Callable = "squared_error",
    *,
    by_hand: Callable[[dict[str, float], object, object], Mapping[str, float]] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> ModelGradcheckResult:
    """Check de/dθ for every parameter of `model` three ways, on one bean or several.

    `x, y` is one bean (y a number; x a number or, for two inputs, a pair) or many
    (sequences of beans); the loss is the mean of `loss(model(x), y)` over them. For each
    parameter (in `model.named_parameters()` order) the row holds the engine's gradient,
    `by_hand(state_dict, x, y)[name]` averaged over the beans when `by_hand` is given
    (e.g. `course.by_hand.gradients` for the note's network), and a central finite
    difference with step `eps`. Two gradients agree when |a - b| <= atol + rtol·|b|.
    The parameters' `.data` and `.grad` are left as they were. A check where every gradient
    is 0 warns (GradcheckWarning): it compares zeros and shows nothing.
    """
    if not eps > 0.0:
        raise ValueError(f"gradcheck_model: eps must be positive, got {eps}")
    named = _named_parameters(model)
    beans = _beans(x, y)
    mean_loss = _mean_loss(model, get_loss(loss), beans)
    out = mean_loss()
    engine_grads = [g + 0.0 for g in grad(out, [p for _, p in named])]  # + 0.0: show -0.0 as 0
    hand = _by_hand_mean(by_hand, named, beans) if by_hand is not None else None
    finite = _finite_differences(mean_loss, [p for _, p in named], eps)
    rows = _model_rows(named, engine_grads, hand, finite, atol, rtol)
    result = ModelGradcheckResult(rows, out.data, len(beans), eps, atol, rtol)
    if raise_on_failure and not result:
        raise GradcheckError(str(result))
    if result and result.empty:
        warnings.warn(f"gradcheck_model: {result._verdict()}", GradcheckWarning, stacklevel=2)
    return result
