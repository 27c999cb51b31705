"""Symbolic expressions: what the derivative rules are run on, and how they print."""

from __future__ import annotations

import ast
import math
import numbers
from collections.abc import Callable
from typing import Protocol

from micrograd_beans.codegen.vocabulary import _FUNCTIONS
from micrograd_beans.engine import OPS, Value
from micrograd_beans.engine.rules import ieee_pow


class Explorer(Protocol):
    """What decides a rule's branch on a symbol's number (trace._Explorer is the one)."""

    def decide(self, test: _Test) -> bool: ...


# Python operator precedence, for printing only the parentheses the evaluation order needs.
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
_BINARY_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POW}
_FLOAT_OPS = {
    "+": float.__add__,
    "-": float.__sub__,
    "*": float.__mul__,
    "/": float.__truediv__,
    "**": ieee_pow,  # a derivative's power: IEEE, as the engine's rules compute it
}


class _Expr:
    """A symbolic float: building one with operators records the expression tree.

    kind is "lit" (args = (float,)), "var" ((name,)), a binary operator ((a, b)), "neg" ((a,)),
    "call" ((function name, a)) or "if" ((test, then, else)) for a rule that branched on data.

    explorer is the trace (`trace._Explorer`) this expression was built in, or None: a rule's
    operands are handed to it bound to the trace that runs it, everything computed from them
    inherits that, and a branch on their number (`if a.data > 0.0`) asks that explorer which
    way to go. No global state, so rules can be traced in several threads at once.
    """

    __slots__ = ("kind", "args", "explorer")

    def __init__(self, kind: str, args: tuple, explorer: Explorer | None = None) -> None:
        self.kind = kind
        self.args = args
        self.explorer = explorer

    # arithmetic: the operators the derivative rules are written with
    def __add__(self, other):
        return _binop("+", self, other)

    def __radd__(self, other):
        return _binop("+", other, self)

    def __sub__(self, other):
        return _binop("-", self, other)

    def __rsub__(self, other):
        return _binop("-", other, self)

    def __mul__(self, other):
        return _binop("*", self, other)

    def __rmul__(self, other):
        return _binop("*", other, self)

    def __truediv__(self, other):
        return _binop("/", self, other)

    def __rtruediv__(self, other):
        return _binop("/", other, self)

    def __pow__(self, other):
        return _binop("**", self, other)

    def __rpow__(self, other):
        return _binop("**", other, self)

    def __neg__(self):
        if self.kind == "lit":
            return _lit(-self.args[0])
        return _Expr("neg", (self,), self.explorer)

    def exp(self):
        return _call("exp", self)

    def log(self):
        return _call("log", self)

    def tanh(self):
        return _call("tanh", self)

    def sigmoid(self):
        return _call("sigmoid", self)

    def relu(self):
        return _call("relu", self)

    def sin(self):
        return _call("sin", self)

    def cos(self):
        return _call("cos", self)

    def step(self):
        """relu's derivative (0 where x <= 0, else 1: 1 at NaN, as the engine), written out
        as a conditional."""
        if self.kind == "lit":
            return _lit(0.0 if self.args[0] <= 0.0 else 1.0)
        test = _Test(self, "<=", _lit(0.0))
        return _Expr("if", (test, _lit(0.0), _lit(1.0)), self.explorer)

    def __getattr__(self, name: str):
        """An op define_op added, called in a derivative rule (`dbl(a)`, `a.hypot(b)`): its
        forward code written out on these symbols, as generated code has no user functions."""
        op = OPS.get(name)
        if op is None or name.startswith("__"):
            raise AttributeError(f"a symbolic value has no attribute {name!r}")
        return lambda *others: _op_code(op, (self, *others))

    @property
    def data(self):
        """A rule that looks at the number (pow's exponent rule) gets a probe that branches."""
        return self.args[0] if self.kind == "lit" else _Probe(self)

    # A symbol has no truth value and no order: a forward rule that branches on its input
    # (sigmoid, relu, the checked ops) is not traced; its `Op.code` template is used instead.
    def __bool__(self):
        raise TypeError("a symbolic value has no truth value")

    def __lt__(self, other):
        raise TypeError("symbolic values cannot be compared")

    __le__ = __gt__ = __ge__ = __lt__

    def __eq__(self, other):  # identity only: a rule's `x == 0.0` must not silently hold
        raise TypeError("symbolic values cannot be compared")

    __ne__ = __eq__
    __hash__ = object.__hash__


def _lit(value: float) -> _Expr:
    return _Expr("lit", (float(value),))


def _var(name: str) -> _Expr:
    return _Expr("var", (name,))


def _call(name: str, a: _Expr) -> _Expr:
    return _Expr("call", (name, a), a.explorer)


def _wrap(x: object) -> _Expr:
    if isinstance(x, _Expr):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return _lit(float(x))
    raise TypeError(f"cannot use {type(x).__name__} in generated code")


def _is_lit(e: _Expr, value: float) -> bool:
    return e.kind == "lit" and e.args[0] == value and math.copysign(1.0, e.args[0]) > 0


def _binop(op: str, a: object, b: object) -> _Expr:
    """a op b, folding only what is exact in IEEE arithmetic (so values never change)."""
    a, b = _wrap(a), _wrap(b)
    if a.kind == "lit" and b.kind == "lit":
        try:
            return _lit(_FLOAT_OPS[op](a.args[0], b.args[0]))
        except (ArithmeticError, ValueError):
            pass  # leave the error to run time, where the engine would raise it too
    if op == "*" and _is_lit(a, 1.0):
        return b  # 1.0 * x is x, for every float x
    if op in ("*", "/", "**") and _is_lit(b, 1.0):
        return a  # x * 1.0, x / 1.0 and x ** 1.0 are x
    return _Expr(op, (a, b), a.explorer or b.explorer)


_BINARY_AST = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def _op_code(op, operands: tuple[_Expr, ...]) -> _Expr:
    """Op `op` on symbolic operands, read from its code template (`log1p({0})`): numbers,
    + - * / **, unary minus and the functions generated code provides."""
    placeholders = [f"_operand{i}" for i in range(len(operands))]
    given = dict(zip(placeholders, map(_wrap, operands), strict=True))
    source = op.expression(*placeholders) if op.code is not None else ""
    explorer = next((e.explorer for e in given.values() if e.explorer is not None), None)

    def build(node: ast.AST) -> _Expr:
        if isinstance(node, ast.Name) and node.id in given:
            return given[node.id]
        if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
            return _lit(float(node.id))
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return _lit(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_AST:
            return _binop(_BINARY_AST[type(node.op)], build(node.left), build(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            return _Expr("call", (node.func.id, build(node.args[0])), explorer)
        raise TypeError(f"op {op.name!r} has no code generated code can use ({source!r})")

    return build(ast.parse(source or "None", mode="eval").body)


class _Test:
    """`probe <cmp> number`: a branch in a derivative rule, decided by the explorer."""

    __slots__ = ("lhs", "cmp", "rhs")

    def __init__(self, lhs: _Expr, cmp: str, rhs: _Expr) -> None:
        self.lhs, self.cmp, self.rhs = lhs, cmp, rhs

    def __bool__(self) -> bool:
        explorer = self.lhs.explorer
        if explorer is None:
            raise TypeError("a symbolic comparison has no truth value outside a rule trace")
        return explorer.decide(self)


class _Probe:
    """What `.data` gives a rule: comparing it with a number records a branch."""

    __slots__ = ("expr",)

    def __init__(self, expr: _Expr) -> None:
        self.expr = expr

    def _test(self, cmp: str, other: object) -> _Test:
        if not isinstance(other, numbers.Real):
            raise TypeError("a rule may only compare a value with a number")
        return _Test(self.expr, cmp, _lit(float(other)))

    def __lt__(self, other):
        return self._test("<", other)

    def __le__(self, other):
        return self._test("<=", other)

    def __gt__(self, other):
        return self._test(">", other)

    def __ge__(self, other):
        return self._test(">=", other)

    def __eq__(self, other):
        return self._test("==", other)

    def __ne__(self, other):
        return self._test("!=", other)

    __hash__ = None  # type: ignore[assignment]


# --- questions about an expression ------------------------------------------------------


def _varies(e: _Expr, varying: dict[str, bool]) -> bool:
    """Whether `e` changes from sample to sample (reads a name marked varying)."""
    kind = e.kind
    if kind == "var":
        return varying.get(e.args[0], False)
    if kind == "lit":
        return False
    if kind == "call":
        return _varies(e.args[1], varying)
    if kind == "if":
        test, yes, no = e.args
        return any(_varies(x, varying) for x in (test.lhs, yes, no))
    return any(_varies(x, varying) for x in e.args)


def _names_in(e: _Expr, found: set[str]) -> set[str]:
    """Add every variable name `e` reads to `found`; returns `found`."""
    if e.kind == "var":
        found.add(e.args[0])
    elif e.kind == "call":
        _names_in(e.args[1], found)
    elif e.kind == "if":
        test, yes, no = e.args
        for x in (test.lhs, yes, no):
            _names_in(x, found)
    elif e.kind != "lit":
        for x in e.args:
            _names_in(x, found)
    return found


# --- keeping expressions shallow -------------------------------------------------------------

#: The deepest expression written on one line. Python's parser refuses more than 200 nested
#: parentheses, its compiler and this module's printer recurse once per level: a deeper tree
#: (a 1000-input neuron's sum, a long chain of folded sums) is cut into named parts.
MAX_DEPTH = 40


def _children(e: _Expr) -> tuple[_Expr, ...]:
    kind = e.kind
    if kind in ("var", "lit"):
        return ()
    if kind == "call":
        return (e.args[1],)
    if kind == "if":
        test, yes, no = e.args
        return (test.lhs, test.rhs, yes, no)
    return tuple(e.args)  # "neg" and the binary operators


def _rebuilt(e: _Expr, children: list[_Expr]) -> _Expr:
    """`e` with its children replaced (in `_children`'s order)."""
    kind = e.kind
    if kind == "call":
        return _Expr("call", (e.args[0], children[0]))
    if kind == "if":
        test = e.args[0]
        return _Expr("if", (_Test(children[0], test.cmp, children[1]), children[2], children[3]))
    return _Expr(kind, tuple(children))


def _depth(e: _Expr) -> int:
    """How many levels the tree of `e` has (a name or a number: 1). Iterative: any depth."""
    deepest, stack = 0, [(e, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in _children(node))
    return deepest


def _split_deep(e: _Expr, fresh: Callable[[], str]) -> tuple[list[tuple[str, _Expr]], _Expr]:
    """`e` cut into parts no deeper than MAX_DEPTH: (the parts to assign first, each a fresh
    name from `fresh()` and its tree, in order), and what is left of `e`, reading them.

    Storing a part in a variable changes no float operation and no order of operations, so
    the numbers are the same; a left-nested sum of 1000 products becomes ~25 lines that each
    continue the one before. Walks the tree without recursion.
    """
    if _depth(e) <= MAX_DEPTH:  # the common case, checked cheaply
        return [], e
    parts: list[tuple[str, _Expr]] = []
    done: dict[int, tuple[_Expr, int]] = {}  # id(node) -> (its shallow form, its depth)
    stack = [e]
    while stack:
        node = stack[-1]
        children = [c for c in _children(node) if id(c) not in done]
        if children:
            stack.extend(children)
            continue
        stack.pop()
        if id(node) in done:
            continue
        originals = _children(node)
        kids = [done[id(c)] for c in originals]
        changed = any(k is not c for (k, _), c in zip(kids, originals, strict=True))
        shallow = _rebuilt(node, [k for k, _ in kids]) if changed else node
        depth = 1 + max((d for _, d in kids), default=0)
        if depth >= MAX_DEPTH and node is not e:
            name = fresh()
            parts.append((name, shallow))
            shallow, depth = _var(name), 1
        done[id(node)] = (shallow, depth)
    return parts, done[id(e)][0]


# --- printing ------------------------------------------------------------------------------


class _Printer:
    """Expression trees as Python source: scalar (`a if c else b`) or batched (`where(c, a, b)`)."""

    def __init__(self, batched: bool) -> None:
        self.batched = batched

    def expr(self, e: _Expr) -> str:
        return self._print(e)[0]

    def _print(self, e: _Expr) -> tuple[str, int]:
        kind = e.kind
        if kind == "var":
            return e.args[0], _ATOM
        if kind == "lit":
            return _literal(e.args[0])
        if kind == "neg":
            text, prec = self._print(e.args[0])
            return "-" + (text if prec > _UNARY else f"({text})"), _UNARY
        if kind == "call":
            return f"{e.args[0]}({self.expr(e.args[1])})", _ATOM
        if kind == "**":  # a rule's power is the engine's `ieee_pow`: Python's ** raises
            return f"ieee_pow({self.expr(e.args[0])}, {self.expr(e.args[1])})", _ATOM
        if kind == "if":
            test, yes, no = e.args
            cond = f"{self.expr(test.lhs)} {test.cmp} {self.expr(test.rhs)}"
            if self.batched:
                return f"where({cond}, {self.expr(yes)}, {self.expr(no)})", _ATOM
            return f"({self.expr(yes)} if {cond} else {self.expr(no)})", _ATOM
        prec = _BINARY_PREC[kind]
        left, lp = self._print(e.args[0])
        right, rp = self._print(e.args[1])
        # left-associative: a right operand of equal precedence keeps its parentheses
        left = left if lp >= prec else f"({left})"
        right = right if rp > prec else f"({right})"
        return f"{left} {kind} {right}", prec


def _literal(x: float) -> tuple[str, int]:
    if math.isnan(x):
        return "nan", _ATOM
    if math.isinf(x):
        return ("inf", _ATOM) if x > 0 else ("-inf", _UNARY)
    text = repr(x)
    return text, (_UNARY if text.startswith("-") else _ATOM)
