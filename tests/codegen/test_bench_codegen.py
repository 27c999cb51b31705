"""benchmarks/bench_codegen.py runs at a tiny size (no timing asserted)."""

from __future__ import annotations


def test_benchmark_script_runs_tiny():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_codegen.py"
    result = subprocess.run(
        [sys.executable, str(script), "--tiny"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = result.stdout
    assert "RATIO compiled / note's loop" in out and "RATIO generated / note's numpy" in out
    assert "max |compiled - engine| final params: 0 " in out  # bit for bit, not just 1e-9
