"""Graphs and comparisons the codegen tests share: the note's network, a lesson's run."""

from __future__ import annotations

import math

from micrograd_beans import Value, affine
from micrograd_beans.course import by_hand

PARAMS = dict(w11_1=0.5, b1_1=0.1, w12_1=0.9, b2_1=0.3, w11_2=0.4, w21_2=0.7, b1_2=0.2)


def note_graph(params: dict[str, float], x: float, y: float):
    """The note's 1-2-1 network from Values, labelled as the note (and nn.MLP) name it."""
    p = {n: Value(v, label=n) for n, v in params.items()}
    xv, yv = Value(x, label="x"), Value(y, label="y")
    z1_1 = affine([p["w11_1"]], [xv], p["b1_1"])
    z1_1.label = "z1_1"
    a1_1 = z1_1.sigmoid()
    a1_1.label = "a1_1"
    z2_1 = affine([p["w12_1"]], [xv], p["b2_1"])
    z2_1.label = "z2_1"
    a2_1 = z2_1.sigmoid()
    a2_1.label = "a2_1"
    z1_2 = affine([p["w11_2"], p["w21_2"]], [a1_1, a2_1], p["b1_2"])
    z1_2.label = "z1_2"
    a1_2 = z1_2.sigmoid()
    a1_2.label = "a1_2"
    e = (yv - a1_2) ** 2
    e.label = "e"
    return e, [xv, yv], [p[n] for n in by_hand.PARAM_NAMES], a1_2


def close(a: float, b: float, rel: float = 1e-12, scale: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b), scale)


def lesson_run(name: str, seed: int = 0, **changes):
    from micrograd_beans.course.lessons import get_lesson

    lesson = get_lesson(name).with_(**changes) if changes else get_lesson(name)
    return lesson, lesson.make_model(seed), *lesson.make_data(seed)
