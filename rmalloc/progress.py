"""A live progress line on the terminal while a long command works.

What a planner waiting on a 30 s solve wants to see: which stage runs, the best plan's value so
far, the bound it is measured against (and the gap between them), and the time spent against the
time limit. :class:`LiveProgress` draws that with ``rich`` on stderr, refreshed four times a
second, from the solver's :class:`~allocator.solution.Progress` reports (its ``on_progress``
callback), and clears it when the work ends. It draws nothing when asked to be quiet or when
stderr is not a terminal (a pipe, a log file, a test), so scripts see only the results.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from allocator.solution import Progress


def wanted(quiet: bool, stream: Any = None) -> bool:
    """Whether to draw: not ``--quiet``, and stderr (or ``stream``) is a terminal."""
    stream = sys.stderr if stream is None else stream
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


class LiveProgress:
    """The progress line of one command (a context manager).

    Parameters
    ----------
    limit
        The time limit in seconds (a bar shows the time used), or ``None`` (elapsed time only).
    enabled
        Draw at all (see :func:`wanted`).
    console
        Where to draw (default: a ``rich`` console on stderr).
    label
        What is running, shown first (``allocate``, ``scenario``, ``headcount``).
    """

    def __init__(
        self,
        limit: float | None,
        *,
        enabled: bool,
        console: Console | None = None,
        label: str = "",
    ):
        self.limit = limit
        self.enabled = enabled
        self.label = label
        self.stage = "starting"
        self.best = math.nan
        self.bound = math.nan
        self._console = console
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self._live: Any = None

    # -- what the solver tells -----------------------------------------------------------------
    def update(self, progress: Progress) -> None:
        """A solver's report (use as ``SolveControl.on_progress``; thread-safe)."""
        with self._lock:
            if progress.stage != self.stage:
                self.best, self.bound = math.nan, math.nan
            self.stage = progress.stage
            self.best = float(progress.objective)
            self.bound = float(progress.bound)

    def phase(self, text: str) -> None:
        """Say what runs when no solver reports (reading the bank, compiling)."""
        with self._lock:
            self.stage = text
            self.best, self.bound = math.nan, math.nan

    # -- drawing -------------------------------------------------------------------------------
    def line(self, label: bool = True) -> str:
        """The figures as one plain line (what the live display shows beside the bar, where
        the command's ``label`` is left out to fit 80 columns)."""
        with self._lock:
            stage, best, bound = self.stage, self.best, self.bound
        parts = [self.label, stage] if self.label and label else [stage]
        if math.isfinite(best):
            parts.append(f"best {best:,.6g}")
        if math.isfinite(bound):
            parts.append(f"bound {bound:,.6g}")
            if math.isfinite(best) and bound != 0:
                parts.append(f"gap {abs(bound - best) / max(abs(bound), 1e-9):.2%}")
        elapsed = time.monotonic() - self._t0
        clock = f"{elapsed:.0f}s" + (f" of {self.limit:.0f}s" if self.limit else "")
        parts.append(clock)
        return "  ".join(parts)

    def __rich__(self) -> Any:
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        if self.limit:
            grid.add_column(width=12)
            grid.add_column()
            elapsed = min(time.monotonic() - self._t0, self.limit)
            bar = ProgressBar(total=self.limit, completed=elapsed, width=12)
            grid.add_row(bar, self.line(label=False))
        else:
            grid.add_column()
            grid.add_row(self.line())
        return grid

    def __enter__(self) -> LiveProgress:
        self._t0 = time.monotonic()
        if self.enabled:
            from rich.console import Console
            from rich.live import Live

            console = self._console or Console(stderr=True)
            self._live = Live(self, console=console, refresh_per_second=4, transient=True)
            self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
