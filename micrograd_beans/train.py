"""fit(): the course's training loop, with history, callbacks and a progress bar.

By default it is the note's loop: every epoch visits the samples in the data's order and
makes one SGD update per sample (`batch_size=1`). `batch_size=k` averages the loss over k
samples per update, `batch_size=None` over the whole data set (full-batch descent).

The loop talks to the model only through a *step* object (`GraphStep` here: forward,
loss, backward and optimizer update on the engine's graph), so another implementation with
the same three methods (for example generated straight-line code) can be swapped in
through `fit(..., step=...)`.
"""

from __future__ import annotations

import html
import math
import numbers
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain

from micrograd_beans.checks import check_int
from micrograd_beans.codegen import compiled_step
from micrograd_beans.engine import Value
from micrograd_beans.losses import get_loss
from micrograd_beans.nn import MLP
from micrograd_beans.optim import SGD, Adam, Optimizer
from micrograd_beans.rng import Seed, Source, make_random, permutation

#: The note's learning rate, used when neither `lr` nor an optimizer instance is given.
DEFAULT_LR = {"sgd": 0.03, "momentum": 0.03, "adam": 0.001}


@dataclass(repr=False)  # the default repr would print every epoch's numbers
class History:
    """What training recorded, one entry per finished epoch.

    `loss[k]` is the mean per-sample loss over epoch k+1's updates (each sample's loss as it
    was visited), `accuracy[k]` the fraction of samples classified right at that moment
    (output ≥ 0.5 means toxic), or `accuracy` is None when the targets are not all 0 or 1.
    `evaluate()` gives the loss and accuracy of the model as it is now. `seconds` is the
    wall time spent in fit so far, callbacks included.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False
    #: Which code ran the updates: "generated code", or "engine graph (why not generated)".
    path: str = ""

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)

    def summary(self) -> str:
        """One line: epochs, time, and the loss (and accuracy) at the start and the end."""
        if not self.loss:
            return "no epochs yet"
        text = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''} in {self.seconds:.2f} s"
        text += f": loss {self.loss[0]:.4g} → {self.loss[-1]:.4g}"
        if self.accuracy:
            text += f", accuracy {self.accuracy[0]:.0%} → {self.accuracy[-1]:.0%}"
        return text + (" (stopped early)" if self.stopped_early else "")

    def __repr__(self) -> str:
        return f"<History: {self.summary()}>"

    def _repr_html_(self) -> str:
        """In Jupyter: the one-line summary and a small plot of loss and accuracy."""
        from micrograd_beans import display

        line = f"<p><b>History</b>: {html.escape(self.summary())}</p>"
        if not self.loss:
            return line
        return line + display.img_tag(
            display.loss_plot_png(self.loss, self.accuracy), "loss and accuracy per epoch"
        )


class GraphStep:
    """One update on the engine's graph: forward, loss, backward, optimizer step.

    `sample(x, y)` makes one per-sample update and returns (loss, output data);
    `batch(pairs)` one update on the mean loss of the pairs, returning (sum of losses,
    outputs); `sync()` writes privately held parameters back into the model (nothing to do
    here: the graph works on the model's Values directly).
    """

    def __init__(self, model: MLP, loss: Callable, optimizer: Optimizer) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer

    def sample(
        self, x: float | Sequence[float], y: float | Sequence[float]
    ) -> tuple[float, object]:
        out = self.model(x)
        e = self.loss(out, y)
        e.backward()
        opt = self.optimizer
        opt.step()
        opt.zero_grad()
        return e.data, (out.data if isinstance(out, Value) else [o.data for o in out])

    def batch(self, pairs: Sequence[tuple]) -> tuple[float, list]:
        model, loss = self.model, self.loss
        outs, total = [], None
        for x, y in pairs:
            out = model(x)
            e = loss(out, y)
            total = e if total is None else total + e
            outs.append(out.data if isinstance(out, Value) else [o.data for o in out])
        mean = total / len(pairs)
        mean.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()
        return total.data, outs

    def sync(self) -> None:
        """Nothing to copy: the graph updates the model's own parameter Values."""


def _path(
    step: object, model: MLP, loss: Callable, optimizer: Optimizer | None, compiled: bool | str
) -> str:
    """History.path: which code runs the updates, and why not generated code if not."""
    from micrograd_beans.codegen import CompiledStep, why_not_compiled

    if isinstance(step, CompiledStep):
        return "generated code"
    if not isinstance(step, GraphStep):
        return f"your step ({type(step).__name__})"
    if not compiled:
        return "engine graph (compiled=False)"
    reason = why_not_compiled(loss, optimizer, model)
    return f"engine graph ({reason or 'the graph is too wide to write out as code'})"


def make_optimizer(
    model: MLP, optimizer: str | Optimizer, lr: float | None, momentum: float | None = None
) -> Optimizer:
    """An optimizer over the model's parameters from a name ("sgd", "momentum", "adam").

    `momentum` overrides "momentum"'s 0.9 (and gives "sgd" a momentum, as torch's SGD does).
    """
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError("give lr to the optimizer you pass, not to fit()")
        return optimizer
    if optimizer not in DEFAULT_LR:
        raise ValueError(
            f"unknown optimizer {optimizer!r}; choose one of: {', '.join(DEFAULT_LR)} "
            "or pass an Optimizer"
        )
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    if optimizer == "adam":
        if momentum is not None:
            raise ValueError("momentum applies to SGD ('sgd' or 'momentum'), not Adam")
        return Adam(model.parameters(), lr)
    if momentum is None:
        momentum = 0.9 if optimizer == "momentum" else 0.0
    return SGD(model.parameters(), lr, momentum=momentum)


def _as_data(model: MLP, xs: object, ys: object) -> tuple[list, list, bool]:
    """xs, ys as Python lists the model accepts, plus whether ys are 0/1 labels. Checks
    shapes, types and NaN/inf so a mistake fails here with a clear message, not mid-training.
    Plain Python lists need nothing else; numpy arrays are read through their `tolist()`."""
    (x, x_widths), (y, y_widths) = _samples("xs", xs), _samples("ys", ys)
    if len(x) == 0:
        raise ValueError("no training data: xs is empty")
    if len(x) != len(y):
        raise ValueError(f"xs has {len(x)} samples but ys has {len(y)}")
    nin, nout = model.nin, model.nouts[-1]
    for name, samples, widths, width in (("xs", x, x_widths, nin), ("ys", y, y_widths, nout)):
        if widths != {width}:
            k, got = next((k, n) for k, n in enumerate(map(_width, samples)) if n != width)
            where = "" if len(widths) == 1 else f" in sample {k}"
            what = "takes {} input(s)" if name == "xs" else "gives {} output(s)"
            raise ValueError(f"the model {what.format(width)} per sample, {name} has {got}{where}")
    labels = y if nout == 1 else chain.from_iterable(y)
    return x, y, set(labels) <= {0.0, 1.0}


def _width(sample: float | list[float]) -> int:
    return len(sample) if isinstance(sample, list) else 1


def _samples(name: str, data: object) -> tuple[list, set[int]]:
    """`data` as a list with a float for each one-number sample and a flat list of floats for
    each longer one (samples are read, never changed), and the set of sample widths; or the
    error saying what is wrong with it."""
    if not isinstance(data, (list, tuple)) and hasattr(data, "tolist"):
        data = data.tolist()  # a numpy array (or tensor) as nested lists, numpy not imported
    if isinstance(data, numbers.Number):
        raise ValueError("xs and ys must be sequences of samples, not single numbers")
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise TypeError(f"{name} must be numbers (a list or numpy array)")
    samples = list(data)
    # What an array's tolist() gives is checked a whole list at a time (map and set run in
    # C, and no list per sample is made: 100,000 samples take milliseconds).
    kinds = set(map(type, samples))
    if kinds <= {float}:  # one float per sample
        widths, numbers_in = {1}, samples
    elif kinds == {list} and set(map(type, chain.from_iterable(samples))) <= {float}:
        widths, numbers_in = set(map(len, samples)), chain.from_iterable(samples)
    else:  # anything else, sample by sample
        samples = [_flat(sample, name) for sample in samples]
        widths, numbers_in = set(map(_width, samples)), chain.from_iterable(map(_listed, samples))
    if not all(map(math.isfinite, numbers_in)):
        bad = next(k for k, v in enumerate(map(_listed, samples)) if not all(map(math.isfinite, v)))
        raise ValueError(f"{name} contains NaN or infinity (first at sample {bad})")
    if widths == {1} and kinds != {float}:
        samples = [v[0] if isinstance(v, list) else v for v in samples]  # [[0.5], ...]
    return samples, widths


def _listed(sample: float | list[float]) -> list[float]:
    return sample if isinstance(sample, list) else [sample]


def _flat(sample: object, name: str) -> float | list[float]:
    """One sample: a float, or its numbers (nested lists flattened) as a list of floats."""
    row: list[float] = []
    _flatten_into(row, sample, name)
    return row[0] if len(row) == 1 and not isinstance(sample, (list, tuple)) else row


def _flatten_into(row: list[float], item: object, name: str) -> None:
    """Append the numbers of `item` (a number, or a nested list of them) to `row` as floats."""
    if isinstance(item, (str, bytes)):  # float("0.5") would read it: text is not a number
        raise TypeError(f"{name} must be numbers (a list or numpy array)")
    if isinstance(item, Iterable):
        for part in item:
            _flatten_into(row, part, name)
        return
    try:
        row.append(float(item))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers (a list or numpy array)") from None


def _correct(out: object, y: object) -> bool:
    if isinstance(out, list):
        return all((o >= 0.5) == (t == 1.0) for o, t in zip(out, y, strict=False))  # type: ignore[arg-type]
    return (out >= 0.5) == (y == 1.0)  # type: ignore[operator]


def fit(
    model: MLP,
    xs: object,
    ys: object,
    epochs: int = 100,
    lr: float | None = None,
    optimizer: str | Optimizer = "sgd",
    loss: str | Callable = "squared_error",
    batch_size: int | None = 1,
    shuffle: bool = False,
    seed: Seed = None,
    every: int = 100,
    callback: Callable[[int, MLP, History], object] | None = None,
    progress: bool = True,
    step: GraphStep | None = None,
    compiled: bool | str = "auto",
) -> History:
    """Train `model` on (xs, ys) for `epochs` epochs and return the History.

    Defaults are the note's: per-sample SGD in the data's order with squared error and
    α = 0.03. `optimizer` is "sgd", "momentum" (0.9), "adam" or an Optimizer; `loss` a name
    from `losses.LOSSES` or a per-sample function (output, target) -> Value. `xs`, `ys`
    are lists (numpy arrays work too; numpy is not needed). `shuffle` reorders the samples
    every epoch, drawn from `seed` (`random.Random(seed)`, or a numpy Generator as is).
    `callback(epoch, model, history)` runs after every `every` epochs and after the last;
    returning True stops training.
    With `progress`, a tqdm progress bar (`tqdm.auto`) shows while training: a widget in
    Jupyter, text on a terminal, nothing when neither (a pipe, a log file). `step`
    replaces the graph step (see GraphStep), e.g. with compiled code. `compiled="auto"`
    (the default) runs the updates through generated code (codegen) wherever that applies,
    with the same numbers bit for bit as the engine's graph, and silently on the graph
    elsewhere; `compiled=True` insists on generated code, `compiled=False` uses the graph.
    `history.path` says which code ran the updates: "generated code", or "engine graph
    (why not)" (`codegen.why_not_compiled`: both losses, SGD, momentum and Adam at any batch
    size are generated); the progress bar is named by it too.
    """
    # 1. Check everything a user passes, so a mistake fails here and not mid-training.
    epochs = check_int(epochs, "epochs", 0)
    every = check_int(every, "every", 1)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", 1)
    loss_fn = get_loss(loss)
    data_x, data_y, binary = _as_data(model, xs, ys)
    # 2. Choose how an update runs (the graph, or generated code) and how an epoch runs.
    step, path = _choose_step(model, loss_fn, optimizer, lr, step, compiled)
    pairs = list(zip(data_x, data_y, strict=False))
    run_epoch = _epoch_runner(step, model, len(pairs), batch_size, binary)
    rng = make_random(seed) if shuffle else None
    history = History(accuracy=[] if binary else None, path=path)
    # 3. The epochs: run one, check it, record it, call back; always leave the model current.
    bar = _progress_bar(epochs, path) if progress and _show_progress() else None
    rate = getattr(getattr(step, "optimizer", None), "lr", lr)  # for the divergence message
    _run_epochs(step, model, run_epoch, pairs, rng, history, bar, epochs, every, callback, rate)
    return history


# --- fit's steps -----------------------------------------------------------------------------


def _choose_step(
    model: MLP,
    loss_fn: Callable,
    optimizer: str | Optimizer,
    lr: float | None,
    step: GraphStep | None,
    compiled: bool | str,
) -> tuple[GraphStep, str]:
    """fit's step 2: the step that runs the updates (the user's `step`, else generated code
    where it applies, else the graph) and History.path saying which it is."""
    if step is not None:
        return step, _path(step, model, loss_fn, None, compiled)
    opt = make_optimizer(model, optimizer, lr)
    step = compiled_step(model, loss_fn, opt, compiled) or GraphStep(model, loss_fn, opt)
    return step, _path(step, model, loss_fn, opt, compiled)


def _run_epochs(
    step: GraphStep,
    model: MLP,
    run_epoch: Callable[[list[tuple]], tuple[float, int]],
    pairs: list[tuple],
    rng: Source | None,
    history: History,
    bar: object,
    epochs: int,
    every: int,
    callback: Callable[[int, MLP, History], object] | None,
    rate: float | None,
) -> None:
    """fit's step 3: run the epochs into `history` (reshuffling the pairs first when `rng`
    is given), stop on divergence or when `callback` returns True, and leave the model's
    parameters current (`step.sync()`) whatever happens."""
    n = len(pairs)
    params = model.parameters()
    start = time.perf_counter()
    epoch = 0
    try:
        for epoch in range(1, epochs + 1):
            if rng is not None:
                pairs = [pairs[k] for k in permutation(rng, n)]
            total, correct = run_epoch(pairs)
            if not math.isfinite(total) or not math.isfinite(sum(p.data for p in params)):
                raise TrainingDiverged(_divergence(epoch, total, model, rate))
            _record_epoch(history, total, correct, n, bar)
            if callback is not None and (epoch % every == 0 or epoch == epochs):
                step.sync()
                history.seconds = time.perf_counter() - start
                if callback(epoch, model, history) is True:
                    history.stopped_early = True
                    break
    except ArithmeticError as err:
        if isinstance(err, TrainingDiverged):
            raise
        # generated code computes on plain floats: an overflow there is the same divergence
        raise TrainingDiverged(_divergence(epoch, math.inf, model, rate, _cause(err))) from None
    finally:
        step.sync()
        history.seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()


def _epoch_runner(
    step: GraphStep, model: MLP, n: int, batch_size: int | None, binary: bool
) -> Callable[[list[tuple]], tuple[float, int]]:
    """The function that runs one epoch over the (x, y) pairs through `step` and returns
    (sum of the losses, how many samples were classified right)."""
    size = n if batch_size is None else min(batch_size, n)
    epoch_fn = getattr(step, "epoch", None)  # a step that runs a whole epoch itself
    if epoch_fn is not None:
        return lambda pairs: epoch_fn(pairs, size)
    if size > 1:
        return partial(_batch_epoch, step, size, binary)
    if model.nouts[-1] == 1:
        return partial(_sample_epoch_one_output, step)
    return partial(_sample_epoch, step, binary)


def _sample_epoch_one_output(step: GraphStep, pairs: list[tuple]) -> tuple[float, int]:
    """One update per sample, one output each: the note's loop, the common case, kept lean."""
    sample = step.sample
    total, correct = 0.0, 0
    for x, y in pairs:
        e, out = sample(x, y)
        total += e
        correct += (out >= 0.5) == (y == 1.0)  # counted always, used if binary
    return total, correct


def _sample_epoch(step: GraphStep, binary: bool, pairs: list[tuple]) -> tuple[float, int]:
    """One update per sample, for a model with several outputs."""
    total, correct = 0.0, 0
    for x, y in pairs:
        e, out = step.sample(x, y)
        total += e
        if binary:
            correct += _correct(out, y)
    return total, correct


def _batch_epoch(step: GraphStep, size: int, binary: bool, pairs: list[tuple]) -> tuple[float, int]:
    """One update per `size` samples, on their mean loss."""
    total, correct = 0.0, 0
    for k in range(0, len(pairs), size):
        chunk = pairs[k : k + size]
        e, outs = step.batch(chunk)
        total += e
        if binary:
            correct += sum(map(_correct, outs, [t for _, t in chunk]))
    return total, correct


def _record_epoch(history: History, total: float, correct: int, n: int, bar: object) -> None:
    """Add an epoch's mean loss (and accuracy) to the history and the progress bar."""
    history.loss.append(total / n)
    if history.accuracy is not None:
        history.accuracy.append(correct / n)
    if bar is not None:
        bar.update()
        post = f"loss={total / n:.4g}"
        if history.accuracy is not None:
            post += f" acc={correct / n:.2f}"
        bar.set_postfix_str(post, refresh=False)


def _in_jupyter() -> bool:
    """True inside a Jupyter kernel (where stderr is no terminal but a bar can show)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ip = shell.get_ipython()
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def _show_progress() -> bool:
    """Whether someone can watch a bar: a terminal on stderr, or a Jupyter notebook."""
    return sys.stderr.isatty() or _in_jupyter()


def _progress_bar(epochs: int, path: str) -> object:
    """A bar counting epochs, gone when training ends: tqdm.auto picks the notebook widget
    in Jupyter (text when ipywidgets is missing) and the text bar on a terminal. It is named
    by which code runs the updates ("generated code" or "engine graph")."""
    from tqdm.auto import tqdm

    return tqdm(
        total=epochs,
        unit="epoch",
        desc="generated code" if path == "generated code" else "engine graph",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    )


def _cause(err: ArithmeticError) -> str:
    if isinstance(err, OverflowError):
        return "a number grew too large for a float"
    if isinstance(err, ZeroDivisionError):
        return "a division by zero"
    return str(err)


class TrainingDiverged(FloatingPointError):
    """Training produced a loss or a parameter that is NaN or infinite."""


def _divergence(
    epoch: int, total: float, model: MLP, lr: float | None, cause: str | None = None
) -> str:
    """The message of TrainingDiverged: the epoch, what went non-finite, what to try."""
    bad = [name for name, p in model.named_parameters() if not math.isfinite(p.data)]
    if cause is not None:
        what = cause
    elif not math.isfinite(total):
        what = f"the loss is {total}"
    else:
        what = f"the loss is finite but parameter {bad[0]} is {model.state_dict()[bad[0]]}"
    rate = f" than {lr:g}" if lr is not None else ""
    return f"training diverged in epoch {epoch}: {what}; try a smaller learning rate{rate}"


def evaluate(
    model: MLP, xs: object, ys: object, loss: str | Callable = "squared_error"
) -> tuple[float, float | None]:
    """(mean loss, accuracy) of the model as it is, on plain floats (no graph, no updates).

    Accuracy counts an output ≥ 0.5 as toxic; it is None when ys are not all 0 or 1.
    """
    loss_fn = get_loss(loss)
    data_x, data_y, binary = _as_data(model, xs, ys)
    total, correct = 0.0, 0
    for x, y in zip(data_x, data_y, strict=False):
        out = model.predict(x)
        total += loss_fn(out, y)
        if binary:
            correct += _correct(out, y)
    n = len(data_x)
    return total / n, (correct / n if binary else None)
