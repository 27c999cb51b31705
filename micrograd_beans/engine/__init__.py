"""The scalar autograd engine. Read its modules in this order:

1. value.py   `Value` and `backward`: what a node holds, its operators, the iterative
              topological order, gradients accumulating in the leaves (micrograd's
              engine.py, extended).
2. ops.py     the table of ops: each op's forward rule beside its derivative, one row each.
3. new_op.py  `define_op`: a new row from outside the engine, with its checks.
4. rules.py   the details of the rules the table names (forward rules with the checks that
              name what went wrong; pow's and relu's derivative helpers).
5. speed.py   how it is made fast without changing a float: operator methods that record
              their node inline, constants as marked Values, `affine`, the tree walk and the
              backward loop written out from the table. Not needed to understand 1-4.

Standard library only.
"""

from __future__ import annotations

from micrograd_beans.engine import speed
from micrograd_beans.engine.new_op import define_op
from micrograd_beans.engine.ops import OPS, Op
from micrograd_beans.engine.speed import Constant, affine
from micrograd_beans.engine.value import (
    Number,
    Operand,
    Value,
    graph_nodes,
    topological_order,
    zero_grad,
)

__all__ = [
    "OPS",
    "Constant",
    "Number",
    "Op",
    "Operand",
    "Value",
    "affine",
    "define_op",
    "graph_nodes",
    "topological_order",
    "zero_grad",
]

# The names these had when the engine was one module, kept for code written against them
# and for pickles (every constant pickled then names _ConstantMark here).
from micrograd_beans.engine.rules import ieee_pow as _ieee_pow  # noqa: E402, F401
from micrograd_beans.engine.rules import power as _pow  # noqa: E402, F401
from micrograd_beans.engine.value import _ConstantMark  # noqa: E402, F401

_topological_order = topological_order
_graph_nodes = graph_nodes


def __getattr__(name: str) -> object:
    if name == "BACKWARD_SOURCE":  # written again by define_op: read it from speed.py
        return speed.BACKWARD_SOURCE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
