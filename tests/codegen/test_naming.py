"""Tests for codegen/naming.py: the generated code's names."""

from __future__ import annotations

import pytest

from micrograd_beans import Value
from micrograd_beans.codegen import compile_graph


def test_names_are_made_valid_and_unique():
    a = Value(1.0, label="w1.12_2")
    b = Value(2.0, label="w1.12_2")  # the same label twice
    c = Value(3.0, label="lambda")  # a keyword
    out = a * b + c
    compiled = compile_graph(out, [], [a, b, c])
    assert compiled.param_names == ("w1_12_2", "w1_12_2_2", "lambda_2")
    assert compiled.grad_names == ("dedw1_12_2", "dedw1_12_2_2", "dedlambda_2")
    out.backward()
    assert compiled([])[1] == [a.grad, b.grad, c.grad]


# --- any label gives correct code ------------------------------------------------------------

import ast  # noqa: E402
import builtins  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from micrograd_beans.codegen.naming import identifier  # noqa: E402
from micrograd_beans.codegen.updates import UPDATES  # noqa: E402
from micrograd_beans.codegen.vocabulary import _RESERVED  # noqa: E402


def fullwidth_example() -> tuple[Value, Value, Value]:
    """The issue's example: a node labelled with the fullwidth ｗ, which Python reads as w."""
    x = Value(3.0, "x")
    w = Value(2.0, "w")
    t = x * w
    t.label = "ｗ"
    return x * 0.0 + t * w + x, x, w


def test_labels_that_fold_alike_are_different_variables():
    e, x, w = fullwidth_example()
    compiled = compile_graph(e, [x], [w])
    e.backward()
    out, grads = compiled([3.0])
    assert (out, grads) == (e.data, [w.grad]) == (15.0, [12.0])


@pytest.mark.parametrize("label", ["x²", "①", "1x", "a-b", "·", "\u0301", "𝔵", "", "if", "ℌ"])
def test_any_label_becomes_an_identifier(label):
    name = identifier(label)
    assert name == "" or (name.isidentifier() and unicodedata.normalize("NFKC", name) == name)
    x = Value(1.5, label)
    w = Value(-2.0, "w")
    out = x * w
    compiled = compile_graph(out, [x], [w])
    out.backward()
    assert compiled([1.5]) == (out.data, [w.grad])


@pytest.mark.parametrize(
    "label", ["correct", "corrects", "total", "losses", "lr", "relu", "sigmoid", "pow", "_epoch"]
)
def test_labels_never_take_a_name_the_generated_code_needs(label):
    x = Value(0.7, "x")
    y = Value(1.0, "y")
    w = Value(0.4, label)
    a = (w * x).sigmoid()
    a.label = label  # the prediction too
    e = (y - a) ** 2
    compiled = compile_graph(e, [x, y], [w], predictions=[a])
    rows = [(0.7, 1.0), (0.1, 0.0), (0.9, 1.0)]
    labels = [(compiled.prediction_names[0], "y")]
    train = compiled.optimizer_loop("sgd", True, labels).function
    final, _, losses, corrects = train(rows, [0.4], (), (0.5,), 3, 1, ())
    model_w, expected_losses, expected_correct = 0.4, [], []
    for _ in range(3):
        total, right = 0.0, 0
        for xv, yv in rows:
            wv = Value(model_w)
            av = (wv * xv).sigmoid()
            ev = (yv - av) ** 2
            ev.backward()
            total += ev.data
            right += (av.data >= 0.5) == (yv == 1.0)
            model_w -= 0.5 * wv.grad
        expected_losses.append(total)
        expected_correct.append(right)
    assert final == [model_w] and losses == expected_losses and corrects == expected_correct


HELPER_FUNCTIONS = {"sigmoid", "relu", "softplus", "power"}  # their locals (z, t, a, b) are theirs


def _internal_names(source: str, user: re.Pattern) -> set[str]:
    names = set()
    tree = ast.parse(source)
    tree.body = [
        node
        for node in tree.body
        if not (isinstance(node, ast.FunctionDef) and node.name in HELPER_FUNCTIONS)
    ]
    names.update(HELPER_FUNCTIONS)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name)
    return {n for n in names if not user.fullmatch(n)}


def test_every_name_the_generated_code_uses_is_reserved():
    """A new local in a generated loop must be added to vocabulary._RESERVED, or a label
    could take its name: this lists the ones that are not."""
    x, y = Value(0.3, "uX"), Value(1.0, "uY")
    w, b, f = Value(0.5, "uW"), Value(0.1, "uB"), Value(2.0, "uF")
    a = (w * x * f + b).sigmoid()
    a.label = "uA"
    e = (y - a) ** 2
    e.label = "uE"
    compiled = compile_graph(e, [x, y], [w, b], fixed=[f], predictions=[a])
    labels = [("uA", "uY")]
    sources = [
        compiled.source,
        compiled.batched_source,
        *(compiled.full_batch_loop(labels, optimizer=kind).source for kind in UPDATES),
        *(
            compiled.optimizer_loop(kind, per_sample, labels).source
            for kind in UPDATES
            for per_sample in (True, False)
        ),
    ]
    # names made from the labels above, temporaries, and the optimizer state of each
    # parameter (made unique against the program's names by loops.py)
    user = re.compile(r"d?u\w*|t\d+|(vel|m1|m2|acc)_u\w*")
    used = set().union(*(_internal_names(s, user) for s in sources))
    assert used - _RESERVED - set(dir(builtins)) == set()


LABELS = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["w", "ｗ", "x", "𝐱", "x²", "①", "correct", "lr", "exp", "t1", "dedw", "e"]),
)


@settings(max_examples=60)
@given(st.lists(LABELS, min_size=6, max_size=6))
def test_random_labels_from_all_of_unicode_compile_to_the_engines_numbers(labels):
    x, y = Value(0.8, labels[0]), Value(1.0, labels[1])
    w, b = Value(-1.3, labels[2]), Value(0.4, labels[3])
    z = w * x + b
    z.label = labels[4]
    a = z.sigmoid() * w
    a.label = labels[5]
    e = (y - a) ** 2
    compiled = compile_graph(e, [x, y], [w, b])
    e.backward()
    out, grads = compiled([0.8, 1.0])
    assert out == e.data and grads == [w.grad, b.grad]
    assert all(math.isfinite(g) for g in grads)
