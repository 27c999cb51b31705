"""Draw a Value's computation graph with Graphviz, so a learner can *see* backprop.

`draw_dot(root)` turns the graph behind `root` into a `Drawing`: every Value is a record
`label | data | grad`, every op is its own small node between its operands and its result,
and edges keep operand order and multiplicity (`x + x` has two edges). Colours tell the
roles apart (inputs, parameters, constants, intermediates, the output); a key under the
picture says which is which. Big graphs are made readable by hiding constants, collapsing
neurons or layers into boxes, and at last by drawing only the part nearest the output.

One concern per module, each importing only those listed before it:

- dot.py       DOT text with the standard library alone (`DotGraph`), and record labels;
- drawing.py   `Drawing`: showing and saving a drawn graph (a renderer makes the picture);
- layout.py    making a big graph readable: what to hide, what to box, what to keep;
- writer.py    a planned graph written as DOT: colours, labels, boxes and the key;
- draw.py      `draw_dot`, the entry point, and its options;
- examples.py  `note_network`, the note's network on one bean.
"""

from __future__ import annotations

from micrograd_beans.render import RendererNotFoundError, RenderError
from micrograd_beans.viz.dot import DotGraph
from micrograd_beans.viz.draw import DEFAULT_MAX_NODES, draw_dot
from micrograd_beans.viz.drawing import Drawing
from micrograd_beans.viz.examples import note_network
from micrograd_beans.viz.writer import (
    CURRENT_COLOUR,
    FONT,
    HIGHLIGHT_COLOUR,
    OP_COLOUR,
    OP_SYMBOLS,
    ROLE_COLOURS,
)

__all__ = [
    "CURRENT_COLOUR",
    "DEFAULT_MAX_NODES",
    "FONT",
    "HIGHLIGHT_COLOUR",
    "OP_COLOUR",
    "OP_SYMBOLS",
    "ROLE_COLOURS",
    "DotGraph",
    "Drawing",
    "RenderError",
    "RendererNotFoundError",
    "draw_dot",
    "note_network",
]
