"""What both widgets share: ipywidgets on demand, the checks on a model and its beans, and
how a widget shows itself in a notebook (a live view, or a line saying to run the cell)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd_beans import display, losses
from micrograd_beans.course import by_hand
from micrograd_beans.nn import MLP

#: What to install when ipywidgets is missing.
INSTALL_HINT = "pip install 'micrograd_beans[notebook]'"

#: The note's 1-2-1 network, as `MLP.config()` describes it.
NOTE_CONFIG = {
    "nin": 1,
    "nouts": [2, 1],
    "activation": "sigmoid",
    "output_activation": "sigmoid",
    "bias": True,
}


def ipywidgets() -> Any:
    """The ipywidgets module, or an ImportError saying which extra brings it."""
    try:
        import ipywidgets
    except ImportError as err:
        raise ImportError(
            f"the course's widgets need ipywidgets (the [notebook] extra): {INSTALL_HINT}"
        ) from err
    return ipywidgets


def has_note_formulas(model: object, loss: str | Callable = "squared_error") -> bool:
    """True when `course.by_hand`'s formulas give this model's gradients: the note's 1-2-1
    sigmoid network with its seven parameters, trained on the note's squared error."""
    config = getattr(model, "config", None)
    if config is None or loss not in ("squared_error", losses.squared_error):
        return False
    names = [n for n, _ in model.named_parameters()]  # type: ignore[attr-defined]
    return config() == NOTE_CONFIG and names == list(by_hand.PARAM_NAMES)


def check_model(model: object, widget: str) -> MLP:
    """The model, if a widget can show it: an MLP with one output and finite parameters."""
    if not isinstance(model, MLP):
        raise TypeError(
            f"{widget} needs an nn.MLP (e.g. lesson.make_model(seed)), got {type(model).__name__}"
        )
    if model.nouts[-1] != 1:
        raise ValueError(f"{widget} shows a model with one output; this one has {model.nouts[-1]}")
    named = model.named_parameters()
    bad = [f"{name} = {p.data}" for name, p in named if not math.isfinite(p.data)]
    if bad:
        raise ValueError(
            f"{widget} needs finite parameters, and this model has {', '.join(bad[:5])}"
            f"{' …' if len(bad) > 5 else ''}: load finite values "
            "(model.load_state_dict(...)) or make the model again (lesson.make_model(seed))"
        )
    return model


def beans(model: MLP, xs: object, ys: object) -> list[tuple[Any, float]]:
    """(x, y) pairs the model takes: x a float (one input) or a list of floats."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float).reshape(-1)
    x = x.reshape(len(x), -1) if x.ndim else x.reshape(1, 1)
    if x.shape[0] == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"xs and ys must hold the same number of beans (at least one), got {x.shape[0]} "
            f"and {y.shape[0]}"
        )
    if x.shape[1] != model.nin:
        raise ValueError(f"the model takes {model.nin} input(s) per bean, xs has {x.shape[1]}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("xs and ys must be finite numbers (no NaN or infinity)")
    inputs = x[:, 0].tolist() if model.nin == 1 else x.tolist()
    return list(zip(inputs, y.tolist(), strict=True))


def bean_x(x: float | list[float], digits: int) -> str:
    """A bean's input as text: its size, or the pair (x1, x2)."""
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return "(" + ", ".join(f"{v:.{digits}g}" for v in x) + ")"


def lesson_title(template: str, lesson: Any, seed: int, words: Any) -> str:
    """A widget's title for a course lesson: `template`, already translated, with its
    {title}, {model} and {seed} filled in; the lesson's title comes from the catalogue under
    the "lesson title" context (lessons.py stays English)."""
    title = words.pgettext("lesson title", lesson.title)
    return template.format(title=title, model=lesson.model_text, seed=seed)


def heading(w: Any, title: str) -> Any:
    """The widget's title line (an empty HTML when there is none)."""
    return w.HTML(f"<b>{html.escape(title)}</b>") if title else w.HTML("")


def mono(text: str) -> str:
    """Text as the widgets show numbers: escaped, in a fixed-width font."""
    return f"<span style='font-family:monospace'>{html.escape(text)}</span>"


def table(head: list[str], rows: list[list[str]], caption: str, **options: Any) -> str:
    """`display.html_table` with room between its columns: in a widget no notebook style
    spaces the cells, and a long value would run into the gradient beside it."""
    text = display.html_table(head, rows, caption, **options)
    return text.replace('<table style="', '<table style="border-spacing:14px 2px;', 1)


def widget_bundle(view: Any, text: str, _: Callable[[str], str], **kwargs: Any) -> dict:
    """A widget's display bundle: the live view, and for a front end that cannot show it
    (a notebook not yet trusted, a code host) a line saying to run the cell, and the text."""
    bundle = view._repr_mimebundle_(**kwargs)
    bundle["text/plain"] = text
    message = _("This widget works in a running notebook: run the cell to use it.")
    bundle["text/html"] = (
        f"<p><i>{html.escape(message)}</i><br><code>{html.escape(text)}</code></p>"
    )
    return bundle
