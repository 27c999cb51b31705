"""Code generation: write a built graph out as the note's straight-line chain-rule code.

The note computes every derivative by hand: `deda1_2 = -2*(y - a1_2)`, then
`dedz1_2 = deda1_2 * a1_2*(1 - a1_2)`, and so on down to `dedw11_1`. `compile_graph` walks a
graph the engine built once and writes the same thing out as Python source, one assignment
per node, named from the Values' labels (`z1_1`, `a1_1`, `dedw11_1`, ...). Nothing about a
derivative is written here: each node's gradient code is obtained by running the op's own
backward rule from `engine.OPS` on symbolic expressions, so the generated code performs the
engine's float operations in the engine's order and agrees with it bit for bit (the numpy
variant to within numpy's last-digit differences in `exp`/`log`/`tanh` and its sums).

The result runs without building Values: per sample (`CompiledGraph.__call__`), over a
numpy batch (`CompiledGraph.batched`), or as a whole generated training loop for SGD,
momentum or Adam (`CompiledGraph.optimizer_loop`, `CompiledGraph.full_batch_loop`) with
the parameters and the optimizer's state held in local variables, which is what makes it
as fast as the note's hand-written loop. No generated line nests deeper than
`symbols.MAX_DEPTH`: wider sums and longer chains are written in named parts, so any graph
compiles; what Python still refuses is a `CodegenError`.

The stages, one module each, in the order a graph goes through them (each module imports
only from the ones above it):

- `vocabulary`: what generated code may call (`SCALAR_HELPERS`, `BATCH_HELPERS`) and the
  names it must not take.
- `symbols`: symbolic floats (`_Expr`): running a derivative rule on them records the
  expression it computes; and printing an expression as Python.
- `trace`: running a derivative rule down every path of its data-dependent branches (pow's
  `if base > 0`) and merging the paths into one if/else expression.
- `naming`: valid, unique Python names from the Values' labels.
- `program`: from graph to `_Program`, one forward line per node and the chain rule
  backward in the engine's order (`_build`).
- `source`: a program printed as the per-sample and the numpy-batched gradient functions.
- `updates`: the optimizers (SGD, momentum, Adam) as generated code runs them: each one
  described once, as data (its hyper-parameters, state and update lines).
- `loops`: a program and an optimizer's update printed as whole training loops (per
  sample, mini-batches, numpy batches).
- `runtime`: loading the printed source; `compile_graph` and `CompiledGraph`.
- `step`: the step `fit(..., compiled=...)` runs through generated code.

Where a change goes: a new op needs nothing here, only its row in `engine.OPS` with a
`code` template (its derivative rule is traced as it is); if that template calls a function
the generated code does not know yet, add it to `vocabulary` (both helper sources and
`_FUNCTIONS`). A new optimizer is one entry in `updates`; a new shape of training loop is
printed in `loops` (`_loop_source`), offered by `CompiledGraph` in `runtime`, and used by
`fit` through `step`.

Compiling keeps no state outside the call (each trace has its own explorer, each graph its
own namer), so graphs can be compiled from several threads at once. Names with a leading
underscore are shared between these modules but not meant for use outside the package.
"""

from micrograd_beans.codegen.program import CodegenError
from micrograd_beans.codegen.runtime import CompiledGraph, Loop, compile_graph
from micrograd_beans.codegen.step import (
    CompiledStep,
    compiled_step,
    compiled_step_or_reason,
    why_not_compiled,
)
from micrograd_beans.codegen.vocabulary import BATCH_HELPERS, SCALAR_HELPERS

__all__ = [
    "CodegenError",
    "CompiledGraph",
    "compile_graph",
    "SCALAR_HELPERS",
    "BATCH_HELPERS",
    "Loop",
    "CompiledStep",
    "compiled_step",
    "compiled_step_or_reason",
    "why_not_compiled",
]
