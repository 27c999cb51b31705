"""The vocabulary of generated code: the helper functions it may call, the names it may not take."""

from __future__ import annotations

import builtins
import keyword

# The runtime the generated code calls: its whole vocabulary beyond + - * /.

#: Prepended to the scalar source: the math-style functions the generated code may call.
SCALAR_HELPERS = '''\
from math import exp, log, log1p, tanh, sin, cos, pow, sqrt, inf, nan

# `**` exactly as the engine computes it, from the engine itself (one rule, no copy): `power`
# is the forward a ** b (an error for 0 ** -1 or (-8) ** 0.5, inf on overflow), `ieee_pow`
# the power inside a derivative (IEEE 754 pow, as PyTorch: 0 ** -0.5 is inf, never an error).
from micrograd_beans.engine.rules import ieee_pow, power


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
import numpy as np
from numpy import exp, log, log1p, tanh, sin, cos, sqrt, inf, nan, where, dot, abs


def power(a, b):
    """a ** b elementwise as IEEE 754 pow, the engine's `**`: its numbers, and inf or nan
    where the engine's forward raises (as every op here). numpy's own power takes a single
    exponent 0.5 as sqrt, which gives -0.0 at -0.0 and nan at -inf (pow: 0.0 and inf)."""
    if np.ndim(b) == 0 and b == 0.5:
        a = np.asarray(a, dtype=float)
        return np.power(a.reshape(-1), np.full(a.size, 0.5)).reshape(a.shape)
    return np.power(a, b)


ieee_pow = power  # in a derivative: the same IEEE power


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
_FUNCTIONS = frozenset(
    {"exp", "log", "log1p", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "softplus"}
)
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
        "fixed",
        "losses",
        "total",
        "scale",
        "batch",
        "math",
        "pow",
        "power",
        "ieee_pow",
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
