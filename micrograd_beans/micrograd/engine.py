"""`Value` with micrograd 0.1.0's interface, computed by this engine.

`Value(data, _children=(), _op='')` makes a leaf; ops build micrograd's graph (`a - b` and
`-a` as one node each, which gives micrograd's floats exactly; `a / b` as `a * b**-1`, which
micrograd's floats depend on) out of this engine's nodes, so `backward()` is the engine's fast
iterative pass. The repr is micrograd's: `Value(data=..., grad=...)`.
"""

from __future__ import annotations

from collections.abc import Callable

from micrograd_beans.engine import Value as _EngineValue
from micrograd_beans.engine.rules import op_error
from micrograd_beans.engine.speed import FORWARD, constant

_new = object.__new__


def _binary(name: str, reflected: bool = False) -> Callable[[Value, object], Value]:
    """`self <name> other` (or `other <name> self`) as one engine node of the face's class."""

    def method(self: Value, other: object) -> Value:
        if not isinstance(other, _EngineValue):
            other = constant(other, name)
        a, b = (other, self) if reflected else (self, other)
        out = _new(Value)
        try:
            out.data = FORWARD[name](a.data, b.data)  # per call: detect_anomaly swaps it
        except (ArithmeticError, ValueError) as err:
            raise op_error(err, name, (a, b)) from None
        out.grad = 0.0
        out.label = ""
        out.op = name
        out._a = a
        out._b = b
        return out

    method.__doc__ = f"{'other' if reflected else 'self'} {name} {'self' if reflected else 'other'}"
    return method


def _unary(name: str) -> Callable[[Value], Value]:
    """`self.<name>()` as one engine node of the face's class."""

    def method(self: Value) -> Value:
        out = _new(Value)
        try:
            out.data = FORWARD[name](self.data)  # per call: detect_anomaly swaps it
        except (ArithmeticError, ValueError) as err:
            raise op_error(err, name, (self,)) from None
        out.grad = 0.0
        out.label = ""
        out.op = name
        out._a = self
        out._b = None
        return out

    method.__doc__ = f"{name}(self)"
    return method


class Value(_EngineValue):
    """A scalar with micrograd's constructor and repr; gradients come from this engine.

    `data` and `grad` are always floats (micrograd keeps an int you pass in: `Value(2)` shows
    `data=2` there and `data=2.0` here). Unlike micrograd, a second `backward()` adds the
    leaves' gradients exactly once more (micrograd also re-adds into every intermediate
    node, which double counts).
    """

    __slots__ = ()

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "") -> None:
        if _children or _op:
            raise TypeError(
                "Value(data, _children, _op) builds an op's result by hand and relies on "
                "setting its _backward closure, micrograd's way of adding an op; this engine "
                "takes every op's derivative from its table instead. Define the op once with "
                "micrograd_beans.define_op(name, forward, derivative) and call it as a method "
                "(v.name()); pass only data (and label) here."
            )
        super().__init__(data, label)

    __add__ = _binary("+")
    __radd__ = _binary("+", reflected=True)
    __mul__ = _binary("*")
    __rmul__ = _binary("*", reflected=True)
    # micrograd writes -a as a * -1 and a - b as a + (-b): one node each here, same floats
    # (negation is exact, and a + (-b) rounds exactly like a - b).
    __neg__ = _unary("neg")
    __sub__ = _binary("-")
    __rsub__ = _binary("-", reflected=True)
    __pow__ = _binary("**")
    __rpow__ = _binary("**", reflected=True)
    relu = _unary("relu")
    exp = _unary("exp")
    log = _unary("log")
    tanh = _unary("tanh")
    sigmoid = _unary("sigmoid")
    sin = _unary("sin")
    cos = _unary("cos")

    # a / b is a * b**-1 in micrograd, which rounds differently from a true division:
    # built the same way here, so the floats are micrograd's.
    def __truediv__(self, other: object) -> Value:
        return self * other**-1

    def __rtruediv__(self, other: object) -> Value:
        return other * self**-1

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
