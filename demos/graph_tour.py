"""A tour of the note's computation graph: backward, one node at a time.

The note's 1-2-1 network on one bean (x = 0.9, toxic), drawn with micrograd_beans.viz:
first before backward (every grad 0), then each node's de/d(node) as backward finishes it,
with the chain-rule path from that node to the loss e in red. --epochs trains the network
first (default 0: the random start), --every shows that many nodes per frame.

    python demos/graph_tour.py [--epochs N] [--seed S] [--every K] [--save tour.gif]

is the same as `micrograd-beans demo graph-tour ...`.
"""

import sys

from micrograd_beans.cli.demo import main

if __name__ == "__main__":
    sys.exit(main("graph-tour"))
