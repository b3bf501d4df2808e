"""The live progress line of long commands (issue 13, case 10): stage, best so far, bound, gap,
elapsed time; drawn only on a terminal and never with ``--quiet``."""

from __future__ import annotations

import io
import time

from rich.console import Console

from allocator.solution import Progress
from rmalloc.progress import LiveProgress, wanted


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_drawn_only_on_a_terminal_and_not_quiet() -> None:
    assert wanted(quiet=False, stream=_Tty())
    assert not wanted(quiet=True, stream=_Tty())
    assert not wanted(quiet=False, stream=io.StringIO())


def test_the_line_shows_stage_best_bound_gap_and_time() -> None:
    live = LiveProgress(30.0, enabled=False, label="allocate")
    live.phase("compiling")
    assert live.line().startswith("allocate  compiling  0s of 30s")
    live.update(Progress("cover_value", 900.0, 1000.0, 1.0))
    line = live.line()
    assert "cover_value" in line and "best 900" in line and "bound 1,000" in line
    assert "gap 10.00%" in line
    live.update(Progress("continuity", 3.0, 0.0, 2.0))  # a new stage: its own figures
    assert "best 3" in live.line() and "gap" not in live.line()


def test_rich_draws_the_bar_on_a_terminal_and_clears_it() -> None:
    out = _Tty()
    console = Console(file=out, force_terminal=True, width=100)
    with LiveProgress(2.0, enabled=True, console=console, label="allocate") as live:
        live.update(Progress("cover_value", 5.0, 7.0, 0.1))
        time.sleep(0.6)  # a few refreshes
    drawn = out.getvalue()
    assert "cover_value" in drawn and "best 5" in drawn and "bound 7" in drawn
    assert "of 2s" in drawn


def test_disabled_draws_nothing() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True)
    with LiveProgress(2.0, enabled=False, console=console) as live:
        live.update(Progress("cover_value", 5.0, 7.0, 0.1))
    assert out.getvalue() == ""
