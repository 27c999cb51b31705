"""Lesson 5: one sigmoid neuron, y = σ(w x + b), learns "toxic above a size".

The threshold beans are toxic when 0.7 x + 0.5 (plus a little noise) exceeds 0.8. One
neuron draws one S-shaped edge, which is all this data needs (α = 0.05, 5000 epochs).

    python demos/single_neuron.py [--epochs N] [--seed S] [--every K] [--save out.gif]

is the same as `micrograd-beans demo single-neuron ...`: a live window when there is a
display, else a file (single-neuron.png unless --save names one).
"""

import sys

from micrograd_beans.cli.demo import main

if __name__ == "__main__":
    sys.exit(main("single-neuron"))
