"""Tests for micrograd_beans/files.py: atomic writes leave the old file or the new one."""

from __future__ import annotations

import os
import stat

import pytest

from micrograd_beans import files
from micrograd_beans.files import write_atomically


def test_writes_the_bytes_with_ordinary_permissions(tmp_path):
    target = write_atomically(tmp_path / "m.json", b"{}\n")
    assert target.read_bytes() == b"{}\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_replaces_an_existing_file_whole(tmp_path):
    target = tmp_path / "m.json"
    target.write_bytes(b"old contents that are longer than the new ones")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_a_missing_folder_is_an_error_naming_the_target_unless_asked_to_make_it(tmp_path):
    target = tmp_path / "no" / "such" / "m.json"
    with pytest.raises(FileNotFoundError, match=r"cannot save .*no/such/m\.json"):
        write_atomically(target, b"x")
    assert write_atomically(target, b"x", make_parents=True).read_bytes() == b"x"


# --- the saving rules: special files, symlinks, permissions, errors -------------------------


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert write_atomically(link, b"new") == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "made.json")
    write_atomically(dangling, b"x")
    assert dangling.is_symlink() and (tmp_path / "made.json").read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.json",
        "link.json",
        "made.json",
        "real.json",
    ]


@pytest.mark.parametrize("kind", ["fifo", "directory", "link to a fifo"])
def test_never_replaces_what_is_not_a_regular_file(tmp_path, kind):
    special = tmp_path / "special"
    if kind == "directory":
        special.mkdir()
    else:
        os.mkfifo(special)
    target = special
    if kind == "link to a fifo":
        target = tmp_path / "link"
        target.symlink_to(special)
    with pytest.raises(OSError, match=rf"cannot save {target}: it is a .*not a regular file"):
        write_atomically(target, b"data")
    with pytest.raises(OSError, match="not a regular file"):
        files.check_writable(target)
    assert stat.S_ISDIR(special.stat().st_mode) or stat.S_ISFIFO(special.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["special", "link"] if kind == "link to a fifo" else ["special"]
    )


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o755])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    target = tmp_path / "m.json"
    target.write_bytes(b"old")
    target.chmod(mode)
    write_atomically(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == mode and target.read_bytes() == b"new"


def test_the_process_umask_is_never_touched(tmp_path, monkeypatch):
    def no_umask(mask):
        raise AssertionError("os.umask was called")

    monkeypatch.setattr(os, "umask", no_umask)
    write_atomically(tmp_path / "a.json", b"a")
    write_atomically(tmp_path / "a.json", b"b")


def test_concurrent_saves_never_make_world_writable_files(tmp_path):
    import threading

    old = os.umask(0o022)
    try:
        threads = [
            threading.Thread(target=write_atomically, args=(tmp_path / f"{i}.json", b"x"))
            for i in range(40)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {0o644}


@pytest.mark.parametrize("failing", ["fsync", "replace", "fchmod"])
def test_every_failure_names_the_users_file_and_cleans_up(tmp_path, monkeypatch, failing):
    target = tmp_path / "m.json"
    target.write_bytes(b"old")

    def disk_full(*args):
        raise OSError(28, "No space left on device", "/somewhere/.m.json.1234.tmp")

    monkeypatch.setattr(files.os, failing, disk_full)
    with pytest.raises(OSError) as info:
        write_atomically(target, b"new")
    assert str(info.value) == f"cannot save {target}: No space left on device"
    assert info.value.errno == 28
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_an_empty_path_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="empty path"):
        write_atomically("", b"x")
    with pytest.raises(ValueError, match="empty path"):
        files.check_writable("")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_leaves_no_temporary(tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "m.json", b"x")
    assert list(tmp_path.iterdir()) == []


def test_check_writable_names_the_problem(tmp_path):
    (tmp_path / "plain").write_text("")
    with pytest.raises(FileNotFoundError, match=r"cannot save .*no/m\.json: the folder .* does"):
        files.check_writable(tmp_path / "no" / "m.json")
    assert files.check_writable(tmp_path / "no" / "m.json", make_parents=True)
    assert not (tmp_path / "no").exists()  # checking creates nothing
    with pytest.raises(OSError, match=r"cannot save .*plain/m\.json"):
        files.check_writable(tmp_path / "plain" / "m.json")


def test_check_writable_refuses_a_read_only_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError, match=r"cannot save .*m\.json: the folder .* not writable"):
        files.check_writable(tmp_path / "m.json")


# --- bounded reading -----------------------------------------------------------------------


def test_read_limited_stops_at_the_limit():
    with pytest.raises(ValueError, match="/dev/zero: too large for a model file"):
        files.read_limited("/dev/zero", 1 << 20, "model file")


def test_read_limited_names_the_file(tmp_path):
    (tmp_path / "small").write_bytes(b"abc")
    assert files.read_limited(tmp_path / "small", 3) == b"abc"
    with pytest.raises(ValueError, match="too large"):
        files.read_limited(tmp_path / "small", 2)
    with pytest.raises(FileNotFoundError, match=r"gone: no such model file"):
        files.read_limited(tmp_path / "gone", 10, "model file")
    with pytest.raises(IsADirectoryError, match=rf"cannot read {tmp_path}: Is a directory"):
        files.read_limited(tmp_path, 10)
