"""A plausible staff table (staff.csv) for a generated bank: for demos, tests and benchmarks.

:func:`allocator.synth.generate_bank` makes customers and RMs; the staffing rules also count the
people around them (counter and back-office staff, lobby managers, the centres' marketing and
wealth managers, assistant posts). This draws them per branch and unit from a seed -- with a few
real shortfalls when asked (an outlet without a lobby manager, a VIP centre short of certified
managers, a wealth manager without AFP/CFP, branches whose RMs are under 20 % of staff) -- so the
planner has something true to fix. Deterministic: one bank and seed, one table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.instance import Instance
from scenarios.headcount.bank import active_rms, branch_levels

#: columns written (the new form of staff.csv)
COLUMNS = ("branch_id", "unit", "role", "count", "certifications")


def synthetic_staff(instance: Instance, seed: int = 0, *, shortfalls: bool = True) -> pd.DataFrame:
    """A staff table for ``instance``: ``branch_id, unit, role, count, certifications``.

    Parameters
    ----------
    instance
        A bank with a branch tree (levels outlet ... head office).
    seed
        Seed of every draw.
    shortfalls
        Leave a few staffing rules unmet (see the module docstring); else every rule about
        non-RM staff is met.
    """
    rng = np.random.default_rng(seed)
    levels = branch_levels(instance)
    rms = active_rms(instance)
    rows: list[tuple[str, str, str, int, str]] = []
    outlets = sorted(b for b, lv in levels.items() if lv == "outlet")
    short_lobby = set(outlets[:: max(len(outlets) // 2, 1)][:1]) if shortfalls else set()
    for b in outlets:
        rms_here = int((rms["branch_id"] == b).sum())
        counters = int(rng.integers(3, 7)) + (
            2 * rms_here if shortfalls and b in short_lobby else 0
        )
        rows.append((b, "outlet", "counter", counters, ""))
        rows.append((b, "outlet", "back_office", int(rng.integers(1, 4)), ""))
        if b not in short_lobby:
            rows.append((b, "outlet", "lobby_manager", 1, ""))
        rows.append((b, "outlet", "other", int(rng.integers(0, 3)), ""))
    for b in sorted(x for x, lv in levels.items() if lv in ("subbranch", "city", "province")):
        rows.append((b, "outlet", "back_office", int(rng.integers(2, 6)), ""))
        rows.append((b, "outlet", "other", int(rng.integers(1, 4)), ""))
    vip = sorted(set(rms.loc[rms["unit"] == "vip_center", "branch_id"]))
    for i, b in enumerate(vip):
        short = shortfalls and i == 0
        n_rms = int(((rms["branch_id"] == b) & (rms["unit"] == "vip_center")).sum())
        rows.append(
            (b, "vip_center", "marketing_manager", 1 if short else 2, "" if short else "AFP")
        )
        rows.append((b, "vip_center", "wealth_manager", 1, ""))
        rows.append((b, "vip_center", "lobby_manager", 1, ""))
        # the short centre is one person under its 15 (and a marketing manager short)
        others = max(15 - n_rms - 4, 0) + (0 if short else int(rng.integers(2, 20)))
        rows.append((b, "vip_center", "other", others, ""))
    wealth = sorted(set(rms.loc[rms["unit"] == "wealth_center", "branch_id"]))
    for i, b in enumerate(wealth):
        short = shortfalls and i == 0
        rows.append((b, "wealth_center", "marketing_manager", 2, "AFP"))
        rows.append((b, "wealth_center", "wealth_manager", 4, "CFP"))
        rows.append((b, "wealth_center", "wealth_manager", 1, "" if short else "AFP"))
        rows.append((b, "wealth_center", "lobby_manager", 1, "AFP"))
    for b in sorted(set(rms["branch_id"])):
        n = int((rms["branch_id"] == b).sum())
        if n >= 6 and not (shortfalls and rng.random() < 0.5):
            rows.append((b, "outlet", "assistant_post", n // 6, ""))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame[frame["count"] > 0].reset_index(drop=True)
