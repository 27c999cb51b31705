"""The scalar autograd engine: the table of primitive ops, `Value`, and reverse-mode backprop.

Read it top down. Part 1 is the engine as a learner meets it: the table of ops (each op's
forward rule beside its derivative, mostly one chain-rule expression per input: `"g * b",
"g * a"` for `*`), the `Value` class, and `backward`. Part 2 holds the rules the table names:
the forward rules on floats with the checks that turn bad math into a clear error, and the
derivative rules that need a function. Part 3, fenced under its own heading, is the machinery
that makes it fast; nothing in parts 1 and 2 needs it to be understood.

The derivative rules use only arithmetic operators and the helpers `_log`/`_step`, so the
same row works on floats (ordinary backward), on Values (differentiable gradients for
higher-order derivatives) and on symbols (code generation). The backward loop is written out
from the table when the module loads (`BACKWARD_SOURCE`), so adding an op never means
editing it.

Speed and memory come from `__slots__`, operands in two fields, no per-node closures or
reference cycles, and an iterative backward that visits every node once, with the derivative
expressions pasted into it (see benchmarks/README.md for the numbers).
"""

from __future__ import annotations

import ast
import html
import inspect
import keyword
import linecache
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

Number = int | float


# =============================================================================================
# Part 1. The engine: the table of ops, Value, backward
# =============================================================================================


@dataclass(frozen=True)
class Op:
    """One primitive: its name, its forward rule on floats and its derivative rule.

    `backward(g, out, *inputs)` returns the gradient for each input, given the gradient `g`
    of the output and the output value `out`. It may be given as a function, or as one
    expression per input over the names g, out, a, b (`("g * b", "g * a")` for `*`): the
    engine turns expressions into that function, and also pastes them straight into its
    backward loop (see `_compile_propagate`). `expressions` keeps them (None for a function).
    `code` is the forward rule as an expression template for code generation (`{0}`, `{1}`
    are the inputs), or a function of the input names for ops of any arity. `arity` is 0
    for ops that take any number of inputs.
    """

    name: str
    arity: int
    forward: Callable[..., float]
    backward: Callable[..., tuple] | tuple[str, ...]
    code: str | Callable[..., str]
    expressions: tuple[str, ...] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if not callable(self.backward):
            _use_derivative_expressions(self)  # checks them, compiles them (part 2)

    def expression(self, *names: str) -> str:
        """The forward rule as Python source over the given input expressions."""
        return self.code(*names) if callable(self.code) else self.code.format(*names)


def _op_table() -> tuple[Op, ...]:
    """The table: forward rule and local derivative side by side. Add an op by adding a row.

    Derivatives read as the chain rule: g is d(loss)/d(out), and each expression is
    d(loss)/d(that input). Ops that need branches or any number of inputs give a function.
    The forward rules with checks (`_div`, `_pow`, ...) are in part 2.

    (A function, so that the table can come first in this file: Python runs a module top to
    bottom, and the rules a row names are defined further down. `OPS` is built from it once
    they are, at the end of part 2.)
    """
    return (
        Op("+", 2, operator.add, ("g", "g"), "{0} + {1}"),
        Op("-", 2, operator.sub, ("g", "-g"), "{0} - {1}"),
        Op("*", 2, operator.mul, ("g * b", "g * a"), "{0} * {1}"),
        Op("/", 2, _div, ("g / b", "-g * out / b"), "{0} / {1}"),
        Op(
            "**",
            2,
            _pow,
            ("_pow_grad_base(g, a, b)", "_pow_grad_exponent(g, out, a, b)"),
            "{0} ** {1}",
        ),
        Op("sigmoid", 1, _sigmoid, ("g * out * (1.0 - out)",), "sigmoid({0})"),
        Op("tanh", 1, math.tanh, ("g * (1.0 - out * out)",), "tanh({0})"),
        Op("relu", 1, _relu, ("g * _step(a)",), "relu({0})"),
        Op("exp", 1, _exp, ("g * out",), "exp({0})"),
        Op("log", 1, _log_forward, ("g / a",), "log({0})"),
        Op("neg", 1, operator.neg, ("-g",), "-{0}"),
        Op("sin", 1, _sin, ("g * cos(a)",), "sin({0})"),
        Op("cos", 1, _cos, ("-g * sin(a)",), "cos({0})"),
        # log(1 + e^a) without overflow: binary cross-entropy from a logit (losses.py)
        Op("softplus", 1, _softplus, ("g * sigmoid(a)",), "softplus({0})"),
        # A neuron's weighted sum w1*x1 + ... + wn*xn + b as one node: 2n fewer nodes to
        # build and walk, which is most of an MLP's graph (see benchmarks/README.md).
        Op("affine", 0, _affine, _affine_backward, _affine_code),
    )


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it.

    `data` is the number, `grad` the derivative of the last `backward()` root with respect to
    it, `op` the name of the op that made it ("" for leaves), `parents` its operands in order.
    A plain number that enters an op (the 2 in `x * 2`) becomes a `Constant` leaf.
    """

    # The operands live in two fields instead of a `parents` tuple: one object fewer per node
    # (92 instead of 112 bytes a node) and no tuple to build, free or unpack, which makes the
    # bean step ~9% faster (benchmarks/README.md). One operand: _a, with _b None. Two: _a, _b.
    # Any number (affine): the tuple in _a, with _b None. A leaf: _a None (and _b None, or
    # _ConstantMark for a constant).
    __slots__ = ("data", "grad", "label", "op", "_a", "_b")
    # Make numpy hand `np.float64(2) * v` to our reflected operators instead of broadcasting.
    __array_ufunc__ = None

    def __init__(
        self, data: Number, label: str = "", _op: None = None, *, _children: None = None
    ) -> None:
        # _op and _children are here only to name micrograd's signature in the error
        if type(label) is not str or _op is not None or _children is not None:
            raise _signature_error(label, _op, _children)
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a: Value | tuple[Value, ...] | None = None
        self._b: Value | None = None

    # --- building the graph -------------------------------------------------------------------
    # One method per row of the table, each recording one new node. Python builds this class
    # before the table's rules exist, so the methods are made from the table in part 3
    # (`_make_operator_methods`) and set on the class there; these lines only declare them.

    __add__: Callable[[Value, Operand], Value]  # v + w, v + 2
    __radd__: Callable[[Value, Number], Value]  # 2 + v
    __sub__: Callable[[Value, Operand], Value]
    __rsub__: Callable[[Value, Number], Value]
    __mul__: Callable[[Value, Operand], Value]
    __rmul__: Callable[[Value, Number], Value]
    __truediv__: Callable[[Value, Operand], Value]
    __rtruediv__: Callable[[Value, Number], Value]
    __pow__: Callable[[Value, Operand], Value]
    __rpow__: Callable[[Value, Number], Value]
    __neg__: Callable[[Value], Value]  # -v
    exp: Callable[[Value], Value]  # v.exp()
    log: Callable[[Value], Value]
    tanh: Callable[[Value], Value]
    sigmoid: Callable[[Value], Value]
    relu: Callable[[Value], Value]
    sin: Callable[[Value], Value]
    cos: Callable[[Value], Value]
    softplus: Callable[[Value], Value]  # log(1 + e^v)

    # --- reading it ---------------------------------------------------------------------------

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """The number as a Python float, the same as `.data` (PyTorch's `tensor.item()`)."""
        return self.data

    def __format__(self, spec: str) -> str:
        """`f"{v:.2f}"` formats the number as a float would; `f"{v}"` is `str(v)`."""
        return format(self.data, spec) if spec else str(self)

    def __repr__(self) -> str:
        kind = "Constant" if self.is_constant else "Value"
        label = f"{self.label!r}, " if self.label else ""
        return f"{kind}({label}data={self.data:.6g}, grad={self.grad:.6g})"

    def _repr_html_(self) -> str:
        """In Jupyter a Value shows as one row: label, data, grad and the op that made it."""
        made_by = "constant" if self.is_constant else (self.op or "leaf")
        cells = (html.escape(self.label or "–"), f"{self.data:.6g}", f"{self.grad:.6g}", made_by)
        row = "".join(f"<td>{html.escape(c) if i == 3 else c}</td>" for i, c in enumerate(cells))
        return (
            '<table style="font-family:monospace"><tr><th>label</th><th>data</th>'
            f"<th>grad</th><th>op</th></tr><tr>{row}</tr></table>"
        )

    def draw_dot(self, *args: object, **kwargs: object) -> object:
        """This Value's computation graph as a picture: `viz.draw_dot(self, ...)`, the same
        options (rankdir, hide_constants, collapse, highlight, params, ...)."""
        # Imported here, not at the top: viz imports this module, and the engine must load
        # without the drawing code (graphviz) for everything that only computes.
        from micrograd_beans.viz import draw_dot

        return draw_dot(self, *args, **kwargs)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands of the op that made this Value, in order (empty for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is not None:
            return (a, b)
        return a if type(a) is tuple else (a,)

    @property
    def is_leaf(self) -> bool:
        return self._a is None

    @property
    def is_constant(self) -> bool:
        """True for a number that entered an op (see `Constant`)."""
        return self._b is _ConstantMark

    # --- the names of micrograd and its lecture: _prev, _op, _backward() ----------------------
    # So the lecture's code runs on this Value: its graph drawing (reads _prev and _op), its
    # build_topo walk, and backprop by hand, node by node (o.grad = 1.0; o._backward(); ...).

    @property
    def _prev(self) -> set[Value]:
        """The operands as a set, as micrograd keeps them (`x + x` has one). Read-only: a new
        set each time. As in micrograd, `x ** 2`'s constant exponent is not among them."""
        if self.op == "**" and self._b.is_constant:
            return {self._a}
        return set(self.parents)

    @property
    def _op(self) -> str:
        """The op that made this Value, by micrograd's name: '+', '*', 'ReLU', '**2', 'exp',
        'tanh'; ops micrograd lacks keep this engine's name ('-', '/', 'neg', 'log',
        'sigmoid', 'affine', ...); '' for a leaf."""
        if self.op == "**" and self._b.is_constant:
            return f"**{_number_text(self._b.data)}"
        return _MICROGRAD_OP_NAMES.get(self.op, self.op)

    def _backward(self) -> None:
        """This node's chain rule, and only this node's: add (local derivative) · self.grad
        into each operand's grad. Nothing for a leaf. Calling it on every node in reverse
        topological order, after `root.grad = 1.0` on a fresh graph, is `root.backward()`."""
        if self._a is None:
            return
        parents = self.parents
        local = _BACKWARD[self.op](self.grad, self.data, *[p.data for p in parents])
        for p, gp in zip(parents, local, strict=True):
            p.grad += gp

    # --- reverse mode -------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(that Value).

        As in PyTorch, leaves accumulate across calls (reset them with `zero_grad`). The grad
        of an intermediate Value is replaced by each call (PyTorch's retained grads would
        accumulate), so a second call adds exactly once more to every leaf.
        """
        _backward(self)  # looked up per call: detect_anomaly swaps in a checking backward


Operand = Value | int | float


def _backward(root: Value) -> None:
    """Reverse mode: order the op results so each comes before its operands, reset their
    grads, give the root 1.0, then send each node's grad to its operands by the chain rule.

    `_propagate(order)` is this loop, written out from the table in part 3 with each row's
    derivative expressions pasted in (same floats, same order, ~11% faster):

        for node in order:
            local = OPS[node.op].backward(node.grad, node.data, *[p.data for p in node.parents])
            for p, g in zip(node.parents, local):
                p.grad += g
    """
    if root._a is None:
        root.grad += 1.0  # a leaf root accumulates like any leaf
        return
    # As in PyTorch, leaves accumulate while an op result holds only the latest call's grad.
    order = _tree_order(root)  # a tree is ordered (and its grads reset) in one walk
    if order is None:  # some op result is used twice
        order = _depth_first_order(root)
        for node in order:
            node.grad = 0.0
    root.grad = 1.0
    _propagate(order)


def _topological_order(root: Value) -> list[Value]:
    """The op results `root` depends on (root included), each before its operands.

    Iterative, so any depth works. Leaves are left out: they only receive gradients.
    The same order `backward()` uses, so anything replaying the chain rule in this order
    (gradcheck, codegen) adds up the same floats in the same order.
    """
    if root.is_leaf:
        return [root]
    seen = {root}
    order = [root]
    for node in order:  # breadth-first: `order` grows as we walk it
        for p in node.parents:
            if not p.is_leaf:
                if p in seen:  # an op result used twice: not a tree
                    return _depth_first_order(root)
                seen.add(p)
                order.append(p)
    return order  # a tree: each node comes after its one consumer


def affine(weights: Iterable[Operand], inputs: Iterable[Operand], bias: Operand) -> Value:
    """One node computing sum(w * x) + bias, with the derivative of each operand.

    The same number as `w1*x1 + ... + wn*xn + bias` added left to right (the note's order),
    in one node instead of 2n: the form a neuron uses. Operands are kept as
    (w1, x1, w2, x2, ..., bias).
    """
    ws, xs = list(weights), list(inputs)
    if len(ws) != len(xs):
        raise ValueError(
            f"affine needs one weight per input: got {len(ws)} weights, {len(xs)} inputs"
        )
    # Built by slice assignment: this runs once per neuron per sample, and it makes an MLP's
    # forward pass ~1.3x faster than building the operands with comprehensions.
    operands = [bias] * (2 * len(ws) + 1)  # the last one stays the bias
    operands[0:-1:2] = ws
    operands[1:-1:2] = xs
    for v in operands:
        if not isinstance(v, Value):  # numbers among them: make those constants
            operands = [v if isinstance(v, Value) else _constant(v, "affine") for v in operands]
            break
    return _record("affine", tuple(operands))


def zero_grad(values: Value | Iterable[Value]) -> None:
    """Set `.grad` to 0.0 on every node of the graph of a Value, or on each Value of a list."""
    nodes = _graph_nodes(values) if isinstance(values, Value) else values
    for v in nodes:
        v.grad = 0.0


def define_op(
    name: str,
    forward: str | Callable[..., float],
    derivative: str | Sequence[str] | Callable[..., tuple],
    *,
    code: str | None = None,
) -> Op:
    """Add a primitive op to the engine: a new row of `OPS` and a new method of `Value`.

        define_op("softplus", "log(1.0 + exp(a))", "g * sigmoid(a)")
        Value(0.3).softplus()

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
    forward, code = _forward_rule(name, forward, _OPERAND_NAMES[:arity], code)
    op = Op(name, arity, forward, derivative, code)  # checks the derivative expressions
    _install_op(op)
    return op


# define_op's steps: check the name, read the derivative, make the forward rule, install.


def _check_op_name(name: object) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"define_op: the name must be a Python identifier, got {name!r}")
    if name.startswith("_"):
        raise ValueError(f"define_op: {name!r} starts with '_'; op names are public methods")
    if name in OPS or hasattr(Value, name) or name in _RULE_NAMESPACE:
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
        _check_expression(forward, set(operands), f"define_op {name!r}: the forward rule")
        if _names_in(forward) & set(operands) != set(operands):
            raise ValueError(
                f"define_op {name!r}: the forward rule {forward!r} must use "
                f"{' and '.join(operands)} (one name per input)"
            )
        tree = ast.parse(forward, mode="eval")
        if code is None:
            code = _code_template(tree, operands)
        source = f"lambda {', '.join(operands)}: {forward}"
        return eval(compile(source, f"<forward of {name}>", "eval"), _RULE_NAMESPACE), code
    if not callable(forward):
        raise TypeError(
            f"define_op: forward must be an expression or a function, got {forward!r:.80}"
        )
    return forward, code


def _install_op(op: Op) -> None:
    """Make `op` one of the engine's: its row, its rules, its method (a function for
    expressions, too, if it takes one input) and the backward loop written again."""
    name = op.name
    OPS[name] = op
    _FORWARD[name] = op.forward
    _BACKWARD[name] = op.backward
    if op.arity == 1:
        _OP_FUNCTIONS[name] = _RULE_NAMESPACE[name] = _op_function(name)
    _OPERATOR_METHODS.append((name, _unary_method if op.arity == 1 else _binary_method, name))
    _make_operator_methods()
    global _propagate, BACKWARD_SOURCE
    _propagate, BACKWARD_SOURCE = _compile_propagate(OPS.values())


def _arity_of(forward: object) -> int:
    """How many inputs a forward rule takes: its names a/b, or its function's parameters."""
    if isinstance(forward, str):
        return 2 if "b" in _names_in(forward) else 1
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


def _graph_nodes(root: Value) -> list[Value]:
    """Every node of root's graph, leaves included, each once (iterative)."""
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return list(seen)


# =============================================================================================
# Part 2. The rules the table names, and the checks that name what went wrong
# =============================================================================================

# --- helpers the derivative expressions share: they work on floats, Values and symbols --------


def _log(x):
    """Natural log of a float, or the differentiable log of a Value/symbol."""
    return math.log(x) if type(x) is float else x.log()


def _step(x):
    """relu's derivative: 0 where x <= 0, else 1 (so 1 at NaN, as in PyTorch). A constant
    (its own derivative is 0 almost everywhere)."""
    if type(x) is float:
        return 0.0 if x <= 0.0 else 1.0
    if isinstance(x, Value):
        return 0.0 if x.data <= 0.0 else 1.0
    return x.step()  # a symbol (codegen) writes the step out as code


def _pow_grad_base(g, a, b):
    """d(a ** b)/da times g, as PyTorch: 0 for a zero exponent (even at a == 0), else
    b * a ** (b - 1) in IEEE arithmetic (x ** 0.5 at 0 is inf; an overflow is inf)."""
    exponent = b if type(b) is float else b.data
    if exponent == 0.0 and not (isinstance(b, Value) and (a if type(a) is float else a.data)):
        # 0 is right, but a differentiable b (grad with create_graph) needs the expression
        # below, which is 0 here and whose derivative in b is not (d/db b·a^(b-1) = a^-1)
        return 0.0
    if type(a) is float and type(b) is float:
        return g * b * _ieee_pow(a, b - 1.0)
    return g * b * a ** (b - 1.0)


def _pow_grad_exponent(g, out, a, b):
    """d(a ** b)/db times g, as PyTorch: 0 at a zero base with b >= 0, else a ** b * ln a
    (ln 0 = -inf; NaN for a negative base, where the real power has no derivative in b)."""
    base = a if type(a) is float else a.data
    exponent = b if type(b) is float else b.data
    if base > 0.0:
        return g * out * _log(a)
    if base == 0.0:
        return 0.0 if exponent >= 0.0 else g * out * -math.inf
    return g * out * math.nan


def _op_function(name: str) -> Callable:
    """The one-input op `name` as a function of a float, a Value or a symbol: its forward rule
    on numbers, its Value method on Values (so a derivative written with it can be
    differentiated again), its symbol method in code generation."""

    def function(x):
        if type(x) is float:
            return _FORWARD[name](x)
        if isinstance(x, numbers.Real) and not isinstance(x, Value):
            return _FORWARD[name](float(x))
        return getattr(x, name)()

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x) on a number, a Value or a symbol (the op {name!r})."
    return function


# The functions of one input that expressions (derivatives, and forward rules given to
# define_op) may call by name: cos(a), sigmoid(a), ... define_op adds each new one-input op.
_OP_FUNCTIONS = {
    name: _op_function(name) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sin", "cos")
}

# `math.cos(a)` in an expression means the op cos, so it works on Values and symbols too;
# the math module's other functions would silently turn Values into floats, so only these.
_EXPRESSION_MATH = SimpleNamespace(
    pi=math.pi, e=math.e, tau=math.tau, inf=math.inf, nan=math.nan, **_OP_FUNCTIONS
)

# Names a derivative expression may use besides g, out, a and b.
_RULE_NAMESPACE = {
    "_log": _log,
    "_step": _step,
    "_pow_grad_base": _pow_grad_base,
    "_pow_grad_exponent": _pow_grad_exponent,
    "step": _step,  # 1[x > 0]: a derivative that switches (relu's, leaky relu's)
    "math": _EXPRESSION_MATH,
    **_OP_FUNCTIONS,
}


# --- forward rules on floats, with the checks that name what went wrong -----------------------


# The rule for numbers: finite inputs whose exact result is undefined or infinite (log of
# x <= 0, 0 ** -1, (-8) ** 0.5) and any division by zero are a clear error, a mistake in the
# formula. A NaN or an infinity among the inputs propagates as IEEE 754 and PyTorch say
# (relu(nan) is nan, log(-inf) is nan, inf ** -1 is 0), and a result too
# large for a float is inf, as in PyTorch: training then stops at the first non-finite loss
# or parameter with a message about the learning rate (train.fit).


def _div(a: float, b: float) -> float:
    if b == 0.0:  # always an error, even for a NaN or infinite a: the divisor is the mistake
        raise ZeroDivisionError(f"division by zero: the divisor is {b!r}")
    return a / b


def _ieee_pow(a: float, b: float) -> float:
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


def _pow(a: float, b: float) -> float:
    if a < 0.0 and not b.is_integer() and a > -math.inf and -math.inf < b < math.inf:
        raise ValueError(
            f"a negative base ({a!r}) with a non-integer exponent ({b!r}) has no real result"
        )
    if a == 0.0 and b < 0.0 and b > -math.inf:
        raise ZeroDivisionError(f"0.0 raised to a negative power ({b!r}) is a division by zero")
    try:
        return a**b  # (a finite negative base with a fractional exponent was refused above)
    except (ZeroDivisionError, OverflowError):
        return _ieee_pow(a, b)


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf  # as IEEE and PyTorch; fit stops training on it


def _log_forward(a: float) -> float:
    if a <= 0.0:
        if a == -math.inf:
            return math.nan
        raise ValueError(f"log is defined only for inputs > 0, got {a!r}")
    return math.log(a)


def _sigmoid(a: float) -> float:
    # Two branches so exp never overflows: sigmoid(-1000) is 0.0 and sigmoid(1000) is 1.0.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sin(a: float) -> float:
    try:
        return math.sin(a)
    except ValueError:  # sin(±inf): NaN, as in PyTorch (math.sin raises)
        return math.nan


def _cos(a: float) -> float:
    try:
        return math.cos(a)
    except ValueError:  # cos(±inf): NaN, as in PyTorch
        return math.nan


def _softplus(a: float) -> float:
    # log(1 + e^a) in two branches so exp never overflows; log1p keeps the small tail exact
    if a > 0.0:
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


def _relu(a: float) -> float:
    return 0.0 if a < 0.0 else a  # NaN stays NaN and -0.0 stays -0.0, as in PyTorch


def _affine(*a: float) -> float:
    # operands are (w1, x1, w2, x2, ..., b): one neuron's weighted sum as a single node,
    # added left to right with the bias last, as the note writes w11_2*a1_1 + w21_2*a2_1 + b1_2
    n = len(a) - 1
    if not n:  # no inputs: just the bias
        return a[0]
    total = a[0] * a[1]
    for i in range(2, n, 2):
        total += a[i] * a[i + 1]
    return total + a[n]


def _affine_code(*names: str) -> str:
    terms = [f"{names[i]} * {names[i + 1]}" for i in range(0, len(names) - 1, 2)]
    return " + ".join(terms + [names[-1]])


# --- derivative rules that need a function: vector-Jacobian products, one entry per operand ---


def _affine_backward(g, out, *a):
    grads = []
    for i in range(0, len(a) - 1, 2):
        grads.append(g * a[i + 1])  # d/dw_i = g * x_i
        grads.append(g * a[i])  # d/dx_i = g * w_i
    grads.append(g)  # d/db = g
    return tuple(grads)


# --- derivative expressions: checked and compiled when an Op is made --------------------------

_OPERAND_NAMES = ("a", "b")


def _names_in(expression: str) -> set[str]:
    """The variable names an expression reads (not attribute names: `math.exp` reads math)."""
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def _check_expression(expr: str, variables: set[str], what: str) -> None:
    """Refuse an expression that does not parse or reads a name it cannot have."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"{what} {expr!r} is not a Python expression: {err.msg}") from None
    unknown = _names_in(expr) - variables - set(_RULE_NAMESPACE)
    if unknown:
        functions = ", ".join(n for n in _RULE_NAMESPACE if not n.startswith("_") and n != "math")
        raise ValueError(
            f"{what} {expr!r} uses {', '.join(sorted(unknown))}; it may use "
            f"{', '.join(sorted(variables))}, the functions {functions}, and math.pi, math.e"
        )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "math"
            and not hasattr(_EXPRESSION_MATH, node.attr)
        ):
            raise ValueError(
                f"{what} {expr!r} uses math.{node.attr}, which is not an op: on Values it would "
                "give a plain float (wrong higher derivatives) and no code. Write it with ops "
                f"({', '.join(_OP_FUNCTIONS)}, + - * / **) or define it first with define_op"
            )


def _use_derivative_expressions(op: Op) -> None:
    """Check op's derivative expressions, keep them in `op.expressions` and compile them into
    its `backward` function (`lambda g, out, a, b: (g * b, g * a)` for `*`)."""
    exprs = tuple(op.backward)
    if op.arity not in (1, 2) or len(exprs) != op.arity:
        raise ValueError(
            f"op {op.name!r}: derivative expressions need arity 1 or 2 and one "
            f"expression per input, got arity {op.arity} and {len(exprs)}"
        )
    operands = _OPERAND_NAMES[: op.arity]
    for expr in exprs:
        _check_expression(expr, {"g", "out", *operands}, f"op {op.name!r}: the derivative")
    source = f"lambda g, out, {', '.join(operands)}: ({', '.join(exprs)},)"
    rule = eval(compile(source, f"<derivative of {op.name}>", "eval"), _RULE_NAMESPACE)
    object.__setattr__(op, "backward", rule)  # Op is frozen: this is its construction
    object.__setattr__(op, "expressions", exprs)


# --- checks on what a user hands the engine ---------------------------------------------------


def _to_float(data: object) -> float:
    """Accept any real number (int, float, bool, numpy bool/integer/floating); reject the rest."""
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    if type(data).__module__ == "numpy" and type(data).__name__ in ("bool", "bool_"):
        return float(data)  # numpy's bool is no numbers.Real, but Python's bool is accepted
    if isinstance(data, Value):
        raise TypeError("Value(...) got a Value; use the Value itself, or Value(v.data) for a copy")
    raise TypeError(
        f"Value needs a real number (int, float or numpy scalar), got {type(data).__name__}: "
        f"{data!r:.60}"
    )


def _signature_error(label: object, op: object, children: object) -> TypeError:
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


def _number_text(x: float) -> str:
    """A number as micrograd's op names write it: 2.0 as '2', 0.5 as '0.5'."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


# micrograd's names for the ops it has under another name (for Value._op).
_MICROGRAD_OP_NAMES = {"relu": "ReLU"}


def _describe(v: Value) -> str:
    return f"{v.label}={v.data!r}" if v.label else repr(v.data)


def _op_error(err: Exception, name: str, args: tuple) -> Exception:
    inputs = ", ".join(_describe(a) for a in args)
    return type(err)(f"{name!r} failed on ({inputs}): {err}")


# --- the table, built now that every rule it names exists -------------------------------------

OPS: dict[str, Op] = {op.name: op for op in _op_table()}

# The rules by name, as plain dicts: the operator methods take their forward rule from here,
# the backward loop calls the rules it has no pasted expressions for, gradcheck replays them.
# The arithmetic rows use `operator.add` etc.: ~60 ns cheaper to call than `float.__add__`.
_BACKWARD = {name: op.backward for name, op in OPS.items()}
_FORWARD = {name: op.forward for name, op in OPS.items()}


# =============================================================================================
# Part 3. How it is made fast
# =============================================================================================
# Everything below computes exactly what parts 1 and 2 describe (the tests check it bit for
# bit); it is written this way for speed and memory, each trick with its measured gain.
# The numbers are in benchmarks/README.md ("How it gets its speed").

# --- recording a node -------------------------------------------------------------------------
# Each operator method records one node itself instead of calling a shared helper: this code
# runs once per graph node, and the saved call makes building a graph ~1.3x faster. Each
# holds its forward rule, taken from _FORWARD when the method is made (a dict lookup per node
# saved, ~3% of the bean step); detect_anomaly makes them again after it swaps the rules.

_new = object.__new__


def _binary_method(name: str) -> Callable[[Value, Operand], Value]:
    """`self <name> other` as one new node."""
    forward = _FORWARD[name]

    def method(self: Value, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, name)
        out = _new(Value)
        try:
            out.data = forward(self.data, other.data)
        except (ArithmeticError, ValueError) as err:
            raise _op_error(err, name, (self, other)) from None
        out.grad = 0.0
        out.label = ""
        out.op = name
        out._a = self
        out._b = other
        return out

    method.__doc__ = f"self {name} other, recorded in the graph."
    return method


def _reflected_method(name: str) -> Callable[[Value, Number], Value]:
    """`number <name> self`, for a plain number on the left."""
    method = _binary_method(name)

    def reflected(self: Value, other: Number) -> Value:
        return method(_constant(other, name), self)

    reflected.__doc__ = f"other {name} self, recorded in the graph."
    return reflected


def _unary_method(name: str) -> Callable[[Value], Value]:
    """`self.<name>()` (or `-self`) as one new node."""
    forward = _FORWARD[name]

    def method(self: Value) -> Value:
        out = _new(Value)
        try:
            out.data = forward(self.data)
        except (ArithmeticError, ValueError) as err:
            raise _op_error(err, name, (self,)) from None
        out.grad = 0.0
        out.label = ""
        out.op = name
        out._a = self
        out._b = None
        return out

    method.__doc__ = f"{name}(self), recorded in the graph."
    return method


# Value's operator methods (declared in its class body): attribute, how it is made, which op.
_OPERATOR_METHODS = [
    ("__add__", _binary_method, "+"),
    ("__radd__", _reflected_method, "+"),
    ("__sub__", _binary_method, "-"),
    ("__rsub__", _reflected_method, "-"),
    ("__mul__", _binary_method, "*"),
    ("__rmul__", _reflected_method, "*"),
    ("__truediv__", _binary_method, "/"),
    ("__rtruediv__", _reflected_method, "/"),
    ("__pow__", _binary_method, "**"),
    ("__rpow__", _reflected_method, "**"),
    ("__neg__", _unary_method, "neg"),
    ("exp", _unary_method, "exp"),
    ("log", _unary_method, "log"),
    ("tanh", _unary_method, "tanh"),
    ("sigmoid", _unary_method, "sigmoid"),
    ("relu", _unary_method, "relu"),
    ("sin", _unary_method, "sin"),
    ("cos", _unary_method, "cos"),
    ("softplus", _unary_method, "softplus"),
]  # define_op appends each new op


def _make_operator_methods() -> None:
    """Set Value's operator methods, each holding the current rule from _FORWARD: once when
    the module loads, and again by detect_anomaly after it swaps the rules (and back)."""
    for attr, make, name in _OPERATOR_METHODS:
        setattr(Value, attr, make(name))


def _record(name: str, args: tuple[Value, ...]) -> Value:
    """One node of an op that takes any number of operands (affine), recorded in the graph.

    The operator methods above are this, written out for one and two operands."""
    out = _new(Value)
    try:
        out.data = _FORWARD[name](*[a.data for a in args])
    except (ArithmeticError, ValueError) as err:
        raise _op_error(err, name, args) from None
    out.grad = 0.0
    out.label = ""
    out.op = name
    out._a = args
    out._b = None
    return out


# --- constants: Values marked as numbers ------------------------------------------------------


class _ConstantMark:
    """Kept in a constant's `_b` field (a leaf has no operands) to mark it as a constant. A
    class, so copying or pickling a constant keeps this very object."""


class _ConstantType(type):
    """Constant's type: `isinstance(v, Constant)` asks the Value whether it is marked."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Value) and obj.is_constant


class Constant(metaclass=_ConstantType):
    """A number that entered an op (the 2 in `x * 2`): a leaf, drawn and coded as a literal.

    `Constant(2.0)` makes one and `isinstance(v, Constant)` tells one apart, but a constant
    is a plain `Value` marked as one (`v.is_constant`), not a subclass: with two classes of
    node, each attribute read in the hot loops that meets both (an operand's .data, .grad)
    loses CPython's specialisation for its class, ~8% of the bean step (benchmarks/).
    """

    def __new__(cls, data: Number, label: str = "") -> Value:  # type: ignore[misc]
        c = Value(data, label)
        c._b = _ConstantMark
        return c


def _constant(x: object, op: str) -> Value:
    """The number `x` as a constant leaf, for op `op`."""
    if type(x) is float or type(x) is int:
        # The usual numbers (x * 0.5, 1 - y, y ** 2) skip Value.__init__'s checks: the
        # generic path costs ~250 ns more for an int (numbers.Real is an ABC check).
        c = _new(Value)
        c.data = float(x)
        c.grad = 0.0
        c.label = ""
        c.op = ""
        c._a = None
        c._b = _ConstantMark
        return c
    try:
        return Constant(x)
    except TypeError:
        raise TypeError(
            f"unsupported operand for {op!r}: {type(x).__name__} ({x!r:.60}); "
            "use a Value or a real number"
        ) from None


# --- ordering the graph for backward ----------------------------------------------------------


def _tree_order(root: Value) -> list[Value] | None:
    """_topological_order's breadth-first walk for backward(), or None as soon as an op
    result turns out to be used twice. Resets the grad of every op result it reaches.

    It marks each op result it reaches by setting its grad to a fresh 0.0 object: that both
    marks the node and resets its grad, with no set (~30% faster). A tree needs no
    depth-first pass: each node comes after its one consumer (the bean step: 9.3 -> 8.5 us);
    stopping at the first shared node saves the rest of the walk.
    """
    # A new float object each call (float("0") is never a cached constant), so no older grad
    # is this object. A plain float, not a float subclass: a subclass in the grads makes
    # CPython's float arithmetic take its slow path, ~4% of the bean step. (On PyPy, where
    # `is` compares floats by value, any 0.0 grad matches: the walk then gives up and the
    # depth-first order is used; slower, still right.)
    mark = float("0")
    root.grad = mark
    order = [root]
    for node in order:
        a = node._a
        b = node._b
        if b is not None:  # two operands
            if a._a is not None:
                if a.grad is mark:
                    return None
                a.grad = mark
                order.append(a)
            if b._a is not None:
                if b.grad is mark:
                    return None
                b.grad = mark
                order.append(b)
        elif type(a) is tuple:  # any number of operands
            for p in a:
                if p._a is not None:
                    if p.grad is mark:
                        return None
                    p.grad = mark
                    order.append(p)
        elif a._a is not None:  # one operand
            if a.grad is mark:
                return None
            a.grad = mark
            order.append(a)
    return order


def _depth_first_order(root: Value) -> list[Value]:
    """Reverse post-order of a depth-first walk: each op result before its operands."""
    seen = set()
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the node under this marker has all its operands in `order`
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack.append(node)
            stack.append(None)
            a = node._a  # the operands, read without the `parents` property (~10% faster)
            for p in a if type(a) is tuple else (a, node._b):
                if p is not None and p._a is not None and p not in seen:
                    stack.append(p)
    order.reverse()
    return order


# --- the backward loop, written out from the table --------------------------------------------


def _compile_propagate(ops: Iterable[Op]) -> tuple[Callable[[list[Value]], None], str]:
    """Write the loop that sends each node's grad to its operands, with every derivative
    given as expressions pasted into its own branch; ops given as functions are called.

    Why generate it: calling a rule per node (a dict lookup, a Python call, a tuple of
    gradients to build and unpack) costs about as much as the arithmetic. Pasted in, the bean
    step is ~11% faster (8.2 -> 7.3 us, same-process A/B). Each derivative still lives only in
    its `OPS` row; `print(engine.BACKWARD_SOURCE)` shows the loop this writes.
    """
    binary = [op for op in ops if op.expressions is not None and op.arity == 2]
    unary = [op for op in ops if op.expressions is not None and op.arity == 1]
    lines = [
        "def _propagate(order):",
        "    for node in order:",
        "        g = node.grad",
        "        op = node.op",
        "        A = node._a",
        "        B = node._b",
        "        if B is not None:  # two operands: A and B",
        *_dispatch(
            binary,
            ("A", "B"),
            [
                "ga, gb = rules[op](g, node.data, A.data, B.data)",
                "A.grad += ga",
                "B.grad += gb",
            ],
        ),
        "        elif type(A) is tuple:  # any number of operands (affine)",
        "            grads = rules[op](g, node.data, *[p.data for p in A])",
        "            for p, gp in zip(A, grads, strict=True):",
        "                p.grad += gp",
        "        else:  # one operand: A",
        *_dispatch(unary, ("A",), ["(ga,) = rules[op](g, node.data, A.data)", "A.grad += ga"]),
    ]
    source = "\n".join(lines) + "\n"
    filename = "<micrograd_beans.engine: backward loop>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {**_RULE_NAMESPACE, "rules": _BACKWARD, "_ConstantMark": _ConstantMark}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["_propagate"], source


def _calls_a_function(expression: str) -> bool:
    """Whether a derivative expression calls a helper (pow's, relu's step), so is worth
    skipping for a constant operand, whose gradient nobody reads."""
    return any(isinstance(n, ast.Call) for n in ast.walk(ast.parse(expression, mode="eval")))


def _dispatch(ops: list[Op], operands: tuple[str, ...], call_rule: list[str]) -> list[str]:
    """`if op == name:` for each op with its expressions pasted in (binding the names they
    use first), and `else:` calling the rule for any other op."""
    pad = " " * 12
    lines = []
    for op in ops:
        lines.append(f"{pad}{'elif' if lines else 'if'} op == {op.name!r}:")
        used = set().union(*map(_names_in, op.expressions))
        if "out" in used:
            lines.append(f"{pad}    out = node.data")
        for name, operand in zip(_OPERAND_NAMES[: len(operands)], operands, strict=True):
            if name in used:
                lines.append(f"{pad}    {name} = {operand}.data")
        for expr, operand in zip(op.expressions, operands, strict=True):
            if _calls_a_function(expr):  # a costly rule: only for an operand that needs it
                lines.append(f"{pad}    if {operand}._b is not _ConstantMark:")
                lines.append(f"{pad}        {operand}.grad += {expr}")
            else:
                lines.append(f"{pad}    {operand}.grad += {expr}")
    if not lines:
        return [pad + line for line in call_rule]
    return lines + [pad + "else:"] + [pad + "    " + line for line in call_rule]


# --- made when the module loads, from the table -----------------------------------------------

_make_operator_methods()
_propagate, BACKWARD_SOURCE = _compile_propagate(OPS.values())
