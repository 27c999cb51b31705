"""Lesson 9: a deep network, 2-8-8-8-1 (relu hidden, sigmoid output), against two spirals.

Toxic and safe beans lie on two interleaved spiral arms; only several layers of bends can
separate them. Per-sample SGD over shuffled beans, α = 0.05, 5000 epochs; the decision
boundary redraws every 100 epochs.

    python demos/spiral.py [--epochs N] [--seed S] [--every K] [--save spiral.gif]

is the same as `micrograd-beans demo spiral ...`.
"""

import sys

from micrograd_beans.cli.demo import main

if __name__ == "__main__":
    sys.exit(main("spiral"))
