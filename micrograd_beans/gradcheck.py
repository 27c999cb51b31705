"""Gradient checking: the engine's derivatives of a function against finite differences.

`gradcheck(f, inputs)` compares the engine's derivatives with central finite differences
(the method and defaults of `torch.autograd.gradcheck`) and prints the comparison as a
table; `order=2` (or `gradgradcheck`) checks second derivatives the same way.
A check that cannot tell anything fails loudly: `f` that ignores the Values it is given
raises `ValueError`, and a check where every derivative is 0 warns (`GradcheckWarning`).
A model's parameters are checked by `gradcheck_model` (in `model_gradcheck`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

from micrograd_beans.anomaly import detect_anomaly  # an old name here, see below
from micrograd_beans.display import html_table
from micrograd_beans.engine import Constant, Value
from micrograd_beans.gradcheck_errors import EMPTY_ADVICE, GradcheckError, GradcheckWarning
from micrograd_beans.gradients import Gradient, grad

# grad, detect_anomaly and gradcheck_model (with its result classes) lived in this module
# before it was split by concern, and users' code imports them from here: they stay
# importable (`detect_anomaly` and `grad` by the imports above, the model's names here).
from micrograd_beans.model_gradcheck import (
    ModelGradcheckResult,
    ModelGradcheckRow,
    gradcheck_model,
)

__all__ = [
    "GradcheckError",
    "GradcheckResult",
    "GradcheckRow",
    "GradcheckWarning",
    "gradcheck",
    "gradgradcheck",
    # names from this module's old contents, so `import *` still brings them
    "detect_anomaly",
    "grad",
    "ModelGradcheckResult",
    "ModelGradcheckRow",
    "gradcheck_model",
]


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
            return f"all {len(self.rows)} {what}s are 0: {EMPTY_ADVICE}"
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
