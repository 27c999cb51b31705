"""micrograd_beans: a small, exact and fast scalar autograd engine for learning backprop.

Built around the "bean toxicity" lesson: a 1-2-1 sigmoid network fitted by per-sample
gradient descent, with every derivative derived by the engine and checked by hand.
"""

from micrograd_beans.anomaly import detect_anomaly
from micrograd_beans.engine import OPS, Constant, Value, affine, define_op, zero_grad
from micrograd_beans.gradcheck import gradcheck, gradgradcheck
from micrograd_beans.gradients import grad
from micrograd_beans.model_gradcheck import gradcheck_model

__all__ = ["OPS", "Constant", "Value", "affine", "define_op", "zero_grad"]
__all__ += ["detect_anomaly", "grad", "gradcheck", "gradcheck_model", "gradgradcheck"]
__version__ = "0.1.0"
