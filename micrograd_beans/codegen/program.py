"""From graph to program: one line of code per node, forward and backward."""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from micrograd_beans.codegen.naming import _Namer
from micrograd_beans.codegen.symbols import (
    _ATOM,
    MAX_DEPTH,
    _binop,
    _depth,
    _Expr,
    _lit,
    _literal,
    _names_in,
    _Printer,
    _split_deep,
    _Test,
    _var,
    _varies,
)
from micrograd_beans.codegen.trace import _merge, _trace
from micrograd_beans.codegen.vocabulary import _FUNCTIONS
from micrograd_beans.engine import OPS, Constant, Value, topological_order

# CPython 3.11 keeps the AST constructor's recursion depth in state shared by every thread
# (python/cpython#106905, "AST constructor recursion depth mismatch"): two threads in
# ast.parse or compile at once can make one of them fail with that SystemError. Compiling
# from threads is promised, so every call codegen makes into `ast` or `compile` holds this.
_AST_LOCK = threading.Lock()


class CodegenError(ValueError):
    """A graph that cannot be turned into code (an op without a codegen rule, a bad leaf, or
    generated code Python refuses to compile). `fit(compiled="auto")` falls back to the
    engine's graph on it, with its message in `History.path`."""


_TERMS_PER_LINE = 16  # a gradient with more contributions continues on the next line


@dataclass
class _Program:
    """The compiled graph as lines of code, before it is wrapped into functions."""

    inputs: list[str]
    params: list[str]
    output: str
    grads: list[str]
    # leaves read but not differentiated (frozen parameters): passed in, like params
    fixed: list[str] = field(default_factory=list)
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
    """`a ** b` -> `power(a, b)`: the engine's `**` (the vocabulary's helper), not Python's.

    Python's float `**` raises OverflowError where the engine gives inf, and makes a complex
    number of a negative base with a fractional exponent, where the engine raises.
    """

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.Call(ast.Name("power", ast.Load()), [node.left, node.right], [])
        return node


def _forward_rule(
    node: Value, names: list[str], values: list[_Expr]
) -> tuple[str | None, _Expr | None]:
    """One node's forward rule: (None, its tree) if plain arithmetic, else (its source, None).

    A forward rule written with operators only (affine's running sum) is run on symbols, so
    the code adds in the engine's order; the others use the op's `code` template.
    """
    op = OPS.get(node.op)
    if op is None or op.code is None:
        raise CodegenError(
            f"op {node.op!r} has no codegen rule (no row with code in engine.OPS); "
            "add one (define_op takes the forward rule as an expression, or code=), "
            "or build the graph from ops that have one"
        )
    try:
        traced = op.forward(*values)
    except Exception:  # branches, math.*, float methods: not traceable, use the template
        traced = None
    if isinstance(traced, _Expr):
        return None, traced
    try:
        source = op.expression(*names)
        with _AST_LOCK:
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
    if any(isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Pow) for sub in ast.walk(tree)):
        with _AST_LOCK:
            source = ast.unparse(ast.fix_missing_locations(_PowToCall().visit(tree)))
    return source, None


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
    the engine's own order (`topological_order`), which fixes how gradients are summed.
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
    fixed: Sequence[Value] = (),
) -> _Program:
    """The program for the graph of `output`, in six steps: check the arguments, name every
    value, write one forward line per node in reading order, write the chain rule backward in
    the engine's order, name the predictions the training loops count right answers from,
    and write unlabelled sums and products into the line that uses them (`_fold`).

    Built twice when something folds: the second time the folded nodes take no number from
    t1, t2, ..., so the temporaries left are numbered from t1 as a reader expects.
    """
    leaves = (inputs, params, fixed)
    program, folded = _build_once(output, leaves, output_name, predictions, set())
    if folded:
        program, _ = _build_once(output, leaves, output_name, predictions, folded)
    return program


def _build_once(
    output: Value,
    leaves: tuple[Sequence[Value], Sequence[Value], Sequence[Value]],
    output_name: str | None,
    predictions: Sequence[Value],
    unnumbered: set[int],
) -> tuple[_Program, set[int]]:
    """The program, and the ids of the nodes folded into their user's line. `leaves` are
    (inputs, params, fixed). Nodes whose id is in `unnumbered` (folded last time) get a
    throwaway name instead of a number."""
    inputs, params, fixed = leaves
    _check_arguments(output, inputs, params, fixed)
    forward = _forward_order(output)  # operands first, in reading order
    # predictions the output does not use (a sigmoid whose logit the loss reads) are
    # computed after it, for counting right answers; they send nothing backward
    seen = {id(node) for node in forward}
    extra = []
    for v in predictions:
        if isinstance(v, Value) and v.parents and id(v) not in seen:
            for node in _forward_order(v):
                if id(node) not in seen:
                    seen.add(id(node))
                    extra.append(node)
    namer = _Namer()
    names = _name_leaves(namer, inputs, params, fixed)
    _check_leaves(output, forward + extra, names)
    out_label = output_name or output.label or "e"
    temps: set[str] = set()  # names of unlabelled op results (t1, t2, ...)
    for node in forward + extra:
        label = out_label if node is output else node.label
        names[id(node)] = namer.name("_folded" if id(node) in unnumbered else label)
        if not label:
            temps.add(names[id(node)])

    program = _Program(
        inputs=[names[id(v)] for v in inputs],
        params=[names[id(v)] for v in params],
        output=names[id(output)],
        grads=[],
        fixed=[names[id(v)] for v in fixed],
    )
    program.varying.update({n: True for n in program.inputs})  # inputs change per sample
    program.varying.update({n: False for n in program.params + program.fixed})
    _write_forward(program, forward + extra, names, namer)
    _Backward(program, namer, names, re.sub(r"\W", "_", out_label)).write(output, forward, params)
    for v in predictions:
        if id(v) not in names:
            raise CodegenError(
                f"prediction {_describe(v)} is a leaf in neither the inputs nor the params"
            )
        program.predictions.append(names[id(v)])
    folded = _fold(program, temps)
    return program, {node_id for node_id, name in names.items() if name in folded}


def _check_arguments(
    output: Value, inputs: Sequence[Value], params: Sequence[Value], fixed: Sequence[Value]
) -> None:
    """Inputs, params and fixed leaves must be distinct leaf Values, and the output a Value."""
    for kind, values in (("inputs", inputs), ("params", params), ("fixed", fixed)):
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
    ids = [id(v) for v in (*inputs, *params, *fixed)]
    if len(set(ids)) != len(ids):
        raise ValueError("a Value is listed twice among inputs, params and fixed")


def _name_leaves(
    namer: _Namer, inputs: Sequence[Value], params: Sequence[Value], fixed: Sequence[Value]
) -> dict[int, str]:
    """id(leaf) -> its name in the code, inputs first (unlabelled: x1, ..., p1, ..., f1, ...)."""
    names = {}
    for values, unlabelled in ((inputs, "x"), (params, "p"), (fixed, "f")):
        for i, v in enumerate(values):
            names[id(v)] = namer.name(v.label or f"{unlabelled}{i + 1}")
    return names


def _check_leaves(output: Value, forward: list[Value], names: dict[int, str]) -> None:
    """Every leaf of the graph must be listed (it has a name) or be a Constant literal."""
    for node in forward:
        for p in node.parents:
            if not p.parents and id(p) not in names and not isinstance(p, Constant):
                raise CodegenError(
                    f"leaf {_describe(p)} is in the graph but in neither inputs nor params; "
                    "list it (or make it a Constant to bake its value into the code)"
                )
    if not output.parents and id(output) not in names:
        raise CodegenError("the output is a leaf that is neither an input nor a parameter")


def _write_forward(
    program: _Program, forward: list[Value], names: dict[int, str], namer: _Namer
) -> None:
    """One assignment per node, operands first; a node varies if one of its operands does.

    A node computed by plain arithmetic is written from its tree, and a tree deeper than
    `MAX_DEPTH` (a neuron with hundreds of inputs) is first cut into named parts.
    """
    printer = _Printer(batched=False)
    for node in forward:
        texts, values = zip(*(_operand(names, p) for p in node.parents), strict=True)
        name = names[id(node)]
        source, tree = _forward_rule(node, list(texts), list(values))
        if tree is None:
            _add_forward(program, name, node.op, source, None, list(texts))
            continue
        parts, tree = _split_deep(tree, lambda: namer.name(f"{name}_part"))  # noqa: B023
        for part, subtree in parts:
            _add_forward(program, part, "part", printer.expr(subtree), subtree)
        _add_forward(program, name, node.op, printer.expr(tree), tree)


def _add_forward(
    program: _Program,
    name: str,
    op: str,
    source: str,
    tree: _Expr | None,
    operands: list[str] | None = None,
) -> None:
    """One forward line: `name = source`, computed by `op` from `operands` (by default the
    names its tree reads)."""
    if operands is None:
        operands = sorted(_names_in(tree, set()))
    program.forward.append((name, source, source))
    program.forward_exprs.append((name, tree))
    program.ops[name] = op
    program.operands[name] = operands
    program.varying[name] = any(program.varying.get(t, False) for t in operands)


class _Backward:
    """Writes the chain rule into a program, node by node in the engine's backward order.

    Each node's derivative rule is traced on symbols and sends one contribution to each
    operand that leads to a parameter; an operand's gradient line is written once its last
    contribution has arrived, summed in the order the engine accumulates them.
    """

    def __init__(self, program: _Program, namer: _Namer, names: dict[int, str], out: str):
        self.program, self.namer, self.names, self.out = program, namer, names, out
        self.grad_names: dict[int, str] = {}  # id(node) -> name of its gradient
        self.contributions: dict[int, list[_Expr]] = {}  # id(node) -> terms received so far
        self.remaining: dict[int, int] = {}  # id(node) -> contributions still to come
        self.needs: set[int] = set()  # ids of the values that lead to a parameter

    def write(self, output: Value, forward: list[Value], params: Sequence[Value]) -> None:
        """Every gradient line, then `program.grads` (a parameter's gradient, in order)."""
        self.needs = {id(v) for v in params}
        for node in forward:  # operands first, so one pass finds every path to a parameter
            if any(id(p) in self.needs for p in node.parents):
                self.needs.add(id(node))
        for node in forward:
            for p in node.parents:
                if id(p) in self.needs:
                    self.remaining[id(p)] = self.remaining.get(id(p), 0) + 1
        for node in topological_order(output) if output.parents else []:
            if id(node) in self.needs:
                self._visit(node, node is output)
        for v in params:  # parameters the output does not reach get 0 (as in the engine)
            if id(v) not in self.grad_names:
                self._emit(id(v), [_lit(1.0 if v is output else 0.0)])
        self.program.grads = [self.grad_names[id(v)] for v in params]

    def _visit(self, node: Value, is_output: bool) -> None:
        """Write the node's own gradient, then send its rule's contributions to its operands."""
        if is_output:
            g = _lit(1.0)
        else:
            self._emit(id(node), self.contributions.pop(id(node)))
            g = _var(self.grad_names[id(node)])
        paths = self._trace_rule(node, g)
        for i, p in enumerate(node.parents):
            if id(p) not in self.needs:
                continue
            self.contributions.setdefault(id(p), []).append(_merge(paths, i))
            self.remaining[id(p)] -= 1
            if not p.parents and self.remaining[id(p)] == 0:  # a parameter's gradient is complete
                self._emit(id(p), self.contributions.pop(id(p)))

    def _trace_rule(self, node: Value, g: _Expr) -> list:
        """The node's derivative rule run on symbols, down every path of its branches."""
        rule = OPS[node.op].backward
        operands = [_operand(self.names, p)[1] for p in node.parents]
        out = _var(self.names[id(node)])
        try:
            return _trace(lambda *args: tuple(rule(*args)), [g, out, *operands])
        except Exception as err:
            raise CodegenError(
                f"op {node.op!r} has no codegen rule: its derivative rule cannot run on "
                f"symbols ({type(err).__name__}: {err})"
            ) from None

    def _emit(self, node_id: int, terms: list[_Expr]) -> None:
        """name = c1 + c2 + ..., added left to right as the engine accumulates; a long sum
        continues in further lines (name = name + ...), so no expression grows deep."""
        if node_id not in self.grad_names:
            self.grad_names[node_id] = self.namer.name(f"d{self.out}d{self.names[node_id]}")
        name = self.grad_names[node_id]
        varying = self.program.varying
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
            self.program.backward.append((name, expr, rest))
            varying[name] = varying.get(name, False) or _varies(expr, varying)
            total = _var(name)


def _substitute(e: _Expr, values: dict[str, _Expr]) -> _Expr:
    """`e` with every read of a variable named in `values` replaced by its expression; the
    same object where nothing is replaced (each changed node rebuilt through _binop, which
    drops what is exact to drop: 1.0 * g is g)."""
    kind = e.kind
    if kind == "var":
        return values.get(e.args[0], e)
    if kind == "lit":
        return e
    if kind == "call":
        a = _substitute(e.args[1], values)
        return e if a is e.args[1] else _Expr("call", (e.args[0], a))
    if kind == "if":
        test, yes, no = e.args
        old = (test.lhs, test.rhs, yes, no)
        new = [_substitute(x, values) for x in old]
        if all(n is o for n, o in zip(new, old, strict=True)):
            return e
        return _Expr("if", (_Test(new[0], test.cmp, new[1]), new[2], new[3]))
    if kind == "neg":
        a = _substitute(e.args[0], values)
        return e if a is e.args[0] else -a
    a, b = (_substitute(x, values) for x in e.args)
    return e if a is e.args[0] and b is e.args[1] else _binop(kind, a, b)


def _fold(program: _Program, temps: set[str]) -> set[str]:
    """Write unlabelled sums and products into the line that uses them, as the note does.

    A neuron built from `+` and `*` nodes (`nn` builds one- and two-input neurons so) gives
    `t1 = w11_1 * x; z1_1 = t1 + b1_1` and, backward, `dedt1 = dedz1_1; dedw11_1 = dedt1 * x`.
    This writes `z1_1 = w11_1 * x + b1_1` and `dedw11_1 = dedz1_1 * x` instead: the same float
    operations in the same order (an expression tree put in place of the name it was stored
    under), so the numbers do not change, and the loops store fewer locals.
    """
    _fold_gradient_copies(program)
    return _fold_forward_temporaries(program, temps)


def _fold_gradient_copies(program: _Program) -> None:
    """Backward: a gradient that is a plain copy of another (`dedt1 = dedz1_1`) or a number
    (the 1.0 a sum passes on) is written where it is read, unless it is a parameter's
    gradient (the result)."""
    keep = set(program.grads)
    assigned: dict[str, int] = {}
    for name, _, _ in program.backward:
        assigned[name] = assigned.get(name, 0) + 1
    backward: list[tuple[str, _Expr, _Expr | None]] = []
    copies: dict[str, _Expr] = {}
    for name, expr, rest in program.backward:
        expr = _substitute(expr, copies)  # a copy's own copies are resolved already
        rest = None if rest is None else _substitute(rest, copies)
        plain = expr.kind in ("var", "lit")
        if plain and rest is None and name not in keep and assigned[name] == 1:
            copies[name] = expr
            continue
        backward.append((name, expr, rest))
    program.backward = backward


def _fold_forward_temporaries(program: _Program, temps: set[str]) -> set[str]:
    """Forward: a temporary computed by + - * and read once, by another such line, and
    nowhere backward, is written into that line, unless that would make the line deeper
    than `MAX_DEPTH` (a chain of 10,000 sums folds into lines of a few dozen). Returns the
    names folded away."""
    read_backward: set[str] = set()
    for _, expr, rest in program.backward:
        _names_in(expr, read_backward)
        if rest is not None:
            _names_in(rest, read_backward)
    uses: dict[str, list[str]] = {}
    for name, _ in program.forward_exprs:
        for operand in program.operands[name]:
            uses.setdefault(operand, []).append(name)
    trees = dict(program.forward_exprs)
    depths = {name: _depth(tree) for name, tree in trees.items() if tree is not None}
    folded: set[str] = set()
    for name, tree in program.forward_exprs:
        users = uses.get(name, [])
        if (
            name not in temps
            or tree is None
            or tree.kind not in ("+", "-", "*")
            or len(users) != 1
            or trees[users[0]] is None
            or name in read_backward
            or name == program.output
            or name in program.predictions
            or depths[users[0]] + depths[name] > MAX_DEPTH
        ):
            continue
        user = users[0]
        trees[user] = _substitute(trees[user], {name: trees[name]})
        depths[user] += depths[name]  # at most this deep: `name` was one of its leaves
        operands = program.operands[user]
        at = operands.index(name)
        program.operands[user] = operands[:at] + program.operands[name] + operands[at + 1 :]
        folded.add(name)
    printer = _Printer(batched=False)
    forward, exprs = [], []
    for (name, source, scalar), (_, tree) in zip(
        program.forward, program.forward_exprs, strict=True
    ):
        if name in folded:
            continue
        if tree is not trees[name]:
            tree = trees[name]
            source = scalar = printer.expr(tree)
        forward.append((name, source, scalar))
        exprs.append((name, tree))
    program.forward, program.forward_exprs = forward, exprs
    return folded


def _describe(v: Value) -> str:
    return f"{v.label!r} (data={v.data!r})" if v.label else f"Value(data={v.data!r})"
