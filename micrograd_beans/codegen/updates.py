"""The optimizers as generated code runs them: each one described once, as data.

`optim.py` holds the reference (PyTorch's SGD, SGD with momentum and Adam); an entry here is
that optimizer's `step` written out line for line, with the same float operations in the
same order, so a generated per-sample loop moves the parameters exactly as the graph path
does. `loops.py` writes every training loop from these entries; `step.py` uses `read` and
`write` to hand an optimizer's settings and state to a loop and take the state back.

A new optimizer with a generated update is one more entry (and its new names in
`vocabulary._RESERVED`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from micrograd_beans.optim import SGD, Adam, Optimizer

#: One update's state as a loop takes and returns it: the counters, then one list per slot.
State = tuple


@dataclass(frozen=True)
class Update:
    """One optimizer's update as lines of generated code.

    `hyper` names what the loop unpacks from its `hyper` argument, `derived` lines are run
    once from them. `counters` are whole-run numbers of state (Adam's step count), `slots`
    the per-parameter state (one local variable per parameter and slot). `per_update` lines
    run once per update, before any parameter moves; `per_param` lines once per parameter,
    with `{p}` the parameter, `{g}` its gradient and `{<slot>}` its state. `read` gives an
    optimizer's (settings to unpack into `hyper`, state), `write` stores a state back.
    """

    name: str
    title: str
    hyper: tuple[str, ...]
    per_param: tuple[str, ...]
    read: Callable[[Optimizer], tuple[tuple, State]]
    write: Callable[[Optimizer, State], None]
    derived: tuple[str, ...] = ()
    counters: tuple[str, ...] = ()
    slots: tuple[str, ...] = ()
    per_update: tuple[str, ...] = ()

    @property
    def reads_gradient_more_than_once(self) -> bool:
        """Whether `{g}` is read twice: a gradient computed in place (a batch's mean) is then
        stored in a variable first."""
        return sum(line.count("{g}") for line in self.per_param) > 1


def _sgd_read(opt: SGD) -> tuple[tuple, State]:
    return (opt.lr,), ()


def _sgd_write(opt: SGD, state: State) -> None:
    """Plain SGD keeps no state."""


def _momentum_read(opt: SGD) -> tuple[tuple, State]:
    # -0.0 stands for "no velocity yet": mu * -0.0 + g is g to the bit (optim.SGD's v = g)
    velocity = list(opt.velocity) if opt.velocity is not None else [-0.0] * len(opt.params)
    return (opt.lr, opt.momentum), (velocity,)


def _momentum_write(opt: SGD, state: State) -> None:
    opt.velocity = [float(v) for v in state[0]]


def _adam_read(opt: Adam) -> tuple[tuple, State]:
    return (opt.lr, *opt.betas, opt.eps), (opt.t, list(opt.m), list(opt.v))


def _adam_write(opt: Adam, state: State) -> None:
    t, m, v = state
    opt.t, opt.m, opt.v = int(t), [float(x) for x in m], [float(x) for x in v]


UPDATES: dict[str, Update] = {
    "sgd": Update(
        "sgd",
        "SGD",
        hyper=("lr",),
        per_param=("{p} -= lr * {g}",),
        read=_sgd_read,
        write=_sgd_write,
    ),
    "momentum": Update(
        "momentum",
        "SGD with momentum",
        hyper=("lr", "mu"),
        per_param=("{vel} = mu * {vel} + {g}", "{p} -= lr * {vel}"),
        read=_momentum_read,
        write=_momentum_write,
        slots=("vel",),
    ),
    "adam": Update(
        "adam",
        "Adam",
        hyper=("lr", "beta1", "beta2", "eps"),
        per_param=(
            "{m1} = beta1 * {m1} + ob1 * {g}",
            "{m2} = beta2 * {m2} + ob2 * {g} * {g}",
            "{p} -= step_size * {m1} / (sqrt({m2}) / c2 + eps)",
        ),
        read=_adam_read,
        write=_adam_write,
        derived=("ob1 = 1.0 - beta1", "ob2 = 1.0 - beta2"),
        counters=("step",),
        slots=("m1", "m2"),
        per_update=(
            "step += 1",
            "c1 = 1.0 - beta1 ** step",
            "c2 = sqrt(1.0 - beta2 ** step)",
            "step_size = lr / c1",
        ),
    ),
}


def update_for(optimizer: object) -> Update | None:
    """The generated update that runs `optimizer` (an optim.SGD or optim.Adam exactly, not a
    subclass: its `step` may differ), or None."""
    if type(optimizer) is Adam:
        return UPDATES["adam"]
    if type(optimizer) is SGD:
        return UPDATES["momentum" if optimizer.momentum else "sgd"]
    return None
