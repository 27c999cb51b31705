"""Lessons 7-8: two inputs and a hidden layer (2-2-1, sigmoid) against a toxic disc.

Beans are toxic inside (x1 - 1)² + (x2 - 0.3)² < 0.5. Two hidden neurons give two soft
edges, so the toxic region the network can draw is a band or a wedge, never a closed disc;
the disc runs off the bottom of the field, so a wedge can fit it well (α = 0.05, 5000 epochs).

    python demos/disc.py [--epochs N] [--seed S] [--every K] [--save disc.gif]

is the same as `micrograd-beans demo disc ...`.
"""

import sys

from micrograd_beans.cli.demo import main

if __name__ == "__main__":
    sys.exit(main("disc"))
