"""Lesson 6, the study note: a hidden layer of two sigmoid neurons learns the bump.

The beans (the note's get_beans3) are toxic only for sizes in a middle band, about 0.43 to
1.29; one sigmoid cannot draw a bump. The 1-2-1 network (w11_1, b1_1, w12_1, b2_1, w11_2,
w21_2, b1_2, all from U[0, 1)) trains by per-sample SGD, α = 0.03, 5000 epochs, and the
curve redraws every 100 epochs, as in the note, minus its two quirks: the window opens
without blocking training, and the last frame stays.

    python demos/hidden_layer.py [--epochs N] [--seed S] [--every K] [--save fit.gif]

is the same as `micrograd-beans demo hidden-layer ...`.
"""

import sys

from micrograd_beans.cli.demo import main

if __name__ == "__main__":
    sys.exit(main("hidden-layer"))
