"""What the planner reads off the bank: branch levels, the RMs at work, certifications held.

Every part of the planner (candidates, checks, the model, the service-capacity ratios) asks these
three questions; answering them in one place keeps them from drifting apart (an inactive RM
counted by one check and not by another, say).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from allocator.contract import parse_certifications
from allocator.instance import Instance
from allocator.policy import Policy


def branch_levels(instance: Instance) -> dict[str, str]:
    """Branch id -> level (``outlet``, ``subbranch``, ...), from the bank's branch table."""
    return dict(zip(instance.branches["branch_id"], instance.branches["level"], strict=True))


def active_rms(instance: Instance) -> pd.DataFrame:
    """The RMs at work (``active``), with the bank's row index.

    Only they count for staffing rules and capacity: an inactive RM stays in the table so that
    today's book can still name it, but serves no one.
    """
    return instance.rms[instance.rms["active"].to_numpy(dtype=bool)]


def holds_any(cell: object, wanted: Iterable[str], policy: Policy) -> bool:
    """Whether a certifications cell meets a requirement of one of ``wanted``.

    Implications count (a CFP holder meets an AFP requirement: the policy's
    ``certification_implies``), as they do for the allocator's eligibility, so a rule and the
    allocator agree about who is certified.
    """
    held = policy.expand_certifications(set(parse_certifications(cell)))
    return bool(held & set(wanted))
