"""Training through generated code: the step `fit(..., compiled=...)` uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from micrograd_beans.checks import import_numpy, numpy_available
from micrograd_beans.codegen.program import CodegenError
from micrograd_beans.codegen.runtime import compile_graph
from micrograd_beans.engine import Value


def why_not_compiled(loss: Callable, optimizer: object, model: object = None) -> str | None:
    """Why fit's updates cannot run as generated code, or None when they can.

    Generated code needs a graph whose shape is the same for every sample and every
    parameter value, and an update it knows how to write out. Compiled: the library's
    losses (squared error; binary cross-entropy of a sigmoid output, computed from its
    logit) with optim.SGD (with or without momentum) or optim.Adam, per sample or in
    batches. Not compiled: a loss function of your own (its graph may change with the
    sample), binary cross-entropy of an output that is not a sigmoid (its clamp picks a
    formula per sample), and optimizers of other classes.
    """
    from micrograd_beans.losses import binary_cross_entropy, squared_error
    from micrograd_beans.optim import SGD, Adam

    if loss is not squared_error and loss is not binary_cross_entropy:
        name = getattr(loss, "__name__", type(loss).__name__)
        return (
            f"the loss {name} is your own function: only the library's losses "
            "(squared_error, bce) are compiled"
        )
    output_activation = getattr(model, "output_activation", "sigmoid")
    if loss is binary_cross_entropy and output_activation != "sigmoid":
        return (
            f"binary cross-entropy is compiled from a sigmoid output's logit; this model's "
            f"output is {output_activation} (its probability is clamped per sample)"
        )
    if type(optimizer) not in (SGD, Adam):
        return (
            f"the optimizer {type(optimizer).__name__} has no generated update "
            "(SGD, SGD with momentum and Adam do)"
        )
    return None


def _optimizer_kind(optimizer: object) -> str:
    """ "sgd", "momentum" or "adam": which generated update runs the optimizer."""
    from micrograd_beans.optim import Adam

    if isinstance(optimizer, Adam):
        return "adam"
    return "momentum" if optimizer.momentum else "sgd"


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
        self.kind = _optimizer_kind(optimizer)
        self._labels = labels
        self._sgd = self.compiled.sgd_loop(labels).function
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
        if self.kind != "sgd" or (size > 1 and not numpy_available()):
            # momentum and Adam; plain SGD in mini-batches where numpy is missing
            return self._optimizer_epoch(pairs, size)
        lr = self.optimizer.lr
        if size == 1:
            rows = pairs if self._nin == self._nout == 1 else [self._row(x, y) for x, y in pairs]
            final, losses, corrects = self._sgd(rows, self._read(), lr, 1)
            self._write(final)
            return losses[0], corrects[0]
        import numpy as np  # plain SGD in mini-batches: numpy-batched generated code

        full = self.compiled.full_batch_loop(self._labels).function
        total, correct, values = 0.0, 0, self._read()
        with np.errstate(all="ignore"):
            for k in range(0, len(pairs), size):
                chunk = [self._row(x, y) for x, y in pairs[k : k + size]]
                columns = list(np.array(chunk, dtype=float).T)
                values, losses, corrects = full(
                    len(chunk), columns, values, lr, 1, 1.0 / len(chunk)
                )
                total += float(losses[0])
                correct += corrects[0]
        self._write([float(v) for v in values])
        return total, correct

    def _optimizer_epoch(self, pairs: Sequence[tuple], size: int) -> tuple[float, int]:
        """One epoch of SGD with momentum or Adam in one generated loop; the optimizer's
        state goes in from the optimizer and comes back out into it."""
        opt = self.optimizer
        train = self.compiled.optimizer_loop(self.kind, size == 1, self._labels).function
        rows = pairs if self._nin == self._nout == 1 else [self._row(x, y) for x, y in pairs]
        if self.kind == "momentum":
            # -0.0 stands for "no velocity yet": mu * -0.0 + g is g to the bit (v = g first)
            state = opt.velocity or [-0.0] * len(self.params)
            hyper = (opt.lr, opt.momentum)
        elif self.kind == "adam":
            state = (opt.t, opt.m, opt.v)
            hyper = (opt.lr, *opt.betas, opt.eps)
        else:  # plain SGD: no state
            state, hyper = (), (opt.lr,)
        final, state, losses, corrects = train(rows, self._read(), state, hyper, 1, size)
        self._write(final)
        if self.kind == "momentum":
            opt.velocity = state
        elif self.kind == "adam":
            opt.t, opt.m, opt.v = state
        return losses[0], (corrects[0] if corrects else 0)

    def sample(self, x: object, y: object) -> tuple[float, object]:
        """One per-sample update; returns (loss, model output before the update)."""
        out = self.model.predict(x)
        e, grads = self.compiled.function(*self._row(x, y), *self._read())
        self._update(grads)
        return e, out

    def batch(self, pairs: Sequence[tuple]) -> tuple[float, list]:
        """One update on the mean loss of `pairs`; returns (sum of losses, outputs)."""
        np = import_numpy("CompiledStep.batch (numpy-batched generated code)")
        outs = [self.model.predict(x) for x, _ in pairs]
        batch, columns = len(pairs), list(np.array([self._row(x, y) for x, y in pairs]).T)
        with np.errstate(all="ignore"):
            es, grads = self.compiled.batched_function(batch, *columns, *self._read())
        scale = 1.0 / batch
        self._update([float(g) * scale for g in grads])
        return float(np.sum(es)), outs

    def _update(self, grads: Sequence[float]) -> None:
        """θ ← θ − lr·g for plain SGD; other optimizers step on the grads as the graph would."""
        if self.kind == "sgd":
            lr = self.optimizer.lr
            for p, g in zip(self.params, grads, strict=True):
                p.data -= lr * g
            return
        for p, g in zip(self.params, grads, strict=True):
            p.grad = g
        self.optimizer.step()
        self.optimizer.zero_grad()

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
    reason = why_not_compiled(loss, optimizer, model)
    if reason is None:
        try:
            return CompiledStep(model, loss, optimizer)
        except RecursionError:
            # a very wide layer (train --hidden 1000) writes expressions too deep to print
            # or compile: the engine's graph computes the same numbers
            if compiled == "auto":
                return None
            raise CodegenError(
                "compiled=True: the model's graph is too wide to write out as code "
                "(an expression nests deeper than Python's recursion limit); "
                "use compiled='auto' to fall back to the engine"
            ) from None
    if compiled == "auto":
        return None
    raise ValueError(
        f"compiled=True does not apply here: {reason}; "
        "use compiled='auto' to fall back to the engine"
    )
