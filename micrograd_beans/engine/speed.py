"""How the engine is made fast: the same floats as value.py, in fewer steps.

Nothing in value.py, ops.py or new_op.py needs this module to be understood. Everything
here computes exactly what they describe (the tests compare both, bit for bit); it is
written this way for speed and memory, each trick with its measured gain (the numbers are
in benchmarks/README.md, "How it gets its speed"):

- operator methods that record their node themselves, each holding its forward rule;
- constants as Values marked in their `_b` field, not a subclass (`Constant`);
- `affine`, a neuron's weighted sum as one node;
- the tree walk that orders a graph and resets its grads in one pass, without a set;
- the depth-first order reading the operand fields directly, for graphs that share nodes;
- the backward loop written out from the table, each derivative expression pasted into its
  op's branch (`print(engine.BACKWARD_SOURCE)` shows it).

`install()` makes Value's methods and backward loop from `OPS`: when the engine loads, when
define_op adds a row, and when detect_anomaly swaps checking rules in or out.
"""

from __future__ import annotations

import ast
import linecache
from collections.abc import Callable, Iterable

from micrograd_beans.engine.ops import NAMESPACE, OPERAND_NAMES, OPS, Op, names_in
from micrograd_beans.engine.rules import op_error
from micrograd_beans.engine.value import Number, Operand, Value, _ConstantMark

_new = object.__new__

# The rules by name, as plain dicts, for the paths that look a rule up per node (affine's
# node, the backward loop's calls of rules given as functions, the micrograd face): a dict
# lookup and a call cost ~20% less of a micrograd-face op than `OPS[name].forward(...)`,
# a call of an instance attribute, which CPython does not specialise. install() fills them.
FORWARD: dict[str, Callable[..., float]] = {}
BACKWARD: dict[str, Callable[..., tuple]] = {}

# --- recording a node -------------------------------------------------------------------------
# Each operator method records one node itself instead of calling a shared helper
# (value._apply): this code runs once per graph node, and the saved call makes building a
# graph ~1.3x faster. Each holds its forward rule, taken from OPS when the method is made (a
# lookup per node saved, ~3% of the bean step); install() makes them again when a rule changes.


def _binary_method(name: str) -> Callable[[Value, Operand], Value]:
    """`self <name> other` as one new node."""
    forward = OPS[name].forward

    def method(self: Value, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = constant(other, name)
        out = _new(Value)
        try:
            out.data = forward(self.data, other.data)
        except (ArithmeticError, ValueError) as err:
            raise op_error(err, name, (self, other)) from None
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
        return method(constant(other, name), self)

    reflected.__doc__ = f"other {name} self, recorded in the graph."
    return reflected


def _unary_method(name: str) -> Callable[[Value], Value]:
    """`self.<name>()` (or `-self`) as one new node."""
    forward = OPS[name].forward

    def method(self: Value) -> Value:
        out = _new(Value)
        try:
            out.data = forward(self.data)
        except (ArithmeticError, ValueError) as err:
            raise op_error(err, name, (self,)) from None
        out.grad = 0.0
        out.label = ""
        out.op = name
        out._a = self
        out._b = None
        return out

    method.__doc__ = f"{name}(self), recorded in the graph."
    return method


# The Python operators that record an op: the method for `v + w`, then for `2 + v`.
_OPERATORS = {
    "+": ("__add__", "__radd__"),
    "-": ("__sub__", "__rsub__"),
    "*": ("__mul__", "__rmul__"),
    "/": ("__truediv__", "__rtruediv__"),
    "**": ("__pow__", "__rpow__"),
    "neg": ("__neg__",),
}


def _operator_methods() -> dict[str, tuple[str, Callable[[str], Callable]]]:
    """For each of Value's methods that records an op: the op's name and what makes the
    method. Its operators for the rows of Python's operators, else a method named after the
    op (`v.exp()`, and `v.name()` / `v.name(w)` for an op define_op added). affine, which
    takes any number of operands, is the function `affine`."""
    methods = {}
    for op in list(OPS.values()):  # a copy: another thread may define an op meanwhile
        if op.name in _OPERATORS:
            attrs = _OPERATORS[op.name]
            if op.arity == 1:
                methods[attrs[0]] = (op.name, _unary_method)
            else:
                methods[attrs[0]] = (op.name, _binary_method)
                methods[attrs[1]] = (op.name, _reflected_method)
        elif op.arity == 1:
            methods[op.name] = (op.name, _unary_method)
        elif op.arity == 2:
            methods[op.name] = (op.name, _binary_method)
    return methods


# Value's methods, one function per attribute for the life of the process: install() gives
# one its op's new forward rule in place (the closure's `forward` cell) instead of making
# another. So whatever holds a method (a neuron holds its activation's) runs the rules as they
# are now, checking ones only inside a detect_anomaly block, and a method pickles by name.
_METHODS: dict[str, tuple[tuple[str, Callable], Callable]] = {}


def _set_forward(method: Callable, forward: Callable[..., float]) -> None:
    """Put `forward` into the closure of a method made above (through a reflected one)."""
    cells = dict(zip(method.__code__.co_freevars, method.__closure__ or (), strict=True))
    if "forward" not in cells:  # a reflected method: its rule is in the method it calls
        _set_forward(cells["method"].cell_contents, forward)
        return
    cells["forward"].cell_contents = forward


def _record(name: str, args: tuple[Value, ...]) -> Value:
    """One node of an op that takes any number of operands (affine). The operator methods
    above are this, written out for one and two operands."""
    out = _new(Value)
    try:
        out.data = FORWARD[name](*[a.data for a in args])
    except (ArithmeticError, ValueError) as err:
        raise op_error(err, name, args) from None
    out.grad = 0.0
    out.label = ""
    out.op = name
    out._a = args
    out._b = None
    return out


def affine(weights: Iterable[Operand], inputs: Iterable[Operand], bias: Operand) -> Value:
    """One node computing sum(w * x) + bias, with the derivative of each operand.

    The same number as `w1*x1 + ... + wn*xn + bias` added left to right (the note's order),
    in one node instead of 2n: the form a neuron uses, and most of an MLP's graph. Operands
    are kept as (w1, x1, w2, x2, ..., bias).
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
            operands = [v if isinstance(v, Value) else constant(v, "affine") for v in operands]
            break
    return _record("affine", tuple(operands))


# --- constants: Values marked as numbers ------------------------------------------------------


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


def constant(x: object, op: str) -> Value:
    """The number `x` as a constant leaf, for op `op` (value._constant, faster)."""
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
    """value.topological_order's breadth-first walk, or None as soon as an op result turns
    out to be used twice. Resets the grad of every op result it reaches.

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
    """value.depth_first_order, reading the operand fields without the `parents` property
    (~10% faster)."""
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
            a = node._a
            for p in a if type(a) is tuple else (a, node._b):
                if p is not None and p._a is not None and p not in seen:
                    stack.append(p)
    order.reverse()
    return order


def _backward(root: Value) -> None:
    """Value.backward: the same order and the same chain rule, in fewer steps."""
    if root._a is None:
        root.grad += 1.0  # a leaf root accumulates like any leaf
        return
    order = _tree_order(root)  # a tree is ordered (and its grads reset) in one walk
    if order is None:  # some op result is used twice
        order = _depth_first_order(root)
        for node in order:
            node.grad = 0.0
    root.grad = 1.0
    _propagate(order)


# --- the backward loop, written out from the table --------------------------------------------


def compile_backward_loop(ops: Iterable[Op]) -> tuple[Callable[[list[Value]], None], str]:
    """Write the loop that sends each node's grad to its operands, with every derivative
    given as expressions pasted into its own branch; ops given as functions are called.
    Returns the loop (a function of the order) and its source.

    Why generate it: calling a rule per node (a dict lookup, a Python call, a tuple of
    gradients to build and unpack) costs about as much as the arithmetic. Pasted in, the bean
    step is ~11% faster (8.2 -> 7.3 us, same-process A/B). Each derivative still lives only in
    its `OPS` row.
    """
    binary = [op for op in ops if op.expressions is not None and op.arity == 2]
    unary = [op for op in ops if op.expressions is not None and op.arity == 1]
    call_binary = "ga, gb = rules[op](g, node.data, A.data, B.data)"
    call_unary = "(ga,) = rules[op](g, node.data, A.data)"
    lines = [
        "def _propagate(order):",
        "    for node in order:",
        "        g = node.grad",
        "        op = node.op",
        "        A = node._a",
        "        B = node._b",
        "        if B is not None:  # two operands: A and B",
        *_dispatch(binary, ("A", "B"), [call_binary, "A.grad += ga", "B.grad += gb"]),
        "        elif type(A) is tuple:  # any number of operands (affine)",
        "            grads = rules[op](g, node.data, *[p.data for p in A])",
        "            for p, gp in zip(A, grads, strict=True):",
        "                p.grad += gp",
        "        else:  # one operand: A",
        *_dispatch(unary, ("A",), [call_unary, "A.grad += ga"]),
    ]
    source = "\n".join(lines) + "\n"
    filename = "<micrograd_beans.engine: backward loop>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {**NAMESPACE, "rules": BACKWARD, "_ConstantMark": _ConstantMark}
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
        used = set().union(*map(names_in, op.expressions))
        if "out" in used:
            lines.append(f"{pad}    out = node.data")
        for name, operand in zip(OPERAND_NAMES[: len(operands)], operands, strict=True):
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


# --- putting it in place ----------------------------------------------------------------------


def _learner_methods() -> dict[str, Callable]:
    """The methods value.py defines and install() replaces: its operators and backward."""
    replaced = {attr for attrs in _OPERATORS.values() for attr in attrs} | set(OPS) | {"backward"}
    return {name: f for name, f in vars(Value).items() if name in replaced}


# Kept so the tests can run the learner's version beside the fast one.
LEARNER_METHODS = _learner_methods()

_propagate: Callable[[list[Value]], None]
BACKWARD_SOURCE = ""
_compiled_for: tuple = ()  # the derivatives the loop was last written from
_mode_backward: Callable[[Value], None] | None = None  # a mode's backward (detect_anomaly)


def install() -> None:
    """Make Value's operator methods and its backward loop from OPS, as it is now.

    The loop is written again only when a derivative changed: writing it takes milliseconds,
    and detect_anomaly, which swaps only forward rules, calls this on every entry and exit.
    """
    global _propagate, BACKWARD_SOURCE, _compiled_for
    rows = list(OPS.values())  # a copy: another thread may define an op meanwhile
    FORWARD.update((op.name, op.forward) for op in rows)
    BACKWARD.update((op.name, op.backward) for op in rows)
    for gone in FORWARD.keys() - OPS.keys():  # (only tests take a row away)
        del FORWARD[gone], BACKWARD[gone]
    for attr, spec in _operator_methods().items():
        made = _METHODS.get(attr)
        if made is not None and made[0] == spec:
            method = made[1]
            _set_forward(method, OPS[spec[0]].forward)
        else:
            method = spec[1](spec[0])
            method.__name__ = attr
            method.__qualname__ = f"Value.{attr}"
            method.__module__ = Value.__module__
            _METHODS[attr] = (spec, method)
        setattr(Value, attr, method)
    derivatives = tuple((op.name, op.arity, op.expressions) for op in rows)
    if derivatives != _compiled_for:
        _propagate, BACKWARD_SOURCE = compile_backward_loop(rows)
        _compiled_for = derivatives
    Value.backward = _mode_backward or _backward


def use_backward(backward: Callable[[Value], None] | None) -> None:
    """Make `Value.backward` run `backward(root)` instead of the engine's own (None: the
    engine's own again). detect_anomaly puts its checking backward in this way."""
    global _mode_backward
    _mode_backward = backward
    Value.backward = backward or _backward


_backward.__name__ = "backward"
_backward.__qualname__ = "Value.backward"
_backward.__module__ = Value.__module__
_backward.__doc__ = LEARNER_METHODS["backward"].__doc__

install()
