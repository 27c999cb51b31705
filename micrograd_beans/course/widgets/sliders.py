"""One parameter's control in DragWeights: a slider to drag and a box with its exact value.

The slider's position and the parameter's value are kept apart. A browser snaps every value
a slider is sent to the slider's step and sends the snapped value back, which a slider
holding the parameter itself would take for a learner's drag: merely showing the widget
would round every parameter (0.6771968569751019 -> 0.6770000000000005). So the slider is an
IntSlider of positions, 0.001 apart, that the browser never needs to snap; the parameter's
value is shown whole in a number box beside it. What the kernel shows is never taken back as
a change: a position that is where the parameter already shows is no choice, and a number
equal to the parameter changes nothing. What the learner chooses is set exactly: position k
sets k / 1000 (the number the slider stands at, as written), a number typed in sets that
number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

#: Slider positions per unit: the slider moves the parameter in steps of 1 / SCALE.
SCALE = 1000
#: The slider reaches at least ±MIN_BOUND, and widens (to 1.5 times a value past its end)
#: up to ±MAX_BOUND; a parameter farther out puts the slider at its end.
MIN_BOUND = 4.0
MAX_BOUND = 1e6


def slider_bound(value: float) -> float:
    """A symmetric slider range that holds `value` with room to drag: at least ±4."""
    if not math.isfinite(value):
        return MIN_BOUND
    return float(min(MAX_BOUND, max(MIN_BOUND, math.ceil(abs(value) * 1.5))))


def position(value: float, bound: float) -> int:
    """The slider position that shows `value` (the nearest one, inside the range)."""
    if math.isnan(value):
        return 0
    clipped = max(-bound, min(bound, value))
    return round(clipped * SCALE)


class ParameterSlider:
    """A parameter's slider and number box. `show(value)` puts the parameter's value on
    them; a learner's drag or typed number calls `on_choose(value)`.

    `slider` (IntSlider of positions, 1/SCALE apart), `number` (FloatText with the exact
    value), `widget` (both in a row), `value` (the value shown). `tooltip`: the number box's
    (the caller's words, in the widget's language).
    """

    def __init__(
        self,
        w: Any,
        name: str,
        value: float,
        on_choose: Callable[[float], None],
        tooltip: str | None = None,
    ) -> None:
        self.name = name
        self.value = float(value)
        self._on_choose = on_choose
        self._showing = False
        bound = slider_bound(self.value)
        self.slider = w.IntSlider(
            value=position(self.value, bound),
            min=-round(bound * SCALE),
            max=round(bound * SCALE),
            step=1,
            readout=False,
            description=name,
            continuous_update=True,
            style={"description_width": "48px"},
            layout=w.Layout(width="230px"),
        )
        self.number = w.FloatText(
            value=self.value, layout=w.Layout(width="160px"), tooltip=tooltip or f"{name}, exactly"
        )
        self.slider.observe(self._on_position, names="value")
        self.number.observe(self._on_number, names="value")
        self.widget = w.HBox([self.slider, self.number])

    @property
    def bound(self) -> float:
        return self.slider.max / SCALE

    def show(self, value: float) -> None:
        """Put the parameter's value on the slider and the box (never read back as a choice)."""
        self.value = float(value)
        bound = max(self.bound, slider_bound(self.value))
        self._showing = True
        try:
            # one message, range first: a browser given the value before a wider range
            # would clamp it to the old end and send that back
            with self.slider.hold_sync():
                self.slider.max = round(bound * SCALE)
                self.slider.min = -round(bound * SCALE)
                self.slider.value = position(self.value, bound)
            self.number.value = self.value
        finally:
            self._showing = False

    def _on_position(self, change: dict) -> None:
        if self._showing or change["new"] == position(self.value, self.bound):
            return  # the kernel's own update, or its echo: the parameter is where it shows
        self._choose(change["new"] / SCALE)

    def _on_number(self, change: dict) -> None:
        new = float(change["new"])
        if self._showing or new == self.value or (math.isnan(new) and math.isnan(self.value)):
            return
        self._choose(new)

    def _choose(self, value: float) -> None:
        self.value = value
        self._on_choose(value)
