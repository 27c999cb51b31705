"""MkDocs hook: the CLI reference page is generated from the argparse parsers themselves.

A page containing the line `<!-- cli-reference -->` gets, in its place, the `--help` text of
`micrograd-beans` and of each of its subcommands, as `cli.build_parser()` prints them, so
the page cannot drift from the code.
"""

from __future__ import annotations

import argparse

MARKER = "<!-- cli-reference -->"
WIDTH = 76  # fits the page's code column; fixed, so the page does not depend on the terminal


def _fixed_width(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)


def cli_reference() -> str:
    from micrograd_beans.cli import build_parser

    parser = build_parser()
    _fixed_width(parser)
    parts = ["## `micrograd-beans`", "", "```text", parser.format_help().rstrip(), "```", ""]
    for action in parser._actions:  # argparse offers no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                _fixed_width(sub)
                parts += [f"## `micrograd-beans {name}`", ""]
                parts += ["```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(parts)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_reference())
