"""`micrograd-beans playground`: serve a built bean playground on this computer.

The playground is a static folder (`python playground/build.py OUT` in a checkout writes
it; the docs site carries one at /playground/). This command serves such a folder on
localhost, for an offline classroom: every file the page needs is in it.
"""

from __future__ import annotations

import argparse
import functools
import sys
import webbrowser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from micrograd_beans.argtypes import UsageError, whole_number

DEFAULT_DIR = Path("site") / "playground"
BUILD_HINT = (
    "build one from a checkout of micrograd_beans with `python playground/build.py {dir}` "
    "(node and npm are needed to build it), or pass --dir FOLDER"
)


class PlaygroundHandler(SimpleHTTPRequestHandler):
    """Static files with the types a module worker and WebAssembly need, quietly."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".zip": "application/zip",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


def serve(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for `folder` on 127.0.0.1:`port` (0: any free port); call serve_forever()."""
    handler = functools.partial(PlaygroundHandler, directory=str(folder))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `playground` subcommand."""
    p = subparsers.add_parser(
        "playground",
        help="serve the built bean playground (the note's network, trained in a browser)",
        description="Serve a built bean playground on localhost and open it in a browser. "
        "Build one from a checkout with `python playground/build.py OUT`.",
    )
    p.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIR,
        help=f"the built playground's folder (default: {DEFAULT_DIR})",
    )
    p.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=8000,
        help="the port to serve on (default: 8000; 0: any free port)",
    )
    p.add_argument("--no-browser", action="store_true", help="only serve; do not open a browser")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted. Returns the exit status."""
    if not (args.dir / "index.html").is_file():
        raise UsageError(
            f"argument --dir: no built playground in {args.dir} (no index.html); "
            + BUILD_HINT.format(dir=args.dir)
        )
    try:
        server = serve(args.dir, args.port)
    except OSError as err:
        raise OSError(
            f"cannot serve on port {args.port} ({err.strerror}); choose another with --port"
        ) from None
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"serving the bean playground from {args.dir} at {url} (Ctrl-C stops)", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
