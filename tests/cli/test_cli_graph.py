"""Tests for `micrograd-beans graph` (micrograd_beans/cli/graph.py): real files written
through cli.main, read back as SVG/PNG."""

from __future__ import annotations

import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd_beans.cli import main
from micrograd_beans.render import ENV_VAR

SVG = "{http://www.w3.org/2000/svg}"
PARAMS = ("w11_1", "b1_1", "w12_1", "b2_1", "w11_2", "w21_2", "b1_2")


@pytest.fixture(autouse=True)
def graphviz_pure(monkeypatch):
    """Use the renderer every install has, so these tests mean the same everywhere."""
    path = shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=str(Path(sys.executable).parent)
    )
    assert path, "graphviz-pure is a dependency of the package and must be installed"
    monkeypatch.setenv(ENV_VAR, path)


def records(path: Path) -> dict[str, list[str]]:
    """Text lines of every node of an SVG, keyed by the first line."""
    root = ET.parse(path).getroot()
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            texts = [t.text or "" for t in g.iter(f"{SVG}text")]
            out[texts[0]] = texts
    return out


def test_default_draws_the_note_after_backward(tmp_path, capsys):
    out = tmp_path / "note.svg"
    assert main(["graph", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    nodes = records(out)
    for name in (*PARAMS, "x", "y", "z1_1", "a1_1", "z2_1", "a2_1", "z1_2", "a1_2", "e"):
        assert name in nodes, name
    assert nodes["e"][1:] == [nodes["e"][1], "grad 1"]
    assert all(nodes[p][2] != "grad 0" for p in PARAMS)


def test_before_backward_shows_zero_grads(tmp_path):
    out = tmp_path / "g.svg"
    assert main(["graph", "--out", str(out), "--before-backward"]) == 0
    grads = [t for texts in records(out).values() for t in texts if t.startswith("grad ")]
    assert len(grads) == 22 and set(grads) == {"grad 0"}


def test_lesson_collapsed_and_without_constants(tmp_path):
    out = tmp_path / "hidden.svg"
    assert (
        main(
            [
                "graph",
                "--lesson",
                "hidden-layer",
                "--collapse",
                "--hide-constants",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    nodes = records(out)
    assert {"a1_1 = σ(Σw·x+b)", "a2_1 = σ(Σw·x+b)", "a1_2 = σ(Σw·x+b)"} <= set(nodes)
    assert "a ** 2" in nodes and "2" not in nodes and "w11_1" not in nodes


def test_lesson_by_layer_to_png(tmp_path):
    out = tmp_path / "spiral.png"
    assert (
        main(
            [
                "graph",
                "--lesson",
                "spiral",
                "--samples",
                "3",
                "--collapse",
                "layer",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_highlight_by_label(tmp_path):
    out = tmp_path / "h.svg"
    assert main(["graph", "--highlight", "w11_1", "--out", str(out)]) == 0
    assert "#d62728" in out.read_text()
    with pytest.raises(SystemExit) as info:
        main(["graph", "--highlight", "nope", "--out", str(out)])
    assert info.value.code == 2


def test_help_groups_the_options_by_what_they_choose(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps at the terminal's width
    with pytest.raises(SystemExit) as info:
        main(["graph", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    sections: dict[str, list[str]] = {}
    for block in text.split("\n\n")[2:]:  # after the usage and the description
        heading, *lines = block.splitlines()
        sections[heading] = [line.split()[0] for line in lines if line.startswith("  --")]
    assert sections == {
        "options:": ["--out"],
        "what to draw:": ["--lesson", "--load", "--samples", "--seed", "--before-backward"],
        "how to draw it:": [
            "--collapse",
            "--hide-constants",
            "--highlight",
            "--rankdir",
            "--max-nodes",
        ],
    }
    assert "  --out PATH            where to write the picture (default: graph.svg)" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--lesson", "nope"], "argument --lesson: invalid choice: 'nope'"),
        (["--out", "g.jpg"], "argument --out: cannot tell the file type of 'g.jpg'"),
        (["--out", ""], "argument --out: expected a file name"),
        (["--samples", "3"], "argument --samples: needs --lesson"),
        (["--samples", "0", "--lesson", "disc"], "argument --samples: expected a number >= 1"),
        (["--seed", "-1"], "argument --seed: expected a number >= 0"),
        (["--max-nodes", "5"], "argument --max-nodes: expected 0 (no limit) or a number >= 10"),
        (["--max-nodes", "x"], "argument --max-nodes: expected a whole number"),
        (["--highlight", "q"], "argument --highlight: no Value has the label 'q'"),
    ],
)
def test_argument_errors_are_usage_errors(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["graph", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans graph") and message in err
    assert "max_nodes" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_fails_before_drawing(tmp_path, capsys):
    (tmp_path / "d.svg").mkdir()
    (tmp_path / "file").write_text("")
    for out, message in [
        (tmp_path / "d.svg", "is a directory"),
        (tmp_path / "file" / "g.svg", "Not a directory"),
    ]:
        assert main(["graph", "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert f"cannot save {out}" in err and message in err and err.count("\n") == 1


def test_missing_renderer_is_reported_and_nothing_written(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    out = tmp_path / "g.svg"
    assert main(["graph", "--out", str(out)]) == 1
    assert "pip install graphviz-pure" in capsys.readouterr().err
    assert not out.exists()
    assert main(["graph", "--out", str(tmp_path / "g.dot")]) == 0  # DOT text needs no renderer
    assert "w11_1" in (tmp_path / "g.dot").read_text()
