"""Tests for the codegen command and the flags that choose generated code (train, demo)."""

from __future__ import annotations

import pytest


def test_cli_prints_the_notes_code_with_the_hand_formulas_beside_it(capsys):
    from micrograd_beans.cli import main

    assert main(["codegen", "--by-hand"]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.strip().startswith("dedw11_1 = "))
    assert "dedz1_1 * x" in line and "# de/dw11_1 = δ · w11_2 · a1_1 (1 - a1_1) · x" in line
    compile(out, "<codegen output>", "exec")  # still valid Python, comments and all


@pytest.mark.parametrize("flag", [[], ["--batched"], ["--loop"]])
def test_cli_variants_and_lessons(capsys, flag):
    from micrograd_beans.cli import main

    assert main(["codegen", "--lesson", "disc", *flag]) == 0
    out = capsys.readouterr().out
    assert "dedw21_1" in out  # weight from input 2 to hidden neuron 1
    assert {"": "def gradient(", "--batched": "dot(", "--loop": "for x1, x2, y in samples"}[
        "".join(flag)
    ] in out


def test_cli_by_hand_only_for_the_note(capsys):
    from micrograd_beans.cli import main

    with pytest.raises(SystemExit) as info:
        main(["codegen", "--lesson", "spiral", "--by-hand"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: micrograd-beans codegen") and "argument --by-hand" in err


def test_cli_train_uses_generated_code_unless_dynamic(capsys):
    from micrograd_beans.cli import main

    runs = {}
    for flags in ([], ["--dynamic"]):
        assert main(["train", "--epochs", "30", "--no-progress", *flags]) == 0
        out = capsys.readouterr().out
        runs[bool(flags)] = [s for s in out.splitlines() if not s.startswith("trained ")]
    assert runs[False] == runs[True]  # same loss, accuracy and parameters, to the digit
