"""The scalar core runs on the standard library alone (numpy, matplotlib, graphviz absent).

`core_run()` exercises the core: the engine and its passes, nn, losses, optimizers, fit on
plain lists (the graph and the generated code), serialize and the DOT text of a drawing,
asserting each number from first principles (the note's hand-derived loop, Python's
random draws). It runs once in a subprocess with those packages blocked (an import finder
refuses them before micrograd_beans is imported) and once here with them installed: both
runs must give the same numbers.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap

BLOCKED = ("numpy", "matplotlib", "graphviz")

BLOCKER = f"""
import sys

class BlockHeavyPackages:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError(f"{{name}} is blocked in this test")
        return None

sys.meta_path.insert(0, BlockHeavyPackages())
"""


def core_run() -> dict:
    """Everything the core offers, checked; returns the numbers a run gives."""
    import math
    import random
    import tempfile
    from pathlib import Path

    from micrograd_beans import Value, grad, gradcheck
    from micrograd_beans.course import by_hand
    from micrograd_beans.losses import binary_cross_entropy, squared_error
    from micrograd_beans.nn import MLP
    from micrograd_beans.optim import SGD, Adam
    from micrograd_beans.rng import permutation
    from micrograd_beans.serialize import load, save
    from micrograd_beans.train import evaluate, fit
    from micrograd_beans.viz import draw_dot

    out: dict = {}
    # the engine: ops, backward, grad to second order, gradcheck
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    f = a * b + a**2 - b / a + a.exp().log() + b.tanh() + a.sigmoid()
    f.backward()
    s = 1 / (1 + math.exp(-2.0))
    assert math.isclose(a.grad, -3.0 + 4.0 - 3.0 / 4.0 + 1.0 + s * (1 - s), rel_tol=1e-15)
    assert math.isclose(b.grad, 2.0 - 0.5 + (1 - math.tanh(-3.0) ** 2), rel_tol=1e-15)
    x = Value(2.0)
    dy = grad(x**3, x, create_graph=True)
    assert dy.data == 12.0 and grad(dy, x) == 12.0  # 3x², 6x at 2
    assert gradcheck(lambda u, v: (u * v).sigmoid() + u**3, [0.3, -1.2], order=2)
    out["engine"] = [f.data, a.grad, b.grad]

    # nn: an int seed is Python's random.Random(seed), one random() draw per parameter
    model = MLP(1, [2, 1], seed=0)
    draws = random.Random(0)
    assert list(model.state_dict().values()) == [draws.random() for _ in range(7)]

    # losses
    assert squared_error(Value(0.25), 1.0).data == 0.5625
    assert math.isclose(binary_cross_entropy(Value(0.25), 1.0).data, -math.log(0.25))

    # fit on plain lists: the note's loop, on the graph and in generated code
    xs = [k / 50 for k in range(100)]
    ys = [1.0 if 0.6 < v < 1.3 else 0.0 for v in xs]
    start = MLP(1, [2, 1], seed=0).state_dict()
    hand = by_hand.train(dict(start), xs, ys, alpha=0.03, epochs=20)
    runs = {}
    for compiled in (False, True):
        model = MLP(1, [2, 1], seed=0)
        history = fit(model, xs, ys, epochs=20, compiled=compiled, progress=False)
        assert history.path == ("generated code" if compiled else "engine graph (compiled=False)")
        runs[compiled] = (model.state_dict(), history.loss, history.accuracy)
        for name, value in model.state_dict().items():
            assert math.isclose(value, hand[name], rel_tol=0, abs_tol=1e-12)
    assert runs[True] == runs[False]  # generated code is the graph's numbers, bit for bit
    out["note"] = runs[True]
    assert evaluate(model, xs, ys)[1] == sum(
        (model.predict(v) >= 0.5) == (t == 1.0) for v, t in zip(xs, ys, strict=True)
    ) / len(xs)

    # shuffled: each epoch visits the samples in rng.permutation's order of random.Random(seed)
    shuffled = MLP(1, [2, 1], seed=0)
    fit(shuffled, xs, ys, epochs=1, shuffle=True, seed=7, progress=False)
    order = permutation(random.Random(7), len(xs))
    in_order = MLP(1, [2, 1], seed=0)
    fit(in_order, [xs[k] for k in order], [ys[k] for k in order], epochs=1, progress=False)
    assert shuffled.state_dict() == in_order.state_dict()

    # the optimizers, per sample and in mini-batches, through generated code and the graph
    for name in ("sgd", "momentum", "adam"):
        for batch_size in (1, 10):
            results = []
            for compiled in (False, True):
                model = MLP(1, [2, 1], seed=1)
                history = fit(
                    model, xs, ys, epochs=3, optimizer=name, lr=0.1, batch_size=batch_size,
                    compiled=compiled, progress=False,
                )  # fmt: skip
                assert (history.path == "generated code") == compiled
                results.append(list(model.state_dict().values()))
            for g, c in zip(*results, strict=True):  # mini-batches: within ~1e-16 a step
                assert math.isclose(g, c, rel_tol=0, abs_tol=1e-13)
            out[f"{name} {batch_size}"] = results[1]
    model = MLP(2, [3, 1], seed=2)
    optimizers = [SGD(model.parameters(), 0.1, momentum=0.9), Adam(model.parameters(), 0.01)]
    for opt in optimizers:
        for _ in range(2):
            e = squared_error(model([0.5, -0.5]), 1.0)
            e.backward()
            opt.step()
            opt.zero_grad()
    out["optimizers"] = list(model.state_dict().values())

    # serialize: save and load a model
    with tempfile.TemporaryDirectory() as tmp:
        save(model, Path(tmp) / "model.json")
        assert load(Path(tmp) / "model.json").state_dict() == model.state_dict()

    # the DOT text of a drawing
    e = squared_error(model([0.5, -0.5]), 1.0)
    e.backward()
    source = draw_dot(e).source
    assert source.startswith("digraph computation_graph {") and "w11_1|data" in source
    out["dot"] = source
    return out


def test_the_core_runs_with_numpy_matplotlib_and_graphviz_blocked():
    script = "\n".join(
        [
            BLOCKER,
            textwrap.dedent(inspect.getsource(core_run)),
            "import json",
            "result = core_run()",
            f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {BLOCKED!r})",
            "print(json.dumps({'result': result, 'loaded': loaded}))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["loaded"] == []
    # the same numbers as the core gives with numpy and friends installed
    assert report["result"] == json.loads(json.dumps(core_run()))


def test_an_array_feature_without_numpy_says_what_to_install():
    script = BLOCKER + textwrap.dedent(
        """
        from micrograd_beans import Value
        from micrograd_beans.codegen import compile_graph
        x, w = Value(1.0, label="x"), Value(0.5, label="w")
        compiled = compile_graph((w * x).sigmoid(), [x], [w])
        print(compiled([2.0]))
        try:
            compiled.batched([[1.0, 2.0]])
        except ImportError as err:
            print(err)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    scalar, message = done.stdout.splitlines()
    assert scalar.startswith("(0.731058578630004")  # σ(0.5 · 2) = σ(1)
    assert message == "CompiledGraph.batched needs numpy: pip install numpy"


def test_importing_the_core_imports_none_of_the_heavy_packages():
    modules = "micrograd_beans, micrograd_beans.nn, micrograd_beans.losses, micrograd_beans.optim"
    modules += ", micrograd_beans.train, micrograd_beans.serialize, micrograd_beans.viz"
    script = (
        f"import sys, {modules}\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {BLOCKED + ('PIL', 'tqdm')!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
