"""Training through generated code: the step `fit(..., compiled=...)` uses."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from micrograd_beans.checks import numpy_available
from micrograd_beans.codegen.program import CodegenError
from micrograd_beans.codegen.runtime import compile_graph
from micrograd_beans.codegen.updates import update_for
from micrograd_beans.engine import Value

#: From this many samples per update on, a batch runs in numpy (one array operation per node
#: for the whole batch) instead of sample by sample in plain floats, whose numbers are the
#: graph's more closely (numpy's exp and sums round differently in the last digit). Below
#: it numpy's cost per call dominates: benchmarks/bench_batches.py measured plain floats at
#: 0.1-0.6x numpy's time up to 64 samples, and numpy faster from ~96 (the spiral's network)
#: to ~300 (the note's). Where numpy is not installed, every batch runs in plain floats.
NUMPY_BATCH = 128


def _library_loss(loss: Callable) -> Callable | None:
    """The library loss that `loss` is, itself or with only its reduction chosen
    (`functools.partial(squared_error, reduction="sum")`), else None."""
    from micrograd_beans.losses import binary_cross_entropy, squared_error

    if (
        isinstance(loss, functools.partial)
        and not loss.args
        and set(loss.keywords) <= {"reduction"}
    ):
        loss = loss.func
    return loss if loss is squared_error or loss is binary_cross_entropy else None


def why_not_compiled(loss: Callable, optimizer: object, model: object = None) -> str | None:
    """Why fit's updates cannot run as generated code, or None when they can.

    Generated code needs a graph whose shape is the same for every sample and every
    parameter value, and an update it knows how to write out. Compiled: the library's
    losses (squared error; binary cross-entropy of a sigmoid output, computed from its
    logit), with either reduction, and optim.SGD (with or without momentum) or optim.Adam
    over any of the model's parameters, in any order (the others stay as they are), per
    sample or in batches. Not compiled: a loss function of your own (its graph may change
    with the sample), binary cross-entropy of an output that is not a sigmoid (its clamp
    picks a formula per sample), and optimizers of other classes.
    """
    from micrograd_beans.losses import binary_cross_entropy

    library_loss = _library_loss(loss)
    if library_loss is None:
        name = getattr(loss, "__name__", type(loss).__name__)
        return (
            f"the loss {name} is your own function: only the library's losses "
            "(squared_error, bce) are compiled"
        )
    output_activation = getattr(model, "output_activation", "sigmoid")
    if library_loss is binary_cross_entropy and output_activation != "sigmoid":
        return (
            f"binary cross-entropy is compiled from a sigmoid output's logit; this model's "
            f"output is {output_activation} (its probability is clamped per sample)"
        )
    if update_for(optimizer) is None:
        return (
            f"the optimizer {type(optimizer).__name__} has no generated update "
            "(SGD, SGD with momentum and Adam do)"
        )
    return None


class CompiledStep:
    """fit()'s step (see train.GraphStep) run by generated code: the same updates, no Values.

    The model's graph for one sample (inputs x.., targets y..) is compiled once, with the
    optimizer's parameters, in the optimizer's order, as the parameters, and the model's
    other parameters as fixed leaves (frozen: read, never moved). `epoch` runs a whole epoch
    in one generated loop: per sample, in mini-batches, or (from `NUMPY_BATCH` samples per
    update, where numpy is installed) one numpy call per batch. The parameters' values and
    the optimizer's state are read at the start of each epoch and written back at its end,
    so callbacks see the live model and optimizer, and the graph path can continue where
    generated code stopped.
    """

    def __init__(self, model: object, loss: Callable, optimizer: object) -> None:
        update = update_for(optimizer)
        if update is None:
            raise CodegenError(f"the optimizer {type(optimizer).__name__} has no generated update")
        self.model, self.loss, self.optimizer, self.update = model, loss, optimizer, update
        nin, nout = model.nin, model.nouts[-1]
        xs = [Value(0.0, label="x" if nin == 1 else f"x{i + 1}") for i in range(nin)]
        ys = [Value(0.0, label="y" if nout == 1 else f"y{i + 1}") for i in range(nout)]
        out = model(xs[0] if nin == 1 else xs)
        outs = [out] if isinstance(out, Value) else list(out)
        e = loss(out, ys[0] if nout == 1 else ys)
        self.params = list(optimizer.params)
        trained = {id(p) for p in self.params}
        self.fixed = [p for p in model.parameters() if id(p) not in trained]
        self.compiled = compile_graph(
            e, [*xs, *ys], self.params, fixed=self.fixed, predictions=outs
        )
        names = self.compiled.input_names
        self._labels = list(zip(self.compiled.prediction_names, names[nin:], strict=True))
        self._nin, self._nout = nin, nout
        self._loops: dict[str, Callable] = {}

    def _loop(self, shape: str) -> Callable:
        """The generated loop of `shape` ("per sample", "mini-batch" or "numpy")."""
        if shape not in self._loops:
            compiled, name = self.compiled, self.update.name
            if shape == "numpy":
                loop = compiled.full_batch_loop(self._labels, optimizer=name)
            else:
                loop = compiled.optimizer_loop(name, shape == "per sample", self._labels)
            self._loops[shape] = loop.function
        return self._loops[shape]

    def _row(self, x: object, y: object) -> tuple[float, ...]:
        xr = [x] if self._nin == 1 else list(x)
        yr = [y] if self._nout == 1 else list(y)
        return (*xr, *yr)

    def epoch(self, pairs: Sequence[tuple], size: int) -> tuple[float, int]:
        """One epoch over `pairs` in order, one update per `size` samples: (sum of the
        losses, count of right answers)."""
        hyper, state = self.update.read(self.optimizer)
        values = [p.data for p in self.params]
        fixed = [v.data for v in self.fixed]
        if size >= NUMPY_BATCH and numpy_available():
            values, state, total, correct = self._numpy_epoch(pairs, size, values, state, hyper)
        else:
            rows = pairs if self._nin == self._nout == 1 else [self._row(x, y) for x, y in pairs]
            train = self._loop("per sample" if size == 1 else "mini-batch")
            values, state, losses, corrects = train(rows, values, state, hyper, 1, size, fixed)
            total, correct = losses[0], corrects[0]
        for p, v in zip(self.params, values, strict=True):
            p.data = v
        self.update.write(self.optimizer, state)
        return total, correct

    def _numpy_epoch(
        self, pairs: Sequence[tuple], size: int, values: list, state: tuple, hyper: tuple
    ) -> tuple[list[float], tuple, float, int]:
        """An epoch as one call of the generated numpy loop per batch of `size` samples."""
        import numpy as np  # epoch() checked that it is installed

        train = self._loop("numpy")
        fixed = [v.data for v in self.fixed]  # frozen: the same for every batch
        total, correct = 0.0, 0
        with np.errstate(all="ignore"):  # overflow gives inf: fit reports the divergence
            for k in range(0, len(pairs), size):
                chunk = [self._row(x, y) for x, y in pairs[k : k + size]]
                columns = list(np.array(chunk, dtype=float).T)
                scale = 1.0 / len(chunk)
                values, state, losses, corrects = train(
                    len(chunk), columns, values, state, hyper, 1, scale, fixed
                )
                total += float(losses[0])
                correct += int(corrects[0])
        return [float(v) for v in values], state, total, correct

    def sync(self) -> None:
        """Nothing to copy: every epoch writes the parameters back into the model."""


def compiled_step(
    model: object, loss: Callable, optimizer: object, compiled: bool | str
) -> CompiledStep | None:
    """The compiled step fit should use: None for `compiled=False`, or for "auto" when it
    does not apply; for True, a ValueError saying why it does not apply."""
    return compiled_step_or_reason(model, loss, optimizer, compiled)[0]


def compiled_step_or_reason(
    model: object, loss: Callable, optimizer: object, compiled: bool | str
) -> tuple[CompiledStep | None, str]:
    """(the compiled step, "") or (None, why the updates run on the graph instead): for
    `compiled=False`, or for "auto" where generated code does not apply or cannot be made
    (a `CodegenError`: an op without a codegen rule, a parameter that is not a leaf, ...).
    For `compiled=True` a reason is an error instead (a CodegenError if it came from
    writing the code, else a ValueError)."""
    if compiled is False or compiled is None:
        return None, "compiled=False"
    if compiled not in (True, "auto"):
        raise ValueError(f"compiled must be True, False or 'auto', got {compiled!r}")
    reason, error = why_not_compiled(loss, optimizer, model), ValueError
    if reason is None:
        try:
            return CompiledStep(model, loss, optimizer), ""
        except CodegenError as err:
            reason, error = f"the code could not be written: {err}", CodegenError
    if compiled == "auto":
        return None, reason
    raise error(
        f"compiled=True does not apply here: {reason}; "
        "use compiled='auto' to fall back to the engine"
    )
