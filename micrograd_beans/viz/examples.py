"""Graphs to draw: the note's network on one bean, with the note's names."""

from __future__ import annotations

from micrograd_beans.engine import Value


def note_network(
    x: float = 0.9,
    y: float = 1.0,
    params: dict[str, float] | None = None,
    backward: bool = True,
) -> Value:
    """The note's 1-2-1 network on one bean, written op by op with the note's names.

    Returns the squared error `e` (backward already run unless `backward=False`); its
    graph has the parameters w11_1 ... b1_2, the inputs x and y, and z1_1, a1_1, ... a1_2.
    """
    p = {
        "w11_1": 0.5,
        "b1_1": 0.1,
        "w12_1": 0.9,
        "b2_1": 0.3,
        "w11_2": 0.4,
        "w21_2": 0.7,
        "b1_2": 0.2,
    }
    if params is not None:
        p.update(params)
    w = {name: Value(value, label=name) for name, value in p.items()}
    xv, yv = Value(x, label="x"), Value(y, label="y")

    def named(v: Value, label: str) -> Value:
        v.label = label
        return v

    z1_1 = named(named(w["w11_1"] * xv, "w11_1·x") + w["b1_1"], "z1_1")
    a1_1 = named(z1_1.sigmoid(), "a1_1")
    z2_1 = named(named(w["w12_1"] * xv, "w12_1·x") + w["b2_1"], "z2_1")
    a2_1 = named(z2_1.sigmoid(), "a2_1")
    s = named(w["w11_2"] * a1_1, "w11_2·a1_1") + named(w["w21_2"] * a2_1, "w21_2·a2_1")
    z1_2 = named(s + w["b1_2"], "z1_2")
    a1_2 = named(z1_2.sigmoid(), "a1_2")
    e = named(named(yv - a1_2, "y - a1_2") ** 2, "e")
    if backward:
        e.backward()
    return e
