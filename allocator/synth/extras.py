"""The bank after today's book: the contract v1.1 roster and the harsh faults, put together.

Why one step after the book: executives, assistants, composite RMs and designated centres change
who may serve whom *from now on*, leavers and complaints are about today's RM, and a dedicated
RM's extra customers are a fault *of* today's book. Doing all of it once the book exists keeps
the book's own draws -- and so every bank generated without these knobs -- exactly as they were.
Each feature draws from its own stream (:data:`EXTRA_STREAMS`), so switching one on leaves the
others' draws unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.rules import RmTable
from allocator.synth.book import Book
from allocator.synth.branches import Tree
from allocator.synth.config import GeneratorConfig
from allocator.synth.customers import Cust
from allocator.synth.fit import PolicyFit
from allocator.synth.frames import id_strings
from allocator.synth.harsh import dedicated_extras, leavers
from allocator.synth.needs import Needs, PolicyView
from allocator.synth.quarter import after_book, complaints
from allocator.synth.roster import assistant_posts, composite_rms, designated_centres, executives
from allocator.synth.staffing import Staff

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: the random streams of the v1.1 and harsh features, spawned after the stages' own (in this
#: order: appending a name keeps the others' streams)
EXTRA_STREAMS: tuple[str, ...] = (
    "groups",
    "history",
    "composite",
    "designated",
    "leavers",
    "extras",
    "after_book",
    "complaints",
    "executives",
    "assistants",
)


@dataclass(frozen=True)
class Roster:
    """The RM frame in generation order (executives and assistants appended), which of its rows
    rms.csv lists, today's RM and forbidden RM of each customer (indices into the frame, -1
    none), and the customers with the history today's book implies."""

    rms: pd.DataFrame
    on_roster: Bools
    current: Ints
    forbid: Ints
    cust: Cust


def finish_roster(
    cust: Cust,
    needs: Needs,
    staff: Staff,
    book: Book,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    x: Mapping[str, np.random.Generator],
) -> Roster:
    """Composite RMs, designated centres, leavers, dedicated RMs' extra customers, the history
    the book implies, complaints, then executive and assistant rows (see the modules
    :mod:`~allocator.synth.roster`, :mod:`~allocator.synth.harsh`,
    :mod:`~allocator.synth.quarter`)."""
    frame = staff.frame.assign(capacity=book.capacity)
    line, capacity = composite_rms(staff, book.capacity, tree, view, cfg, x["composite"])
    designated = designated_centres(frame, cfg, x["designated"])
    on_roster = leavers(staff, cfg, x["leavers"])
    movable = ~book.locked & (cust.group < 0)
    current = book.current
    if cfg.dedicated_extra_share > 0:
        fit = PolicyFit.build(RmTable.build(staff.frame, tree.table, view.policy), tree, view)
        current = dedicated_extras(
            current, movable, cust, needs, staff, fit, tree, cfg, x["extras"]
        )
    cust = after_book(
        cust,
        view,
        cfg,
        x["after_book"],
        outgrew=book.outgrew,
        kept_downgraded=book.kept_downgraded,
    )
    listed = np.r_[on_roster & frame["active"].to_numpy(dtype=bool), False]
    forbid = complaints(current, movable & ~needs.pooled & listed[current], cfg, x["complaints"])
    frame = frame.assign(
        line=line,
        capacity=capacity,
        position="rm",
        designated_private=designated,
        co_cover_capacity=np.nan,
    )
    added = [
        executives(tree, view, cfg, x["executives"]) if cfg.executives else None,
        assistant_posts(frame[on_roster], staff.seat[on_roster], cfg, x["assistants"]),
    ]
    rows = _new_rows([a for a in added if a is not None and not a.empty], tree, len(frame))
    return Roster(
        rms=pd.concat([frame, rows], ignore_index=True) if len(rows) else frame,
        on_roster=np.r_[on_roster, np.ones(len(rows), dtype=bool)],
        current=current,
        forbid=forbid,
        cust=cust,
    )


def _new_rows(parts: list[pd.DataFrame], tree: Tree, start: int) -> pd.DataFrame:
    """Rows of people who serve no customer, as RM rows: ids numbered on from the staff's
    (``M`` + the next numbers), every contract column filled."""
    if not parts:
        return pd.DataFrame()
    rows = pd.concat(parts, ignore_index=True)
    n = len(rows)
    width = max(5, len(str(max(start - 1, 0))))
    numbers = np.arange(start, start + n, dtype=np.int64)
    if "co_cover_capacity" not in rows.columns:
        rows["co_cover_capacity"] = np.nan
    return pd.DataFrame(
        {
            "rm_id": id_strings("M", numbers, width),
            "line": rows["line"].to_numpy(dtype=object),
            "grade": rows["grade"].to_numpy(dtype=object),
            "branch_id": tree.ids[rows["branch"].to_numpy(dtype=np.int64)],
            "certifications": rows["certifications"].to_numpy(dtype=object),
            "unit": rows["unit"].to_numpy(dtype=object),
            "capacity": np.nan,
            "active": True,
            "position": rows["position"].to_numpy(dtype=object),
            "designated_private": False,
            "co_cover_capacity": rows["co_cover_capacity"].to_numpy(dtype=np.float64),
        }
    )
