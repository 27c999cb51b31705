"""The `micrograd-beans` console script: one subcommand per module in this package.

Each command module offers `register(subparsers)`, which adds its parser and sets `run`,
a function of the parsed arguments returning the exit status. Command modules import
their heavy dependencies (matplotlib, graphviz) inside `run`, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from micrograd_beans import __version__

# Subcommands in the order `--help` lists them; each is micrograd_beans/cli/<name>.py.
COMMANDS = ("train", "graph", "gradcheck", "demo", "codegen")

# Errors a user can cause (a bad file, a bad value, a missing renderer): one line, no traceback.
USER_ERRORS = (ValueError, TypeError, OSError, RuntimeError, ArithmeticError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="micrograd-beans",
        description="Train, draw and check the bean-toxicity networks of the course.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"micrograd_beans.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"micrograd_beans.cli.{name}":
                raise
            continue  # a command not built yet
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("micrograd-beans: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as err:
        if os.environ.get("MICROGRAD_BEANS_DEBUG"):
            raise
        print(f"micrograd-beans {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
