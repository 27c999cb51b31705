"""Printing a program as Python source: the per-sample and the numpy-batched gradient functions."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from micrograd_beans.codegen.program import _Program
from micrograd_beans.codegen.symbols import _ATOM, _Expr, _names_in, _Printer, _varies

_INDENT = "    "
_WIDTH = 100  # wrap longer signatures and return lines


def _inline(name: str, op: str, operands: list[str], indent: str) -> list[str] | None:
    """sigmoid, relu and a small whole power written out in place (hot loops: no call per
    node), else None."""
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
    if op == "**":  # the note's (y - a) ** 2: Python's ** wherever it cannot overflow
        base, exponent = operands
        bound = _no_overflow_below(exponent)
        if bound is not None:
            return [
                f"{indent}{name} = {base} ** {exponent} if -{bound!r} < {base} < {bound!r} "
                f"else power({base}, {exponent})"
            ]
    return None


def _no_overflow_below(exponent: str) -> float | None:
    """For a whole-number literal exponent n >= 1: a bound such that |a| < bound makes a ** n
    finite (Python's ** then is exactly the engine's power, without the call); else None."""
    try:
        n = float(exponent.strip("()"))
    except ValueError:
        return None
    if not (n.is_integer() and 1.0 <= n <= 1023.0):
        return None
    return 2.0 ** (1023 // int(n))  # |a| ** n < 2 ** 1023: finite


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
    lines = [f"{indent}# forward: one line per node; sums and products in the line that uses them"]
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


def _arguments(program: _Program) -> list[str]:
    """What a gradient function takes: the inputs, the parameters, then the fixed leaves."""
    return [*program.inputs, *program.params, *program.fixed]


def _scalar_function(program: _Program) -> str:
    return "\n".join(
        [
            _wrapped("", "def gradient(", ", ".join(_arguments(program)), "):"),
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
                ", ".join(["batch", *_arguments(program)]),
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
