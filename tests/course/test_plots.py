"""plots.py: figures hold the artists a learner expects, with the model's numbers in them.

Everything renders with Agg: no test opens a window.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from course_cases import bump_predict, disc_predict  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from micrograd_beans import Value  # noqa: E402
from micrograd_beans.course import plots  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")


# --- predictor ---------------------------------------------------------------------------


def test_predictor_calls_a_one_bean_model_and_reads_values():
    w = Value(3.0)

    def model(x):
        return (w * x - 1.0).sigmoid()

    xs = np.array([0.0, 0.5, 2.0])
    out = plots.predictor(model)(xs)
    assert out.tolist() == [model(float(x)).data for x in xs]


def test_predictor_passes_rows_of_two_input_batches_as_lists():
    seen = []

    def model(x):
        seen.append(x)
        return x[0] - 2 * x[1]

    out = plots.predictor(model)(np.array([[1.0, 2.0], [3.0, 0.5]]))
    assert out.tolist() == [-3.0, 2.0]
    assert seen == [[1.0, 2.0], [3.0, 0.5]]


def test_predictor_rejects_models_with_several_outputs():
    with pytest.raises(ValueError, match="2 outputs"):
        plots.predictor(lambda x: [x, x])(np.array([1.0]))


# --- 1-input lessons ---------------------------------------------------------------------


def test_plot_fit_draws_the_beans_and_the_models_curve(bump):
    xs, ys = bump
    fig = plots.plot_fit(xs, ys, bump_predict)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "Size-Toxicity Function"
    assert ax.get_xlabel() == "Bean Size" and ax.get_ylabel() == "Toxicity"
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "model"]
    x, y = line.get_data()
    assert x.min() <= xs.min() and x.max() >= xs.max()
    np.testing.assert_array_equal(y, bump_predict(x))
    # toxic and safe beans as two labelled scatters holding every bean once
    scatters = {c.get_label(): c.get_offsets() for c in ax.collections}
    assert set(scatters) == {"toxic beans", "safe beans"}
    assert len(scatters["toxic beans"]) == int(ys.sum())
    assert len(scatters["toxic beans"]) + len(scatters["safe beans"]) == len(xs)
    np.testing.assert_array_equal(np.asarray(scatters["toxic beans"])[:, 1], 1.0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["toxic beans", "safe beans", "model"]


def test_plot_fit_of_continuous_beans_is_one_scatter_and_draws_into_a_given_axes():
    xs = np.linspace(0, 1, 20)
    ys = 1.2 * xs
    fig, ax = plt.subplots()
    assert plots.plot_fit(xs, ys, lambda x: 1.1 * x, ax=ax, title="Line") is fig
    assert [c.get_label() for c in ax.collections] == ["beans"]
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, 1.1 * x)
    assert ax.get_title() == "Line"


def test_plot_fit_without_a_model_shows_only_beans(bump):
    fig = plots.plot_fit(*bump)
    line = fig.axes[0].get_lines()[0]
    assert len(line.get_xdata()) == 0


def test_fit_view_update_replaces_the_curve_and_notes_the_epoch(bump):
    fig, ax = plt.subplots()
    view = plots.FitView(ax, *bump)
    view.update(lambda x: np.zeros_like(x), "epoch 1")
    view.update(bump_predict, "epoch 100")
    assert len(ax.get_lines()) == 1
    np.testing.assert_array_equal(view.line.get_ydata(), bump_predict(view.grid))
    assert ax.get_title() == "Size-Toxicity Function  (epoch 100)"


@pytest.mark.parametrize(
    "xs, ys, match",
    [
        (np.zeros((3, 2)), np.zeros(3), "1-input beans"),
        (np.zeros(3), np.zeros(4), "1-input beans"),
        (np.zeros(0), np.zeros(0), "1-input beans"),
    ],
)
def test_plot_fit_rejects_bad_shapes(xs, ys, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_fit(xs, ys)


def test_a_predict_of_the_wrong_length_is_named(bump):
    with pytest.raises(ValueError, match="one number per bean"):
        plots.plot_fit(*bump, lambda x: np.zeros(3))


# --- history -----------------------------------------------------------------------------


class FakeHistory:
    def __init__(self, loss, accuracy):
        self.loss, self.accuracy = loss, accuracy


def test_plot_history_draws_loss_and_accuracy_per_epoch():
    loss = [0.3, 0.2, 0.1, 0.02]
    acc = [0.5, 0.6, 0.9, 1.0]
    fig = plots.plot_history(FakeHistory(loss, acc))
    loss_ax, acc_ax = fig.axes
    (loss_line,) = loss_ax.get_lines()
    (acc_line,) = acc_ax.get_lines()
    np.testing.assert_array_equal(loss_line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(loss_line.get_ydata(), loss)
    np.testing.assert_array_equal(acc_line.get_ydata(), acc)
    assert loss_ax.get_yscale() == "log" and loss_ax.get_ylabel() == "Loss (log scale)"
    assert loss_ax.get_xlabel() == "Epoch"
    assert acc_ax.get_ylabel() == "Accuracy"


def test_the_loss_axis_spans_whole_decades():
    ax = plots.plot_history([0.3, 0.2, 0.1]).axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((0.1, 1.0))
    ax = plots.plot_history([0.25, 0.003]).axes[0]
    assert ax.get_ylim() == pytest.approx((0.001, 1.0))


def test_plot_history_of_a_regression_has_no_accuracy_axis():
    fig = plots.plot_history({"loss": [1.0, 0.5], "accuracy": [None, None]})
    assert len(fig.axes) == 1
    fig = plots.plot_history([1.0, 0.5, 0.25])
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])


def test_history_series_uses_recorded_epoch_numbers():
    epochs, loss, acc = plots.history_series(
        {"epochs": [10, 20], "loss": [0.2, 0.1], "accuracy": [0.5, 1.0]}
    )
    assert epochs.tolist() == [10.0, 20.0] and acc.tolist() == [0.5, 1.0]


def test_history_series_rejects_ragged_histories():
    with pytest.raises(ValueError, match="differ in length"):
        plots.history_series(FakeHistory([0.1, 0.2], [1.0]))


# --- 2-input lessons ---------------------------------------------------------------------


def test_plot_surface_is_a_3d_surface_of_the_predictions_over_the_beans(disc):
    X, y = disc
    fig = plots.plot_surface(X, y, disc_predict, labels=("Size", "Color"))
    (ax,) = fig.axes
    assert ax.name == "3d"
    assert ax.get_xlabel() == "Size" and ax.get_zlabel() == "Toxicity"
    surfaces = [c for c in ax.collections if type(c).__name__ == "Poly3DCollection"]
    assert len(surfaces) == 1
    scatters = {c.get_label(): c for c in ax.collections if c not in surfaces}
    assert set(scatters) == {"toxic beans", "safe beans"}
    # the beans sit at their toxicity: z of every toxic bean is 1
    np.testing.assert_array_equal(scatters["toxic beans"]._offsets3d[2], 1.0)
    # the surface's vertices are the grid points at the model's predicted heights
    surface = surfaces[0]
    # matplotlib >= 3.10 keeps the corners as _faces (n, 4, 3), older ones as _vec (4, m)
    faces = getattr(surface, "_faces", None)
    vertices = faces.reshape(-1, 3) if faces is not None else surface._vec[:3].T
    np.testing.assert_allclose(vertices[:, 2], disc_predict(vertices[:, :2]), atol=1e-12)
    assert vertices[:, 2].min() < 0.1 and vertices[:, 2].max() > 0.9


def test_surface_view_update_replaces_the_surface(disc):
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    view = plots.SurfaceView(ax, *disc)
    view.update(disc_predict)
    view.update(lambda X: np.full(len(X), 0.5))
    surfaces = [c for c in ax.collections if type(c).__name__ == "Poly3DCollection"]
    assert surfaces == [view.surface]


def test_surface_view_needs_a_3d_axes(disc):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match='projection="3d"'):
        plots.SurfaceView(ax, *disc)


def test_plot_boundary_draws_the_half_contour_where_the_model_says_one_half(disc):
    X, y = disc
    fig = plots.plot_boundary(X, y, disc_predict)
    ax = fig.axes[0]
    assert ax.get_title() == "Decision boundary"
    assert len(fig.axes) == 2  # the plot and its colorbar
    boundary = [
        c
        for c in ax.collections
        if getattr(c, "levels", None) is not None and list(c.levels) == [0.5]
    ]
    assert len(boundary) == 1
    # disc_predict is 0.5 exactly on the circle of radius sqrt(0.5) around (1, 0.3)
    # get_paths(), not allsegs: allsegs' layout differs between matplotlib 3.8.0 and later
    points = np.concatenate([path.vertices for path in boundary[0].get_paths()])
    radius = np.hypot(points[:, 0] - 1, points[:, 1] - 0.3)
    np.testing.assert_allclose(radius, math.sqrt(0.5), atol=0.02)


def test_boundary_view_update_keeps_one_filled_contour(disc):
    fig, ax = plt.subplots()
    view = plots.BoundaryView(ax, *disc, colorbar=False)
    view.update(disc_predict)
    view.update(lambda X: np.full(len(X), 0.2))  # nothing toxic: no boundary line
    contours = [c for c in ax.collections if getattr(c, "levels", None) is not None]
    assert contours == [view.filled] and view.boundary is None


def test_two_input_views_reject_one_input_beans(bump):
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plots.plot_boundary(*bump, disc_predict)


# --- in a notebook ----------------------------------------------------------------------


def test_under_the_inline_backend_a_plot_shows_once(monkeypatch, bump):
    # pyplot's inline backend would show an open figure and then the returned one again
    monkeypatch.setattr(plots, "is_inline_backend", lambda backend=None: True)
    xs, ys = bump
    fig = plots.plot_fit(xs, ys)
    assert fig not in [plt.figure(n) for n in plt.get_fignums()]
    assert fig.axes and len(fig.axes[0].collections) >= 1  # still a whole figure
    _, ax = plt.subplots()
    assert plots.plot_fit(xs, ys, ax=ax) is ax.figure and ax.figure.number in plt.get_fignums()
    plt.close("all")


def test_outside_a_notebook_plots_stay_with_pyplot(bump):
    fig = plots.plot_fit(*bump)
    assert fig.number in plt.get_fignums()
    plt.close("all")
