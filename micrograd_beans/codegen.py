"""Code generation: write a built graph out as the note's straight-line chain-rule code.

The note computes every derivative by hand: `deda1_2 = -2*(y - a1_2)`, then
`dedz1_2 = deda1_2 * a1_2*(1 - a1_2)`, and so on down to `dedw11_1`. `compile_graph` walks a
graph the engine built once and writes the same thing out as Python source, one assignment
per node, named from the Values' labels (`z1_1`, `a1_1`, `dedw11_1`, ...). Nothing about a
derivative is written here: each node's gradient code is obtained by running the op's own
backward rule from `engine.OPS` on symbolic expressions, so the generated code performs the
engine's float operations in the engine's order and agrees with it bit for bit (the numpy
variant to within numpy's last-digit differences in `exp`/`log`/`tanh` and its sums).

The result runs without building Values: per sample (`CompiledGraph.__call__`), over a
numpy batch (`CompiledGraph.batched`), or as a whole generated SGD training loop
(`CompiledGraph.train_sgd`, `CompiledGraph.train_full_batch`) with the parameters held in
local variables, which is what makes it as fast as the note's hand-written loop.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import linecache
import math
import numbers
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from micrograd_beans.engine import OPS, Constant, Value, _topological_order

__all__ = ["CodegenError", "CompiledGraph", "compile_graph", "SCALAR_HELPERS", "BATCH_HELPERS"]


class CodegenError(ValueError):
    """A graph that cannot be turned into code (an op without a codegen rule, a bad leaf)."""


# --- the runtime the generated code calls: its whole vocabulary beyond + - * / ** ----------

#: Prepended to the scalar source: the math-style functions the generated code may call.
SCALAR_HELPERS = '''\
from math import exp, log, tanh, pow, inf, nan


def sigmoid(z):
    """1 / (1 + e^-z), in two branches so that exp never overflows."""
    if z >= 0.0:
        return 1.0 / (1.0 + exp(-z))
    t = exp(z)
    return t / (1.0 + t)


def relu(z):
    return z if z > 0.0 else 0.0
'''

#: Prepended to the batched source: the same functions over numpy arrays.
BATCH_HELPERS = '''\
from numpy import exp, log, tanh, inf, nan, where, dot, abs


def sigmoid(z):
    """1 / (1 + e^-z) elementwise: both branches of the scalar sigmoid, no overflow."""
    t = exp(-abs(z))
    return where(z >= 0.0, 1.0, t) / (1.0 + t)


def relu(z):
    return where(z > 0.0, z, 0.0)
'''

# Functions a forward rule's `Op.code` may call: an op whose code calls anything else has
# no codegen rule and is refused at compile time.
_FUNCTIONS = frozenset({"exp", "log", "tanh", "sigmoid", "relu"})
_RESERVED = frozenset(
    set(keyword.kwlist)
    | set(dir(builtins))
    | _FUNCTIONS
    | {
        "inf",
        "nan",
        "where",
        "dot",
        "abs",
        "np",
        "lr",
        "epochs",
        "samples",
        "columns",
        "params",
        "losses",
        "total",
        "scale",
        "batch",
        "math",
    }
)

# --- symbolic expressions: what the backward rules are run on --------------------------------

# Python operator precedence, for printing only the parentheses the evaluation order needs.
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
_BINARY_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POW}
_FLOAT_OPS = {
    "+": float.__add__,
    "-": float.__sub__,
    "*": float.__mul__,
    "/": float.__truediv__,
    "**": float.__pow__,
}
_COMPARE = {
    "<": float.__lt__,
    "<=": float.__le__,
    ">": float.__gt__,
    ">=": float.__ge__,
    "==": float.__eq__,
    "!=": float.__ne__,
}


class _Expr:
    """A symbolic float: building one with operators records the expression tree.

    kind is "lit" (args = (float,)), "var" ((name,)), a binary operator ((a, b)), "neg" ((a,)),
    "call" ((function name, a)) or "if" ((test, then, else)) for a rule that branched on data.
    """

    __slots__ = ("kind", "args")

    def __init__(self, kind: str, args: tuple) -> None:
        self.kind = kind
        self.args = args

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
        return _Expr("neg", (self,))

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

    def step(self):
        """relu's derivative 1[x > 0], written out as a conditional."""
        if self.kind == "lit":
            return _lit(1.0 if self.args[0] > 0.0 else 0.0)
        return _Expr("if", (_Test(self, ">", _lit(0.0)), _lit(1.0), _lit(0.0)))

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
    return _Expr("call", (name, a))


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
    return _Expr(op, (a, b))


class _Test:
    """`probe <cmp> number`: a branch in a derivative rule, decided by the explorer."""

    __slots__ = ("lhs", "cmp", "rhs")

    def __init__(self, lhs: _Expr, cmp: str, rhs: _Expr) -> None:
        self.lhs, self.cmp, self.rhs = lhs, cmp, rhs

    def __bool__(self) -> bool:
        if _EXPLORER is None:
            raise TypeError("a symbolic comparison has no truth value outside a rule trace")
        return _EXPLORER.decide(self)


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


class _Explorer:
    """Runs a rule down one path of its branches; `_trace` enumerates every path."""

    def __init__(self, prefix: tuple[bool, ...]) -> None:
        self.prefix = prefix
        self.taken: list[tuple[_Test, bool]] = []

    def decide(self, test: _Test) -> bool:
        i = len(self.taken)
        choice = self.prefix[i] if i < len(self.prefix) else True
        self.taken.append((test, choice))
        return choice


_EXPLORER: _Explorer | None = None
_TERMS_PER_LINE = 16  # a gradient with more contributions continues on the next line
_MAX_PATHS = 64


def _trace(rule: Callable[[], tuple]) -> list[tuple[list[tuple[_Test, bool]], tuple]]:
    """Every (decisions, result) of `rule()` over all outcomes of its data-dependent tests."""
    global _EXPLORER
    paths = []
    pending: list[tuple[bool, ...]] = [()]
    while pending:
        prefix = pending.pop()
        explorer = _Explorer(prefix)
        _EXPLORER = explorer
        try:
            result = rule()
        finally:
            _EXPLORER = None
        taken = explorer.taken
        for i in range(len(prefix), len(taken)):
            pending.append(tuple(c for _, c in taken[:i]) + (False,))
        paths.append((taken, result))
        if len(paths) > _MAX_PATHS:
            raise TypeError(f"the rule branches more than {_MAX_PATHS} ways")
    return paths


def _merge(paths: list, index: int, depth: int = 0) -> _Expr:
    """One expression for output `index` of a traced rule: an if/else tree where paths differ."""
    first = _wrap(paths[0][1][index])
    key = _key(first)
    if all(_key(_wrap(result[index])) == key for _, result in paths):
        return first
    test = paths[0][0][depth][0]
    yes = [p for p in paths if p[0][depth][1]]
    no = [p for p in paths if not p[0][depth][1]]
    return _Expr("if", (test, _merge(yes, index, depth + 1), _merge(no, index, depth + 1)))


def _key(e: _Expr) -> str:
    return _Printer(batched=False).expr(e)


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
        if kind == "if":
            test, yes, no = e.args
            cond = f"{self.expr(test.lhs)} {test.cmp} {self.expr(test.rhs)}"
            if self.batched:
                return f"where({cond}, {self.expr(yes)}, {self.expr(no)})", _ATOM
            return f"({self.expr(yes)} if {cond} else {self.expr(no)})", _ATOM
        prec = _BINARY_PREC[kind]
        left, lp = self._print(e.args[0])
        right, rp = self._print(e.args[1])
        if kind == "**":  # right-associative; a unary left operand needs parentheses too
            left = left if lp > prec else f"({left})"
            right = right if rp >= prec else f"({right})"
        else:  # left-associative: a right operand of equal precedence keeps its parentheses
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


# --- naming --------------------------------------------------------------------------------


class _Namer:
    """Unique Python identifiers from labels: `w1.12_2` becomes `w1_12_2`, clashes get `_2`."""

    def __init__(self) -> None:
        self.taken: set[str] = set(_RESERVED)
        self.temps = 0

    def name(self, label: str) -> str:
        base = re.sub(r"\W", "_", label)
        if not base:
            self.temps += 1
            base = f"t{self.temps}"
            while base in self.taken:
                self.temps += 1
                base = f"t{self.temps}"
        if base[0].isdigit():
            base = "_" + base
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


# --- compiling -----------------------------------------------------------------------------


@dataclass
class _Program:
    """The compiled graph as lines of code, before it is wrapped into functions."""

    inputs: list[str]
    params: list[str]
    output: str
    grads: list[str]
    # (name, batched source, scalar source) of each node's forward rule
    forward: list[tuple[str, str, str]] = field(default_factory=list)
    forward_exprs: list[tuple[str, _Expr | None]] = field(default_factory=list)
    # (gradient name, expression, None or the new terms of a continued sum)
    backward: list[tuple[str, _Expr, _Expr | None]] = field(default_factory=list)
    varying: dict[str, bool] = field(default_factory=dict)
    ops: dict[str, str] = field(default_factory=dict)  # node name -> op name
    operands: dict[str, list[str]] = field(default_factory=dict)  # node name -> operand source
    predictions: list[str] = field(default_factory=list)


class _PowToCall(ast.NodeTransformer):
    """`a ** b` -> `pow(a, b)` (math.pow) unless b is a whole-number literal.

    Python's `**` turns a negative base with a fractional exponent into a complex number;
    math.pow raises ValueError there, as the engine does.
    """

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and not _whole_literal(node.right):
            return ast.Call(ast.Name("pow", ast.Load()), [node.left, node.right], [])
        return node


def _whole_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and float(node.value).is_integer()
    )


def _forward_rule(
    node: Value, names: list[str], values: list[_Expr]
) -> tuple[str, str, _Expr | None]:
    """Source for one node's forward rule (batched, scalar), and its tree if plain arithmetic.

    A forward rule written with operators only (affine's running sum) is run on symbols, so
    the code adds in the engine's order; the others use the op's `code` template.
    """
    op = OPS.get(node.op)
    if op is None or op.code is None:
        raise CodegenError(
            f"op {node.op!r} has no codegen rule (no row with code in engine.OPS); "
            "add one, or build the graph from ops that have one"
        )
    try:
        traced = op.forward(*values)
    except Exception:  # branches, math.*, float methods: not traceable, use the template
        traced = None
    if isinstance(traced, _Expr):
        source = _Printer(batched=False).expr(traced)
        return source, source, traced
    try:
        source = op.expression(*names)
        tree = ast.parse(source, mode="eval")
    except Exception as err:
        raise CodegenError(
            f"op {node.op!r} has no codegen rule: its code template does not give Python ({err})"
        ) from None
    known = set(names) | _FUNCTIONS | {"inf", "nan"}
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Name) and sub.id not in known:
            raise CodegenError(
                f"op {node.op!r} has no codegen rule: its code {source!r} uses {sub.id!r}, "
                f"which generated code does not provide (it knows {', '.join(sorted(_FUNCTIONS))})"
            )
    scalar = source
    if any(
        isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Pow) and not _whole_literal(sub.right)
        for sub in ast.walk(tree)
    ):
        scalar = ast.unparse(ast.fix_missing_locations(_PowToCall().visit(tree)))
    return source, scalar, None


def _operand(leaf_names: dict[int, str], node: Value) -> tuple[str, _Expr]:
    name = leaf_names.get(id(node))
    if name is not None:
        return name, _var(name)
    # a Constant: written as its literal (parenthesised when negative, so any template works)
    text, prec = _literal(node.data)
    return (text if prec == _ATOM else f"({text})"), _lit(node.data)


def _forward_order(root: Value) -> list[Value]:
    """Op results in the order a reader computes them: depth-first, operands left to right,
    each node right after its operands (z1_1, a1_1, z2_1, a2_1, z1_2, ...). Iterative.

    Any order with operands first gives the same forward values; the backward pass follows
    the engine's own order (`_topological_order`), which fixes how gradients are summed.
    """
    if not root.parents:
        return []
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, operands = stack[-1]
        for p in operands:
            if p.parents and p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _build(
    output: Value,
    inputs: Sequence[Value],
    params: Sequence[Value],
    output_name: str | None,
    predictions: Sequence[Value] = (),
) -> _Program:
    for kind, values in (("inputs", inputs), ("params", params)):
        for v in values:
            if not isinstance(v, Value):
                raise TypeError(f"{kind} must be Values, got {type(v).__name__}: {v!r:.40}")
            if v.parents:
                raise CodegenError(
                    f"{kind} must be leaves of the graph; {v.label or v!r} is the result of "
                    f"{v.op!r}"
                )
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    ids = [id(v) for v in (*inputs, *params)]
    if len(set(ids)) != len(ids):
        raise ValueError("a Value is listed twice among inputs and params")

    namer = _Namer()
    names: dict[int, str] = {}
    in_names = [namer.name(v.label or f"x{i + 1}") for i, v in enumerate(inputs)]
    par_names = [namer.name(v.label or f"p{i + 1}") for i, v in enumerate(params)]
    names.update(zip(ids, in_names + par_names, strict=True))

    order = _topological_order(output) if output.parents else []
    forward = _forward_order(output)  # operands first, in reading order
    # every leaf of the graph must be listed or be a Constant literal
    for node in forward:
        for p in node.parents:
            if not p.parents and id(p) not in names and not isinstance(p, Constant):
                raise CodegenError(
                    f"leaf {_describe(p)} is in the graph but in neither inputs nor params; "
                    "list it (or make it a Constant to bake its value into the code)"
                )
    if not output.parents and id(output) not in names:
        raise CodegenError("the output is a leaf that is neither an input nor a parameter")

    out_label = output_name or output.label or "e"
    out_base = re.sub(r"\W", "_", out_label)
    for node in forward:
        label = out_label if node is output else node.label
        names[id(node)] = namer.name(label)

    program = _Program(in_names, par_names, names[id(output)], [])

    varying = program.varying
    for n in in_names:
        varying[n] = True
    for n in par_names:
        varying[n] = False

    # forward: one assignment per node
    for node in forward:
        texts, values = zip(*(_operand(names, p) for p in node.parents), strict=True)
        source, scalar, tree = _forward_rule(node, list(texts), list(values))
        name = names[id(node)]
        program.forward.append((name, source, scalar))
        program.forward_exprs.append((name, tree))
        program.ops[name] = node.op
        program.operands[name] = list(texts)
        varying[name] = any(varying.get(t, False) for t in texts)

    # backward: which nodes lead to a parameter, then the chain rule in the engine's order
    param_ids = set(ids[len(inputs) :])
    needs = set(param_ids)
    for node in forward:
        if any(id(p) in needs for p in node.parents):
            needs.add(id(node))
    contributions: dict[int, list[_Expr]] = {}
    remaining: dict[int, int] = {}
    for node in forward:
        for p in node.parents:
            if id(p) in needs:
                remaining[id(p)] = remaining.get(id(p), 0) + 1
    grad_names: dict[int, str] = {}

    def grad_name(node_id: int) -> str:
        if node_id not in grad_names:
            grad_names[node_id] = namer.name(f"d{out_base}d{names[node_id]}")
        return grad_names[node_id]

    def emit(node_id: int, terms: list[_Expr]) -> None:
        """name = c1 + c2 + ..., added left to right as the engine accumulates; a long sum
        continues in further lines (name = name + ...), so no expression grows deep."""
        name = grad_name(node_id)
        total: _Expr | None = None
        for k in range(0, len(terms), _TERMS_PER_LINE):
            chunk = terms[k : k + _TERMS_PER_LINE]
            expr = chunk[0] if total is None else _binop("+", total, chunk[0])
            for t in chunk[1:]:
                expr = _binop("+", expr, t)
            rest = None
            if total is not None:  # the batched code sums only this line's new terms
                rest = chunk[0]
                for t in chunk[1:]:
                    rest = _binop("+", rest, t)
            program.backward.append((name, expr, rest))
            varying[name] = varying.get(name, False) or _varies(expr, varying)
            total = _var(name)

    for node in order:
        if id(node) not in needs:
            continue
        if node is output:
            g = _lit(1.0)
        else:
            emit(id(node), contributions.pop(id(node)))
            g = _var(grad_names[id(node)])
        rule = OPS[node.op].backward
        operands = [_operand(names, p)[1] for p in node.parents]
        out = _var(names[id(node)])
        try:
            paths = _trace(
                lambda rule=rule, g=g, out=out, operands=operands: tuple(rule(g, out, *operands))
            )
        except Exception as err:
            raise CodegenError(
                f"op {node.op!r} has no codegen rule: its derivative rule cannot run on "
                f"symbols ({type(err).__name__}: {err})"
            ) from None
        for i, p in enumerate(node.parents):
            if id(p) not in needs:
                continue
            contributions.setdefault(id(p), []).append(_merge(paths, i))
            remaining[id(p)] -= 1
            if not p.parents and remaining[id(p)] == 0:  # a parameter's gradient is complete
                emit(id(p), contributions.pop(id(p)))

    # parameters the output does not depend on get a zero gradient (as in the engine)
    for v, pname in zip(params, par_names, strict=True):
        if id(v) not in grad_names:
            if v is output:
                grad_names[id(v)] = namer.name(f"d{out_base}d{pname}")
                program.backward.append((grad_names[id(v)], _lit(1.0), None))
            else:
                grad_names[id(v)] = namer.name(f"d{out_base}d{pname}")
                program.backward.append((grad_names[id(v)], _lit(0.0), None))
            varying[grad_names[id(v)]] = False
    program.grads = [grad_names[id(v)] for v in params]
    for v in predictions:
        if id(v) not in names:
            raise CodegenError(f"prediction {_describe(v)} is not a node of the output's graph")
        program.predictions.append(names[id(v)])
    return program


def _varies(e: _Expr, varying: dict[str, bool]) -> bool:
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


def _describe(v: Value) -> str:
    return f"{v.label!r} (data={v.data!r})" if v.label else f"Value(data={v.data!r})"


# --- rendering the program as functions ----------------------------------------------------

_INDENT = "    "
_WIDTH = 100  # wrap longer signatures and return lines


def _inline(name: str, op: str, operands: list[str], indent: str) -> list[str] | None:
    """sigmoid and relu written out in place (hot loops: no call per node), else None."""
    if op == "sigmoid":
        (z,) = operands
        return [
            f"{indent}if {z} >= 0.0:",
            f"{indent}{_INDENT}{name} = 1.0 / (1.0 + exp(-{z}))",
            f"{indent}else:",
            f"{indent}{_INDENT}{name} = exp({z})",
            f"{indent}{_INDENT}{name} = {name} / (1.0 + {name})",
        ]
    if op == "relu":
        (z,) = operands
        return [f"{indent}{name} = {z} if {z} > 0.0 else 0.0"]
    return None


def _names_in(e: _Expr, found: set[str]) -> set[str]:
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


def _live(program: _Program, wanted: Sequence[str]) -> set[str]:
    """The forward nodes a loop must compute: those the gradients or `wanted` read."""
    live = set(wanted)
    for _, expr, _ in program.backward:
        _names_in(expr, live)
    for name, _, _ in reversed(program.forward):
        if name in live:
            live.update(program.operands[name])
    return live


def _body(
    program: _Program,
    batched: bool,
    indent: str,
    inline: bool = False,
    live: set[str] | None = None,
) -> list[str]:
    """The forward and backward assignments, one per node (batched: parameter grads summed).

    `inline` writes sigmoid and relu out in place (the same float operations as the helpers);
    `live`, if given, keeps only those forward nodes (a loop that never reads the rest).
    """
    printer = _Printer(batched)
    lines = [f"{indent}# forward: one line per node of the graph"]
    for (name, source, scalar), (_, tree) in zip(
        program.forward, program.forward_exprs, strict=True
    ):
        if live is not None and name not in live:
            continue
        if not batched:
            source = scalar
        if inline and not batched:
            written = _inline(name, program.ops[name], program.operands[name], indent)
            if written is not None:
                lines.extend(written)
                continue
        lines.append(f"{indent}{name} = {printer.expr(tree) if tree is not None else source}")
    if program.backward:
        lines.append(
            f"{indent}# backward: the chain rule, from {program.output} back to each parameter"
        )
    grads = set(program.grads)
    for name, expr, rest in program.backward:
        if batched and name in grads:
            if rest is None:
                text = _reduce(expr, program.varying, printer)
            else:
                text = f"{name} + {_reduce(rest, program.varying, printer)}"
        else:
            text = printer.expr(expr)
        lines.append(f"{indent}{name} = {text}")
    return lines


def _reduce(e: _Expr, varying: dict[str, bool], printer: _Printer) -> str:
    """Source for the sum over the batch of a per-sample quantity `e`."""
    if not _varies(e, varying):
        return f"batch * {_atom(printer, e)}"
    if e.kind == "*" and all(_varies(x, varying) for x in e.args):
        return f"dot({printer.expr(e.args[0])}, {printer.expr(e.args[1])})"
    return f"{_atom(printer, e)}.sum()"


def _atom(printer: _Printer, e: _Expr) -> str:
    text, prec = printer._print(e)
    return text if prec == _ATOM else f"({text})"


def _tuple(names: Sequence[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _wrapped(indent: str, head: str, items: str, tail: str) -> str:
    """`head + items + tail` on one line, or with the items wrapped inside the brackets."""
    line = f"{indent}{head}{items}{tail}"
    if len(line) <= _WIDTH:
        return line
    inner = indent + _INDENT
    body = textwrap.fill(
        items,
        width=_WIDTH,
        initial_indent=inner,
        subsequent_indent=inner,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return f"{indent}{head}\n{body}\n{indent}{tail}"


def _unpacking(names: Sequence[str], source: str) -> str:
    line = f"{_INDENT}{_tuple(names)} = {source}"
    return line if len(line) <= _WIDTH else _wrapped(_INDENT, "(", _tuple(names), f") = {source}")


def _scalar_function(program: _Program) -> str:
    return "\n".join(
        [
            _wrapped("", "def gradient(", ", ".join(program.inputs + program.params), "):"),
            f'{_INDENT}"""{program.output} and its gradient with respect to every parameter, '
            'for one sample."""',
            *_body(program, False, _INDENT),
            _wrapped(_INDENT, f"return {program.output}, (", _tuple(program.grads), ")"),
            "",
        ]
    )


def _batched_function(program: _Program) -> str:
    return "\n".join(
        [
            _wrapped(
                "",
                "def gradient_batch(",
                ", ".join(["batch", *program.inputs, *program.params]),
                "):",
            ),
            f'{_INDENT}"""{program.output} per sample (arrays over a batch of `batch` samples) and '
            "each",
            f'{_INDENT}parameter\'s gradient summed over the batch."""',
            *_body(program, True, _INDENT),
            _wrapped(_INDENT, f"return {program.output}, (", _tuple(program.grads), ")"),
            "",
        ]
    )


def _correct(labels: Sequence[tuple[str, str]], batched: bool) -> str:
    """A sample counts as right when every output ≥ 0.5 exactly where its target is 1."""
    tests = [f"(({p} >= 0.5) == ({t} == 1.0))" for p, t in labels]
    if batched:
        return f"int(({' & '.join(tests)}).sum())"
    return " and ".join(tests)


def _sgd_function(program: _Program, labels: Sequence[tuple[str, str]]) -> str:
    """A whole per-sample SGD training loop: parameters live in local variables throughout."""
    i3 = _INDENT * 3
    params = program.params
    lines = [
        "def train_sgd(samples, params, lr, epochs):",
        f'{_INDENT}"""Per-sample SGD: every epoch visits the samples in order; for each, every',
        f"{_INDENT}gradient first, then θ -= lr * dθ. Returns the final parameters, and per epoch",
        f"{_INDENT}the sum of {program.output} (and the count of right answers) taken before "
        'each update."""',
        _unpacking(params, "params") if params else None,
        f"{_INDENT}losses = []",
        f"{_INDENT}corrects = []",
        f"{_INDENT}for _epoch in range(epochs):",
        f"{_INDENT * 2}total = 0.0",
        f"{_INDENT * 2}correct = 0" if labels else None,
        f"{_INDENT * 2}for {_tuple(program.inputs) or '_sample'} in samples:",
        *_body(program, False, i3, inline=True),
        f"{i3}total += {program.output}",
        f"{i3}correct += {_correct(labels, False)}" if labels else None,
        *[f"{i3}{p} -= lr * {g}" for p, g in zip(params, program.grads, strict=True)],
        f"{_INDENT * 2}losses.append(total)",
        f"{_INDENT * 2}corrects.append(correct)" if labels else None,
        _wrapped(_INDENT, "return [", ", ".join(params), "], losses, corrects"),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def _full_batch_function(
    program: _Program, labels: Sequence[tuple[str, str]], record_loss: bool = True
) -> str:
    """A whole full-batch gradient-descent loop over numpy columns, parameters as locals.

    Without `record_loss` the loop neither sums the output nor computes what only it needs.
    """
    i2 = _INDENT * 2
    params = program.params
    wanted = [p for p, _ in labels] + ([program.output] if record_loss else [])
    lines = [
        "def train_full_batch(batch, columns, params, lr, epochs, scale):",
        f'{_INDENT}"""Full-batch descent: θ -= lr * (Σ_batch dθ * scale) once per epoch. '
        "Returns the",
        f"{_INDENT}final parameters, and per epoch the sum of {program.output} over the batch "
        "(and the",
        f'{_INDENT}count of right answers) before the update."""',
        f"{_INDENT}{_tuple(program.inputs)} = columns" if program.inputs else None,
        _unpacking(params, "params") if params else None,
        f"{_INDENT}losses = []",
        f"{_INDENT}corrects = []",
        f"{_INDENT}for _epoch in range(epochs):",
        *_body(program, True, i2, live=_live(program, wanted)),
        f"{i2}losses.append({_reduce(_var(program.output), program.varying, _Printer(True))})"
        if record_loss
        else None,
        f"{i2}corrects.append({_correct(labels, True)})" if labels else None,
        *[f"{i2}{p} -= lr * ({g} * scale)" for p, g in zip(params, program.grads, strict=True)],
        _wrapped(_INDENT, "return [", ", ".join(params), "], losses, corrects"),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def _load(source: str, filename: str) -> dict:
    """Run generated source in a fresh namespace; tracebacks show its lines (via linecache)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "micrograd_beans.generated"}
    exec(compile(source, filename, "exec"), namespace)  # our own generated code
    return namespace


@dataclass(frozen=True)
class Loop:
    """A generated training loop: its source and the function made from it."""

    source: str
    function: Callable[..., tuple]


class CompiledGraph:
    """A graph written out as Python: readable source plus the functions made from it.

    `source` is the per-sample code (math helpers, then `gradient(inputs..., params...)`
    returning the output and a tuple of gradients); `batched_source` the numpy version
    (`gradient_batch(batch, input arrays..., params...)`, gradients summed over the batch).
    `sgd_loop()` and `full_batch_loop()` generate whole training loops from the same lines.
    """

    def __init__(self, program: _Program, params: Sequence[Value]) -> None:
        self._program = program
        self._params = tuple(params)
        self.input_names: tuple[str, ...] = tuple(program.inputs)
        self.param_names: tuple[str, ...] = tuple(program.params)
        self.output_name: str = program.output
        self.grad_names: tuple[str, ...] = tuple(program.grads)
        self.prediction_names: tuple[str, ...] = tuple(program.predictions)
        self.function_source = _scalar_function(program)
        self.batched_function_source = _batched_function(program)
        self._key = f"{id(self):x}"
        #: The generated per-sample function: floats in, `(output, (grad, ...))` out.
        self.function: Callable[..., tuple] = _load(
            self.source, f"<micrograd_beans.codegen {self._key}>"
        )["gradient"]
        #: The generated numpy function: `(batch, *input_arrays, *params)` in.
        self.batched_function: Callable[..., tuple] = _load(
            self.batched_source, f"<micrograd_beans.codegen batched {self._key}>"
        )["gradient_batch"]
        self._loops: dict[tuple, Loop] = {}

    @property
    def source(self) -> str:
        """Readable per-sample Python: the helpers and `gradient(...)`, one line per node."""
        return f"{SCALAR_HELPERS}\n\n{self.function_source}"

    @property
    def batched_source(self) -> str:
        """Readable numpy Python: the helpers and `gradient_batch(...)`."""
        return f"{BATCH_HELPERS}\n\n{self.batched_function_source}"

    def param_values(self) -> list[float]:
        """The current `data` of the parameter Values the graph was compiled from."""
        return [p.data for p in self._params]

    def _labels(self, labels: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        known = {line[0] for line in self._program.forward} | set(self.input_names)
        out = []
        for pred, target in labels:
            if pred not in known or target not in self.input_names:
                raise ValueError(
                    f"labels pair ({pred!r}, {target!r}) must name a node of the graph and "
                    f"an input ({', '.join(self.input_names)})"
                )
            out.append((pred, target))
        return tuple(out)

    def sgd_loop(self, labels: Sequence[tuple[str, str]] = ()) -> Loop:
        """The generated per-sample SGD loop `train_sgd(samples, params, lr, epochs)`.

        It returns `(params, losses, corrects)`: final parameters, and per epoch the sum of the
        output and, for each (prediction, target) pair in `labels`, the count of samples
        where every prediction ≥ 0.5 exactly when its target is 1.
        """
        return self._loop("sgd", self._labels(labels))

    def full_batch_loop(
        self, labels: Sequence[tuple[str, str]] = (), record_loss: bool = True
    ) -> Loop:
        """The generated numpy loop `train_full_batch(batch, columns, params, lr, epochs,
        scale)`: one update θ -= lr * (Σ dθ * scale) per epoch; returns like `sgd_loop`
        (with `record_loss=False` the losses list stays empty and the output is not computed
        unless a gradient needs it)."""
        return self._loop("full", self._labels(labels), record_loss)

    def _loop(
        self, kind: str, labels: tuple[tuple[str, str], ...], record_loss: bool = True
    ) -> Loop:
        key = (kind, labels, record_loss)
        if key not in self._loops:
            if kind == "sgd":
                body = _sgd_function(self._program, labels)
                source = f"{SCALAR_HELPERS}\n\n{body}"
            else:
                body = _full_batch_function(self._program, labels, record_loss)
                source = f"{BATCH_HELPERS}\n\n{body}"
            name = "train_sgd" if kind == "sgd" else "train_full_batch"
            namespace = _load(
                source, f"<micrograd_beans.codegen {kind} {len(self._loops)} {self._key}>"
            )
            self._loops[key] = Loop(source, namespace[name])
        return self._loops[key]

    def _check(self, what: str, values: Sequence, names: tuple[str, ...]) -> list:
        values = list(values)
        if len(values) != len(names):
            raise ValueError(
                f"expected {len(names)} {what} ({', '.join(names) or 'none'}), got {len(values)}"
            )
        return values

    def _param_floats(self, params: Sequence[float] | None) -> list[float]:
        if params is None:
            return self.param_values()
        return [float(v) for v in self._check("params", params, self.param_names)]

    def _columns(self, inputs: Sequence) -> tuple[int, list[np.ndarray]]:
        columns = [
            np.asarray(c, dtype=float) for c in self._check("inputs", inputs, self.input_names)
        ]
        shapes = {c.shape for c in columns}
        if len(shapes) > 1 or any(len(s) != 1 for s in shapes):
            raise ValueError(f"inputs must be 1-D arrays of one length, got shapes {shapes}")
        return (columns[0].shape[0] if columns else 1), columns

    def __call__(
        self, inputs: Sequence[float], params: Sequence[float] | None = None
    ) -> tuple[float, list[float]]:
        """The output and d(output)/d(param) for each parameter, for one sample, as floats.

        `params` defaults to the current values of the compiled graph's parameters.
        """
        xs = [float(v) for v in self._check("inputs", inputs, self.input_names)]
        out, grads = self.function(*xs, *self._param_floats(params))
        return out, list(grads)

    def batched(
        self, inputs: Sequence[Sequence[float] | np.ndarray], params: Sequence[float] | None = None
    ) -> tuple[np.ndarray, list[float]]:
        """Per-sample outputs (an array) and each parameter's gradient SUMMED over the batch.

        `inputs` holds one 1-D array per input (the batch's column of it). Divide the sums by
        the batch size for the gradient of the mean. Where the engine would raise (log of a
        negative, division by zero, exp overflow) the batched code gives nan or inf instead.
        """
        batch, columns = self._columns(inputs)
        ps = self._param_floats(params)
        with np.errstate(all="ignore"):
            out, grads = self.batched_function(batch, *columns, *ps)
        out = np.broadcast_to(np.asarray(out, dtype=float), (batch,)).copy()
        return out, [float(g) for g in grads]

    def train_sgd(
        self,
        samples: Sequence[Sequence[float]],
        params: Sequence[float] | None = None,
        lr: float = 0.03,
        epochs: int = 1,
    ) -> tuple[list[float], list[float]]:
        """Per-sample SGD in generated code: (final params, per-epoch sum of the output).

        `samples` is a sequence of input tuples, visited in order every epoch; after each
        sample θ ← θ − lr·dθ, the same float operations as the engine with optim.SGD.
        """
        rows = [
            tuple(float(v) for v in self._check("inputs of a sample", s, self.input_names))
            for s in samples
        ]
        final, losses, _ = self.sgd_loop().function(
            rows, self._param_floats(params), float(lr), int(epochs)
        )
        return final, losses

    def train_full_batch(
        self,
        inputs: Sequence[Sequence[float] | np.ndarray],
        params: Sequence[float] | None = None,
        lr: float = 0.03,
        epochs: int = 1,
        scale: float | None = None,
    ) -> tuple[list[float], list[float]]:
        """Full-batch descent in generated numpy code: θ ← θ − lr·(Σ dθ · scale) per epoch.

        `scale` defaults to 1 / batch size (the gradient of the mean output). Returns the
        final params and the per-epoch sum of the output over the batch.
        """
        batch, columns = self._columns(inputs)
        scale = 1.0 / batch if scale is None else float(scale)
        with np.errstate(all="ignore"):
            final, losses, _ = self.full_batch_loop().function(
                batch, columns, self._param_floats(params), float(lr), int(epochs), scale
            )
        return [float(p) for p in final], [float(v) for v in losses]


def compile_graph(
    output: Value,
    inputs: Sequence[Value] = (),
    params: Sequence[Value] = (),
    *,
    predictions: Sequence[Value] = (),
    output_name: str | None = None,
) -> CompiledGraph:
    """Write the graph of `output` out as Python code for its value and parameter gradients.

    `inputs` are the leaves that change from sample to sample (x, y), `params` the leaves to
    differentiate with respect to; every other leaf must be a `Constant` (written as a
    literal). `predictions` names nodes (the model's outputs) the training loops may count
    right answers from. The graph is walked once; the code evaluates each node as the
    engine does, relu and data-dependent branches of derivative rules included, so it stays
    right when the numbers change. Raises `CodegenError` naming the op if an op has no
    codegen rule.
    """
    program = _build(output, list(inputs), list(params), output_name, list(predictions))
    return CompiledGraph(program, params)


# --- training through generated code (what fit(..., compiled=...) uses) --------------------


def why_not_compiled(loss: Callable, optimizer: object) -> str | None:
    """Why fit's updates cannot run as generated code, or None when they can.

    The compiled step needs a graph whose shape is the same for every sample and every
    parameter value (the squared-error loss; binary cross-entropy picks its formula per
    sample in Python) and the plain SGD update θ ← θ − lr·dθ (no momentum, no Adam state).
    """
    from micrograd_beans.losses import squared_error
    from micrograd_beans.optim import SGD

    if loss is not squared_error:
        name = getattr(loss, "__name__", type(loss).__name__)
        return f"only the squared-error loss is compiled (got {name})"
    if type(optimizer) is not SGD or optimizer.momentum:
        return f"only plain SGD is compiled (got {type(optimizer).__name__}" + (
            " with momentum)" if type(optimizer) is SGD else ")"
        )
    return None


class CompiledStep:
    """fit()'s step (see train.GraphStep) run by generated code: the same updates, no Values.

    The model's graph for one sample (inputs x.., targets y..) is compiled once. `epoch`
    runs a whole epoch in one generated loop: per-sample SGD (`size == 1`) or one
    numpy-batched update per chunk of `size` samples. The model's parameter Values are read
    at the start of each call and written back at the end, so callbacks see the live model.
    """

    def __init__(self, model: object, loss: Callable, optimizer: object) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        nin, nout = model.nin, model.nouts[-1]
        xs = [Value(0.0, label="x" if nin == 1 else f"x{i + 1}") for i in range(nin)]
        ys = [Value(0.0, label="y" if nout == 1 else f"y{i + 1}") for i in range(nout)]
        out = model(xs[0] if nin == 1 else xs)
        outs = [out] if isinstance(out, Value) else list(out)
        e = loss(out, ys[0] if nout == 1 else ys)
        self.params = model.parameters()
        self.compiled = compile_graph(e, [*xs, *ys], self.params, predictions=outs)
        labels = list(
            zip(self.compiled.prediction_names, self.compiled.input_names[nin:], strict=True)
        )
        self._sgd = self.compiled.sgd_loop(labels).function
        self._full = self.compiled.full_batch_loop(labels).function
        self._nin, self._nout = nin, nout

    def _row(self, x: object, y: object) -> tuple[float, ...]:
        xr = [x] if self._nin == 1 else list(x)
        yr = [y] if self._nout == 1 else list(y)
        return (*xr, *yr)

    def _read(self) -> list[float]:
        return [p.data for p in self.params]

    def _write(self, values: Sequence[float]) -> None:
        for p, v in zip(self.params, values, strict=True):
            p.data = v

    def epoch(self, pairs: Sequence[tuple], size: int) -> tuple[float, int]:
        """One epoch over `pairs` in order: (sum of the losses, count of right answers)."""
        lr = self.optimizer.lr
        if size == 1:
            rows = pairs if self._nin == self._nout == 1 else [self._row(x, y) for x, y in pairs]
            final, losses, corrects = self._sgd(rows, self._read(), lr, 1)
            self._write(final)
            return losses[0], corrects[0]
        total, correct, values = 0.0, 0, self._read()
        with np.errstate(all="ignore"):
            for k in range(0, len(pairs), size):
                chunk = [self._row(x, y) for x, y in pairs[k : k + size]]
                columns = list(np.array(chunk, dtype=float).T)
                values, losses, corrects = self._full(
                    len(chunk), columns, values, lr, 1, 1.0 / len(chunk)
                )
                total += float(losses[0])
                correct += corrects[0]
        self._write([float(v) for v in values])
        return total, correct

    def sample(self, x: object, y: object) -> tuple[float, object]:
        """One per-sample update; returns (loss, model output before the update)."""
        out = self.model.predict(x)
        e, grads = self.compiled.function(*self._row(x, y), *self._read())
        lr = self.optimizer.lr
        for p, g in zip(self.params, grads, strict=True):
            p.data -= lr * g
        return e, out

    def batch(self, pairs: Sequence[tuple]) -> tuple[float, list]:
        """One update on the mean loss of `pairs`; returns (sum of losses, outputs)."""
        outs = [self.model.predict(x) for x, _ in pairs]
        batch, columns = len(pairs), list(np.array([self._row(x, y) for x, y in pairs]).T)
        with np.errstate(all="ignore"):
            es, grads = self.compiled.batched_function(batch, *columns, *self._read())
        lr, scale = self.optimizer.lr, 1.0 / batch
        for p, g in zip(self.params, grads, strict=True):
            p.data -= lr * (float(g) * scale)
        return float(np.sum(es)), outs

    def sync(self) -> None:
        """Nothing to copy: every call writes the parameters back into the model."""


def compiled_step(
    model: object, loss: Callable, optimizer: object, compiled: bool | str
) -> CompiledStep | None:
    """The compiled step fit should use: None for `compiled=False`, or for "auto" when it
    does not apply; for True, a ValueError saying why it does not apply."""
    if compiled is False or compiled is None:
        return None
    if compiled not in (True, "auto"):
        raise ValueError(f"compiled must be True, False or 'auto', got {compiled!r}")
    reason = why_not_compiled(loss, optimizer)
    if reason is None:
        return CompiledStep(model, loss, optimizer)
    if compiled == "auto":
        return None
    raise ValueError(
        f"compiled=True does not apply here: {reason}; "
        "use compiled='auto' to fall back to the engine"
    )
