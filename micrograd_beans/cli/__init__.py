"""The `micrograd-beans` console script: one subcommand per module in this package.

Each command module offers `register(subparsers)`, which adds its parser and sets `run`,
a function of the parsed arguments returning the exit status. Command modules import
their heavy dependencies (matplotlib, graphviz) inside `run`, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import io
import os
import sys
from collections.abc import Iterator, Sequence

from micrograd_beans import __version__
from micrograd_beans.argtypes import UsageError

# Subcommands in the order `--help` lists them; each is micrograd_beans/cli/<name>.py.
COMMANDS = ("train", "graph", "gradcheck", "demo", "codegen", "playground")

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


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return parser


class _QuietStdout:
    """stdout that stops writing, silently, once its reader is gone (`... | head -1`).

    The command keeps running to its end, so a `--save` still happens; only the printing
    that nobody can read any more is dropped.
    """

    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if not self.closed_by_reader:
            try:
                self.stream.write(text)
            except (BrokenPipeError, ValueError):  # ValueError: the stream was closed
                self._reader_gone()
            except OSError as err:
                if err.errno != errno.EPIPE:
                    raise
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.closed_by_reader:
            try:
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed_by_reader = True
        # Python flushes sys.__stdout__ at exit; point its descriptor at /dev/null so that
        # flush cannot fail with a second BrokenPipeError message.
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)

    def isatty(self) -> bool:
        return not self.closed_by_reader and self.stream.isatty()

    def __getattr__(self, name: str) -> object:  # encoding, fileno, buffer, ...
        return getattr(self.stream, name)

    def writable(self) -> bool:
        return True


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    if sys.stdout is None:  # started with stdout closed: print() already writes nothing
        yield
        return
    original = sys.stdout
    quiet = _QuietStdout(original)
    sys.stdout = quiet
    try:
        yield
    finally:
        quiet.flush()  # a broken pipe shows up here when output was buffered
        sys.stdout = original


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with _quiet_stdout():
            return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("micrograd-beans: interrupted", file=sys.stderr)
        return 130
    except UsageError as err:
        _subparser(parser, args.command).error(str(err))  # usage, message, exit 2
    except MemoryError:
        if os.environ.get("MICROGRAD_BEANS_DEBUG"):
            raise
        print(
            f"micrograd-beans {args.command}: error: out of memory; "
            "use fewer beans or a smaller network",
            file=sys.stderr,
        )
        return 1
    except USER_ERRORS as err:
        if os.environ.get("MICROGRAD_BEANS_DEBUG"):
            raise
        print(f"micrograd-beans {args.command}: error: {err}", file=sys.stderr)
        return 1
    return 1  # not reached: error() exits


if __name__ == "__main__":
    sys.exit(main())
