"""define_op: a new primitive op from outside the engine, checked, as one row of the table.

Read it after ops.py. `define_op` checks what it is given (a name no op or method has, a
derivative per input that reads only what it may, a forward rule), makes the `Op`, adds it to
`OPS` (and, for one input, to the functions expressions may call), and asks speed.py to make
Value's method for it and write the backward loop again. Everything a user can get wrong
about a new op is refused here, with a message that says what to do.

Last, if you want to know how the engine is made fast: speed.py.
"""

from __future__ import annotations

import ast
import inspect
import keyword
from collections.abc import Callable, Sequence

from micrograd_beans.engine import speed
from micrograd_beans.engine.ops import (
    NAMESPACE,
    OP_FUNCTIONS,
    OPERAND_NAMES,
    OPS,
    Op,
    check_expression,
    names_in,
    op_function,
)
from micrograd_beans.engine.value import Value


def define_op(
    name: str,
    forward: str | Callable[..., float],
    derivative: str | Sequence[str] | Callable[..., tuple],
    *,
    code: str | None = None,
) -> Op:
    """Add a primitive op to the engine: a new row of `OPS` and a new method of `Value`.

        define_op("smoothplus", "log(1.0 + exp(a))", "g * sigmoid(a)")
        Value(0.3).smoothplus()

    - `name`: the method's name (an identifier no op or Value attribute has yet).
    - `forward`: the op on floats, as an expression over `a` (and `b` for two inputs) that
      may call the one-input ops by name (`exp`, `log`, `tanh`, `sigmoid`, `relu`, `sin`,
      `cos`, and those defined before), or as a Python function of floats.
    - `derivative`: the chain rule, as in the table: one expression per input over `g` (the
      gradient arriving at the output), `out` (the output), `a`, `b` and the same functions;
      `math.cos(a)` means `cos(a)`. Or a function `(g, out, a[, b]) -> (da,[ db])`.
    - `code`: the forward rule as a code template (`"log1p({0})"`) for code generation; an
      expression `forward` needs none.

    The op then works everywhere an op works: backward (its expressions are pasted into the
    backward loop, which is written again), `grad(..., create_graph=True)` and gradcheck
    (expressions run on Values, so the op can be differentiated again), detect_anomaly,
    graph drawing and code generation (which refuses, naming the op, a forward given as a
    function without `code`). Returns the new `Op`.
    """
    _check_op_name(name)
    derivative, arity = _derivative_and_arity(name, forward, derivative)
    forward, code = _forward_rule(name, forward, OPERAND_NAMES[:arity], code)
    op = Op(name, arity, forward, derivative, code)  # checks the derivative expressions
    _install_op(op)
    return op


# define_op's steps: check the name, read the derivative, make the forward rule, install.


def _check_op_name(name: object) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"define_op: the name must be a Python identifier, got {name!r}")
    if name.startswith("_"):
        raise ValueError(f"define_op: {name!r} starts with '_'; op names are public methods")
    if name in OPS or hasattr(Value, name) or name in NAMESPACE:
        raise ValueError(
            f"define_op: {name!r} exists already (an op, a Value attribute or a function "
            "expressions use); choose another name"
        )


def _derivative_and_arity(
    name: str, forward: object, derivative: str | Sequence[str] | Callable[..., tuple]
) -> tuple[tuple[str, ...] | Callable[..., tuple], int]:
    """The derivative as a tuple of expressions (or the function given), and the number of
    inputs: one per expression, or read from the forward rule for a function."""
    if isinstance(derivative, str):
        derivative = (derivative,)
    if callable(derivative):
        arity = _arity_of(forward)
    else:
        derivative = tuple(derivative)
        if not derivative or not all(isinstance(d, str) for d in derivative):
            raise TypeError(
                "define_op: derivative must be an expression, one expression per input, "
                f"or a function; got {derivative!r:.80}"
            )
        arity = len(derivative)
    if arity not in (1, 2):
        raise ValueError(f"define_op: an op takes one or two inputs, {name!r} takes {arity}")
    return derivative, arity


def _forward_rule(
    name: str, forward: object, operands: tuple[str, ...], code: str | None
) -> tuple[Callable[..., float], str | Callable[..., str] | None]:
    """The forward rule as a function of floats, and its code template: an expression is
    checked, compiled and (without `code`) made the template; a function is kept."""
    if isinstance(forward, str):
        check_expression(forward, set(operands), f"define_op {name!r}: the forward rule")
        if names_in(forward) & set(operands) != set(operands):
            raise ValueError(
                f"define_op {name!r}: the forward rule {forward!r} must use "
                f"{' and '.join(operands)} (one name per input)"
            )
        tree = ast.parse(forward, mode="eval")
        if code is None:
            code = _code_template(tree, operands)
        source = f"lambda {', '.join(operands)}: {forward}"
        return eval(compile(source, f"<forward of {name}>", "eval"), NAMESPACE), code
    if not callable(forward):
        raise TypeError(
            f"define_op: forward must be an expression or a function, got {forward!r:.80}"
        )
    return forward, code


def _install_op(op: Op) -> None:
    """Make `op` one of the engine's: its row, its function for expressions (if it takes one
    input), then its Value method and the backward loop written again (speed.install)."""
    OPS[op.name] = op
    if op.arity == 1:
        OP_FUNCTIONS[op.name] = NAMESPACE[op.name] = op_function(op.name)
    speed.install()


def _arity_of(forward: object) -> int:
    """How many inputs a forward rule takes: its names a/b, or its function's parameters."""
    if isinstance(forward, str):
        return 2 if "b" in names_in(forward) else 1
    try:
        params = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(
            "define_op: give the derivative as expressions (one per input): the number of "
            f"inputs of {forward!r:.60} cannot be read"
        ) from None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def _code_template(tree: ast.Expression, operands: tuple[str, ...]) -> Callable[..., str]:
    """Op.code for a forward expression: the expression with the inputs' code put in."""

    def template(*names: str) -> str:
        swap = dict(zip(operands, names, strict=True))
        body = ast.parse(ast.unparse(tree), mode="eval")
        for node in ast.walk(body):
            if isinstance(node, ast.Name) and node.id in swap:
                text = swap[node.id]
                node.id = text if text.isidentifier() else f"({text})"
        return ast.unparse(body)

    return template
