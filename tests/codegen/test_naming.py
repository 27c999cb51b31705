"""Tests for codegen/naming.py: the generated code's names."""

from __future__ import annotations

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
