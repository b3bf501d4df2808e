"""Coverage targets: what the user asks for, and what the allocator makes it imply.

A target is a tier and the share of its customers that must get an RM. :func:`parse_targets`
checks what was asked against the policy; :func:`implied_targets` adds the tiers the allocator
would serve *first* (it maximises cover value), without which a plan's hires would be taken by
others before they reach the targeted tier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers


def parse_targets(text: str | Mapping[str, float], policy: Policy) -> dict[str, float]:
    """``"private=1.0,high=1,mid=0.95"`` (or a mapping) -> {tier: share}, checked against the
    policy: each tier must exist and be individually served, each share in [0, 1].

    Raises
    ------
    allocator.errors.InputError
        One issue per bad tier or share, or one for no target at all.
    """
    if isinstance(text, str):
        pairs: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            pairs[name.strip()] = value.strip() if sep else ""
    else:
        pairs = dict(text)
    issues: list[InputIssue] = []
    out: dict[str, float] = {}
    for name, value in pairs.items():
        try:
            share = float(value)
        except (TypeError, ValueError):
            share = math.nan
        tier = policy.tiers.get(name)
        problem = None
        if name not in policy.all_tier_names():
            problem = f"unknown tier; the policy has {policy.all_tier_names()}"
        elif tier is not None and tier.pooled:
            problem = "a pooled tier gets no RM, so it cannot have a target"
        elif not 0 <= share <= 1:
            problem = "must be a share in [0, 1]"
        if problem is None:
            out[name] = share
        else:
            issues.append(InputIssue("targets", None, name, str(value), problem))
    if not pairs:
        issues.append(InputIssue("targets", None, None, None, "no target given"))
    if issues:
        raise InputError(issues)
    return out


def implied_targets(
    targets: Mapping[str, float], policy: Policy, instance: Instance
) -> dict[str, float]:
    """Tiers without a target that the allocator would serve before a targeted tier.

    The allocator maximises cover value, so a customer of a higher-priority tier of the same line
    takes an RM's capacity before a targeted lower-priority one (a key corporate client takes a
    whole RM). To make a target reachable *by the allocator*, the planner counts such tiers in
    (at the coverage today's staff give them: see
    :class:`~scenarios.headcount.planner.Planner`). Returns tier -> 1.0 for each (only tiers
    that have customers); the planner lowers the share.
    """
    tiers = assign_tiers(instance.customers, policy)
    served = tiers[~tiers["pooled"].to_numpy(dtype=bool) & (tiers["tier"] != "").to_numpy()]
    prio = served.groupby("tier")["priority"].max()
    line = {
        t: (policy.tiers[t].line if t in policy.tiers else policy.bands[t].line) for t in prio.index
    }
    out: dict[str, float] = {}
    for t in prio.index:
        if t in targets:
            continue
        floor = [
            prio[u] for u in targets if u in prio.index and line[u] == line[t] and targets[u] > 0
        ]
        if floor and prio[t] > min(floor):
            out[str(t)] = 1.0
    return out
