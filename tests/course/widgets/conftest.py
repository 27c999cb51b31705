"""Fixtures the widget tests share: the note's beans (seed 3)."""

from __future__ import annotations

import pytest

from micrograd_beans.course.lessons import get_lesson


@pytest.fixture(scope="module")
def note_beans():
    lesson = get_lesson("hidden-layer")
    xs, ys = lesson.make_data(3)
    return xs, ys
