"""No room too big: every module of the package can be read in one sitting, every function
held in mind at once.

A module over MODULE_LINES lines fails, and so does a function (or method) over
FUNCTION_LINES lines, unless LONG_FUNCTIONS gives its reason; none may pass
FUNCTION_LINES_MAX. Lines are counted from `def` to the function's last line, docstring and
nested functions included. When this fails, split by concern: a module per concern, a helper
per step. Files are read with `ast`, nothing is run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd_beans"

MODULE_LINES = 600
FUNCTION_LINES = 60
FUNCTION_LINES_MAX = 90

# Functions longer than FUNCTION_LINES on purpose, by "module.py:Qualified.name": the reason.
LONG_FUNCTIONS: dict[str, str] = {}


def python_files(package: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)


def function_lengths(source: str) -> dict[str, int]:
    """Each function's qualified name (`Class.method`, `outer.inner`) and its line count."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    lengths[name] = child.end_lineno - child.lineno + 1
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return lengths


def oversized(path: Path, package: Path = PACKAGE) -> list[str]:
    """What is too big in the file at `path`, one line each."""
    where = path.relative_to(package).as_posix()
    source = path.read_text(encoding="utf-8")
    found = []
    lines = len(source.splitlines())
    if lines > MODULE_LINES:
        found.append(f"{where} has {lines} lines (at most {MODULE_LINES})")
    for name, length in function_lengths(source).items():
        key = f"{where}:{name}"
        limit = FUNCTION_LINES_MAX if key in LONG_FUNCTIONS else FUNCTION_LINES
        if length > limit:
            found.append(f"{key} has {length} lines (at most {limit})")
    return found


FILES = python_files()  # every module, none excused: a room too big fails until it is split


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(PACKAGE).as_posix() for p in FILES])
def test_no_module_or_function_is_too_big(path):
    too_big = oversized(path)
    assert not too_big, "; ".join(too_big) + ". Split it by concern (see tests/test_sizes.py)"


def test_every_long_function_is_still_long():
    fit = []
    for key in LONG_FUNCTIONS:
        where, name = key.split(":")
        source = (PACKAGE / where).read_text(encoding="utf-8")
        if function_lengths(source).get(name, 0) <= FUNCTION_LINES:
            fit.append(key)
    assert not fit, f"these fit now: remove them from LONG_FUNCTIONS: {', '.join(fit)}"


def test_long_functions_give_their_reason():
    assert all(reason.strip() for reason in LONG_FUNCTIONS.values())


# --- the checker itself, on a small made-up file ------------------------------------------


def test_the_checker_measures_modules_and_nested_functions(tmp_path):
    def function(name: str, lines: int, indent: str = "") -> str:
        return f"{indent}def {name}():\n" + f"{indent}    x = 1\n" * (lines - 1)

    (tmp_path / "fits.py").write_text(function("ok", FUNCTION_LINES))
    (tmp_path / "long.py").write_text("class A:\n" + function("method", FUNCTION_LINES + 1, "    "))
    (tmp_path / "nested.py").write_text(
        "def outer():\n" + function("inner", FUNCTION_LINES + 1, "    ")
    )
    (tmp_path / "huge.py").write_text("x = 1\n" * (MODULE_LINES + 1))
    assert oversized(tmp_path / "fits.py", tmp_path) == []
    assert oversized(tmp_path / "long.py", tmp_path) == [
        f"long.py:A.method has {FUNCTION_LINES + 1} lines (at most {FUNCTION_LINES})"
    ]
    assert oversized(tmp_path / "nested.py", tmp_path) == [
        f"nested.py:outer has {FUNCTION_LINES + 2} lines (at most {FUNCTION_LINES})",
        f"nested.py:outer.inner has {FUNCTION_LINES + 1} lines (at most {FUNCTION_LINES})",
    ]
    assert oversized(tmp_path / "huge.py", tmp_path) == [
        f"huge.py has {MODULE_LINES + 1} lines (at most {MODULE_LINES})"
    ]
