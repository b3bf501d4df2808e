"""The command line as a user runs it: ``python -m rmalloc`` in a subprocess, on a tiny bank
written as files. Imported by name (the tests folder is on ``sys.path``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tinybank import frames  # type: ignore[import-not-found]

RMALLOC = [sys.executable, "-m", "rmalloc"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``rmalloc *args``: exit code, stdout and stderr as text."""
    return subprocess.run([*RMALLOC, *args], capture_output=True, text=True, timeout=300)


def write_tiny_bank(folder: Path, capacity: int | str) -> dict[str, Path]:
    """Three customers and two RMs (M1 of ``capacity`` at an outlet, M2 a CFP at a wealth
    centre) as ``customers.csv``, ``rms.csv`` and ``branches.csv`` in ``folder``."""
    c, r, b = frames(
        [
            {"capacity": capacity},
            {"branch_id": "C0", "unit": "wealth_center", "certifications": "CFP"},
        ],
        [{"aum": 300_000}, {"aum": 300_000, "current_rm_id": "M1"}, {"aum": 7_000_000}],
    )
    out = {}
    for name, frame in (("customers", c), ("rms", r), ("branches", b)):
        out[name] = folder / f"{name}.csv"
        frame.to_csv(out[name], index=False)
    return out


def bank_args(bank: dict[str, Path]) -> list[str]:
    """``--customers C.csv --rms R.csv ...`` for the bank's files."""
    return [arg for table, path in bank.items() for arg in (f"--{table}", str(path))]
