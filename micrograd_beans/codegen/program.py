"""From graph to program: one line of code per node, forward and backward."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from micrograd_beans.codegen.naming import _Namer
from micrograd_beans.codegen.symbols import (
    _ATOM,
    _binop,
    _Expr,
    _lit,
    _literal,
    _Printer,
    _var,
    _varies,
)
from micrograd_beans.codegen.trace import _merge, _trace
from micrograd_beans.codegen.vocabulary import _FUNCTIONS
from micrograd_beans.engine import OPS, Constant, Value, _topological_order


class CodegenError(ValueError):
    """A graph that cannot be turned into code (an op without a codegen rule, a bad leaf)."""


_TERMS_PER_LINE = 16  # a gradient with more contributions continues on the next line


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
            paths = _trace(lambda *args, rule=rule: tuple(rule(*args)), [g, out, *operands])
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


def _describe(v: Value) -> str:
    return f"{v.label!r} (data={v.data!r})" if v.label else f"Value(data={v.data!r})"
