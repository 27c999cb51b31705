"""Writing and reading the user's files so that no error loses, damages or hides one.

Saving (models in serialize.py, pictures in viz.py, demo frames in course/plots.py) goes to
a temporary file beside the target, then `os.replace` puts it in place: the target holds
the old file or the new one, never a mix. The rules (docs/errors-and-files.md):

- Only regular files are replaced. A directory, device, FIFO or socket at the path is an
  error, and is left alone.
- A symlink is written *through*: the file it points to gets the new contents (as with
  `open(path, "w")`), and the link stays a link.
- An existing file keeps its permission bits; a new one gets what `open(path, "w")` would
  give (0o666 less the umask, applied by the kernel: the process umask is never changed).
- Every error is an OSError or ValueError naming the path the user gave, never the
  temporary file, and the temporary file is removed.

Reading (`read_limited`) stops after a byte limit, so `--load /dev/zero` cannot eat memory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

#: What kind of thing sits at a path, for messages ("... is a directory, not a file").
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _name(path: str | os.PathLike) -> str:
    return os.fspath(path)


def _failed(err: OSError, path: str | os.PathLike, verb: str = "save") -> OSError:
    """The same kind of OSError, naming the user's path instead of any temporary one."""
    new = type(err)(f"cannot {verb} {_name(path)}: {err.strerror or err}")
    new.errno = err.errno  # str() stays the message: no "[Errno N]" prefix
    return new


def resolve_target(path: str | os.PathLike) -> Path:
    """Where a save to `path` really writes: through symlinks, after checking the path.

    Raises ValueError for an empty path and an OSError naming `path` when the thing there
    is not a regular file (a directory, a device, a FIFO, ...).
    """
    name = _name(path)
    if name == "":
        raise ValueError("cannot save to an empty path: give a file name")
    target = Path(os.path.realpath(name)) if os.path.islink(name) else Path(name)
    try:
        info = target.stat()
    except FileNotFoundError:
        return target
    except OSError as err:
        raise _failed(err, path) from None
    if not stat.S_ISREG(info.st_mode):
        error = IsADirectoryError if stat.S_ISDIR(info.st_mode) else FileExistsError
        raise error(
            f"cannot save {name}: it is {_kind(info.st_mode)}, not a regular file; "
            "only regular files are replaced"
        )
    return target


def check_writable(path: str | os.PathLike, *, make_parents: bool = False) -> Path:
    """Check, before any long work, that a save to `path` can succeed; return the target.

    The path must not be empty or name a non-regular file, and its folder must exist (or,
    with `make_parents`, be creatable) and be writable. Errors name `path`.
    """
    target = resolve_target(path)
    folder = target.parent
    while make_parents and not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the deepest existing ancestor is where mkdir starts
    if not folder.exists():
        raise FileNotFoundError(
            f"cannot save {_name(path)}: the folder {os.fspath(folder)!r} does not exist"
        )
    if not folder.is_dir():
        raise NotADirectoryError(
            f"cannot save {_name(path)}: {os.fspath(folder)!r} is not a folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            f"cannot save {_name(path)}: the folder {os.fspath(folder)!r} is not writable"
        )
    return target


def write_atomically(path: str | os.PathLike, data: bytes, *, make_parents: bool = False) -> Path:
    """Write `data` to `path` through a temporary file and a rename; return the path.

    With `make_parents`, missing folders are created first. See the module's rules for
    symlinks, special files and permissions. Errors are OSErrors (or a ValueError for an
    empty path) that name `path`; nothing temporary is left behind when one is raised.
    """
    target = resolve_target(path)
    try:
        if make_parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            keep_mode: int | None = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            keep_mode = None
        # Created by the kernel with the umask applied, as open(path, "w") would; an existing
        # file's stricter bits are applied from the start, so the data is never more exposed.
        create_mode = 0o666 if keep_mode is None else 0o666 & keep_mode
        tmp, fd = _create_temporary(target, create_mode)
    except OSError as err:
        raise _failed(err, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if keep_mode is not None:
                os.fchmod(f.fileno(), keep_mode)  # what the umask took off the old file's bits
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(err, OSError):
            raise _failed(err, path) from None
        raise
    _sync_folder(target.parent)
    return Path(path)


def _create_temporary(target: Path, mode: int) -> tuple[Path, int]:
    """A new, empty, exclusively created file beside `target`: (its path, an open fd)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, mode)
        except FileExistsError:
            continue
    raise FileExistsError("could not create a temporary file beside it")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_limited(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, at most `limit` of them; an OSError/ValueError naming `path`.

    Reads in chunks and stops one byte past the limit, so an endless or huge input (a
    device, a FIFO, a giant file) costs at most `limit` bytes of memory.
    """
    name = _name(path)
    if name == "":
        raise ValueError(f"cannot read a {what} from an empty path: give a file name")
    try:
        with open(name, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such {what}") from None
    except OSError as err:
        raise _failed(err, path, "read") from None
    if len(data) > limit:
        raise ValueError(
            f"{name}: too large for a {what} (over {limit // 2**20} MiB); is it the right file?"
        )
    return data
