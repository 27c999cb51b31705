"""Mutation testing of the core: change the code one small way at a time and see whether the
tests notice.

Each mutant flips one operator or constant in one module (`+` to `-`, `<` to `<=`, `and` to
`or`, `0` to `1`, `True` to `False`, a unary minus dropped, ...), and the fast tests of that
module run against it. A mutant the tests fail on is "killed"; one they pass is a "survivor":
a change no test notices, so either a missing test or a change that means nothing (an
equivalent mutant, such as a speed path that gives the same floats). The score is the share
killed.

    python tools/mutate.py                          # the engine, its tests, 150 mutants
    python tools/mutate.py --target micrograd_beans/optim.py --tests tests/test_optim.py
    python tools/mutate.py --rev 010a768            # the same, on an older commit
    python tools/mutate.py --list                   # count the mutants, run nothing

It never touches the checkout: it copies the tracked files (of the work tree, or of `--rev`)
into a temporary directory, makes every mutant there and runs `python -m pytest -x` in that
copy with it first on `sys.path`. The mutated modules are written with `ast.unparse`; the
baseline run uses the same unparsed source, so only the mutation differs. Mutants are drawn
at random (`--seed`) when there are more than `--max-mutants`, and the run stops at
`--budget` seconds, scoring the mutants it finished. Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What each target's mutants are run against when --tests is not given: the fast tests that
# check that module (a property test's examples are cut down by the "mutation" profile). A
# surviving mutant runs all of them, so the list is kept short: on two busy cores the whole
# engine list takes ~2 minutes, this one ~30 s.
DEFAULT_TESTS = {
    "micrograd_beans/engine": [
        "tests/test_engine.py",
        "tests/test_engine_nonfinite.py",
        "tests/test_engine_edges.py",
        "tests/test_gradients.py",
        "tests/test_vs_torch.py",
    ],
    "micrograd_beans/optim.py": ["tests/test_optim.py", "tests/test_train.py"],
    "micrograd_beans/losses.py": ["tests/test_losses.py"],
    "micrograd_beans/gradcheck.py": ["tests/test_gradcheck.py"],
}

# Operator swaps: each operator is replaced by the one it is most easily confused with.
BINARY = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
}
COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
BOOLEAN = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the root
    index: int  # the index-th mutation site of that file, in walk order
    line: int
    what: str


def _skipped_subtrees(tree: ast.AST) -> set[int]:
    """ids of nodes whose mutation changes only words or types, not numbers: docstrings,
    messages (raise statements, f-strings), annotations."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Raise, ast.JoinedStr, ast.Assert)):
            mark(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                mark(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                mark(first)
    return skip


def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, str, object]]:
    """(node, description, how to mutate it) for every mutation site, in a fixed order."""
    skip = _skipped_subtrees(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINARY:
            new = BINARY[type(node.op)]
            yield node, f"{type(node.op).__name__} -> {new.__name__}", ("op", new)
        elif isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in COMPARE:
                    new = COMPARE[type(op)]
                    yield node, f"{type(op).__name__} -> {new.__name__}", ("cmp", k, new)
        elif isinstance(node, ast.BoolOp):
            new = BOOLEAN[type(node.op)]
            yield node, f"{type(node.op).__name__} -> {new.__name__}", ("op", new)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            yield node, f"drop {type(node.op).__name__}", ("unwrap",)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
            v = node.value
            if type(v) is bool:
                new_value: object = not v
            elif type(v) is int:
                new_value = 1 if v == 0 else 0 if v == 1 else v + 1
            else:
                new_value = 1.0 if v == 0.0 else 0.0 if v == 1.0 else v * 2.0
            yield node, f"{v!r} -> {new_value!r}", ("const", new_value)


class _Unwrap(ast.NodeTransformer):
    """Replaces one UnaryOp node by its operand."""

    def __init__(self, target: ast.AST) -> None:
        self.target = target

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return node.operand if node is self.target else node


def mutants_of(path: Path, root: Path) -> list[Mutant]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = str(path.relative_to(root))
    return [
        Mutant(rel, i, getattr(node, "lineno", 0), what)
        for i, (node, what, _) in enumerate(_sites(tree))
    ]


def mutated_source(source: str, index: int) -> str:
    """The module with its index-th site mutated, as ast.unparse writes it."""
    tree = ast.parse(source)
    for i, (node, _, how) in enumerate(_sites(tree)):
        if i != index:
            continue
        kind = how[0]
        if kind == "op":
            node.op = how[1]()
        elif kind == "cmp":
            node.ops = list(node.ops)
            node.ops[how[1]] = how[2]()
        elif kind == "const":
            node.value = how[1]
        else:
            tree = _Unwrap(node).visit(tree)
        return ast.unparse(ast.fix_missing_locations(tree))
    raise IndexError(f"no mutation site {index}")


def copy_tree(rev: str | None, into: Path) -> None:
    """The tracked files (and new untracked ones) of the work tree, or the files of `rev`."""
    if rev:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        return
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


# A pytest plugin, loaded before the tests' conftest, that gives the property tests fewer
# examples per mutant: the same profile whatever the revision's conftest registers.
PROFILE_PLUGIN = """from hypothesis import settings
settings.register_profile("mutation", max_examples=25, deadline=None)
"""


def run_tests(copy_root: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    """'passed', 'failed' or 'timeout', and the seconds it took."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{copy_root}{os.pathsep}{copy_root.parent}",
        "HYPOTHESIS_PROFILE": "mutation",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    plugin = ["-p", "mutation_profile", "-p", "no:cacheprovider"]
    command = [sys.executable, "-m", "pytest", "-x", "-q", *plugin, *tests]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=copy_root, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start
    return ("passed" if done.returncode == 0 else "failed"), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--target",
        action="append",
        help="a module or package to mutate (repeatable; default: micrograd_beans/engine)",
    )
    parser.add_argument(
        "--tests", nargs="+", help="test files to run (default: the target's fast tests)"
    )
    parser.add_argument("--rev", help="measure this git revision instead of the work tree")
    parser.add_argument("--max-mutants", type=int, default=150, help="draw at most this many")
    parser.add_argument("--seed", type=int, default=0, help="which mutants are drawn")
    parser.add_argument(
        "--budget", type=float, default=840.0, help="stop starting mutants after these seconds"
    )
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (one copy each)")
    parser.add_argument("--list", action="store_true", help="only count the mutants")
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    args = parser.parse_args(argv)
    if args.max_mutants < 1 or args.jobs < 1 or args.budget <= 0:
        parser.error("--max-mutants and --jobs must be >= 1 and --budget > 0")
    targets = args.target or ["micrograd_beans/engine"]
    defaults = [t for target in targets for t in DEFAULT_TESTS.get(target.rstrip("/"), [])]
    tests = args.tests or defaults
    if not tests:
        parser.error(f"no default tests for {targets}: give --tests")

    work = Path(tempfile.mkdtemp(prefix="mutate-"))
    try:
        (work / "mutation_profile.py").write_text(PROFILE_PLUGIN, encoding="utf-8")
        copies = [work / f"copy{k}" for k in range(args.jobs)]
        for c in copies:
            c.mkdir()
            copy_tree(args.rev, c)
        tests = [t for t in dict.fromkeys(tests) if (copies[0] / t).exists()]
        files = []
        for target in targets:
            base = copies[0] / target
            files += sorted(base.rglob("*.py")) if base.is_dir() else [base]
        originals = {str(f.relative_to(copies[0])): f.read_text(encoding="utf-8") for f in files}
        every = [m for f in files for m in mutants_of(f, copies[0])]
        print(f"{len(every)} mutants in {len(files)} files; tests: {' '.join(tests)}")
        if args.list:
            return 0
        chosen = every
        if len(every) > args.max_mutants:
            chosen = sorted(
                random.Random(args.seed).sample(every, args.max_mutants),
                key=lambda m: (m.path, m.index),
            )
        # The baseline: every target module as ast.unparse writes it, nothing mutated.
        for c in copies:
            for rel, text in originals.items():
                (c / rel).write_text(ast.unparse(ast.parse(text)), encoding="utf-8")
        probe = subprocess.run(
            [sys.executable, "-c", "import micrograd_beans; print(micrograd_beans.__file__)"],
            cwd=copies[0],
            env={**os.environ, "PYTHONPATH": str(copies[0])},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not probe.startswith(str(copies[0])):
            print(f"the tests would import {probe}, not the copy: stopped", file=sys.stderr)
            return 1
        status, seconds = run_tests(copies[0], tests, timeout=1800)
        print(f"baseline: {status} in {seconds:.1f} s")
        if status != "passed":
            print("the tests fail without any mutation: fix them first", file=sys.stderr)
            return 1
        timeout = max(3 * seconds, 30.0)
        deadline = time.monotonic() + args.budget
        free = list(copies)
        results: list[tuple[Mutant, str]] = []

        def run(m: Mutant) -> tuple[Mutant, str]:
            if time.monotonic() > deadline:
                return m, "skipped"
            place = free.pop()
            try:
                target = place / m.path
                target.write_text(mutated_source(originals[m.path], m.index), encoding="utf-8")
                try:
                    status, _ = run_tests(place, tests, timeout)
                finally:
                    target.write_text(ast.unparse(ast.parse(originals[m.path])), encoding="utf-8")
            finally:
                free.append(place)
            return m, {"passed": "survived", "failed": "killed", "timeout": "killed"}[status]

        with ThreadPoolExecutor(args.jobs) as pool:
            for m, outcome in pool.map(run, chosen):
                results.append((m, outcome))
                if outcome == "survived":
                    print(f"  survived: {m.path}:{m.line}: {m.what}", flush=True)
        scored = [(m, o) for m, o in results if o != "skipped"]
        by_file: dict[str, list[int]] = {}
        for m, o in scored:
            tally = by_file.setdefault(m.path, [0, 0])
            tally[0] += o == "killed"
            tally[1] += 1
        for path, (killed, total) in sorted(by_file.items()):
            print(f"{path}: {killed}/{total} killed ({killed / total:.0%})")
        killed = sum(o == "killed" for _, o in scored)
        if scored:
            print(
                f"score: {killed}/{len(scored)} killed ({killed / len(scored):.1%}); "
                f"{len(results) - len(scored)} not run (budget)"
            )
        if args.json:
            rows = [{**m.__dict__, "outcome": o} for m, o in results]
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
