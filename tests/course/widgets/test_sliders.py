"""ParameterSlider: a parameter's slider position and its value kept apart. Whatever the
kernel shows is never taken back as a change; whatever the learner chooses is set exactly."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

ipywidgets = pytest.importorskip("ipywidgets")

from micrograd_beans.course.widgets.sliders import (  # noqa: E402
    MAX_BOUND,
    SCALE,
    ParameterSlider,
    position,
    slider_bound,
)

values = st.floats(-1e9, 1e9, allow_nan=False) | st.sampled_from([0.6771968569751019, -0.0])


def make(value: float) -> tuple[ParameterSlider, list[float]]:
    chosen: list[float] = []
    return ParameterSlider(ipywidgets, "w11_1", value, chosen.append), chosen


@given(values, values)
def test_what_the_kernel_shows_comes_back_as_no_change(first, second):
    s, chosen = make(first)
    s.show(second)
    # a browser's echo: the position and the number exactly as shown, as a comm message
    s.slider.set_state({"value": s.slider.value})
    s.number.set_state({"value": s.number.value})
    s._on_position({"new": s.slider.value})
    s._on_number({"new": s.number.value})
    assert chosen == [] and s.value == second and s.number.value == second
    assert s.slider.min <= s.slider.value <= s.slider.max


@given(values, st.integers(-4000, 4000))
def test_a_drag_sets_the_number_the_slider_stands_at(start, k):
    s, chosen = make(start)
    before = s.slider.value
    s.slider.value = k
    if k == before:
        assert chosen == []  # no move, no change
    else:
        assert chosen == [k / SCALE] and s.value == k / SCALE


@given(values, values)
def test_a_typed_number_is_set_exactly(start, typed):
    s, chosen = make(start)
    s.number.value = typed
    assert chosen == ([] if typed == start else [typed])


def test_the_range_widens_for_a_value_past_its_end_up_to_a_limit():
    assert slider_bound(0.5) == 4.0 and slider_bound(10.0) == 15.0
    assert slider_bound(1e300) == MAX_BOUND and slider_bound(math.nan) == 4.0
    s, _ = make(0.5)
    s.show(10.0)
    assert (s.slider.min, s.slider.max, s.slider.value) == (-15_000, 15_000, 10_000)
    s.show(-1e300)  # far out: the slider at its end, the box holds the value
    assert s.slider.value == s.slider.min == -MAX_BOUND * SCALE and s.number.value == -1e300
    assert position(math.nan, 4.0) == 0
