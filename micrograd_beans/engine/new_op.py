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
import builtins
import inspect
import keyword
import numbers
import threading
from collections.abc import Callable, Sequence

from micrograd_beans.engine import rules, speed
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

    The forward follows the engine's number rules: `**` is the engine's power (an error for
    a negative base with a fractional exponent, inf on overflow), and a complex or
    non-numeric result is an error. A derivative function is differentiated again by running
    it on Values, so it must compute with Value operations (`a.cos()`, `exp(a)`, `+ - * /`);
    one that turns a Value into a float (`math.cos(a)`) is refused at second order instead
    of giving a silent 0. Thread-safe: definitions from several threads are taken one at a
    time.
    """
    with _DEFINING:  # the table, NAMESPACE and the backward loop change together
        _check_op_name(name)
        derivative, arity = _derivative_and_arity(name, forward, derivative)
        forward, code = _forward_rule(name, forward, OPERAND_NAMES[:arity], code)
        if callable(derivative):
            derivative = _differentiable(name, derivative)
        else:
            operands = {"g", "out", *OPERAND_NAMES[:arity]}
            for expr in derivative:
                check_expression(expr, operands, f"define_op {name!r}: the derivative")
                _check_syntax(expr, f"define_op {name!r}: the derivative")
        op = Op(name, arity, forward, derivative, code)  # compiles the derivative expressions
        _install_op(op)
        return op


# One definition at a time: define_op reads and writes OPS, NAMESPACE and the backward loop,
# which a second thread changing them meanwhile would leave inconsistent (or make a dict
# change size while it is read). Reentrant, so a define_op inside a define_op still works.
_DEFINING = threading.RLock()


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
    if name in _generated_code_names():
        raise ValueError(
            f"define_op: {name!r} is a name the engine's generated backward loop uses (a "
            "Python builtin or one of the loop's own names); an op of that name would "
            "replace it there. Choose another name"
        )


def _generated_code_names() -> set[str]:
    """The names an op's function must not take: it becomes a global of the backward loop
    (and of the derivative functions compiled from expressions), so it would shadow a
    builtin they call (zip, type, tuple) or be shadowed by one of the loop's locals."""
    loop = ast.parse(speed.BACKWARD_SOURCE)
    used = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name)}
    return used | set(dir(builtins)) | set(OPERAND_NAMES) | {"g", "out"}


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
        what = f"define_op {name!r}: the forward rule"
        check_expression(forward, set(operands), what)
        _check_syntax(forward, what)
        if names_in(forward) & set(operands) != set(operands):
            raise ValueError(
                f"define_op {name!r}: the forward rule {forward!r} must use "
                f"{' and '.join(operands)} (one name per input)"
            )
        tree = ast.parse(forward, mode="eval")
        if code is None:
            code = _code_template(tree, operands)
        # `**` as the engine's own `**` computes it (rules.power), not Python's float power
        # (on a tree of its own: the transformer edits in place, the template keeps `tree`)
        fresh = ast.parse(forward, mode="eval")
        body = ast.fix_missing_locations(_PowerAsTheEngines().visit(fresh)).body
        source = f"lambda {', '.join(operands)}: {ast.unparse(body)}"
        namespace = {**NAMESPACE, _ENGINE_POWER: _engine_power}
        forward = eval(compile(source, f"<forward of {name}>", "eval"), namespace)
    elif not callable(forward):
        raise TypeError(
            f"define_op: forward must be an expression or a function, got {forward!r:.80}"
        )
    return _real_result(name, forward), code


# --- the engine's number rules for a user's forward -------------------------------------------

_ENGINE_POWER = "_engine_power"


def _engine_power(a: float, b: float) -> float:
    """`a ** b` in a forward expression: the engine's `**` (rules.power). Python's float
    power gives a complex number for (-4.0) ** 0.5 and raises OverflowError for 1e200 ** 2.0;
    the engine refuses the first (no real result) and gives inf for the second."""
    return rules.power(float(a), float(b))


class _PowerAsTheEngines(ast.NodeTransformer):
    """`a ** b` -> `_engine_power(a, b)` in a forward expression."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.Call(ast.Name(_ENGINE_POWER, ast.Load()), [node.left, node.right], [])
        return node


def _real_result(name: str, forward: Callable[..., float]) -> Callable[..., float]:
    """`forward` returning a float, as every forward rule of the engine does: an int or a
    numpy number becomes a float, a complex number has no real result (an error, as for the
    engine's (-8.0) ** 0.5), anything else is refused naming the op."""

    def rule(*inputs: float) -> float:
        result = forward(*inputs)
        if type(result) is float:
            return result
        if isinstance(result, numbers.Real):
            return float(result)
        if isinstance(result, numbers.Complex):
            raise ValueError(f"the forward rule gave {result!r}, which has no real result")
        raise TypeError(
            f"define_op {name!r}: the forward rule must return a number, it returned "
            f"{type(result).__name__}: {result!r:.60}"
        )

    rule.__name__ = rule.__qualname__ = name
    rule.__wrapped__ = forward  # type: ignore[attr-defined]
    return rule


# --- what an expression may be written with ---------------------------------------------------

# Arithmetic, calls of the ops' functions and names: what runs alike on floats, Values and
# code generation's symbols. Anything else (a yield, a lambda, a comprehension, a walrus, a
# comparison, a subscript) could do more than compute a number, or compute one only on floats.
_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Call,
    ast.Name,
    ast.Attribute,
    ast.Constant,
    ast.Load,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
)


def _check_syntax(expr: str, what: str) -> None:
    """Refuse an expression with anything but arithmetic, numbers, names and plain calls."""
    for node in ast.walk(ast.parse(expr, mode="eval")):
        problem = None
        if not isinstance(node, _ALLOWED_NODES):
            problem = f"{type(node).__name__} ({ast.unparse(node)!r})"
        elif isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            problem = f"the constant {node.value!r}"
        elif isinstance(node, ast.Call) and (
            node.keywords or not isinstance(node.func, (ast.Name, ast.Attribute))
        ):
            problem = f"the call {ast.unparse(node)!r} (only f(x) with positional arguments)"
        elif any(isinstance(arg, ast.Starred) for arg in getattr(node, "args", ())):
            problem = f"the call {ast.unparse(node)!r}"
        elif isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id == "math"
        ):
            problem = f"the attribute {ast.unparse(node)!r} (only math.<name>)"
        if problem:
            raise ValueError(
                f"{what} {expr!r} uses {problem}; an expression may use only numbers, the "
                "names it is given, + - * / **, unary -, and calls of the ops' functions. "
                "For branches or anything else, give a function"
            )


# --- a derivative given as a function, run on Values to be differentiated again ---------------


class _ReadAsFloat(TypeError):
    """Raised by a watched Value turned into a float inside a derivative function."""


class _Watched(Value):
    """A Value a derivative function is given while its result is to be differentiated again
    (grad with create_graph, gradcheck of order 2): turning it into a float (math.cos(a),
    float(a)) would cut it out of the graph, making higher derivatives a silent 0. Only for
    the length of that call: the node is a plain Value again afterwards."""

    __slots__ = ()

    def __float__(self) -> float:
        raise _ReadAsFloat


def _differentiable(name: str, rule: Callable[..., tuple]) -> Callable[..., tuple]:
    """A derivative function `(g, out, a[, b]) -> grads` that, run on Values, refuses to be
    differentiated wrongly: each Value it is given is watched (a fresh node `x * 1.0`, the
    same number, that refuses to become a float), and a plain nonzero number returned for a
    Value gradient (one computed from `.data`) is refused too. On floats (backward) and on
    code generation's symbols it is called as given."""

    def derivative(g, out, *inputs):
        if type(out) is float or not isinstance(out, Value):
            return rule(g, out, *inputs)
        args = [_watch(x) for x in (g, out, *inputs)]
        try:
            result = tuple(rule(*args))
        except _ReadAsFloat:
            raise TypeError(
                f"op {name!r}: its derivative function turned a Value into a float (a math "
                "function or float() on g, out, a or b), so its own derivative would be a "
                "silent 0. Write it with Value operations (a.cos(), exp(a), + - * / **) "
                "to use it at second order, or give the derivative as expressions"
            ) from None
        finally:
            for x in args:
                if type(x) is _Watched:
                    x.__class__ = Value
        if isinstance(g, Value):
            for k, grad in enumerate(result):
                if not isinstance(grad, Value) and isinstance(grad, numbers.Real) and grad != 0:
                    raise TypeError(
                        f"op {name!r}: its derivative function gave the plain number "
                        f"{grad!r} for input {k + 1} when run on Values, so its own "
                        "derivative would be lost. Compute with the Values themselves "
                        "(not their .data) to use it at second order"
                    )
        return result

    derivative.__name__ = derivative.__qualname__ = f"derivative_of_{name}"
    derivative.__wrapped__ = rule  # type: ignore[attr-defined]
    return derivative


def _watch(x: object) -> object:
    if not isinstance(x, Value):
        return x
    watched = x * 1.0  # the same float (also -0.0, inf, nan); derivative 1
    watched.__class__ = _Watched
    return watched


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


def _code_template(tree: ast.Expression, operands: tuple[str, ...]) -> Callable[..., str] | None:
    """Op.code for a forward expression: the expression with the inputs' code put in, and
    each call of an op (one defined before included: `dbl(a)`, `math.exp(a)`) written out as
    that op's own code, so generated code needs no function of the user's. None (no codegen
    rule) if it calls an op that has none."""
    calls = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            op = OPS.get(called)
            if op is not None and op.arity == 1 and len(node.args) == 1:
                if op.code is None:
                    return None
                calls[id(node)] = op

    def template(*names: str) -> str:
        swap = dict(zip(operands, names, strict=True))
        return _Inline(swap, calls).text(tree)

    return template


class _Inline(ast.NodeTransformer):
    """A forward expression as code: inputs replaced by their code, op calls by op code."""

    def __init__(self, swap: dict[str, str], calls: dict[int, Op]) -> None:
        self.swap, self.calls = swap, calls

    def text(self, tree: ast.Expression) -> str:
        return ast.unparse(self.visit(tree).body)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        text = self.swap.get(node.id)
        return node if text is None else ast.parse(f"({text})", mode="eval").body

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        # 3 -> 3.0: the same numbers in arithmetic with floats, and generated code's power
        # (rules.power) takes floats, as the forward rule gives it
        return ast.Constant(float(node.value)) if type(node.value) is int else node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        op = self.calls.get(id(node))
        if op is None:
            return self.generic_visit(node)
        argument = ast.unparse(self.visit(node.args[0]))
        return ast.parse(f"({op.expression(argument)})", mode="eval").body

    def generic_visit(self, node: ast.AST) -> ast.AST:
        # a copy, not the tree itself: the template is used again for every node
        fields = {}
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                fields[field] = [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                fields[field] = self.visit(value)
            else:
                fields[field] = value
        return type(node)(**fields)
