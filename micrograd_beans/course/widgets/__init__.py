"""Widgets for Jupyter that let a learner touch the gradients.

`DragWeights` (drag_weights.py): one slider per parameter, named as the note names them
(w11_1, b1_1, ...), the model's curve over the beans, the loss and every gradient (the
engine's beside the note's formula); buttons for one gradient step, one epoch, and reset.

`StepBackward` (step_backward.py): the computation graph of one bean's loss, and backward
run one node at a time in the engine's own order, each chain-rule product written out with
its numbers (course/backward_steps.py: the walk the playground shows too), the drawing
following the current node (graph_view.py).

Both are plain objects holding an ipywidgets layout in `.widget`; a notebook cell ending in
one shows it. Their words come in English or Chinese (`lang="zh"`) from gettext catalogues
(language.py). What they share (ipywidgets on demand, checks, the display fallback) is in
common.py; a parameter's slider and exact number box in sliders.py. ipywidgets (the
`[notebook]` extra) is imported only when a widget is built.
"""

from micrograd_beans.course.widgets.common import INSTALL_HINT, has_note_formulas
from micrograd_beans.course.widgets.drag_weights import DragWeights, drag_weights
from micrograd_beans.course.widgets.language import languages
from micrograd_beans.course.widgets.step_backward import StepBackward, step_backward

__all__ = [
    "INSTALL_HINT",
    "DragWeights",
    "StepBackward",
    "drag_weights",
    "has_note_formulas",
    "languages",
    "step_backward",
]
