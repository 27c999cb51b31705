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


#: The optimizers a generated loop can run, as `train.make_optimizer` names them.
OPTIMIZER_LOOPS = ("sgd", "momentum", "adam")


def _optimizer_loop_source(
    program: _Program, optimizer: str, per_sample: bool, labels: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    """The source of `train(samples, params, state, hyper, epochs, size)`, helpers included."""
    return f"{SCALAR_HELPERS}\n\n{_optimizer_function(program, optimizer, per_sample, labels)}", (
        "train"
    )


def _optimizer_function(
    program: _Program, optimizer: str, per_sample: bool, labels: Sequence[tuple[str, str]]
) -> str:
    """A whole training loop for SGD, SGD with momentum or Adam, per sample or in mini-batches.

    Parameters and the optimizer's state (velocities; Adam's moments and step count) live in
    local variables for the whole run. Per sample, the update reads each gradient as the
    engine's backward leaves it and applies optim.SGD's / optim.Adam's formulas in their
    float order, so the numbers are the graph path's bit for bit. In mini-batches the
    per-sample gradients are summed in sample order and scaled by 1 / batch once (the
    engine seeds its backward with 1 / batch instead): the same to ~1e-16 per step.
    """
    if optimizer not in OPTIMIZER_LOOPS:
        raise ValueError(f"no generated loop for optimizer {optimizer!r}")
    params, grads = program.params, program.grads
    taken = {*program.inputs, *params, *(n for n, _, _ in program.forward)}
    taken |= {n for n, _, _ in program.backward}

    def fresh(base: str) -> str:
        name = base
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    vel = [fresh(f"vel_{p}") for p in params] if optimizer == "momentum" else []
    m1 = [fresh(f"m1_{p}") for p in params] if optimizer == "adam" else []
    m2 = [fresh(f"m2_{p}") for p in params] if optimizer == "adam" else []
    acc = [] if per_sample else [fresh(f"acc_{p}") for p in params]
    i1, i2, i3 = _INDENT, _INDENT * 2, _INDENT * 3

    def update(indent: str, gradients: Sequence[str]) -> list[str]:
        """θ's update from `gradients` (names or expressions), in the optimizer's float order."""
        lines = []
        if optimizer == "adam":
            lines += [
                f"{indent}step += 1",
                f"{indent}c1 = 1.0 - beta1 ** step",
                f"{indent}c2 = sqrt(1.0 - beta2 ** step)",
                f"{indent}step_size = lr / c1",
            ]
        for k, (p, g) in enumerate(zip(params, gradients, strict=True)):
            if optimizer == "sgd":
                lines.append(f"{indent}{p} -= lr * {g}")
            elif optimizer == "momentum":
                lines += [
                    f"{indent}{vel[k]} = mu * {vel[k]} + {g}",
                    f"{indent}{p} -= lr * {vel[k]}",
                ]
            else:
                lines += [
                    f"{indent}{m1[k]} = beta1 * {m1[k]} + ob1 * {g}",
                    f"{indent}{m2[k]} = beta2 * {m2[k]} + ob2 * {g} * {g}",
                    f"{indent}{p} -= step_size * {m1[k]} / (sqrt({m2[k]}) / c2 + eps)",
                ]
        return lines

    def batch_update(indent: str) -> list[str]:
        """The update on the mean gradient of the `count` samples summed so far, then reset."""
        lines = [f"{indent}scale = 1.0 / count"]
        if optimizer == "adam":  # the mean gradient is read twice: computed once per parameter
            means = []
            for a in acc:
                lines.append(f"{indent}{a} = {a} * scale")
                means.append(a)
        else:
            means = [f"{a} * scale" for a in acc]
        lines += update(indent, means)
        lines += [f"{indent}{a} = 0.0" for a in acc]
        lines += [f"{indent}total += btotal", f"{indent}btotal = 0.0", f"{indent}count = 0"]
        return lines

    state_in = {
        "sgd": None,
        "momentum": f"{i1}{_tuple(vel)} = state" if vel else None,
        "adam": f"{i1}step, ({_tuple(m1)}), ({_tuple(m2)}) = state" if params else None,
    }[optimizer]
    hyper = {
        "sgd": f"{i1}(lr,) = hyper",
        "momentum": f"{i1}lr, mu = hyper",
        "adam": f"{i1}lr, beta1, beta2, eps = hyper\n{i1}ob1 = 1.0 - beta1\n{i1}ob2 = 1.0 - beta2",
    }[optimizer]
    state_out = {
        "sgd": "()",
        "momentum": f"[{', '.join(vel)}]",
        "adam": f"(step, [{', '.join(m1)}], [{', '.join(m2)}])",
    }[optimizer]
    what = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}[optimizer]
    how = "one update per sample" if per_sample else "one update per `size` samples (mean)"
    lines = [
        "def train(samples, params, state, hyper, epochs, size):",
        f'{i1}"""{what}, {how}, the samples in order every epoch.',
        "",
        f"{i1}Returns the final parameters and optimizer state, and per epoch the sum of "
        f"{program.output}",
        f"{i1}(and the count of right answers), each taken before the update that uses it.",
        f'{i1}"""',
        _unpacking(params, "params") if params else None,
        state_in,
        hyper,
        f"{i1}losses = []",
        f"{i1}corrects = []",
        f"{i1}for _epoch in range(epochs):",
        f"{i2}total = 0.0",
        f"{i2}correct = 0" if labels else None,
    ]
    if not per_sample:
        lines += [f"{i2}btotal = 0.0", f"{i2}count = 0", *[f"{i2}{a} = 0.0" for a in acc]]
    lines += [
        f"{i2}for {_tuple(program.inputs) or '_sample'} in samples:",
        *_body(program, False, i3, inline=True),
        f"{i3}correct += {_correct(labels, False)}" if labels else None,
    ]
    if per_sample:
        lines += [f"{i3}total += {program.output}", *update(i3, grads)]
    else:
        lines += [
            f"{i3}btotal += {program.output}",
            *[f"{i3}{a} += {g}" for a, g in zip(acc, grads, strict=True)],
            f"{i3}count += 1",
            f"{i3}if count == size:",
            *batch_update(i3 + _INDENT),
            f"{i2}if count:  # the last, smaller batch",
            *batch_update(i3),
        ]
    lines += [
        f"{i2}losses.append(total)",
        f"{i2}corrects.append(correct)" if labels else None,
        _wrapped(i1, "return [", ", ".join(params), f"], {state_out}, losses, corrects"),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)
