"""Running generated code: `compile_graph` and the `CompiledGraph` it returns."""

from __future__ import annotations

import linecache
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from micrograd_beans.checks import import_numpy
from micrograd_beans.codegen.loops import OPTIMIZER_LOOPS, _loop_source, _optimizer_loop_source
from micrograd_beans.codegen.program import _AST_LOCK, _build, _Program
from micrograd_beans.codegen.source import _batched_function, _scalar_function
from micrograd_beans.codegen.vocabulary import BATCH_HELPERS, SCALAR_HELPERS
from micrograd_beans.engine import Value

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Loop:
    """A generated training loop: its source and the function made from it."""

    source: str
    function: Callable[..., tuple]


class CompiledGraph:
    """A graph written out as Python: readable source plus the functions made from it.

    `source` is the per-sample code (math helpers, then `gradient(inputs..., params...)`
    returning the output and a tuple of gradients); `batched_source` the numpy version
    (`gradient_batch(batch, input arrays..., params...)`, gradients summed over the batch).
    `sgd_loop()` and `full_batch_loop()` generate whole training loops from the same lines.

    Read it in three parts: what was compiled, the gradient (one sample or a batch), and the
    training loops. The checks on what a caller passes are the functions after the class.
    """

    # --- what was compiled -------------------------------------------------------------

    def __init__(self, program: _Program, params: Sequence[Value]) -> None:
        self._program = program
        self._params = tuple(params)
        self.input_names: tuple[str, ...] = tuple(program.inputs)
        self.param_names: tuple[str, ...] = tuple(program.params)
        self.output_name: str = program.output
        self.grad_names: tuple[str, ...] = tuple(program.grads)
        self.prediction_names: tuple[str, ...] = tuple(program.predictions)
        self.function_source = _scalar_function(program)
        self.batched_function_source = _batched_function(program)
        self._key = f"{id(self):x}"  # tells this graph's code apart in tracebacks
        #: The generated per-sample function: floats in, `(output, (grad, ...))` out.
        self.function: Callable[..., tuple] = _load(
            self.source, f"<micrograd_beans.codegen {self._key}>"
        )["gradient"]
        self._batched: Callable[..., tuple] | None = None  # loaded on first use: needs numpy
        self._loops: dict[tuple, Loop] = {}  # generated on first use, per kind and labels

    @property
    def source(self) -> str:
        """Readable per-sample Python: the helpers and `gradient(...)`, one line per node."""
        return f"{SCALAR_HELPERS}\n\n{self.function_source}"

    @property
    def batched_source(self) -> str:
        """Readable numpy Python: the helpers and `gradient_batch(...)`."""
        return f"{BATCH_HELPERS}\n\n{self.batched_function_source}"

    @property
    def batched_function(self) -> Callable[..., tuple]:
        """The generated numpy function: `(batch, *input_arrays, *params)` in."""
        if self._batched is None:
            import_numpy("the batched generated code (CompiledGraph.batched_function)")
            filename = f"<micrograd_beans.codegen batched {self._key}>"
            self._batched = _load(self.batched_source, filename)["gradient_batch"]
        return self._batched

    def param_values(self) -> list[float]:
        """The current `data` of the parameter Values the graph was compiled from."""
        return [p.data for p in self._params]

    # --- the gradient, for one sample or summed over a batch ---------------------------

    def __call__(
        self, inputs: Sequence[float], params: Sequence[float] | None = None
    ) -> tuple[float, list[float]]:
        """The output and d(output)/d(param) for each parameter, for one sample, as floats.

        `params` defaults to the current values of the compiled graph's parameters.
        """
        xs = [float(v) for v in _expect("inputs", inputs, self.input_names)]
        out, grads = self.function(*xs, *self._param_floats(params))
        return out, list(grads)

    def batched(
        self, inputs: Sequence[Sequence[float] | np.ndarray], params: Sequence[float] | None = None
    ) -> tuple[np.ndarray, list[float]]:
        """Per-sample outputs (an array) and each parameter's gradient SUMMED over the batch.

        `inputs` holds one 1-D array per input (the batch's column of it). Divide the sums by
        the batch size for the gradient of the mean. Where the engine would raise (log of a
        negative, division by zero, exp overflow) the batched code gives nan or inf instead.
        """
        np = import_numpy("CompiledGraph.batched")
        batch, columns = _columns(inputs, self.input_names)
        ps = self._param_floats(params)
        with np.errstate(all="ignore"):
            out, grads = self.batched_function(batch, *columns, *ps)
        out = np.broadcast_to(np.asarray(out, dtype=float), (batch,)).copy()
        return out, [float(g) for g in grads]

    def _param_floats(self, params: Sequence[float] | None) -> list[float]:
        if params is None:
            return self.param_values()
        return [float(v) for v in _expect("params", params, self.param_names)]

    # --- whole training loops ----------------------------------------------------------

    def sgd_loop(self, labels: Sequence[tuple[str, str]] = ()) -> Loop:
        """The generated per-sample SGD loop `train_sgd(samples, params, lr, epochs)`.

        It returns `(params, losses, corrects)`: final parameters, and per epoch the sum of the
        output and, for each (prediction, target) pair in `labels`, the count of samples
        where every prediction ≥ 0.5 exactly when its target is 1.
        """
        return self._loop("sgd", self._labels(labels))

    def full_batch_loop(
        self, labels: Sequence[tuple[str, str]] = (), record_loss: bool = True
    ) -> Loop:
        """The generated numpy loop `train_full_batch(batch, columns, params, lr, epochs,
        scale)`: one update θ -= lr * (Σ dθ * scale) per epoch; returns like `sgd_loop`
        (with `record_loss=False` the losses list stays empty and the output is not computed
        unless a gradient needs it)."""
        return self._loop("full", self._labels(labels), record_loss)

    def optimizer_loop(
        self,
        optimizer: str = "sgd",
        per_sample: bool = True,
        labels: Sequence[tuple[str, str]] = (),
    ) -> Loop:
        """The generated loop `train(samples, params, state, hyper, epochs, size)` for
        "sgd", "momentum" or "adam", per sample or in mini-batches of `size` samples.

        `hyper` is `(lr,)`, `(lr, momentum)` or `(lr, beta1, beta2, eps)`; `state` is `()`,
        the velocities (a list; -0.0 for "none yet": -0.0 + g is g to the bit) or Adam's
        `(step, m, v)`. It returns `(params, state, losses, corrects)`, as `sgd_loop` does
        with the state added. Per sample the numbers are the engine's with optim.SGD/Adam,
        bit for bit; in mini-batches within ~1e-16 a step (the mean gradient is summed
        first and scaled once).
        """
        if optimizer not in OPTIMIZER_LOOPS:
            raise ValueError(
                f"optimizer must be one of {', '.join(OPTIMIZER_LOOPS)}, got {optimizer!r}"
            )
        kind = f"{optimizer} {'per sample' if per_sample else 'mini-batch'}"
        return self._loop(kind, self._labels(labels))

    def train_sgd(
        self,
        samples: Sequence[Sequence[float]],
        params: Sequence[float] | None = None,
        lr: float = 0.03,
        epochs: int = 1,
    ) -> tuple[list[float], list[float]]:
        """Per-sample SGD in generated code: (final params, per-epoch sum of the output).

        `samples` is a sequence of input tuples, visited in order every epoch; after each
        sample θ ← θ − lr·dθ, the same float operations as the engine with optim.SGD.
        """
        rows = [
            tuple(float(v) for v in _expect("inputs of a sample", s, self.input_names))
            for s in samples
        ]
        final, losses, _ = self.sgd_loop().function(
            rows, self._param_floats(params), float(lr), int(epochs)
        )
        return final, losses

    def train_full_batch(
        self,
        inputs: Sequence[Sequence[float] | np.ndarray],
        params: Sequence[float] | None = None,
        lr: float = 0.03,
        epochs: int = 1,
        scale: float | None = None,
    ) -> tuple[list[float], list[float]]:
        """Full-batch descent in generated numpy code: θ ← θ − lr·(Σ dθ · scale) per epoch.

        `scale` defaults to 1 / batch size (the gradient of the mean output). Returns the
        final params and the per-epoch sum of the output over the batch.
        """
        np = import_numpy("CompiledGraph.train_full_batch")
        batch, columns = _columns(inputs, self.input_names)
        scale = 1.0 / batch if scale is None else float(scale)
        with np.errstate(all="ignore"):
            final, losses, _ = self.full_batch_loop().function(
                batch, columns, self._param_floats(params), float(lr), int(epochs), scale
            )
        return [float(p) for p in final], [float(v) for v in losses]

    def _loop(
        self, kind: str, labels: tuple[tuple[str, str], ...], record_loss: bool = True
    ) -> Loop:
        """The loop of `kind`, generated and loaded on first use, then reused."""
        key = (kind, labels, record_loss)
        if key not in self._loops:
            if kind == "full":
                import_numpy("the full-batch loop (numpy-batched generated code)")
            if kind in ("sgd", "full"):
                source, name = _loop_source(self._program, kind, labels, record_loss)
            else:  # "<optimizer> per sample" or "<optimizer> mini-batch"
                optimizer, how = kind.split(" ", 1)
                source, name = _optimizer_loop_source(
                    self._program, optimizer, how == "per sample", labels
                )
            filename = f"<micrograd_beans.codegen {kind} {len(self._loops)} {self._key}>"
            self._loops[key] = Loop(source, _load(source, filename)[name])
        return self._loops[key]

    def _labels(self, labels: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        nodes = {line[0] for line in self._program.forward} | set(self.input_names)
        return _checked_labels(labels, nodes, self.input_names)


def compile_graph(
    output: Value,
    inputs: Sequence[Value] = (),
    params: Sequence[Value] = (),
    *,
    predictions: Sequence[Value] = (),
    output_name: str | None = None,
) -> CompiledGraph:
    """Write the graph of `output` out as Python code for its value and parameter gradients.

    `inputs` are the leaves that change from sample to sample (x, y), `params` the leaves to
    differentiate with respect to; every other leaf must be a `Constant` (written as a
    literal). `predictions` names nodes (the model's outputs) the training loops may count
    right answers from. The graph is walked once; the code evaluates each node as the
    engine does, relu and data-dependent branches of derivative rules included, so it stays
    right when the numbers change. Raises `CodegenError` naming the op if an op has no
    codegen rule.
    """
    program = _build(output, list(inputs), list(params), output_name, list(predictions))
    return CompiledGraph(program, params)


# --- what callers pass: checked, with messages naming the argument -----------------------


def _expect(what: str, values: Sequence, names: tuple[str, ...]) -> list:
    """`values` as a list, if there is one per name."""
    values = list(values)
    if len(values) != len(names):
        raise ValueError(
            f"expected {len(names)} {what} ({', '.join(names) or 'none'}), got {len(values)}"
        )
    return values


def _columns(inputs: Sequence, names: tuple[str, ...]) -> tuple[int, list[np.ndarray]]:
    """(batch size, one float array per input), if the inputs are 1-D arrays of one length."""
    np = import_numpy("the batched generated code")
    columns = [np.asarray(c, dtype=float) for c in _expect("inputs", inputs, names)]
    shapes = {c.shape for c in columns}
    if len(shapes) > 1 or any(len(s) != 1 for s in shapes):
        raise ValueError(f"inputs must be 1-D arrays of one length, got shapes {shapes}")
    return (columns[0].shape[0] if columns else 1), columns


def _checked_labels(
    labels: Sequence[tuple[str, str]], nodes: set[str], inputs: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """The (prediction, target) pairs, if each names a node of the graph and an input."""
    out = []
    for pred, target in labels:
        if pred not in nodes or target not in inputs:
            raise ValueError(
                f"labels pair ({pred!r}, {target!r}) must name a node of the graph and "
                f"an input ({', '.join(inputs)})"
            )
        out.append((pred, target))
    return tuple(out)


def _load(source: str, filename: str) -> dict:
    """Run generated source in a fresh namespace; tracebacks show its lines (via linecache)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "micrograd_beans.generated"}
    with _AST_LOCK:  # see _AST_LOCK: CPython's compiler is not safe from several threads
        code = compile(source, filename, "exec")
    exec(code, namespace)  # our own generated code
    return namespace
