"""The train, gradcheck and graph commands without PyTorch: the engine backend never imports
torch, and `--backend torch` says which extra to install. Runs whether or not torch is
installed: a subprocess blocks `import torch`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
sys.modules["torch"] = None  # import torch now raises ImportError, as without the extra
from micrograd_beans.cli import main
saved = sys.argv[1]
print("train", main(["train", "--epochs", "2", "--beans", "30", "--save", saved]))
print("gradcheck", main(["gradcheck", "--load", saved]))
print("torch", main(["train", "--epochs", "2", "--backend", "torch"]))
print("imported torch:", any(n == "torch" or n.startswith("torch.") for n, m in
      sys.modules.items() if m is not None))
"""


def test_without_torch_the_engine_works_and_the_torch_backend_names_the_extra(tmp_path):
    saved = tmp_path / "m.json"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(saved)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    lines = result.stdout.splitlines()
    assert "train 0" in lines and "gradcheck 0" in lines and "torch 1" in lines, result
    assert "imported torch: False" in lines
    assert 'pip install "micrograd_beans[torch]"' in result.stderr
    assert saved.exists()
