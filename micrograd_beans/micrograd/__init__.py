"""micrograd's own interface, running on this engine: swap the import, keep the numbers.

`from micrograd_beans.micrograd.engine import Value` and
`from micrograd_beans.micrograd.nn import Neuron, Layer, MLP` stand in for karpathy/micrograd
0.1.0's `micrograd.engine` and `micrograd.nn`: the same constructor signatures, defaults
(ReLU hidden layers, a linear output layer, weights `random.uniform(-1, 1)` from Python's
`random`, biases 0), method names and reprs. The graph of each op is micrograd's (a division is
`a * b**-1`, a neuron adds its bias first), so forward values are micrograd's to the last bit;
gradients are too wherever each node receives at most two contributions (see
docs/coming-from-micrograd.md for where the order of additions differs).
"""

from micrograd_beans.micrograd.engine import Value
from micrograd_beans.micrograd.nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]
