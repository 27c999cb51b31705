"""The package's layers: every module imports only from its own layer or the ones below it,
no modules import each other in a circle, inside a layer either, and the packages read in
order (engine, viz) import only from earlier in that order.

Each module's imports are read with `ast` (imports inside functions count too: a lazy import
is still a dependency), so nothing is executed. A module that is in no layer fails the test
until it is placed in one: decide where a new module lives, then add it to LAYERS.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd_beans"

# Bottom to top. A module belongs to the first entry naming it or a package above it
# (`course` holds every `course.*`). Imports may go down or stay in a layer, never up.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # rng: seeding; files: atomic writes; display: notebook tables; argtypes: CLI arguments;
    # render: running Graphviz on DOT text; checks: argument checks shared by layers;
    # drawing_display: a drawing's notebook display (fitted HTML, SVG, PNG)
    (
        "helpers that import nothing of the package",
        ("rng", "files", "display", "argtypes", "render", "checks", "drawing_display"),
    ),
    ("the engine", ("engine",)),
    # anomaly: detect_anomaly; gradients: grad(), to any order (it checks under anomaly mode)
    ("the engine's own modes and passes", ("anomaly", "gradients")),
    ("learning on it", ("nn", "losses", "optim")),
    # (micrograd: the micrograd-compatible face;
    # model_gradcheck: gradcheck_model, the engine vs a by-hand formula vs finite differences)
    (
        "tools over graphs and models",
        (
            "gradcheck_errors",
            "gradcheck",
            "model_gradcheck",
            "viz",
            "codegen",
            "serialize",
            "micrograd",
        ),
    ),
    # fit(compiled=...) runs the code codegen generates, so the training loop sits above it;
    # torch (the bridge to PyTorch) trains with fit's optimizer settings and divergence error
    ("the training loop", ("train", "torch")),
    ("the package's front door (its re-exports)", ("",)),
    ("the course", ("course",)),
    ("the command line", ("cli", "__main__")),
]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """`micrograd_beans/course/plots.py` -> "course.plots"; the package root is ""."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, package: Path = PACKAGE) -> bool:
    path = package.joinpath(*name.split(".")) if name else package
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path, package: Path = PACKAGE) -> set[str]:
    """The package's modules that the file at `path` imports ("" is the package root)."""
    here = module_name(path, package).split(".")
    if path.name != "__init__.py":
        here = here[:-1]  # the package the module is in, for relative imports
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = _in_package(alias.name)
                if name is not None and is_module(name, package):
                    found.add(name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x, from ..engine import Value
                base = [p for p in here[: len(here) - node.level + 1] if p]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = _in_package(node.module or "")
                if module is None:
                    continue
            for alias in node.names:  # `from micrograd_beans import files`: the module files
                child = f"{module}.{alias.name}" if module else alias.name
                found.add(child if is_module(child, package) else module)
    return {name for name in found if is_module(name, package)}


def _in_package(dotted: str) -> str | None:
    """ "micrograd_beans.course.plots" -> "course.plots"; None for other packages."""
    if dotted == "micrograd_beans":
        return ""
    if dotted.startswith("micrograd_beans."):
        return dotted.removeprefix("micrograd_beans.")
    return None


def layer_of(module: str) -> int | None:
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if module == member or (member and module.startswith(member + ".")):
                return index
    return None


MODULES = sorted((module_name(p), p) for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_is_in_a_layer():
    unplaced = [name or "micrograd_beans" for name, _ in MODULES if layer_of(name) is None]
    assert not unplaced, (
        f"modules in no layer: {', '.join(unplaced)}; add each to LAYERS in {__file__} "
        "(the layer of what it is, above everything it imports)"
    )


PLACED = [(name, path) for name, path in MODULES if layer_of(name) is not None]


@pytest.mark.parametrize("name, path", PLACED, ids=[n or "micrograd_beans" for n, _ in PLACED])
def test_no_module_imports_upward(name, path):
    here = layer_of(name)
    upward = sorted(
        f"{target or 'micrograd_beans'} ({LAYERS[layer_of(target)][0]})"
        for target in imported_modules(path)
        if layer_of(target) is not None and layer_of(target) > here
    )
    assert not upward, (
        f"micrograd_beans.{name or '__init__'} ({LAYERS[here][0]}) imports from a layer above "
        f"it: {', '.join(upward)}"
    )


def import_cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Import circles in a graph (module -> the modules it imports), each as the shortest
    path that closes it (["gradcheck", "model_gradcheck", "gradcheck"]); a module already
    shown in one circle starts no other."""
    found: list[list[str]] = []
    shown: set[str] = set()
    for start in sorted(imports):
        if start in shown:
            continue
        came_from: dict[str, str | None] = {start: None}
        queue = [start]
        for here in queue:  # breadth-first from start, until an import leads back to it
            if start in imports[here]:
                path = [here]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                found.append([*reversed(path), start])
                shown.update(path)
                break
            for nxt in sorted(imports[here] - came_from.keys()):
                came_from[nxt] = here
                queue.append(nxt)
    return found


def test_no_modules_import_each_other_in_a_circle():
    """Data flows one way, inside a layer too: no module imports one that imports it back,
    directly or through others (a lazy import counts: it is a circle that only waits)."""
    imports = {name: imported_modules(path) - {name} for name, path in MODULES}
    cycles = import_cycles(imports)
    assert not cycles, "import circles: " + "; ".join(
        " -> ".join(n or "micrograd_beans" for n in cycle) for cycle in cycles
    )


# Packages whose modules are read in order, bottom to top: each imports only modules of its
# package listed before it, so the learner's engine modules never need speed.py to be read,
# and viz's entry point sits on top of the parts it puts together. Their __init__ is above all.
READING_ORDER: dict[str, tuple[str, ...]] = {
    "engine": ("rules", "ops", "value", "speed", "new_op"),
    "viz": ("dot", "drawing", "layout", "writer", "draw", "examples"),
}


def out_of_order(package: str, order: tuple[str, ...], imports: dict[str, set[str]]) -> list[str]:
    """Each "a imports b" inside `package` where b is not listed before a (the package's
    own __init__, "engine" for "engine", counts as above every module)."""
    found = []
    for index, name in enumerate(order):
        below = {f"{package}.{m}" for m in order[:index]}
        for target in sorted(imports.get(f"{package}.{name}", set())):
            inside = target == package or target.startswith(package + ".")
            if inside and target not in below:
                found.append(f"{package}.{name} imports {target}")
    return found


@pytest.mark.parametrize("package", sorted(READING_ORDER))
def test_a_package_read_in_order_imports_only_what_comes_before(package):
    imports = {name: imported_modules(path) - {name} for name, path in MODULES}
    listed = {f"{package}.{m}" for m in READING_ORDER[package]}
    inside = {name for name in imports if name.startswith(package + ".")}
    assert inside == listed, (
        f"{package}'s modules and READING_ORDER differ: place "
        f"{', '.join(sorted(inside - listed)) or 'nothing new'}, drop "
        f"{', '.join(sorted(listed - inside)) or 'nothing'}"
    )
    wrong = out_of_order(package, READING_ORDER[package], imports)
    assert not wrong, "; ".join(wrong) + f" (see READING_ORDER in {__file__})"


# --- the checker itself, on small made-up files ---------------------------------------------


def test_the_checker_reads_every_kind_of_import(tmp_path):
    package = tmp_path / "micrograd_beans"
    (package / "course").mkdir(parents=True)
    for name in ("__init__.py", "engine.py", "viz.py", "course/__init__.py"):
        (package / name).write_text("")
    (package / "course" / "plots.py").write_text(
        "import numpy\n"
        "import micrograd_beans.engine\n"
        "from micrograd_beans import viz\n"
        "from .. import engine\n"
        "def later():\n"
        "    from micrograd_beans.cli import main\n"  # not a module here: ignored
    )
    (package / "nn.py").write_text("from micrograd_beans import Value\nfrom .viz import draw\n")
    assert imported_modules(package / "course" / "plots.py", package) == {"engine", "viz"}
    assert imported_modules(package / "nn.py", package) == {"", "viz"}  # the root, and viz
    assert layer_of("course.plots") > layer_of("viz") > layer_of("nn") > layer_of("engine")
    assert layer_of("engine") > layer_of("files")
    assert layer_of("") > layer_of("nn") and layer_of("no_such_module") is None


def test_the_circle_finder_finds_each_circle_with_its_path():
    imports = {
        "a": {"b"},
        "b": {"c", "engine"},
        "c": {"a"},  # a -> b -> c -> a
        "engine": set(),
        "viz": {"engine"},
        "engine.value": {"engine.ops"},
        "engine.ops": {"engine.value", "engine.rules"},  # a pair inside a package
        "engine.rules": set(),
    }
    assert import_cycles(imports) == [
        ["a", "b", "c", "a"],
        ["engine.ops", "engine.value", "engine.ops"],
    ]
    assert import_cycles({"engine": set(), "viz": {"engine"}, "": {"engine", "viz"}}) == []


def test_the_order_checker_names_each_import_from_later_in_the_package():
    imports = {
        "engine.rules": set(),
        "engine.ops": {"engine.rules", "files"},
        "engine.value": {"engine.ops", "engine.speed"},  # a learner's module needing speed
        "engine.speed": {"engine.value", "engine"},  # the package's __init__ is above it
    }
    order = ("rules", "ops", "value", "speed")
    assert out_of_order("engine", order, imports) == [
        "engine.value imports engine.speed",
        "engine.speed imports engine",
    ]
    assert out_of_order("engine", order, {**imports, "engine.value": {"engine.ops"}}) == [
        "engine.speed imports engine"
    ]
