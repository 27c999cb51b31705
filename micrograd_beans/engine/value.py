"""Value and backward: a number that remembers how it was made, and reverse-mode autodiff.

This is micrograd's engine.py, extended. Read it first; next ops.py (the table of ops the
operators here look up: each op's forward rule beside its derivative), then new_op.py
(define_op, a new op from outside). speed.py makes all of this fast without changing a
single float; nothing here needs it to be understood.

A Value holds a number (`data`), the derivative of the last `backward()` root with respect
to it (`grad`), the name of the op that made it (`op`) and that op's operands. `backward()`
puts the graph in an order where each node comes before its operands, then sends each
node's grad to its operands by the chain rule, each op's local derivative taken from its
row of the table.

What it adds to micrograd: the order is found without recursion (any depth works), a second
`backward()` adds to the leaves exactly once more, operands keep their order (`x + x` has
two), numbers that enter an op are marked as constants, and every op is a row of one table.
"""

from __future__ import annotations

import html
import numbers
import threading
from collections.abc import Iterable

from micrograd_beans.engine.ops import OPS
from micrograd_beans.engine.rules import op_error, signature_error

Number = int | float


class _ConstantMark:
    """Kept in a constant's `_b` field (a leaf has no operands) to mark it as a number that
    entered an op. A class, so copying or pickling a constant keeps this very object."""


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it.

    `data` is the number, `grad` the derivative of the last `backward()` root with respect to
    it, `op` the name of the op that made it ("" for leaves), `parents` its operands in order.
    A plain number that enters an op (the 2 in `x * 2`) becomes a `Constant` leaf.
    """

    # What a node holds. The operands sit in two fields, not in a tuple (one object fewer per
    # node and none to unpack; speed.py has the numbers):
    #   a leaf: _a None and _b None, or _b _ConstantMark for a constant
    #   one operand: _a, with _b None;  two: _a and _b;  any number (affine): a tuple in _a
    __slots__ = ("data", "grad", "label", "op", "_a", "_b")
    # Make numpy hand `np.float64(2) * v` to our reflected operators instead of broadcasting.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Number,
        label: str = "",
        _op: None = None,
        _label: None = None,
        *,
        _children: None = None,
    ) -> None:
        # _op, _label and _children are here only to name micrograd's signature in the error
        # (the lecture writes Value(data, (a, b), "*", "e"): four positional arguments)
        if type(label) is not str or _op is not None or _children is not None or _label is not None:
            raise signature_error(label, _op if _label is None else (_op, _label), _children)
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a: Value | tuple[Value, ...] | None = None
        self._b: Value | type[_ConstantMark] | None = None

    # --- the operators: each records one node of its op (its row in ops.OPS) ------------------
    # speed.py replaces these when the engine loads with methods that do the same in fewer
    # steps; the tests check that both give the same floats.

    def __add__(self, other: Operand) -> Value:
        return _apply("+", self, other)

    def __radd__(self, other: Number) -> Value:  # 2 + v
        return _apply("+", other, self)

    def __sub__(self, other: Operand) -> Value:
        return _apply("-", self, other)

    def __rsub__(self, other: Number) -> Value:
        return _apply("-", other, self)

    def __mul__(self, other: Operand) -> Value:
        return _apply("*", self, other)

    def __rmul__(self, other: Number) -> Value:
        return _apply("*", other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _apply("/", self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _apply("/", other, self)

    def __pow__(self, other: Operand) -> Value:
        return _apply("**", self, other)

    def __rpow__(self, other: Number) -> Value:
        return _apply("**", other, self)

    def __neg__(self) -> Value:
        return _apply("neg", self)

    def exp(self) -> Value:
        return _apply("exp", self)

    def log(self) -> Value:
        return _apply("log", self)

    def tanh(self) -> Value:
        return _apply("tanh", self)

    def sigmoid(self) -> Value:
        return _apply("sigmoid", self)

    def relu(self) -> Value:
        return _apply("relu", self)

    def sin(self) -> Value:
        return _apply("sin", self)

    def cos(self) -> Value:
        return _apply("cos", self)

    def softplus(self) -> Value:
        """log(1 + e^self), without overflow."""
        return _apply("softplus", self)

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

    # --- copying and pickling -----------------------------------------------------------------
    # pickle and copy.deepcopy follow references recursively, one level per node: left alone
    # they fail with RecursionError on a chain of a few hundred nodes (a mean loss over 100
    # samples). So the first Value reached (say a loss) puts its whole graph first, operands
    # before results: each node then finds its operands already copied, and the recursion stays
    # two levels deep at any depth. Identity is kept: a parameter shared by a model, an
    # optimizer and a graph is one object after loading, as before.

    def __reduce_ex__(self, protocol: object) -> tuple:
        state = (self.data, self.grad, self.label, self.op, self._a, self._b)
        return (_rebuilt, (type(self), _graph_first(self)), state)

    def __setstate__(self, state: tuple) -> None:
        if len(state) == 2:  # pickled before __reduce_ex__: (None, {slot: value})
            for name, value in state[1].items():
                setattr(self, name, value)
            return
        self.data, self.grad, self.label, self.op, self._a, self._b = state

    def __copy__(self) -> Value:
        """A new node with the same number, grad, label, op and the same operands."""
        twin = object.__new__(type(self))
        twin.__setstate__((self.data, self.grad, self.label, self.op, self._a, self._b))
        return twin

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
        local = OPS[self.op].backward(self.grad, self.data, *[p.data for p in parents])
        for p, gp in zip(parents, local, strict=True):
            p.grad += gp

    # --- reverse mode -------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(that Value).

        As in PyTorch, leaves accumulate across calls (reset them with `zero_grad`). The grad
        of an intermediate Value is replaced by each call (PyTorch's retained grads would
        accumulate), so a second call adds exactly once more to every leaf.
        """
        if self.is_leaf:
            self.grad += 1.0  # a leaf root accumulates like any leaf
            return
        order = topological_order(self)  # each op result before its operands
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in order:  # the chain rule, node by node: its grad times each local derivative
            parents = node.parents
            local = OPS[node.op].backward(node.grad, node.data, *[p.data for p in parents])
            for p, g in zip(parents, local, strict=True):
                p.grad += g


Operand = Value | int | float


def _apply(name: str, *operands: Operand) -> Value:
    """One new node: op `name`'s forward rule on the operands' numbers (a plain number
    becomes a constant), with the operands kept for backward."""
    operands = tuple(v if isinstance(v, Value) else _constant(v, name) for v in operands)
    op = OPS[name]
    try:
        data = op.forward(*[v.data for v in operands])
    except (ArithmeticError, ValueError) as err:
        raise op_error(err, name, operands) from None
    out = Value(data)
    out.op = name
    if op.arity == 0:  # any number of operands (affine)
        out._a = operands
    else:
        out._a = operands[0]
        out._b = operands[1] if op.arity == 2 else None
    return out


def _constant(x: object, op: str) -> Value:
    """The number `x` as a constant leaf, for op `op`."""
    try:
        c = Value(x)
    except TypeError:
        raise TypeError(
            f"unsupported operand for {op!r}: {type(x).__name__} ({x!r:.60}); "
            "use a Value or a real number"
        ) from None
    c._b = _ConstantMark
    return c


def _rebuilt(cls: type[Value], graph: tuple[Value, ...]) -> Value:
    """An empty node of class cls, for unpickling (its fields come from __setstate__; `graph`
    was only there to be loaded first)."""
    return object.__new__(cls)


# The op results an enclosing Value listed to be pickled before it, per thread: id -> node.
_listed = threading.local()


def _graph_first(node: Value) -> tuple[Value, ...]:
    """What node's pickle holds first: nothing for a leaf or for a node some result being
    pickled already listed, else the op results of its graph, operands before results."""
    listed = getattr(_listed, "nodes", None)
    if listed is None:
        listed = _listed.nodes = {}
    if node._a is None or listed.pop(id(node), None) is node:
        return ()
    listed.clear()  # left over only if an earlier pickle stopped half way
    order = depth_first_order(node)  # node first, then each result before its operands
    graph = tuple(order[:0:-1])  # reversed, without node itself (it is being pickled)
    listed.update((id(n), n) for n in graph)
    return graph


def topological_order(root: Value) -> list[Value]:
    """The op results `root` depends on (root included), each before its operands.

    Iterative, so any depth works (micrograd's recursive walk stops near 1,000 nodes).
    Leaves are left out: they only receive gradients. Breadth-first while the graph is a
    tree (each result then comes after its one consumer); depth-first as soon as a result
    turns out to be used twice. `backward()` uses this order, so anything replaying the chain
    rule in it (grad, gradcheck, codegen) adds up the same floats in the same order.
    """
    if root.is_leaf:
        return [root]
    seen = {root}
    order = [root]
    for node in order:  # breadth-first: `order` grows as we walk it
        for p in node.parents:
            if not p.is_leaf:
                if p in seen:  # an op result used twice: not a tree
                    return depth_first_order(root)
                seen.add(p)
                order.append(p)
    return order


def depth_first_order(root: Value) -> list[Value]:
    """Reverse post-order of a depth-first walk: each op result before its operands, also
    when results are shared (a result comes after every result that uses it)."""
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
            for p in node.parents:
                if not p.is_leaf and p not in seen:
                    stack.append(p)
    order.reverse()
    return order


def graph_nodes(root: Value) -> list[Value]:
    """Every node of root's graph, leaves included, each once (iterative)."""
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return list(seen)


def zero_grad(values: Value | Iterable[Value]) -> None:
    """Set `.grad` to 0.0 on every node of the graph of a Value, or on each Value of a list."""
    nodes = graph_nodes(values) if isinstance(values, Value) else values
    for v in nodes:
        v.grad = 0.0


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


def _number_text(x: float) -> str:
    """A number as micrograd's op names write it: 2.0 as '2', 0.5 as '0.5'."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


# micrograd's names for the ops it has under another name (for Value._op).
_MICROGRAD_OP_NAMES = {"relu": "ReLU"}
