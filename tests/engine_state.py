"""Putting the engine back after a test that adds ops (test_define_op.py, its torch
differential test, the docs' examples): define_op adds rows to the op table and methods to
Value, and the rest of the suite must meet the engine as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from micrograd_beans import Value, engine
from micrograd_beans.engine import ops, speed


@contextmanager
def engine_restored() -> Iterator[None]:
    """Put the engine back as it was afterwards (define_op adds rows and methods)."""
    tables = (ops.OPS, ops.OP_FUNCTIONS, ops.NAMESPACE)
    saved = [dict(t) for t in tables]
    source = engine.BACKWARD_SOURCE
    try:
        yield
    finally:
        for name in set(ops.OPS) - set(saved[0]):
            if name in vars(Value):
                delattr(Value, name)
        for table, old in zip(tables, saved, strict=True):
            table.clear()
            table.update(old)
        speed.install()  # the methods and the backward loop from the table as it was
    assert source == engine.BACKWARD_SOURCE
