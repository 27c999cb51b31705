"""Printing whole training loops as Python source: parameters and optimizer state in locals.

Every loop is written from one optimizer's `Update` (updates.py: its hyper-parameters, its
state, its update lines) in one of two shapes:

- `_scalar_loop`: plain floats, the samples in order, one update per sample or one per
  `size` samples on their mean gradient (`train(samples, params, state, hyper, epochs,
  size, fixed)`);
- `_numpy_loop`: numpy columns, one update per epoch on the batch's mean gradient
  (`train_full_batch(batch, columns, params, state, hyper, epochs, scale, fixed)`).

Both return `(params, state, losses, corrects)`.
"""

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
from micrograd_beans.codegen.updates import Update
from micrograd_beans.codegen.vocabulary import BATCH_HELPERS, SCALAR_HELPERS

#: How a loop visits the samples: `_scalar_loop` per sample or in mini-batches, `_numpy_loop`.
SHAPES = ("per sample", "mini-batch", "numpy")


def _loop_source(
    program: _Program,
    update: Update,
    shape: str,
    labels: Sequence[tuple[str, str]],
    record_loss: bool = True,
) -> tuple[str, str]:
    """The whole source of a training loop, helpers included, and the name it defines."""
    if shape == "numpy":
        body = _numpy_loop(program, update, labels, record_loss)
        return f"{BATCH_HELPERS}\n\n{body}", "train_full_batch"
    body = _scalar_loop(program, update, shape == "per sample", labels)
    return f"{SCALAR_HELPERS}\n\n{body}", "train"


class _Locals:
    """The loop's names for the optimizer's state: per slot, one fresh local per parameter
    (`vel_w11_1`, `m1_w11_1`, ...), and with `sums` the running gradient sums of a batch."""

    def __init__(self, program: _Program, update: Update, sums: bool) -> None:
        self.update = update
        self.taken = {*program.inputs, *program.params, *program.fixed}
        self.taken |= {n for n, _, _ in program.forward} | {n for n, _, _ in program.backward}
        self.slots = {s: [self._fresh(f"{s}_{p}") for p in program.params] for s in update.slots}
        self.sums = [self._fresh(f"acc_{p}") for p in program.params] if sums else []

    def _fresh(self, base: str) -> str:
        name = base
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name

    def state(self, brackets: str) -> str | None:
        """The items of the state tuple: the counters, then each slot's locals in `brackets`
        ("()" to unpack, "[]" to return); None when the optimizer keeps no state."""
        items = [*self.update.counters]
        items += [f"{brackets[0]}{_tuple(names)}{brackets[1]}" for names in self.slots.values()]
        if not items:
            return None
        return ", ".join(items) + ("," if len(items) == 1 else "")


def _prologue(program: _Program, update: Update, names: _Locals) -> list[str | None]:
    """Unpack the parameters, the fixed leaves, the state and the hyper-parameters."""
    i1 = _INDENT
    hyper = _tuple(update.hyper)
    return [
        *([_unpacking(program.params, "params")] if program.params else []),
        *([_unpacking(program.fixed, "fixed")] if program.fixed else []),
        _wrapped(i1, "(", names.state("()"), ") = state") if names.state("()") else None,
        f"{i1}{f'({hyper})' if len(update.hyper) == 1 else hyper} = hyper",
        *[f"{i1}{line}" for line in update.derived],
    ]


def _update_lines(
    program: _Program, names: _Locals, gradients: Sequence[str], indent: str
) -> list[str]:
    """The optimizer's update of every parameter from `gradients` (names or expressions)."""
    update = names.update
    lines = [f"{indent}{line}" for line in update.per_update]
    for k, (p, g) in enumerate(zip(program.params, gradients, strict=True)):
        fields = {"p": p, "g": g, **{s: locals_[k] for s, locals_ in names.slots.items()}}
        lines += [f"{indent}{line.format(**fields)}" for line in update.per_param]
    return lines


def _mean_update(program: _Program, names: _Locals, sums: Sequence[str], indent: str) -> list[str]:
    """The update on the mean gradient `sum * scale` of each parameter: computed in place,
    or stored first (over the sum) where the update reads it twice (Adam)."""
    if names.update.reads_gradient_more_than_once:
        stored = [f"{indent}{s} = {s} * scale" for s in sums]
        return stored + _update_lines(program, names, sums, indent)
    return _update_lines(program, names, [f"({s} * scale)" for s in sums], indent)


def _correct(labels: Sequence[tuple[str, str]], batched: bool) -> str:
    """A sample counts as right when every output ≥ 0.5 exactly where its target is 1."""
    tests = [f"(({p} >= 0.5) == ({t} == 1.0))" for p, t in labels]
    if batched:
        return f"int(({' & '.join(tests)}).sum())"
    return " and ".join(tests)


def _returns(program: _Program, names: _Locals) -> list[str]:
    """Put the state back in `state`, and return it with the parameters and the records."""
    state = names.state("[]")
    return [
        _wrapped(_INDENT, "state = (", state, ")") if state else f"{_INDENT}state = ()",
        _wrapped(_INDENT, "return [", ", ".join(program.params), "], state, losses, corrects"),
    ]


def _scalar_loop(
    program: _Program, update: Update, per_sample: bool, labels: Sequence[tuple[str, str]]
) -> str:
    """A whole training loop on plain floats: per sample, the update reads each gradient as
    the engine's backward leaves it and applies optim's formulas in their float order (the
    graph path's numbers bit for bit); in mini-batches the per-sample gradients are summed
    in sample order and scaled by 1 / batch once (the engine seeds its backward with
    1 / batch instead: the same to ~1e-16 per step)."""
    names = _Locals(program, update, sums=not per_sample)
    i1, i2, i3 = _INDENT, _INDENT * 2, _INDENT * 3
    how = "one update per sample" if per_sample else "one update per `size` samples (mean)"
    lines = [
        "def train(samples, params, state, hyper, epochs, size, fixed):",
        f'{i1}"""{update.title}, {how}, the samples in order every epoch.',
        "",
        f"{i1}Returns the final parameters and optimizer state, and per epoch the sum of "
        f"{program.output}",
        f"{i1}(and the count of right answers), each taken before the update that uses it.",
        f'{i1}"""',
        *_prologue(program, update, names),
        f"{i1}losses = []",
        f"{i1}corrects = []",
        f"{i1}for _epoch in range(epochs):",
        f"{i2}total = 0.0",
        f"{i2}correct = 0" if labels else None,
        *([] if per_sample else [f"{i2}{s} = 0.0" for s in ["btotal", *names.sums]]),
        *([] if per_sample else [f"{i2}count = 0"]),
        f"{i2}for {_tuple(program.inputs) or '_sample'} in samples:",
        *_body(program, False, i3, inline=True),
        f"{i3}correct += {_correct(labels, False)}" if labels else None,
        *(
            [f"{i3}total += {program.output}", *_update_lines(program, names, program.grads, i3)]
            if per_sample
            else _batch_step(program, names)
        ),
        f"{i2}losses.append(total)",
        f"{i2}corrects.append(correct)" if labels else None,
        *_returns(program, names),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def _batch_step(program: _Program, names: _Locals) -> list[str]:
    """Inside the sample loop of a mini-batch loop: add the sample's loss and gradients to
    the batch's sums; update once `size` samples are summed, and after the loop on the
    last, smaller batch."""
    i2, i3 = _INDENT * 2, _INDENT * 3

    def flush(indent: str) -> list[str]:
        return [
            f"{indent}scale = 1.0 / count",
            *_mean_update(program, names, names.sums, indent),
            *[f"{indent}{s} = 0.0" for s in names.sums],
            f"{indent}total += btotal",
            f"{indent}btotal = 0.0",
            f"{indent}count = 0",
        ]

    return [
        f"{i3}btotal += {program.output}",
        *[f"{i3}{s} += {g}" for s, g in zip(names.sums, program.grads, strict=True)],
        f"{i3}count += 1",
        f"{i3}if count == size:",
        *flush(i3 + _INDENT),
        f"{i2}if count:  # the last, smaller batch",
        *flush(i3),
    ]


def _numpy_loop(
    program: _Program, update: Update, labels: Sequence[tuple[str, str]], record_loss: bool
) -> str:
    """A whole-batch loop over numpy columns: per epoch one update on Σ_batch dθ * scale.

    Without `record_loss` the loop neither sums the output nor computes what only it needs.
    """
    names = _Locals(program, update, sums=False)
    i1, i2 = _INDENT, _INDENT * 2
    wanted = [p for p, _ in labels] + ([program.output] if record_loss else [])
    loss = _reduce(_var(program.output), program.varying, _Printer(True))
    lines = [
        "def train_full_batch(batch, columns, params, state, hyper, epochs, scale, fixed):",
        f'{i1}"""{update.title} on the whole batch: θ moves once per epoch, on Σ_batch dθ * scale.',
        "",
        f"{i1}Returns the final parameters and optimizer state, and per epoch the sum of "
        f"{program.output}",
        f'{i1}over the batch (and the count of right answers) before the update."""',
        f"{i1}{_tuple(program.inputs)} = columns" if program.inputs else None,
        *_prologue(program, update, names),
        f"{i1}losses = []",
        f"{i1}corrects = []",
        f"{i1}for _epoch in range(epochs):",
        *_body(program, True, i2, live=_live(program, wanted)),
        f"{i2}losses.append({loss})" if record_loss else None,
        f"{i2}corrects.append({_correct(labels, True)})" if labels else None,
        *_mean_update(program, names, program.grads, i2),
        *_returns(program, names),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)
