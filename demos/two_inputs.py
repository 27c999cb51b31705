"""Lesson 7: two inputs, y = σ(w1 x1 + w2 x2 + b), a toxic half-plane.

Beans with two features in [0, 2) are toxic when x1 - 0.5 x2 - 0.1 > 0. The model is a
tilted sigmoid surface over the plane (drawn in 3-D with the beans at their toxicity) whose
0.5 contour is a straight line (drawn from above). α = 0.05, 500 epochs.

    python demos/two_inputs.py [--epochs N] [--seed S] [--every K] [--save plane.gif]

is the same as `micrograd-beans demo two-inputs ...`.
"""

import sys

from micrograd_beans.cli.demo import main

if __name__ == "__main__":
    sys.exit(main("two-inputs"))
