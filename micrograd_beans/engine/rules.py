"""The rules the table of ops names (ops.py): each op's forward rule on floats, with the checks
that turn bad math into a clear error, and the derivative helpers its expressions call.

Read it after ops.py when you want the details of one op; nothing else needs it. At its end,
the messages an op or a wrong call of Value(...) raises.

The rule for numbers: finite inputs whose exact result is undefined or infinite (log of
x <= 0, 0 ** -1, (-8) ** 0.5) and any division by zero are a clear error, a mistake in the
formula. A NaN or an infinity among the inputs propagates as IEEE 754 and PyTorch say
(relu(nan) is nan, log(-inf) is nan, inf ** -1 is 0), and a result too large for a float is
inf, as in PyTorch: training then stops at the first non-finite loss or parameter with a
message about the learning rate (train.fit).

The derivative helpers work on floats (backward), on Values (grad with create_graph, so a
derivative can be differentiated again) and on code generation's symbols.
"""

from __future__ import annotations

import math

# --- forward rules on floats ------------------------------------------------------------------


def div(a: float, b: float) -> float:
    if b == 0.0:  # always an error, even for a NaN or infinite a: the divisor is the mistake
        raise ZeroDivisionError(f"division by zero: the divisor is {b!r}")
    return a / b


def ieee_pow(a: float, b: float) -> float:
    """a ** b on floats as IEEE 754 pow (and PyTorch): never an exception."""
    try:
        result = a**b
    except ZeroDivisionError:  # 0.0 ** negative: inf, signed like the base for odd integers
        odd = b.is_integer() and b % 2.0 == 1.0
        return math.copysign(math.inf, a) if odd else math.inf
    except OverflowError:
        if a < 0.0 and not b.is_integer():  # (-1e-300) ** -2.5: Python's complex overflowed
            return math.nan
        odd = b.is_integer() and b % 2.0 == 1.0
        return -math.inf if a < 0.0 and odd else math.inf
    return math.nan if type(result) is complex else result  # (-8.0) ** 0.5


def power(a: float, b: float) -> float:
    """a ** b, refusing what has no real result (a negative base with a fractional exponent)
    and a finite division by zero (0 ** -1); an overflow is inf."""
    if a < 0.0 and not b.is_integer() and a > -math.inf and -math.inf < b < math.inf:
        raise ValueError(
            f"a negative base ({a!r}) with a non-integer exponent ({b!r}) has no real result"
        )
    if a == 0.0 and b < 0.0 and b > -math.inf:
        raise ZeroDivisionError(f"0.0 raised to a negative power ({b!r}) is a division by zero")
    try:
        return a**b  # (a finite negative base with a fractional exponent was refused above)
    except (ZeroDivisionError, OverflowError):
        return ieee_pow(a, b)


def exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf  # as IEEE and PyTorch; fit stops training on it


def log(a: float) -> float:
    if a <= 0.0:
        if a == -math.inf:
            return math.nan
        raise ValueError(f"log is defined only for inputs > 0, got {a!r}")
    return math.log(a)


def sigmoid(a: float) -> float:
    # Two branches so exp never overflows: sigmoid(-1000) is 0.0 and sigmoid(1000) is 1.0.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sin(a: float) -> float:
    try:
        return math.sin(a)
    except ValueError:  # sin(±inf): NaN, as in PyTorch (math.sin raises)
        return math.nan


def cos(a: float) -> float:
    try:
        return math.cos(a)
    except ValueError:  # cos(±inf): NaN, as in PyTorch
        return math.nan


def softplus(a: float) -> float:
    # log(1 + e^a) in two branches so exp never overflows; log1p keeps the small tail exact
    if a > 0.0:
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


def relu(a: float) -> float:
    return 0.0 if a < 0.0 else a  # NaN stays NaN and -0.0 stays -0.0, as in PyTorch


def affine(*a: float) -> float:
    """w1*x1 + ... + wn*xn + b from the operands (w1, x1, w2, x2, ..., b): one neuron's
    weighted sum, added left to right with the bias last, as the note writes
    w11_2*a1_1 + w21_2*a2_1 + b1_2."""
    n = len(a) - 1
    if not n:  # no inputs: just the bias
        return a[0]
    total = a[0] * a[1]
    for i in range(2, n, 2):
        total += a[i] * a[i + 1]
    return total + a[n]


def affine_code(*names: str) -> str:
    """affine's forward as code: `w1 * x1 + w2 * x2 + b`."""
    terms = [f"{names[i]} * {names[i + 1]}" for i in range(0, len(names) - 1, 2)]
    return " + ".join(terms + [names[-1]])


# --- derivative rules and helpers -------------------------------------------------------------


def affine_derivative(g, out, *a):
    """affine's chain rule, one gradient per operand (w1, x1, ..., b)."""
    grads = []
    for i in range(0, len(a) - 1, 2):
        grads.append(g * a[i + 1])  # d/dw_i = g * x_i
        grads.append(g * a[i])  # d/dx_i = g * w_i
    grads.append(g)  # d/db = g
    return tuple(grads)


def _is_value(x: object) -> bool:
    """Whether x is a Value (a rule run by grad(create_graph=True)), not a float or a code
    generation symbol. Told by its `grad`, which only Values have: this module sits below
    the one that defines Value."""
    return hasattr(x, "grad")


def _log(x):
    """Natural log of a float, or the differentiable log of a Value/symbol."""
    return math.log(x) if type(x) is float else x.log()


def step(x):
    """relu's derivative: 0 where x <= 0, else 1 (so 1 at NaN, as in PyTorch). A constant
    (its own derivative is 0 almost everywhere)."""
    if type(x) is float:
        return 0.0 if x <= 0.0 else 1.0
    if _is_value(x):
        return 0.0 if x.data <= 0.0 else 1.0
    return x.step()  # a symbol (codegen) writes the step out as code


def dpow_da(g, a, b):
    """d(a ** b)/da times g, as PyTorch: 0 for a zero exponent (even at a == 0), else
    b * a ** (b - 1) in IEEE arithmetic (x ** 0.5 at 0 is inf; an overflow is inf)."""
    exponent = b if type(b) is float else b.data
    if exponent == 0.0 and not (_is_value(b) and (a if type(a) is float else a.data)):
        # 0 is right, but a differentiable b (grad with create_graph) needs the expression
        # below, which is 0 here and whose derivative in b is not (d/db b·a^(b-1) = a^-1)
        return 0.0
    if type(a) is float and type(b) is float:
        return g * b * ieee_pow(a, b - 1.0)
    return g * b * _derivative_power(a, b - 1.0)


def _derivative_power(a, e):
    """a ** e inside a derivative on Values (grad with create_graph): IEEE pow, as PyTorch,
    where the forward rule refuses a finite division by zero: x ** 0.5's derivative at 0 is
    inf, and so is its second derivative (the node below is an ordinary `**` node, whose own
    derivative is this rule again). A mistake in a formula is refused by the forward pass
    before any derivative runs, so this only meets points the forward pass allowed."""
    try:
        return a**e
    except ZeroDivisionError:
        base = a if _is_value(a) else type(e)(a)  # a number base: some Value's class for it
        node = base**1.0  # a `**` node over base and a fresh constant, made IEEE below
        if _is_value(e):
            node._b = e
        else:
            node._b.data = e
        node.data = ieee_pow(base.data, node._b.data)
        return node


def dpow_db(g, out, a, b):
    """d(a ** b)/db times g, as PyTorch: 0 at a zero base with b >= 0, else a ** b * ln a
    (ln 0 = -inf; NaN for a negative base, where the real power has no derivative in b)."""
    base = a if type(a) is float else a.data
    exponent = b if type(b) is float else b.data
    if base > 0.0:
        return g * out * _log(a)
    if base == 0.0:
        return 0.0 if exponent >= 0.0 else g * out * -math.inf
    return g * out * math.nan


# --- messages: what went wrong, named -------------------------------------------------------


def op_error(err: Exception, name: str, args: tuple) -> Exception:
    """`err` from op `name`'s forward rule, of the same type, naming the op and its inputs
    (`args`: the op's operand Values)."""
    inputs = ", ".join(f"{a.label}={a.data!r}" if a.label else repr(a.data) for a in args)
    return type(err)(f"{name!r} failed on ({inputs}): {err}")


def signature_error(label: object, op: object, children: object) -> TypeError:
    """Value(...) called with micrograd's signature or a label that is no string."""
    if op is None and children is None:
        given = f"got {type(label).__name__}: {label!r:.60}"
    else:
        given = "got micrograd's _children/_op arguments"
    return TypeError(
        f"Value(data, label='') takes a label string, {given}. Value(data, _children, _op) "
        "is micrograd's signature: for micrograd's code use micrograd_beans.micrograd.engine."
        "Value (micrograd's interface on this engine). Here a node is made by an op "
        "(a + b, a.tanh()), and a new op by micrograd_beans.define_op."
    )
