"""course/demo_output.py: a demo opens a window only when asked and possible, else writes a
file it checked before training."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from micrograd_beans.course import animation, demo_output  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    "show, possible, live", [(None, True, True), (None, False, False), (False, True, False)]
)
def test_a_window_opens_when_asked_and_possible(monkeypatch, show, possible, live):
    monkeypatch.setattr(animation, "use_headless_backend_if_needed", lambda: possible)
    assert demo_output.decide_window(show) is live


def test_headless_without_save_writes_the_demos_png(monkeypatch):
    monkeypatch.setattr(animation, "use_headless_backend_if_needed", lambda: False)
    assert demo_output.window_and_file("disc", None, None) == (False, Path("disc.png"))
    assert demo_output.window_and_file("disc", "d.gif", None) == (False, Path("d.gif"))


def test_a_window_without_save_writes_nothing(monkeypatch):
    monkeypatch.setattr(animation, "use_headless_backend_if_needed", lambda: True)
    assert demo_output.window_and_file("disc", None, None) == (True, None)


def test_a_bad_file_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(ValueError, match="cannot save"):
        demo_output.window_and_file("disc", tmp_path / "d.bmp", False)


def test_show_or_close_blocks_only_on_an_open_window(monkeypatch):
    shows = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shows.append(k))
    for live, is_open in [(False, True), (True, False), (True, True)]:
        fig = plt.figure()
        # (only these two of a TrainingAnimation matter here)
        anim = SimpleNamespace(live=live, window_open=lambda is_open=is_open: is_open)
        demo_output.show_or_close(fig, anim)
        assert not plt.fignum_exists(fig.number)
    assert shows == [{}]  # only the live, open window
