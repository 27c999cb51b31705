"""Each benchmark in benchmarks/ runs once at a tiny size, so the scripts cannot rot.

No timing is asserted here: the numbers live in benchmarks/README.md. micrograd 0.1.0 (the
`bench` extra) is the reference every benchmark runs, so these tests skip without it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

# micrograd.engine, not micrograd: without micrograd installed, `import micrograd` finds
# tests/micrograd/ (a folder on the test path) as a namespace package.
pytest.importorskip(
    "micrograd.engine", reason="the benchmarks compare against micrograd (`bench` extra)"
)

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))

    def load(name: str):
        sys.modules.pop(name, None)
        return importlib.import_module(name)

    return load


def _lines(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def test_mlp(bench, capsys):
    res = bench("bench_mlp").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert res["ours"] > 0 and res["micrograd"] > 0
    assert "ratio micrograd / ours, forward+backward" in out
    # the same network: micrograd's 2n multiply/add nodes per neuron against one affine node
    assert int(out["ours graph nodes"]) < int(out["micrograd graph nodes"])


def test_memory(bench, capsys):
    res = bench("bench_memory").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert 0 < res["ours"] < res["micrograd"]
    assert out["chain nodes (constants counted)"] == "401"


def test_chain(bench, capsys):
    res = bench("bench_chain").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert set(res) == {1_000, 3_000}
    assert out["recursion limit"] == str(sys.getrecursionlimit())
    assert "micrograd at 2,000 nodes" in out
    assert "full +" in out["collector at 3,000 nodes"]
    # the ruled target compares the two largest sizes, 3x apart
    ratio = float(out["ratio per node 3,000 / 1,000"].split()[0])
    assert ratio == pytest.approx(res[3_000] / res[1_000], abs=0.006)


def test_beans(bench, capsys):
    res = bench("bench_beans").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert set(res) == {"ours", "micrograd", "micrograd_node", "ours_own_ops", "hand", "ratio"}
    assert (
        res["ratio"] > 0
        and "median of 1 paired runs" in out["ratio micrograd (own-ops sigmoid) / ours"]
    )
    # the engine's step and the note's hand-derived step land on the same parameters
    assert float(out["max |ours - hand| after one epoch"]) < 1e-12


def test_run_all(bench, capsys):
    for name in ("bench_mlp", "bench_memory", "bench_chain", "bench_beans"):
        bench(name)
    assert bench("run_all").main(["--tiny"]) == {}
    out = _lines(capsys.readouterr().out)
    assert out["targets"] == "not judged at tiny sizes"
    assert "ratio micrograd / ours, forward+backward" in out
    if importlib.util.find_spec("torch") is not None:  # bench_torch, tiny: no workers
        assert out["beans"].startswith("400 ")
        assert out["ratio engine, generated code / engine generated code"] == "1"
        assert float(out["torch, batch 1024, beans/s"].replace(",", "")) > 0
    else:
        assert out["bench_torch"].startswith("skipped")


def test_micrograd_face(bench, capsys):
    res = bench("bench_micrograd_face").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert set(res) == {"as written (numpy scalars)", "Python floats"}
    for kind, r in res.items():
        assert r["ours"] > 0 and r["micrograd"] > 0
        # the same demo, the same data and weights: the first loss to the last bit
        assert out[f"{kind}, first loss bit-identical"] == "True"


def test_nn_step(bench, capsys):
    res = bench("bench_nn_step").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert res["mlp"] > 0 and res["hand"] > 0
    assert "RATIO nn.MLP step / hand-built step" in out
    # the same step on the same starting parameters: the same numbers after an epoch
    assert res["gap"] == 0.0


def test_loops(bench, capsys):
    res = bench("bench_loops").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    cases = [
        f"{lesson} {loss} {opt}"
        for lesson in ("hidden-layer", "spiral")
        for loss in ("squared_error", "bce")
        for opt in ("sgd", "momentum", "adam")
    ]
    for case in cases:
        # the hand-written floor and the generated code land on the same parameters
        assert res[f"{case} diff"] <= 1e-12
        assert float(out[f"{case} max |generated - floor| after one epoch"]) <= 1e-12
        assert res[f"{case} generated/floor"] > 0 and res[f"{case} graph/generated"] > 0
    worst = max(res[f"{case} generated/floor"] for case in cases)
    assert res["worst generated/floor"] == worst
    assert out["RATIO worst generated / floor"].startswith(f"{worst:.2f}x")


def test_batches(bench, capsys):
    res = bench("bench_batches").main(["--tiny"])
    out = _lines(capsys.readouterr().out)
    assert set(res) == {f"{name} {k}" for name in ("hidden-layer", "spiral") for k in (4, 16)}
    assert all(ratio > 0 for ratio in res.values())
    assert "NUMPY_BATCH (numpy from this many samples per update)" in out


def test_loop_floors_are_the_algorithms_they_name(bench):
    """Each floor, written by hand, trains as the library's graph path does (not only as the
    generated code): several epochs, every loss and optimizer, both lessons."""
    import numpy as np

    from micrograd_beans.course.lessons import get_lesson
    from micrograd_beans.train import DEFAULT_LR, fit

    loops = bench("bench_loops")
    for lesson_name, floor in loops.FLOORS.items():
        lesson = get_lesson(lesson_name)
        for loss in loops.LOSSES:
            for opt in loops.OPTIMIZERS:
                model, xs, ys = lesson.setup(seed=1)
                xs, ys = np.asarray(xs[:12], dtype=float), np.asarray(ys[:12], dtype=float)
                params = [p.data for p in model.parameters()]
                lr = DEFAULT_LR[opt]
                fit(
                    model,
                    xs,
                    ys,
                    epochs=1,
                    loss=loss,
                    optimizer=opt,
                    lr=lr,
                    compiled=False,
                    progress=False,
                )
                by_hand = floor(params, xs.tolist(), ys.tolist(), loss, opt, lr)
                graph = [p.data for p in model.parameters()]
                assert max(abs(a - b) for a, b in zip(graph, by_hand, strict=True)) <= 1e-12
                assert by_hand != params  # it moved
