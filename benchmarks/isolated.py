"""One benchmark run in a fresh interpreter: its peak memory, its phase times, its row.

The bank-scale and quarterly benchmarks run every (size, variant) in a **fresh subprocess** so
that its peak RSS is its own and not the high-water mark of the runs before it. The driver
starts ``python -m <benchmark> --worker ...`` (:func:`run_isolated`) and reads back the one
JSON row the worker prints; the worker measures itself with :class:`PeakSampler` and
:class:`Laps`. Written once here, the benchmarks measure alike and so can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class PeakSampler:
    """The largest RSS of this process: a psutil sample every ``every`` seconds (in a daemon
    thread), and the kernel's high-water mark (``ru_maxrss``) when asked.

    Parameters
    ----------
    every
        Seconds between two samples (a short peak between two can be missed by the sampler,
        never by the kernel's mark).
    """

    def __init__(self, every: float = 0.02):
        import psutil

        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._every = every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self._every):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def now(self) -> int:
        """Peak so far (bytes): sampler and the kernel's high-water mark."""
        high_water = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = max(self.peak, self._proc.memory_info().rss)
        return max(self.peak, high_water)

    def stop(self) -> None:
        self._done.set()


class Laps:
    """Wall-clock time of consecutive phases, written into a result row as ``<phase>_s``.

    Parameters
    ----------
    row
        The row the times go to (seconds, rounded to 0.01).
    """

    def __init__(self, row: dict[str, Any]):
        self.row = row
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        """End phase ``name`` now; the next phase starts now."""
        now = time.perf_counter()
        self.row[f"{name}_s"] = round(now - self._clock, 2)
        self._clock = now


def run_isolated(
    module: str, worker_args: Sequence[str], identity: dict[str, Any]
) -> dict[str, Any]:
    """``python -m module --worker *worker_args`` in a fresh interpreter; the row it printed.

    Parameters
    ----------
    module
        The benchmark module, whose ``--worker`` mode prints one JSON row.
    worker_args
        The rest of the worker's command line.
    identity
        What names the run in the table (size, backend or scenario): the row of a worker that
        failed or printed nothing is ``identity`` with ``error``, the tail of its output.
    """
    cmd = [sys.executable, "-m", module, "--worker", *worker_args]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout)[-2000:]
        return {**identity, "error": tail}
    return dict(json.loads(lines[-1]))


def add_run_arguments(ap: argparse.ArgumentParser, out: str) -> None:
    """The options every isolated benchmark takes: RMs, the CI smoke run, the output file, and
    the hidden ``--worker`` mode the driver starts each run in.

    Parameters
    ----------
    ap
        The benchmark's parser.
    out
        The default output file's name, in ``benchmarks/out``.
    """
    ap.add_argument(
        "--rms",
        type=int,
        default=None,
        help="RMs for every size; 0: the generator's own staffing (default: 10^4 RMs at 10^6 "
        "customers, the generator's staffing below)",
    )
    ap.add_argument("--smoke", action="store_true", help="CI: one 2,000-customer bank, 10 s")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / out)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
