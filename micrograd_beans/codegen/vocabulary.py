"""The vocabulary of generated code: the helper functions it may call, the names it may not take."""

from __future__ import annotations

import builtins
import keyword

# The runtime the generated code calls: its whole vocabulary beyond + - * / **.

#: Prepended to the scalar source: the math-style functions the generated code may call.
SCALAR_HELPERS = '''\
from math import exp, log, log1p, tanh, sin, cos, pow, sqrt, inf, nan


def sigmoid(z):
    """1 / (1 + e^-z), in two branches so that exp never overflows."""
    if z >= 0.0:
        return 1.0 / (1.0 + exp(-z))
    t = exp(z)
    return t / (1.0 + t)


def relu(z):
    return 0.0 if z < 0.0 else z


def softplus(z):
    """log(1 + e^z), in two branches so that exp never overflows."""
    if z > 0.0:
        return z + log1p(exp(-z))
    return log1p(exp(z))
'''

#: Prepended to the batched source: the same functions over numpy arrays.
BATCH_HELPERS = '''\
from numpy import exp, log, log1p, tanh, sin, cos, sqrt, inf, nan, where, dot, abs


def sigmoid(z):
    """1 / (1 + e^-z) elementwise: both branches of the scalar sigmoid, no overflow."""
    t = exp(-abs(z))
    return where(z >= 0.0, 1.0, t) / (1.0 + t)


def relu(z):
    return where(z < 0.0, 0.0, z)


def softplus(z):
    """log(1 + e^z) elementwise: both branches of the scalar softplus, no overflow."""
    return where(z > 0.0, z, 0.0) + log1p(exp(-abs(z)))
'''

# Functions a forward rule's `Op.code` may call: an op whose code calls anything else has
# no codegen rule and is refused at compile time.
_FUNCTIONS = frozenset({"exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "softplus"})
_RESERVED = frozenset(
    set(keyword.kwlist)
    | set(dir(builtins))
    | _FUNCTIONS
    | {
        "inf",
        "nan",
        "where",
        "dot",
        "abs",
        "log1p",
        "sqrt",
        "np",
        "lr",
        "epochs",
        "samples",
        "columns",
        "params",
        "losses",
        "total",
        "scale",
        "batch",
        "math",
        "pow",
        # the training loops' own locals and names (loops.py); tests/codegen/test_naming.py
        # checks that every name a generated loop uses is in this set
        "train_sgd",
        "train_full_batch",
        "correct",
        "corrects",
        "_epoch",
        "_sample",
        "gradient",
        "gradient_batch",
        # the optimizer loops' (loops.py: train)
        "state",
        "hyper",
        "size",
        "mu",
        "beta1",
        "beta2",
        "ob1",
        "ob2",
        "eps",
        "step",
        "c1",
        "c2",
        "step_size",
        "count",
        "btotal",
        "train",
    }
)
