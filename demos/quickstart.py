"""The note's network on one bean, by the engine and by hand: the same seven gradients.

Run: python demos/quickstart.py
"""

import random

from micrograd_beans import Value
from micrograd_beans.course import by_hand

rng = random.Random(0)
start = {name: rng.random() for name in by_hand.PARAM_NAMES}  # the note: rand() in [0, 1)
p = {name: Value(v, label=name) for name, v in start.items()}
x, y = 0.9, 1.0  # one bean of size 0.9, toxic

a1_1 = (p["w11_1"] * x + p["b1_1"]).sigmoid()
a2_1 = (p["w12_1"] * x + p["b2_1"]).sigmoid()
a1_2 = (p["w11_2"] * a1_1 + p["w21_2"] * a2_1 + p["b1_2"]).sigmoid()
e = (y - a1_2) ** 2
e.backward()

hand = by_hand.gradients(start, x, y)
print(f"e = {e.data:.6f}\n")
print(f"{'parameter':<10} {'engine de/dθ':>16} {'by hand':>16}")
for name in by_hand.PARAM_NAMES:
    print(f"{name:<10} {p[name].grad:>16.10f} {hand[name]:>16.10f}")
