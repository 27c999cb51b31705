"""The browser playground's Python side: what the page's Web Worker runs in Pyodide.

Everything here runs on the standard library and the scalar core (Pyodide's npm package has
no numpy): a `Playground` holds one run (lesson, network, optimizer, beans, epoch), trains
it with `train.fit` in chunks that give the same numbers as one `fit` call, and answers the
page's questions as plain dicts: the model's curve or decision map, each hidden neuron's
output, the note's gradient table, one bean's graph stepped backward node by node, the
formula with its numbers, and the Python that reproduces the run.

The lessons' beans are drawn with numpy, so `site_data()` (run when the site is built, in
CPython) writes them, per seed, into the JSON the page ships; `Playground` takes that JSON.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields

from micrograd_beans.course import by_hand
from micrograd_beans.course.backward_steps import BackwardSteps
from micrograd_beans.engine import OPS, Value
from micrograd_beans.losses import get_loss
from micrograd_beans.nn import ACTIVATIONS, MLP
from micrograd_beans.rng import permutation
from micrograd_beans.train import DEFAULT_LR, GraphStep, fit, make_optimizer


def _number(x: float) -> str:
    """A number in the page's formulas: 6 significant digits."""
    return f"{x:.6g}"


#: Seeds whose beans the built site carries (the page's seed box offers these).
SITE_SEEDS = tuple(range(10))
#: Points across a 1-D lesson's sizes where the curve is drawn; cells per side of a 2-D map.
CURVE_POINTS = 121
MAP_CELLS = 24
#: The largest network the page lets a learner build (every layer, every neuron).
MAX_LAYERS, MAX_NEURONS = 4, 8

#: The note's hand-derived gradient of each parameter (notes.md), as the table shows it.
NOTE_FORMULAS: dict[str, str] = {
    "w11_1": "δ · w11_2 · a1_1 (1 − a1_1) · x",
    "b1_1": "δ · w11_2 · a1_1 (1 − a1_1)",
    "w12_1": "δ · w21_2 · a2_1 (1 − a2_1) · x",
    "b2_1": "δ · w21_2 · a2_1 (1 − a2_1)",
    "w11_2": "δ · a1_1",
    "w21_2": "δ · a2_1",
    "b1_2": "δ",
}


@dataclass(frozen=True)
class Settings:
    """What the page's controls choose (and its URL hash carries). None: the lesson's own."""

    lesson: str = "hidden-layer"
    seed: int = 0
    hidden: tuple[int, ...] | None = None
    activation: str | None = None
    loss: str | None = None
    optimizer: str | None = None
    lr: float | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Settings:
        """Settings from the page's dict (JSON), unknown keys refused by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known: {sorted(known)}")
        values = dict(values)
        if values.get("hidden") is not None:
            values["hidden"] = tuple(int(n) for n in values["hidden"])  # type: ignore[union-attr]
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class LessonData:
    """One lesson as the site ships it: its settings and its beans for each seed."""

    name: str
    title: str
    nin: int
    hidden: tuple[int, ...]
    activation: str
    output_activation: str | None
    init: str
    bias: bool
    loss: str
    optimizer: str
    lr: float
    epochs: int
    shuffle: bool
    task: str
    model_text: str
    beans: dict[int, tuple[list, list]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping) -> LessonData:
        values = dict(data)
        values["hidden"] = tuple(values["hidden"])
        values["beans"] = {int(k): (v[0], v[1]) for k, v in values["beans"].items()}
        values.pop("preview", None)
        return cls(**values)


def site_data(seeds: Sequence[int] = SITE_SEEDS) -> dict:
    """Every lesson with its beans for `seeds`, as JSON-ready data (needs numpy: run when
    the site is built). Floats go through JSON unchanged (repr round-trips)."""
    from micrograd_beans.course.lessons import LESSONS

    out = {}
    for name, lesson in LESSONS.items():
        beans = {}
        for seed in seeds:
            xs, ys = lesson.make_data(seed)
            beans[seed] = (xs.tolist(), ys.tolist())
        out[name] = {
            "name": name,
            "title": lesson.title,
            "nin": lesson.nin,
            "hidden": list(lesson.hidden),
            "activation": lesson.activation,
            "output_activation": lesson.output_activation,
            "init": lesson.init,
            "bias": lesson.bias,
            "loss": lesson.loss,
            "optimizer": lesson.optimizer,
            "lr": lesson.lr,
            "epochs": lesson.epochs,
            "shuffle": lesson.shuffle,
            "task": lesson.task,
            "model_text": lesson.model_text,
            "beans": beans,
        }
    lessons = {name: LessonData.from_json(data) for name, data in out.items()}
    for name, data in out.items():
        # the untrained network's picture, so the page can draw it before Python is ready
        # (rounded: these are pixels, never shown as numbers)
        data["preview"] = {}
        for seed in seeds:
            picture = Playground(lessons, Settings(lesson=name, seed=seed)).picture()
            data["preview"][seed] = [round(v, 4) for v in picture["output"]]
    return out


class Playground:
    """One run of the playground: a lesson's network trained on its beans, epoch by epoch.

    `train(n)` runs n more epochs through `fit` with one persistent step (the optimizer's
    state) and one persistent shuffle source, so any split of N epochs into chunks gives
    `fit(model, xs, ys, epochs=N, ...)`'s numbers exactly. Setting a parameter or the beans
    starts a new segment from the state as it is (see `python_code`).
    """

    def __init__(self, lessons: Mapping[str, LessonData], settings: Settings) -> None:
        if settings.lesson not in lessons:
            raise ValueError(
                f"unknown lesson {settings.lesson!r}; choose one of: {', '.join(lessons)}"
            )
        self.lesson = lessons[settings.lesson]
        if settings.seed not in self.lesson.beans:
            raise ValueError(
                f"seed {settings.seed!r}: the site carries the beans of seeds "
                f"{min(self.lesson.beans)}-{max(self.lesson.beans)}"
            )
        self.settings = settings
        self.hidden = self.lesson.hidden if settings.hidden is None else settings.hidden
        if len(self.hidden) > MAX_LAYERS or any(not 1 <= n <= MAX_NEURONS for n in self.hidden):
            raise ValueError(
                f"hidden {list(self.hidden)}: at most {MAX_LAYERS} hidden layers of "
                f"1 to {MAX_NEURONS} neurons"
            )
        self.activation = settings.activation or self.lesson.activation
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r}: choose one of {ACTIVATIONS}")
        self.loss_name = settings.loss or self.lesson.loss
        self.loss = get_loss(self.loss_name)
        self.optimizer = settings.optimizer or self.lesson.optimizer
        if self.optimizer not in DEFAULT_LR:
            raise ValueError(f"optimizer {self.optimizer!r}: choose one of {list(DEFAULT_LR)}")
        self.lr = self.lesson.lr if settings.lr is None else float(settings.lr)
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate {settings.lr!r}: give a positive number")
        xs, ys = self.lesson.beans[settings.seed]
        self.xs, self.ys = list(xs), list(ys)
        self.own_beans = False
        self.model = MLP(
            self.lesson.nin,
            [*self.hidden, 1],
            activation=self.activation,
            output_activation=self.lesson.output_activation,
            seed=settings.seed,
            init=self.lesson.init,
            bias=self.lesson.bias,
        )
        self.epoch = 0
        self.losses: list[float] = []
        self.accuracies: list[float] = []
        self._new_segment()
        self._bounds = self._data_bounds()
        self.backward_view: BackwardSteps | None = None
        self._backward_parameters: dict[str, Value] = {}

    # --- training --------------------------------------------------------------------------

    def _new_segment(self) -> None:
        """Start fit's state afresh from the model as it is now (optimizer, shuffle source)."""
        optimizer = make_optimizer(self.model, self.optimizer, self.lr)
        from micrograd_beans.codegen import compiled_step

        self.step = compiled_step(self.model, self.loss, optimizer, "auto") or GraphStep(
            self.model, self.loss, optimizer
        )
        self.shuffle_source = random.Random(self.settings.seed)
        # fit reshuffles the order it is given, so a chunk must start from the order the
        # previous chunk ended with: `order` is that order (indices into xs, ys)
        self.order = list(range(len(self.xs)))
        self.segment_start = self.model.state_dict()
        self.segment_epoch = self.epoch

    @property
    def classification(self) -> bool:
        return all(y in (0.0, 1.0) for y in self.ys)

    def train(self, epochs: int) -> None:
        """Run `epochs` more epochs of `fit` (per-sample updates, the lesson's order)."""
        shuffle = self.lesson.shuffle
        if shuffle:  # the draws this chunk's shuffles will make, to replay them below
            replay = random.Random()
            replay.setstate(self.shuffle_source.getstate())
        history = fit(
            self.model,
            [self.xs[k] for k in self.order],
            [self.ys[k] for k in self.order],
            epochs=epochs,
            step=self.step,
            shuffle=shuffle,
            seed=self.shuffle_source,
            progress=False,
        )
        if shuffle:
            for _ in range(history.epochs):
                self.order = [self.order[k] for k in permutation(replay, len(self.order))]
        self.epoch += history.epochs
        self.losses.extend(history.loss)
        if history.accuracy is not None:
            self.accuracies.extend(history.accuracy)

    def set_parameter(self, name: str, value: float) -> None:
        """Set one weight or bias (a slider, the formula); training goes on from here."""
        params = dict(self.model.named_parameters())
        if name not in params:
            raise ValueError(f"no parameter {name!r}; the network has {', '.join(params)}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name} = {value}: give a finite number")
        self.step.sync()
        params[name].data = value
        self._new_segment()

    def set_beans(self, xs: Sequence, ys: Sequence[float]) -> None:
        """Train on the learner's own beans from here on (labels 0 or 1, sizes as numbers)."""
        xs = [float(x) if self.lesson.nin == 1 else [float(v) for v in x] for x in xs]
        ys = [float(y) for y in ys]
        if not xs or len(xs) != len(ys):
            raise ValueError(f"beans: {len(xs)} sizes and {len(ys)} labels; give one of each")
        if any(y not in (0.0, 1.0) for y in ys):
            raise ValueError("beans: every label must be 0 (safe) or 1 (toxic)")
        self.step.sync()
        self.xs, self.ys, self.own_beans = xs, ys, True
        self._new_segment()

    # --- what the page shows ---------------------------------------------------------------

    def _data_bounds(self) -> list[tuple[float, float]]:
        cols = [[x] if self.lesson.nin == 1 else x for x in self.xs]
        bounds = []
        for k in range(self.lesson.nin):
            lo, hi = min(c[k] for c in cols), max(c[k] for c in cols)
            pad = 0.05 * (hi - lo or 1.0)
            bounds.append((lo - pad, hi + pad))
        if self.lesson.nin == 1:
            bounds = [(min(0.0, bounds[0][0]), bounds[0][1])]
        return bounds

    def _float_layers(self) -> list[list[tuple[list[float], float, object]]]:
        """Each neuron as (weights, bias, activation) on plain floats, for the pictures."""
        layers = []
        for layer in self.model.layers:
            neurons = []
            for n in layer.neurons:
                act = None if n.activation == "linear" else OPS[n.activation].forward
                neurons.append(([w.data for w in n.w], n.b.data if n.b is not None else 0.0, act))
            layers.append(neurons)
        return layers

    @staticmethod
    def _layer_outputs(layers: list, x: list[float]) -> list[list[float]]:
        """Every layer's outputs for one input. Plain sums, about ten times faster than the
        exact `predict` (a 2-D map is 1,024 forward passes a frame); the pictures are
        pixels, so a last-bit difference from the graph cannot show."""
        outs = []
        for neurons in layers:
            nxt = []
            for ws, b, act in neurons:
                z = b
                for w, v in zip(ws, x, strict=True):
                    z += w * v
                nxt.append(z if act is None else act(z))
            x = nxt
            outs.append(x)
        return outs

    def picture(self) -> dict:
        """The model over its inputs: for 1-D lessons a curve (and each hidden neuron's),
        for 2-D lessons a grid of outputs (and each hidden neuron's), row by row."""
        self.step.sync()
        if self.lesson.nin == 1:
            lo, hi = self._bounds[0]
            grid = [lo + (hi - lo) * k / (CURVE_POINTS - 1) for k in range(CURVE_POINTS)]
            points = [[x] for x in grid]
        else:
            (x0, x1), (y0, y1) = self._bounds
            n = MAP_CELLS
            grid = [
                [x0 + (x1 - x0) * (i + 0.5) / n, y0 + (y1 - y0) * (j + 0.5) / n]
                for j in range(n)
                for i in range(n)
            ]
            points = grid
        net = self._float_layers()
        layers = [self._layer_outputs(net, p) for p in points]
        output = [outs[-1][0] for outs in layers]
        hidden = [
            [[outs[li][j] for outs in layers] for j in range(size)]
            for li, size in enumerate(self.hidden)
        ]
        return {"nin": self.lesson.nin, "bounds": self._bounds, "grid": grid,
                "output": output, "hidden": hidden}  # fmt: skip

    def state(self, since: int = 0) -> dict:
        """The numbers the page shows now; `losses` holds the epochs after `since`."""
        self.step.sync()
        return {
            "epoch": self.epoch,
            "loss": self.losses[-1] if self.losses else None,
            "accuracy": self.accuracies[-1] if self.accuracies else None,
            "losses": self.losses[since:],
            "parameters": self.model.state_dict(),
            "xs": self.xs,
            "ys": self.ys,
            "path": getattr(self.step, "compiled", None) is not None,
        }

    @property
    def is_note_network(self) -> bool:
        """The note's 1-2-1 all-sigmoid network, the one its formulas are derived for."""
        return (
            self.lesson.nin == 1
            and tuple(self.hidden) == (2,)
            and self.model.activation == "sigmoid"
            and self.model.output_activation == "sigmoid"
            and self.lesson.bias
        )

    def gradient_table(self, bean: int | None = None) -> list[dict]:
        """Each parameter's de/dθ from the engine (`backward()` on a copy of the model), and
        by the note's formula where the network is the note's, for bean `bean` (the mean
        over all beans for None)."""
        self.step.sync()
        chosen = range(len(self.xs)) if bean is None else [self._bean_index(bean)]
        twin = MLP(**self.model.config())
        twin.load_state_dict(self.model.state_dict())
        named = twin.named_parameters()
        engine = dict.fromkeys((n for n, _ in named), 0.0)
        note = dict.fromkeys(engine, 0.0) if self.is_note_network else None
        state = self.model.state_dict()
        for k in chosen:
            twin.zero_grad()
            self.loss(twin(self.xs[k]), self.ys[k]).backward()
            for name, p in named:
                engine[name] += p.grad / len(chosen)
            if note is not None and self.loss_name == "squared_error":
                for name, g in by_hand.gradients(state, self.xs[k], self.ys[k]).items():
                    note[name] += g / len(chosen)
        rows = []
        for name, value in state.items():
            row = {"name": name, "value": value, "engine": engine[name]}
            if note is not None and self.loss_name == "squared_error":
                row["note"], row["formula"] = note[name], NOTE_FORMULAS[name]
            rows.append(row)
        return rows

    def _bean_index(self, bean: int) -> int:
        if not isinstance(bean, int) or not 0 <= bean < len(self.xs):
            raise ValueError(f"bean {bean!r}: choose 0 to {len(self.xs) - 1}")
        return bean

    def backward_steps(self, bean: int) -> BackwardSteps:
        """One bean's loss graph with the model as it is now, to step backward through
        (`go(k)`, then `view(...)` for the page); a copy of the model, so training goes on."""
        self.step.sync()
        k = self._bean_index(bean)
        twin = MLP(**self.model.config())
        twin.load_state_dict(self.model.state_dict())
        root = self.loss(twin(self.xs[k]), self.ys[k])
        self.backward_view = BackwardSteps(root)
        self._backward_parameters = dict(twin.named_parameters())
        return self.backward_view

    def backward_step(self, k: int) -> dict:
        """The page's view of the backward walk after k steps."""
        if self.backward_view is None:
            raise ValueError("no graph yet: send 'backward' first")
        self.backward_view.go(k)
        return self.backward_view.view(self._backward_parameters)

    def formula(self) -> list[str]:
        """Each neuron's formula with the current numbers, the note's names:
        a1_2 = σ(w11_2·a1_1 + w21_2·a2_1 + b1_2) = σ(0.51·0.82 + ...)."""
        self.step.sync()
        act = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": ""}
        inputs = ["x"] if self.lesson.nin == 1 else [f"x{i + 1}" for i in range(self.lesson.nin)]
        lines = []
        for layer in self.model.layers:
            names = []
            for n in layer.neurons:
                terms = [f"{w.label}·{i}" for w, i in zip(n.w, inputs, strict=True)]
                values = [f"{_number(w.data)}·{i}" for w, i in zip(n.w, inputs, strict=True)]
                if n.b is not None:
                    terms.append(n.b.label)
                    values.append(_number(n.b.data))
                f = act[n.activation]
                lines.append(
                    f"{n._aname if f else n._zname} = {f}({' + '.join(terms)})"
                    f" = {f}({' + '.join(values)})".replace("+ -", "− ")
                )
                names.append(n._aname if f else n._zname)
            inputs = names
        return lines

    def generated_code(self) -> str:
        """The chain-rule code the engine writes for this network, one line per node."""
        compiled = getattr(self.step, "compiled", None)
        if compiled is None:
            return "# this network trains on the engine's graph: no generated code"
        return compiled.source

    def python_code(self) -> str:
        """The micrograd_beans code that gives this run's numbers in Jupyter or a terminal."""
        s, les = self.settings, self.lesson
        changes = []
        if tuple(self.hidden) != les.hidden:
            changes.append(f"hidden={tuple(self.hidden)!r}")
        for key, value, default in (
            ("activation", self.activation, les.activation),
            ("loss", self.loss_name, les.loss),
            ("optimizer", self.optimizer, les.optimizer),
            ("lr", self.lr, les.lr),
        ):
            if value != default:
                changes.append(f"{key}={value!r}")
        lesson = f"get_lesson({les.name!r})" + (f".with_({', '.join(changes)})" if changes else "")
        lines = [
            "from micrograd_beans.course.lessons import get_lesson",
            "from micrograd_beans.train import fit",
            "",
            f"lesson = {lesson}",
            f"model, xs, ys = lesson.setup(seed={s.seed})",
        ]
        if self.own_beans:
            lines += [f"xs = {self.xs!r}  # your own beans", f"ys = {self.ys!r}"]
        if self.segment_epoch or self.segment_start != self.model_start():
            lines.append(
                f"model.load_state_dict({self.segment_start!r})  # as set on the page"
                + (f" at epoch {self.segment_epoch}" if self.segment_epoch else "")
            )
        lines += [
            "history = fit(",
            f"    model, xs, ys, epochs={self.epoch - self.segment_epoch},",
            "    lr=lesson.lr, optimizer=lesson.optimizer, loss=lesson.loss,",
            f"    shuffle=lesson.shuffle, seed={s.seed},",
            ")",
            'print(f"epoch {len(history.loss)}: loss {history.loss[-1]:.6g}")',
            "print(model.state_dict())",
        ]
        return "\n".join(lines) + "\n"

    def model_start(self) -> dict[str, float]:
        """The seed's starting weights (what `lesson.setup(seed)` builds)."""
        m = MLP(**self.model.config(), seed=self.settings.seed, init=self.lesson.init)
        return m.state_dict()

    def settings_dict(self) -> dict:
        return {k: v for k, v in asdict(self.settings).items() if v is not None}


__all__ = [
    "NOTE_FORMULAS",
    "SITE_SEEDS",
    "BackwardSteps",
    "LessonData",
    "Playground",
    "Session",
    "Settings",
    "site_data",
]


class Session:
    """The Web Worker's one entry point: a request as JSON text in, the answer as JSON out.

    Requests are `{"do": command, ...}`; every answer that changes the run carries `view`,
    the numbers the page redraws (state, picture, formula, the gradient table of `bean`).
    Errors a learner can cause come back as `{"error": message}`.
    """

    def __init__(self, lessons: Mapping[str, Mapping]) -> None:
        self.lessons = {name: LessonData.from_json(data) for name, data in lessons.items()}
        self.playground: Playground | None = None

    def handle(self, request: str) -> str:
        import json

        try:
            answer = self._dispatch(json.loads(request))
        except (ValueError, TypeError, ArithmeticError) as err:
            answer = {"error": str(err)}
        return json.dumps(answer, allow_nan=False)

    def _dispatch(self, req: dict) -> dict:
        command = req.pop("do")
        if command == "reset":
            self.playground = Playground(self.lessons, Settings.from_mapping(req.pop("settings")))
            return self.view(**req)
        pg = self.playground
        if pg is None:
            raise ValueError("no run yet: send 'reset' first")
        if command == "train":
            start = time.perf_counter()
            pg.train(int(req.pop("epochs")))
            trained = time.perf_counter() - start
            return {**self.view(**req), "train_ms": 1000 * trained}
        elif command == "set_parameter":
            pg.set_parameter(req.pop("name"), req.pop("value"))
        elif command == "set_beans":
            pg.set_beans(req.pop("xs"), req.pop("ys"))
        elif command == "backward":
            pg.backward_steps(int(req["bean"]))
            return pg.backward_step(int(req.get("step", 0)))
        elif command == "go":
            return pg.backward_step(int(req["step"]))
        elif command == "code":
            return {"python": pg.python_code(), "generated": pg.generated_code()}
        elif command != "view":
            raise ValueError(f"unknown command {command!r}")
        return self.view(**req)

    def view(self, since: int = 0, bean: int | None = None, table: bool = True) -> dict:
        """What the page redraws: numbers, the picture, the formula and (with `table`)
        the gradient table for `bean` (None: the mean over all beans)."""
        pg = self.playground
        assert pg is not None
        out = {
            "state": pg.state(since),
            "picture": pg.picture(),
            "formula": pg.formula(),
            "note_network": pg.is_note_network,
            "settings": {
                "hidden": list(pg.hidden),
                "activation": pg.activation,
                "loss": pg.loss_name,
                "optimizer": pg.optimizer,
                "lr": pg.lr,
            },
        }
        if table:
            out["table"] = pg.gradient_table(bean)
        return out
