"""The numbers a widget must show, computed here without the widget: the lesson's model as
`setup(seed)` makes it, one gradient step θ − α·de/dθ with the engine's gradient of the
mean loss, and one epoch of `fit`."""

from __future__ import annotations

from micrograd_beans import losses
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.nn import MLP
from micrograd_beans.train import fit

#: What the probe notebooks show: the note's network, seed 0, the note's α.
LESSON, SEED, ALPHA = "hidden-layer", 0, 0.03


def start_state(lesson: str, seed: int) -> dict[str, float]:
    model, _, _ = get_lesson(lesson).setup(seed)
    return model.state_dict()


def _model(lesson: str, seed: int, state: dict[str, float]) -> tuple[MLP, list, list]:
    model, xs, ys = get_lesson(lesson).setup(seed)
    model.load_state_dict(state)
    return model, xs, ys


def mean_loss_grads(lesson: str, seed: int, state: dict[str, float]) -> dict[str, float]:
    """de/dθ of the mean loss over all beans, summed bean by bean in order, as the widget."""
    model, xs, ys = _model(lesson, seed, state)
    loss = losses.get_loss(get_lesson(lesson).loss)
    terms = [loss(model(x), y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    (total / len(terms)).backward()
    return {name: p.grad for name, p in model.named_parameters()}


def after_step(lesson: str, seed: int, state: dict[str, float], alpha: float) -> dict:
    grads = mean_loss_grads(lesson, seed, state)
    return {name: value - alpha * grads[name] for name, value in state.items()}


def after_epoch(lesson: str, seed: int, state: dict[str, float]) -> dict[str, float]:
    les = get_lesson(lesson)
    model, xs, ys = _model(lesson, seed, state)
    settings = {k: v for k, v in les.fit_kwargs().items() if k not in ("epochs", "lr")}
    fit(model, xs, ys, epochs=1, lr=les.lr, progress=False, **settings)
    return model.state_dict()
