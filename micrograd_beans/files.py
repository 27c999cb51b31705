"""Writing files so that a crash or an error never leaves half of one behind.

Models (serialize.py) and pictures (viz.py) are written to a temporary file beside the
target, then renamed into place with `os.replace`: the target holds the old file or the
new one, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _new_file_mode() -> int:
    """The permissions `open(path, "w")` would give a new file (0o666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: str | os.PathLike, data: bytes, *, make_parents: bool = False) -> Path:
    """Write `data` to `path` through a temporary file and a rename; return the path.

    With `make_parents`, missing folders are created first. Errors are OSErrors that name
    `path` (not the temporary file); nothing is left behind when one is raised.
    """
    target = Path(path)
    try:
        if make_parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:  # name the file asked for, not the temporary one
        raise type(err)(err.errno, f"cannot save {os.fspath(path)}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _new_file_mode())  # mkstemp makes 0600; these are ordinary files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
