"""Gradient checking: the engine's derivatives against finite differences.

- `gradcheck(f, inputs)` compares the engine's derivatives with central finite differences
  (the method and defaults of `torch.autograd.gradcheck`) and prints the comparison as a
  table; `order=2` (or `gradgradcheck`) checks second derivatives the same way.
  A check that cannot tell anything fails loudly: `f` that ignores the Values it is given
  raises `ValueError`, and a check where every derivative is 0 warns (`GradcheckWarning`).
- `gradcheck_model(model, x, y, loss)` checks a model's parameters on one or more beans:
  per parameter the engine's gradient, a hand-derived one where you pass it, and a central
  finite difference (the table `micrograd-beans gradcheck` prints).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

# grad and detect_anomaly lived in this module before they got modules of their own, and
# users' code imports them from here, so they stay importable from here.
from micrograd_beans.anomaly import detect_anomaly
from micrograd_beans.display import html_table
from micrograd_beans.engine import Constant, Value
from micrograd_beans.gradients import Gradient, grad
from micrograd_beans.losses import get_loss

__all__ = [
    "GradcheckError",
    "GradcheckResult",
    "GradcheckRow",
    "GradcheckWarning",
    "ModelGradcheckResult",
    "ModelGradcheckRow",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "gradcheck_model",
    "gradgradcheck",
]


class GradcheckError(RuntimeError):
    """Raised by gradcheck(..., raise_on_failure=True); the message is the result table."""


class GradcheckWarning(UserWarning):
    """A gradient check that passed without telling anything: every derivative was 0."""


_EMPTY_ADVICE = (
    "the check compares zeros and shows nothing; pick another point (e.g. away from a "
    "relu's flat side or a saturated sigmoid), or make sure the function uses its inputs"
)


@dataclass(frozen=True)
class GradcheckRow:
    """One derivative: the engine's value, the finite-difference estimate and their errors."""

    name: str  # the input's name; for higher orders the names joined by commas
    engine: float
    finite_difference: float
    abs_err: float
    rel_err: float
    ok: bool


@dataclass
class GradcheckResult:
    """What gradcheck found: truthy when every row agrees; `str()` is the table."""

    rows: list[GradcheckRow]
    order: int = 1
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3
    failures: list[GradcheckRow] = field(init=False)

    def __post_init__(self) -> None:
        self.failures = [row for row in self.rows if not row.ok]

    def __bool__(self) -> bool:
        return not self.failures

    @property
    def max_abs_err(self) -> float:
        return max((row.abs_err for row in self.rows), default=0.0)

    @property
    def empty(self) -> bool:
        """True when every first derivative is 0 both ways: a check that shows nothing.
        (Higher derivatives are often all 0, rightly: never called empty.)"""
        return self.order == 1 and all(
            r.engine == 0.0 and r.finite_difference == 0.0 for r in self.rows
        )

    def _verdict(self) -> str:
        what = "gradient" if self.order == 1 else f"order-{self.order} derivative"
        if not self:
            return f"{len(self.failures)} of {len(self.rows)} {what}s disagree"
        if self.empty:
            return f"all {len(self.rows)} {what}s are 0: {_EMPTY_ADVICE}"
        return f"all {len(self.rows)} {what}s agree"

    def _repr_html_(self) -> str:
        head = "d/d" if self.order == 1 else f"d{self.order}/d"
        body = [
            [
                head + r.name.replace(",", " d"),
                f"{r.engine:.10g}",
                f"{r.finite_difference:.10g}",
                f"{r.abs_err:.2e}",
                "ok" if r.ok else "FAIL",
            ]
            for r in self.rows
        ]
        caption = f"{self._verdict()} (|engine - fd| <= {self.atol:g} + {self.rtol:g}·|fd|)"
        head_row = ["derivative", "engine", "finite diff", "abs err", "ok?"]
        return html_table(head_row, body, caption, [not r.ok for r in self.rows])

    def __repr__(self) -> str:
        return f"<GradcheckResult: {self._verdict()}>"

    def __str__(self) -> str:
        what = "gradient" if self.order == 1 else f"order-{self.order} derivative"
        head = "d/d" if self.order == 1 else f"d{self.order}/d"
        labels = [head + r.name.replace(",", " d") for r in self.rows]
        width = max([len(label) for label in labels] + [10])
        lines = [
            f"{what}s vs central differences (eps={self.eps:g}): "
            f"ok when |engine - fd| <= {self.atol:g} + {self.rtol:g}·|fd|",
            f"{'derivative':<{width}}  {'engine':>14}  {'finite diff':>14}  {'abs err':>9}  "
            f"{'rel err':>9}  ok?",
        ]
        for label, r in zip(labels, self.rows, strict=True):
            lines.append(
                f"{label:<{width}}  {r.engine:>14.8g}  {r.finite_difference:>14.8g}  "
                f"{r.abs_err:>9.2e}  {r.rel_err:>9.2e}  {'ok' if r.ok else 'FAIL'}"
            )
        lines.append(self._verdict())
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value],
    inputs: Value | float | Sequence[Value | float] | Mapping[str, Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
    order: int = 1,
) -> GradcheckResult:
    """Check the engine's derivatives of `f` against central finite differences.

    `f` takes one Value per input (keyword arguments when `inputs` is a mapping of names)
    and returns a Value. Each input's current number is used; the inputs' own `.data` and
    `.grad` are left alone. Rows are named by the mapping's keys, else by the Values'
    labels, else x0, x1, ... A derivative agrees when |engine - fd| <= atol + rtol·|fd|.
    With `order=k` each k-th derivative (one row per set of inputs) is compared with the
    central difference of the engine's (k-1)-th derivative.
    """
    if order < 1:
        raise ValueError(f"gradcheck order must be 1 or more, got {order}")
    if not eps > 0.0:
        raise ValueError(f"gradcheck eps must be positive, got {eps}")
    names, point, call = _prepare(f, inputs)
    n = len(point)
    exact = _derivatives(call, names, point, order, require_use=True)
    shifted = {}
    for j in range(n):
        for sign in (1.0, -1.0):
            moved = list(point)
            moved[j] += sign * eps
            shifted[j, sign] = _derivatives(call, names, moved, order - 1)
    rows = []
    for index in combinations_with_replacement(range(n), order):
        *lower, j = index
        lower = tuple(lower)
        a = exact[index]
        b = (shifted[j, 1.0][lower] - shifted[j, -1.0][lower]) / (2.0 * eps)
        err = abs(a - b)
        rel = err / abs(b) if b != 0.0 else (0.0 if err == 0.0 else math.inf)
        ok = err <= atol + rtol * abs(b)  # False for nan, as allclose
        rows.append(GradcheckRow(",".join(names[i] for i in index), a, b, err, rel, ok))
    result = GradcheckResult(rows, order, eps, atol, rtol)
    if raise_on_failure and not result:
        raise GradcheckError(str(result))
    if result and result.empty:
        warnings.warn(f"gradcheck: {result._verdict()}", GradcheckWarning, stacklevel=2)
    return result


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Value | float | Sequence[Value | float] | Mapping[str, Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> GradcheckResult:
    """Second derivatives of `f` against central differences of its gradient (order=2)."""
    return gradcheck(f, inputs, eps, atol, rtol, raise_on_failure, order=2)


def _prepare(f, inputs) -> tuple[list[str], list[float], Callable[[list[Value]], object]]:
    if isinstance(inputs, Mapping):
        keys = list(inputs)
        items = list(inputs.values())
        names = [str(k) for k in keys]

        def call(xs):
            return f(**dict(zip(keys, xs, strict=True)))

    else:
        items = [inputs] if isinstance(inputs, (Value, numbers.Real)) else list(inputs)
        names = [
            x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(items)
        ]

        def call(xs):
            return f(*xs)

    point = []
    for name, x in zip(names, items, strict=True):
        if isinstance(x, Value):
            point.append(x.data)
        elif isinstance(x, numbers.Real):
            point.append(float(x))
        else:
            raise TypeError(f"gradcheck input {name!r} must be a number or a Value, got {x!r:.60}")
    return names, point, call


def _uses_any(out: Value, xs: list[Value]) -> bool:
    """Whether any of `xs` is in the graph behind `out`."""
    wanted, seen, stack = set(xs), set(), [out]
    while stack:
        v = stack.pop()
        if v in wanted:
            return True
        if v not in seen:
            seen.add(v)
            stack.extend(v.parents)
    return False


def _derivatives(call, names, point, order, require_use=False) -> dict[tuple[int, ...], float]:
    """Every derivative of exactly `order` of f at `point`, keyed by sorted input indices.
    With `require_use`, an f whose result does not come from its arguments is an error."""
    xs = [Value(x, label=name) for name, x in zip(names, point, strict=True)]
    out = call(xs)
    if not isinstance(out, Value):
        if not isinstance(out, numbers.Real):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        out = Constant(out)
    if require_use and not _uses_any(out, xs):
        raise ValueError(
            "gradcheck: f does not use the Values it is given (gradcheck calls f with fresh "
            f"Values for {', '.join(names)}; f's result does not depend on any of them), so "
            "every derivative would be 0 and the check would pass without checking anything. "
            "Compute the result from f's arguments; to check a model's parameters use "
            "gradcheck_model(model, x, y)."
        )
    level: dict[tuple[int, ...], Gradient] = {(): out}
    for k in range(order):
        create = k < order - 1
        deeper = {}
        for index, value in level.items():
            js = range(index[-1] if index else 0, len(xs))
            grads = grad(value, [xs[j] for j in js], create_graph=create)
            for j, gj in zip(js, grads, strict=True):
                deeper[index + (j,)] = gj
        level = deeper
    return {index: float(v) for index, v in level.items()}


# --- gradcheck of a model ------------------------------------------------------------------


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
            return f"all {n} gradients are 0: {_EMPTY_ADVICE}"
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
    """(x, y) pairs: one bean when y is a number, else one per entry of y."""
    import numpy as np

    ys = np.asarray(y, dtype=float)
    if ys.ndim == 0:
        xs_one = np.asarray(x, dtype=float)
        return [(xs_one.tolist(), float(ys))]
    xs = np.asarray(x, dtype=float)
    if len(xs) != len(ys):
        raise ValueError(f"gradcheck_model: x has {len(xs)} beans but y has {len(ys)}")
    if len(ys) == 0:
        raise ValueError("gradcheck_model: no beans given (x and y are empty)")
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


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
