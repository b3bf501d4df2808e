"""One guard for every HiGHS run in the process.

HiGHS keeps one task scheduler per process, sized by the first solve; a later solve asking for
another thread count fails outright (``kError``), whoever made the earlier one (the MILP
backend, the LNS core MIP, the GAP baselines, the headcount planner through PuLP). Every HiGHS
run therefore goes through :func:`highs_threads`: the scheduler is reset before the first of
overlapping runs and after the last (as highspy itself does after a threaded solve), and runs
that overlap share its size (threads matter little to HiGHS's MIP, which is mostly serial).

Import highspy through :func:`highspy_module` too: ortools 9.15 and highspy 1.15.x cannot live in
one process (the HiGHS inside OR-Tools clashes); the pinned highspy 1.14.0 loads fine beside it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()
_STATE = {"threads": 0, "active": 0}  # HiGHS runs under way in this process, and their threads


def highspy_module() -> Any:
    """The ``highspy`` module (imported lazily: most runs never need it)."""
    import highspy

    return highspy


@contextlib.contextmanager
def highs_threads(wanted: int) -> Iterator[int]:
    """Run HiGHS inside this block with the thread count it yields (``wanted`` unless another
    run already sized the scheduler)."""
    hs = highspy_module()
    with _LOCK:
        if _STATE["active"] == 0:
            hs.Highs.resetGlobalScheduler(True)
            _STATE["threads"] = max(int(wanted), 1)
        _STATE["active"] += 1
        threads = _STATE["threads"]
    try:
        yield threads
    finally:
        with _LOCK:
            _STATE["active"] -= 1
            if _STATE["active"] == 0:
                hs.Highs.resetGlobalScheduler(False)
