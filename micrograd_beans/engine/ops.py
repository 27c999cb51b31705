"""The table of ops: every primitive the engine knows, its forward rule beside its derivative.

Read it after value.py; next, new_op.py (define_op: a new row from outside), and rules.py
when you want the details of one rule.

Each derivative is the chain rule for one input, written as an expression over

    g     d(loss)/d(out), the gradient arriving at the op's output
    out   the op's output
    a, b  its inputs

so `*`'s row says d(loss)/d(a) = g * b and d(loss)/d(b) = g * a. The same expression runs on
floats (backward), on Values (grad(create_graph=True): derivatives of derivatives) and on
code generation's symbols (generated code), because it uses only arithmetic and the ops'
own functions (exp, sigmoid, ...). An op that needs branches or takes any number of inputs
gives a function instead. The last column is the forward rule as code, for codegen.
"""

from __future__ import annotations

import ast
import copy
import math
import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from micrograd_beans.engine import rules

# fmt: off
TABLE = (
    # op        forward         derivative: d(loss)/d(a) [, d(loss)/d(b)]        as code
    ("+",        operator.add,   ("g", "g"),                                    "{0} + {1}"),
    ("-",        operator.sub,   ("g", "-g"),                                   "{0} - {1}"),
    ("*",        operator.mul,   ("g * b", "g * a"),                            "{0} * {1}"),
    ("/",        rules.div,      ("g / b", "-g * out / b"),                     "{0} / {1}"),
    ("**",       rules.power,    ("dpow_da(g, a, b)", "dpow_db(g, out, a, b)"), "{0} ** {1}"),
    ("neg",      operator.neg,   "-g",                                          "-{0}"),
    ("exp",      rules.exp,      "g * out",                                     "exp({0})"),
    ("log",      rules.log,      "g / a",                                       "log({0})"),
    ("tanh",     math.tanh,      "g * (1.0 - out * out)",                       "tanh({0})"),
    ("sigmoid",  rules.sigmoid,  "g * out * (1.0 - out)",                       "sigmoid({0})"),
    ("relu",     rules.relu,     "g * step(a)",                                 "relu({0})"),
    ("sin",      rules.sin,      "g * cos(a)",                                  "sin({0})"),
    ("cos",      rules.cos,      "-g * sin(a)",                                 "cos({0})"),
    # log(1 + e^a) without overflow: binary cross-entropy from a logit (losses.py)
    ("softplus", rules.softplus, "g * sigmoid(a)",                              "softplus({0})"),
    # A neuron's w1*x1 + ... + wn*xn + b as one node, operands (w1, x1, ..., b): 2n fewer
    # nodes to build and walk, most of an MLP's graph (engine.affine makes one)
    ("affine",   rules.affine,   rules.affine_derivative,                       rules.affine_code),
)
# fmt: on


@dataclass(frozen=True)
class Op:
    """One primitive: its name, its forward rule on floats and its derivative rule.

    `backward(g, out, *inputs)` returns the gradient for each input. It may be given as a
    function, or as one expression per input (`("g * b", "g * a")` for `*`): the
    expressions are checked and compiled into that function, and kept in `expressions`
    (None for a function) for the backward loop to paste in. `code` is the forward rule
    as an expression template for code generation (`{0}`, `{1}` are the inputs), or a
    function of the input names. `arity` is 0 for an op of any number of inputs.
    """

    name: str
    arity: int
    forward: Callable[..., float]
    backward: Callable[..., tuple] | tuple[str, ...]
    code: str | Callable[..., str]
    expressions: tuple[str, ...] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if not callable(self.backward):
            _compile_derivative(self)

    def expression(self, *names: str) -> str:
        """The forward rule as Python source over the given input expressions."""
        return self.code(*names) if callable(self.code) else self.code.format(*names)

    def with_forward(self, forward: Callable[..., float]) -> Op:
        """This row with another forward rule (detect_anomaly's checking ones), all else kept."""
        row = copy.copy(self)
        object.__setattr__(row, "forward", forward)  # Op is frozen: this is its construction
        return row


# --- what a derivative expression may use -----------------------------------------------------


def op_function(name: str) -> Callable:
    """The one-input op `name` as a function of a float, a Value or a symbol: its forward rule
    on numbers, its Value method on Values (so a derivative written with it can be
    differentiated again), its symbol method in code generation."""

    def function(x):
        if type(x) is float:
            return OPS[name].forward(x)
        if isinstance(x, numbers.Real):
            return OPS[name].forward(float(x))
        return getattr(x, name)()

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x) on a number, a Value or a symbol (the op {name!r})."
    return function


# The functions of one input that expressions (derivatives, and forward rules given to
# define_op) may call by name: cos(a), sigmoid(a), ... define_op adds each new one-input op.
OP_FUNCTIONS = {
    name: op_function(name) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sin", "cos")
}

# `math.cos(a)` in an expression means the op cos, so it works on Values and symbols too;
# the math module's other functions would silently turn Values into floats, so only these.
EXPRESSION_MATH = SimpleNamespace(
    pi=math.pi, e=math.e, tau=math.tau, inf=math.inf, nan=math.nan, **OP_FUNCTIONS
)

# Every name a derivative expression may use besides g, out, a and b.
NAMESPACE = {
    "step": rules.step,  # 1[x > 0]: a derivative that switches (relu's, leaky relu's)
    "dpow_da": rules.dpow_da,
    "dpow_db": rules.dpow_db,
    "math": EXPRESSION_MATH,
    **OP_FUNCTIONS,
}

OPERAND_NAMES = ("a", "b")


def names_in(expression: str) -> set[str]:
    """The variable names an expression reads (not attribute names: `math.exp` reads math)."""
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def check_expression(expr: str, variables: set[str], what: str) -> None:
    """Refuse an expression that does not parse or reads a name it cannot have."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"{what} {expr!r} is not a Python expression: {err.msg}") from None
    unknown = names_in(expr) - variables - set(NAMESPACE)
    if unknown:
        functions = ", ".join(n for n in NAMESPACE if n != "math")
        raise ValueError(
            f"{what} {expr!r} uses {', '.join(sorted(unknown))}; it may use "
            f"{', '.join(sorted(variables))}, the functions {functions}, and math.pi, math.e"
        )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "math"
            and not hasattr(EXPRESSION_MATH, node.attr)
        ):
            raise ValueError(
                f"{what} {expr!r} uses math.{node.attr}, which is not an op: on Values it would "
                "give a plain float (wrong higher derivatives) and no code. Write it with ops "
                f"({', '.join(OP_FUNCTIONS)}, + - * / **) or define it first with define_op"
            )


def _compile_derivative(op: Op) -> None:
    """Check op's derivative expressions, keep them in `op.expressions` and compile them into
    its `backward` function (`lambda g, out, a, b: (g * b, g * a)` for `*`)."""
    exprs = tuple(op.backward)
    if op.arity not in (1, 2) or len(exprs) != op.arity:
        raise ValueError(
            f"op {op.name!r}: derivative expressions need arity 1 or 2 and one "
            f"expression per input, got arity {op.arity} and {len(exprs)}"
        )
    operands = OPERAND_NAMES[: op.arity]
    for expr in exprs:
        check_expression(expr, {"g", "out", *operands}, f"op {op.name!r}: the derivative")
    source = f"lambda g, out, {', '.join(operands)}: ({', '.join(exprs)},)"
    rule = eval(compile(source, f"<derivative of {op.name}>", "eval"), NAMESPACE)
    object.__setattr__(op, "backward", rule)  # Op is frozen: this is its construction
    object.__setattr__(op, "expressions", exprs)


def _row(name: str, forward: Callable, derivative: str | tuple | Callable, code: object) -> Op:
    """A TABLE row as an Op: one expression per input (a lone string for one input), or a
    function for an op of any number of inputs."""
    if isinstance(derivative, str):
        derivative = (derivative,)
    arity = 0 if callable(derivative) else len(derivative)
    return Op(name, arity, forward, derivative, code)


# The table by name: what every op method, backward, grad, gradcheck and codegen look up.
OPS: dict[str, Op] = {row[0]: _row(*row) for row in TABLE}
