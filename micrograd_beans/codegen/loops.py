"""Printing whole training loops as Python source: parameters live in local variables."""

from __future__ import annotations

from collections.abc import Sequence

from micrograd_beans.codegen.program import _Program
from micrograd_beans.codegen.source import (
    _INDENT,
    _body,
    _live,
    _reduce,
    _tuple,
    _unpacking,
    _wrapped,
)
from micrograd_beans.codegen.symbols import _Printer, _var
from micrograd_beans.codegen.vocabulary import BATCH_HELPERS, SCALAR_HELPERS


def _loop_source(
    program: _Program, kind: str, labels: Sequence[tuple[str, str]], record_loss: bool = True
) -> tuple[str, str]:
    """The whole source of the training loop of `kind` ("sgd" or "full"), helpers included,
    and the name of the function it defines."""
    if kind == "sgd":
        return f"{SCALAR_HELPERS}\n\n{_sgd_function(program, labels)}", "train_sgd"
    body = _full_batch_function(program, labels, record_loss)
    return f"{BATCH_HELPERS}\n\n{body}", "train_full_batch"


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
