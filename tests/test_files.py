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
