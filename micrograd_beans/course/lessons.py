"""The course's lessons, defined once: data, network, loss, optimizer, learning rate, epochs.

The CLI, the demos and the tests all build from these presets, so "the note's network"
means one thing everywhere. `hidden-layer` (the default) is the note: the bump beans,
100 of them, `MLP(1, [2, 1])` all sigmoid with U[0, 1) init, squared error, per-sample
SGD in order with α = 0.03, 5000 epochs.

Seeds: one `--seed` fixes a whole run. `make_model(seed)` is `MLP(..., seed=seed)`: its
weights come from Python's `random.Random(seed)` (the standard library, so the same
network can be built where numpy is missing, e.g. in a browser). `make_data(seed)` draws
the beans' numpy arrays from an independent stream of the same seed (numpy SeedSequence
child 0), so changing the hidden sizes does not change the beans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from micrograd_beans.course.datasets import get_dataset
from micrograd_beans.nn import MLP

DEFAULT_LESSON = "hidden-layer"


def _stream(seed: int | np.random.Generator | None, child: int) -> np.random.Generator | None:
    """Generator number `child` of an int seed; a Generator is used as is; None stays None."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(child + 1)[child])


@dataclass(frozen=True, repr=False)  # repr below: the one line a learner needs
class Lesson:
    """One lesson of the course: which beans, which network, how it is trained."""

    name: str
    title: str
    course: str  # the lesson number(s) in the course
    dataset: str  # a key of datasets.DATASETS
    nin: int
    hidden: tuple[int, ...]
    nout: int = 1
    activation: str = "sigmoid"
    output_activation: str | None = None
    bias: bool = True
    init: str = "uniform"
    loss: str = "squared_error"
    optimizer: str = "sgd"
    lr: float = 0.03
    epochs: int = 5000
    batch_size: int | None = 1
    shuffle: bool = False
    counts: int = 100
    task: str = "classification"  # or "regression" (no accuracy)
    model_text: str = ""  # the model as the course writes it

    @property
    def nouts(self) -> list[int]:
        """Layer sizes for MLP: the hidden sizes, then the output size."""
        return [*self.hidden, self.nout]

    def make_data(
        self, seed: int | np.random.Generator | None = None, counts: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The lesson's beans (xs, ys) for a seed (stream 0 of it)."""
        return get_dataset(self.dataset)(
            self.counts if counts is None else counts, _stream(seed, 0)
        )

    def make_model(
        self, seed: int | np.random.Generator | None = None, hidden: Sequence[int] | None = None
    ) -> MLP:
        """The lesson's network, freshly initialised from a seed (`MLP(..., seed=seed)`:
        Python's `random.Random(seed)`); `hidden` replaces the hidden layer sizes."""
        nouts = self.nouts if hidden is None else [*hidden, self.nout]
        return MLP(
            self.nin,
            nouts,
            activation=self.activation,
            output_activation=self.output_activation,
            seed=seed,
            init=self.init,
            bias=self.bias,
        )

    def setup(self, seed: int | None = None) -> tuple[MLP, np.ndarray, np.ndarray]:
        """(model, xs, ys) for one run of the lesson."""
        return self.make_model(seed), *self.make_data(seed)

    def fit_kwargs(self) -> dict:
        """The lesson's training settings as keyword arguments of `train.fit`."""
        return {
            "epochs": self.epochs,
            "lr": self.lr,
            "optimizer": self.optimizer,
            "loss": self.loss,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
        }

    def __repr__(self) -> str:
        return (
            f"<Lesson {self.name!r}: {self.title}; {self.model_text}, "
            f"{self.counts} {self.dataset} beans, α = {self.lr:g}, {self.epochs} epochs>"
        )

    def _repr_html_(self) -> str:
        """In Jupyter: the lesson as a small table of what it trains and how."""
        from micrograd_beans import display

        batch = "per sample" if self.batch_size == 1 else f"batches of {self.batch_size}"
        rows = [
            ("course lesson", self.course),
            ("beans", f"{self.counts} from datasets '{self.dataset}' ({self.nin} input(s))"),
            ("network", self.model_text),
            ("loss", self.loss),
            ("optimizer", f"{self.optimizer}, α = {self.lr:g}, {batch}"),
            ("epochs", str(self.epochs) + (", shuffled" if self.shuffle else ", in order")),
        ]
        return display.html_table(("", ""), rows, f"lesson {self.name!r}: {self.title}")

    def with_(self, **changes: object) -> Lesson:
        """A copy with some fields changed (e.g. `lesson.with_(epochs=100)`)."""
        return replace(self, **changes)


LESSONS: dict[str, Lesson] = {
    lesson.name: lesson
    for lesson in (
        Lesson(
            "line",
            "Rosenblatt's neuron: y = w x",
            "1-3",
            "line",
            1,
            (),
            activation="linear",
            bias=False,
            lr=0.05,
            epochs=100,
            task="regression",
            model_text="y = w x",
        ),
        Lesson(
            "line-bias",
            "A line with a bias: y = w x + b",
            "4",
            "offset-line",
            1,
            (),
            activation="linear",
            lr=0.02,
            epochs=100,
            task="regression",
            model_text="y = w x + b",
        ),
        Lesson(
            "single-neuron",
            "One sigmoid neuron: toxic above a size",
            "5",
            "threshold",
            1,
            (),
            lr=0.05,
            epochs=5000,
            model_text="y = σ(w x + b)",
        ),
        Lesson(
            "hidden-layer",
            "A hidden layer: toxic in a middle band (the note)",
            "6",
            "bump",
            1,
            (2,),
            lr=0.03,
            epochs=5000,
            model_text="1-2-1, all sigmoid",
        ),
        Lesson(
            "two-inputs",
            "Two inputs: a toxic half-plane",
            "7",
            "plane",
            2,
            (),
            lr=0.05,
            epochs=500,
            model_text="y = σ(w1 x1 + w2 x2 + b)",
        ),
        Lesson(
            "disc",
            "Two inputs, a hidden layer: a toxic disc",
            "7-8",
            "disc",
            2,
            (2,),
            lr=0.05,
            epochs=5000,
            model_text="2-2-1, all sigmoid",
        ),
        Lesson(
            "spiral",
            "Deep: two interleaved spirals",
            "9",
            "spiral",
            2,
            (8, 8, 8),
            activation="relu",
            output_activation="sigmoid",
            init="symmetric",
            lr=0.05,
            epochs=5000,
            shuffle=True,
            model_text="2-8-8-8-1, relu hidden, sigmoid out",
        ),
    )
}


def get_lesson(name: str) -> Lesson:
    """The lesson called `name`, or a ValueError listing the names."""
    try:
        return LESSONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown lesson {name!r}; choose one of: {', '.join(LESSONS)}") from None
