"""Reasons in words a branch head understands, each one true of the plan.

Every plan row gets a reason code (one or more, joined by ``;``, the main one first) and the
matching text. The claim of each code is written down in :data:`~allocator.reasons.codes.CODES`
and the independent reason checker (:mod:`allocator.checker.reasons`) verifies it against the
plan: a reason is written only when it holds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.compile import Compiled
from allocator.reasons.changes import (
    hysteresis_reason,
    lock_reason,
    lost_rm_reason,
    moved_reason,
)
from allocator.reasons.codes import CODES, MOVED, UNASSIGNED
from allocator.reasons.facts import Facts
from allocator.reasons.unassigned import unassigned_reasons
from allocator.reasons.words import FUNNEL_CODE, UNIT_NAMES, funnel_reason, pair_reason, units_text
from allocator.solution import Solution

Objs = npt.NDArray[np.object_]

__all__ = [
    "CODES",
    "FUNNEL_CODE",
    "MOVED",
    "UNASSIGNED",
    "UNIT_NAMES",
    "explain_rows",
    "funnel_reason",
    "pair_reason",
    "units_text",
]


def explain_rows(compiled: Compiled, solution: Solution, status: Objs) -> tuple[Objs, Objs]:
    """(reason code, reason text) of every plan row, given each row's status."""
    n = compiled.problem.n_customers
    parts: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    facts = Facts.of(compiled, solution)
    pooled = np.flatnonzero(status == "pooled")
    for c in pooled.tolist():
        parts[c].append(("pooled", "pooled tier: served by pools and channels"))
    for c in np.flatnonzero(compiled.lock_state > 0).tolist():
        found = lock_reason(compiled, c)
        if found:
            parts[c].append(found)
    missing = np.flatnonzero(status == "unassigned")
    for c, found in zip(
        missing.tolist(), unassigned_reasons(compiled, facts, missing), strict=True
    ):
        parts[c].append(found)
    for c in np.flatnonzero(status == "moved").tolist():
        parts[c].append(moved_reason(compiled, facts, c))
    named = compiled.instance.customers["current_rm_id"].to_numpy(dtype=object) != ""
    lost = np.flatnonzero(named & (compiled.problem.current < 0) & (status != "pooled"))
    for c in lost.tolist():
        found = lost_rm_reason(compiled, c)
        if found:
            parts[c].append(found)
    for c in np.flatnonzero(compiled.tiers["held"].to_numpy(dtype=object) != "").tolist():
        found = hysteresis_reason(compiled, c)
        if found:
            parts[c].append(found)
    codes = np.array([";".join(k for k, _ in row) for row in parts], dtype=object)
    texts = np.array(["; ".join(t for _, t in row) for row in parts], dtype=object)
    return codes, texts
