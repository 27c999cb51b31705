"""course/tour.py: the graph tour fills in one more gradient per frame, in backward's order."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from micrograd_beans.course import tour  # noqa: E402
from micrograd_beans.course.lessons import get_lesson  # noqa: E402
from micrograd_beans.losses import squared_error  # noqa: E402

pytestmark = pytest.mark.usefixtures("headless")


def note_loss(seed=0):
    return squared_error(get_lesson("hidden-layer").make_model(seed)(0.9), 1.0)


def test_the_graph_tour_shows_one_more_gradient_per_frame(tmp_path):
    out = tmp_path / "tour.gif"
    lines = []
    result = tour.graph_tour(every=4, save=out, log=lines.append)
    # 21 Values in the note's graph (7 parameters, x, z/a of 3 neurons, the 4 products and
    # the sum of two inside them, y - a1_2, e), 4 more gradients per frame: 0, 4, ..., 20
    # done, then all 21 (the final frame, held)
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 7
    assert result.frames >= 7 and result.path == out
    assert (result.name, result.epochs, result.train_seconds) == ("graph-tour", 0, 0.0)
    assert result.loss == pytest.approx(note_loss().data, rel=1e-15)
    assert lines == [f"graph-tour: 21 nodes, e = {result.loss:.5f}, 7 frames", f"wrote {out}"]


def test_training_first_tours_the_trained_network(tmp_path):
    start = tour.graph_tour(save=tmp_path / "a.png", log=None)
    trained = tour.graph_tour(epochs=300, save=tmp_path / "b.png", log=None)
    assert trained.epochs == 300 and trained.train_seconds > 0
    assert trained.loss != start.loss


def test_backward_order_puts_every_node_after_its_users():
    e = note_loss()
    order = tour._backward_order(e)
    assert order[0] is e
    position = {id(v): k for k, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            if id(p) in position:
                assert position[id(p)] > position[id(v)]
    assert {v.label for v in order} >= {
        "w11_1",
        "b1_1",
        "w12_1",
        "b2_1",
        "w11_2",
        "w21_2",
        "b1_2",
        "a1_1",
        "z1_2",
        "a1_2",
        "e",
    }


def test_a_frame_shows_the_first_nodes_gradients_and_zero_for_the_rest():
    e = note_loss()
    e.backward()
    nodes = tour._backward_order(e)
    grads = [v.grad for v in nodes]
    fig, ax = plt.subplots()
    frame = tour._TourFrame(ax, e, nodes)
    frame(0)
    assert all(v.grad == 0.0 for v in nodes)
    assert ax.get_title() == "Before backward: every grad is 0"
    frame(5)
    assert [v.grad for v in nodes] == grads[:5] + [0.0] * (len(nodes) - 5)
    name = nodes[4].label or nodes[4].op
    assert ax.get_title().startswith(f"Backward step 5 of {len(nodes)}: de/d{name} = ")
    frame(len(nodes))
    assert [v.grad for v in nodes] == grads  # the final frame: backward's gradients
    assert ax.get_title().startswith("After backward")
