"""course.playground: the Python the browser playground runs (in Pyodide), checked in CPython.

Every number the page shows must be `fit`'s: chunked training against one `fit` call (SGD,
Adam, shuffled), the gradient table against `backward()` and the note's formulas, the
stepped backward against `backward()`, and the "Copy as Python" code run here against the
page's state. One test runs the module with numpy blocked, as Pyodide has none.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
import textwrap

import pytest

from micrograd_beans.course import by_hand
from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.course.playground import (
    NOTE_FORMULAS,
    LessonData,
    Playground,
    Session,
    Settings,
    site_data,
)
from micrograd_beans.losses import get_loss
from micrograd_beans.nn import MLP
from micrograd_beans.train import fit


@pytest.fixture(scope="module")
def raw() -> dict:
    """The lessons as the built site ships them (seeds 0-2 are enough here), through JSON."""
    return json.loads(json.dumps(site_data(seeds=(0, 1, 2))))


@pytest.fixture(scope="module")
def lessons(raw) -> dict[str, LessonData]:
    return {name: LessonData.from_json(data) for name, data in raw.items()}


def reference(lesson: str, seed: int, epochs: int, **changes):
    """fit in one call, as the page's "Copy as Python" writes it."""
    les = get_lesson(lesson).with_(**changes)
    model, xs, ys = les.setup(seed=seed)
    history = fit(
        model, xs, ys, epochs=epochs, lr=les.lr, optimizer=les.optimizer, loss=les.loss,
        shuffle=les.shuffle, seed=seed, progress=False,
    )  # fmt: skip
    return model, history


def run_code(code: str) -> dict:
    """Run the page's Python here; returns its namespace (its printing is swallowed)."""
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<playground>", "exec"), namespace)
    return namespace


def test_site_data_is_the_lessons_beans_exactly(raw):
    for name in ("hidden-layer", "disc", "spiral"):
        xs, ys = get_lesson(name).make_data(1)
        assert raw[name]["beans"]["1"] == [xs.tolist(), ys.tolist()]
        assert len(raw[name]["preview"]["1"]) in (121, 24 * 24)


@pytest.mark.parametrize(
    ("lesson", "seed", "chunks", "changes"),
    [
        ("hidden-layer", 0, (1, 7, 92), {}),  # the note: per-sample SGD, in order
        ("disc", 2, (3, 1, 6), {"optimizer": "adam", "lr": 0.05}),  # Adam keeps its moments
        ("spiral", 1, (2, 1, 2), {}),  # shuffled: the order goes on from chunk to chunk
        ("hidden-layer", 1, (4, 4), {"hidden": (3, 2), "loss": "bce"}),
        ("single-neuron", 2, (5, 1), {"hidden": (4,), "activation": "tanh"}),
    ],
)
def test_training_in_chunks_gives_fits_numbers(lessons, lesson, seed, chunks, changes):
    settings = Settings(lesson=lesson, seed=seed, **changes)
    pg = Playground(lessons, settings)
    for n in chunks:
        pg.train(n)
    model, history = reference(lesson, seed, sum(chunks), **changes)
    assert pg.losses == history.loss
    assert pg.accuracies == history.accuracy
    assert pg.state()["parameters"] == model.state_dict()
    assert pg.epoch == sum(chunks)


def test_copy_as_python_reproduces_the_run(lessons):
    pg = Playground(lessons, Settings(seed=1, lr=0.1, optimizer="momentum"))
    pg.train(5)
    code = pg.python_code()
    assert "with_(optimizer='momentum', lr=0.1)" in code
    ns = run_code(code)
    assert ns["history"].loss == pg.losses
    assert ns["model"].state_dict() == pg.state()["parameters"]


def test_copy_as_python_after_a_slider_and_own_beans(lessons):
    pg = Playground(lessons, Settings())
    pg.train(3)
    pg.set_parameter("w11_2", -2.5)
    pg.train(4)
    pg.set_beans([0.2, 0.9, 1.1, 1.8], [0.0, 1.0, 1.0, 0.0])
    pg.train(6)
    code = pg.python_code()
    assert "# your own beans" in code and "at epoch 7" in code
    ns = run_code(code)
    assert ns["history"].loss == pg.losses[-6:]
    assert ns["model"].state_dict() == pg.state()["parameters"]
    assert pg.epoch == 13


def test_a_parameter_set_on_the_page_is_where_training_goes_on(lessons):
    pg = Playground(lessons, Settings())
    pg.set_parameter("b1_2", 0.25)
    assert pg.state()["parameters"]["b1_2"] == 0.25
    start = pg.state()["parameters"]
    pg.train(2)
    les = get_lesson("hidden-layer")
    model, xs, ys = les.setup(seed=0)
    model.load_state_dict(start)
    history = fit(model, xs, ys, epochs=2, lr=0.03, progress=False)
    assert pg.losses == history.loss
    with pytest.raises(ValueError, match="no parameter 'w99_1'.*w11_1"):
        pg.set_parameter("w99_1", 1.0)
    with pytest.raises(ValueError, match="finite"):
        pg.set_parameter("w11_1", math.inf)


def test_gradient_table_is_backward_beside_the_note(lessons):
    pg = Playground(lessons, Settings(seed=2))
    pg.train(20)
    state = pg.state()["parameters"]
    x, y = pg.xs[7], pg.ys[7]
    model = MLP(1, [2, 1])
    model.load_state_dict(state)
    get_loss("squared_error")(model(x), y).backward()
    note = by_hand.gradients(state, x, y)
    rows = pg.gradient_table(7)
    assert [r["name"] for r in rows] == list(state)
    for row, (name, p) in zip(rows, model.named_parameters(), strict=True):
        assert row["engine"] == p.grad  # the same graph, the same float operations
        assert math.isclose(row["note"], note[name], rel_tol=1e-12, abs_tol=1e-15)
        assert row["formula"] == NOTE_FORMULAS[name]
    mean = pg.gradient_table(None)
    beans = zip(pg.xs, pg.ys, strict=True)
    expected = sum(by_hand.gradients(state, x, y)["w11_1"] for x, y in beans) / 100
    assert math.isclose(mean[0]["engine"], expected, rel_tol=1e-9)


def test_gradient_table_has_no_note_column_off_the_notes_network(lessons):
    for settings in (Settings(hidden=(3,)), Settings(loss="bce"), Settings(lesson="disc")):
        rows = Playground(lessons, settings).gradient_table(0)
        assert all("note" not in r for r in rows)


def test_backward_steps_end_at_backwards_gradients(lessons):
    pg = Playground(lessons, Settings(seed=1))
    pg.train(10)
    pg.backward_steps(42)
    first = pg.backward_step(0)
    assert first["step"] == 0 and first["current"] == "e" and first["lines"] == []
    assert all(g == 0.0 for g in first["grads"].values())
    assert first["steps"] == 13  # the note's loss graph: 13 op results
    last = pg.backward_step(99)  # clamped to the end
    assert last["step"] == 13
    model = MLP(1, [2, 1])
    model.load_state_dict(pg.state()["parameters"])
    get_loss("squared_error")(model(pg.xs[42]), pg.ys[42]).backward()
    assert last["grads"] == {n: p.grad for n, p in model.named_parameters()}
    assert "current=" not in last["dot"] and "digraph" in last["dot"]
    one = pg.backward_step(3)  # the output sigmoid's chain rule, written out
    assert one["current"] == "a1_2"
    assert one["lines"][0].startswith("de/dz1_2 = de/da1_2 · a1_2(1 − a1_2) = ")
    # the page's head writes the node's gradient as the lines do: 4 significant digits
    assert one["current_grad_shown"] == f"{one['current_grad']:.4g}"
    assert f" = {one['current_grad_shown']} · " in one["lines"][0]
    with pytest.raises(ValueError, match="bean 100: choose 0 to 99"):
        pg.backward_steps(100)


def test_picture_is_the_models_output(lessons):
    pg = Playground(lessons, Settings())
    pg.train(5)
    pic = pg.picture()
    assert len(pic["grid"]) == len(pic["output"]) == 121
    assert pic["grid"][0] < min(pg.xs) and pic["grid"][-1] > max(pg.xs)  # every bean inside
    model = MLP(1, [2, 1])
    model.load_state_dict(pg.state()["parameters"])
    for x, out in zip(pic["grid"][::10], pic["output"][::10], strict=True):
        assert math.isclose(out, model.predict(x), rel_tol=1e-12)
    a1_1 = model.layers[0].neurons[0]
    assert math.isclose(pic["hidden"][0][0][60], a1_1.predict([pic["grid"][60]]), rel_tol=1e-12)
    disc = Playground(lessons, Settings(lesson="disc")).picture()
    assert len(disc["output"]) == 24 * 24 and len(disc["hidden"][0]) == 2


def test_formula_shows_the_notes_names_and_numbers(lessons):
    pg = Playground(lessons, Settings())
    p = pg.state()["parameters"]
    lines = pg.formula()
    assert lines[2].startswith("a1_2 = σ(w11_2·a1_1 + w21_2·a2_1 + b1_2) = σ(")
    assert f"{p['w11_2']:.6g}·a1_1" in lines[2]


def test_settings_errors_name_what_to_fix(lessons):
    with pytest.raises(ValueError, match="unknown lesson 'nope'; choose one of: line"):
        Playground(lessons, Settings(lesson="nope"))
    with pytest.raises(ValueError, match="seed 7: the site carries the beans of seeds 0-2"):
        Playground(lessons, Settings(seed=7))
    with pytest.raises(ValueError, match="at most 4 hidden layers of 1 to 8 neurons"):
        Playground(lessons, Settings(hidden=(9,)))
    with pytest.raises(ValueError, match="learning rate"):
        Playground(lessons, Settings(lr=-1))
    with pytest.raises(ValueError, match="optimizer 'rmsprop'"):
        Playground(lessons, Settings(optimizer="rmsprop"))
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['speed'\]"):
        Settings.from_mapping({"speed": 2})
    pg = Playground(lessons, Settings())
    with pytest.raises(ValueError, match="0 \\(safe\\) or 1 \\(toxic\\)"):
        pg.set_beans([0.1], [0.5])


def test_session_speaks_json(raw):
    session = Session(raw)
    answer = json.loads(session.handle(json.dumps({"do": "train", "epochs": 1})))
    assert answer == {"error": "no run yet: send 'reset' first"}
    view = json.loads(session.handle('{"do": "reset", "settings": {"seed": 1}}'))
    assert view["state"]["epoch"] == 0 and view["note_network"] is True
    trained = json.loads(session.handle('{"do": "train", "epochs": 3, "since": 0}'))
    _, history = reference("hidden-layer", 1, 3)
    assert trained["state"]["losses"] == history.loss and trained["train_ms"] >= 0
    more = json.loads(session.handle('{"do": "train", "epochs": 2, "since": 3, "table": false}'))
    assert len(more["state"]["losses"]) == 2 and "table" not in more
    graph = json.loads(session.handle('{"do": "backward", "bean": 5}'))
    assert graph["step"] == 0 and graph["dot"].startswith("digraph")
    assert json.loads(session.handle('{"do": "go", "step": 2}'))["step"] == 2
    code = json.loads(session.handle('{"do": "code"}'))
    assert "lesson.setup(seed=1)" in code["python"] and "def " in code["generated"]
    bad = json.loads(session.handle('{"do": "fly"}'))
    assert bad == {"error": "unknown command 'fly'"}


BLOCKER = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numpy", "matplotlib", "graphviz", "PIL", "tqdm"):
            raise ImportError(f"{name} is blocked here, as in Pyodide")
        return None

sys.meta_path.insert(0, Block())
"""


def test_the_page_side_runs_without_numpy(raw, tmp_path):
    """What the worker does in Pyodide: Session from the shipped JSON, numpy absent."""
    (tmp_path / "lessons.json").write_text(json.dumps(raw))
    script = BLOCKER + textwrap.dedent(
        f"""
        import json
        from micrograd_beans.course.playground import Session
        session = Session(json.load(open({str(tmp_path / "lessons.json")!r})))
        session.handle(json.dumps({{"do": "reset", "settings": {{"lesson": "disc"}}}}))
        out = json.loads(session.handle('{{"do": "train", "epochs": 4, "since": 0}}'))
        graph = json.loads(session.handle('{{"do": "backward", "bean": 0, "step": 5}}'))
        code = json.loads(session.handle('{{"do": "code"}}'))
        print(json.dumps([out["state"]["losses"], graph["step"], "numpy" in sys.modules]))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    losses, step, numpy_loaded = json.loads(result.stdout)
    _, history = reference("disc", 0, 4)
    assert losses == history.loss and step == 5 and not numpy_loaded
