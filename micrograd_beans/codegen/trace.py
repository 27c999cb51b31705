"""Tracing a derivative rule: run it down every path of its data-dependent branches."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from micrograd_beans.codegen.symbols import _Expr, _Printer, _Test, _wrap


class _Explorer:
    """Runs a rule down one path of its branches; `_trace` enumerates every path.

    `prefix` holds the decisions to replay; past it every test goes the True way. Each
    expression bound to this explorer (`bind`) asks it, and only it, at each branch.
    """

    def __init__(self, prefix: tuple[bool, ...]) -> None:
        self.prefix = prefix
        self.taken: list[tuple[_Test, bool]] = []

    def decide(self, test: _Test) -> bool:
        i = len(self.taken)
        choice = self.prefix[i] if i < len(self.prefix) else True
        self.taken.append((test, choice))
        return choice

    def bind(self, e: _Expr) -> _Expr:
        """`e` as an operand of the rule this explorer runs: its branches ask this explorer."""
        return _Expr(e.kind, e.args, self)


_MAX_PATHS = 64


def _trace(
    rule: Callable[..., tuple], args: Sequence[_Expr]
) -> list[tuple[list[tuple[_Test, bool]], tuple]]:
    """Every (decisions, result) of `rule(*args)` over all outcomes of its data-dependent tests.

    Each path runs with a fresh explorer bound to the arguments, so nothing is shared
    between traces (or threads).
    """
    paths = []
    pending: list[tuple[bool, ...]] = [()]
    while pending:
        prefix = pending.pop()
        explorer = _Explorer(prefix)
        result = rule(*(explorer.bind(a) for a in args))
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
    if len(paths) == 1:  # no branch: nothing to compare
        return first
    key = _key(first)
    if all(_key(_wrap(result[index])) == key for _, result in paths):
        return first
    test = paths[0][0][depth][0]
    yes = [p for p in paths if p[0][depth][1]]
    no = [p for p in paths if not p[0][depth][1]]
    return _Expr("if", (test, _merge(yes, index, depth + 1), _merge(no, index, depth + 1)))


def _key(e: _Expr) -> str:
    return _Printer(batched=False).expr(e)
