"""Fill the coverage roles after the primary plan (see :mod:`allocator.coverage`)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.compile import Compiled
from allocator.rules import BranchTable

Ints = npt.NDArray[np.int64]

COVERAGE_COLUMNS = ("customer_id", "role", "rm_id", "reason")


class _Pools:
    """Who can take a role, and how much room each has left."""

    def __init__(self, compiled: Compiled, a: Ints):
        p, rms, br = compiled.problem, compiled.rms, compiled.branches
        self.compiled = compiled
        self.room = rms.capacity - p.loads(a) / p.weight_scale  # workload points left
        self.at_branch: dict[int, list[int]] = defaultdict(list)
        serving = np.flatnonzero(rms.active & (rms.position == "rm"))
        for r in serving.tolist():
            self.at_branch[int(rms.branch[r])].append(r)
        self.branches = br

    def serves_line(self, r: int, line: str) -> bool:
        rms = self.compiled.rms
        return bool(rms.line[r] == line or rms.composite[r])

    def serving(self, branch: int, line: str, besides: int) -> list[int]:
        """RMs at exactly ``branch`` who serve ``line``, other than ``besides``."""
        found = self.at_branch.get(branch, [])
        return [r for r in found if self.serves_line(r, line) and r != besides]

    def above(self, branch: int) -> list[int]:
        """The branch and its ancestors, nearest first."""
        return [int(b) for b in self.branches.ancestors[branch] if b >= 0]

    def take(self, candidates: list[int], workload: float) -> int:
        """The candidate with the most room that can carry ``workload`` (-1: none); its room
        shrinks by it."""
        fit = [r for r in candidates if self.room[r] + 1e-9 >= workload]
        if not fit:
            return -1
        best = max(fit, key=lambda r: (self.room[r], -r))
        self.room[best] -= workload
        return best


def ancestor_at(branches: BranchTable, branch: int, level: str) -> int:
    """The branch at ``level`` at or above ``branch`` (-1 when none, or ``branch`` is -1)."""
    if branch < 0 or level not in branches.levels:
        return -1
    rank = branches.levels.index(level)
    for b in branches.ancestors[branch]:
        if b >= 0 and branches.level_rank[b] == rank:
            return int(b)
    return -1


def assign_coverage(compiled: Compiled, assignment: npt.ArrayLike) -> pd.DataFrame:
    """The coverage table of a plan: a ``primary`` row per customer with an RM, then each role
    that applies, filled or with a reason why not (columns :data:`COVERAGE_COLUMNS`)."""
    a = np.asarray(assignment, dtype=np.int64)
    pools = _Pools(compiled, a)
    rows: list[tuple[int, str, int, str]] = [
        (int(c), "primary", int(a[c]), "") for c in np.flatnonzero(a >= 0)
    ]
    rows += _teams(compiled, a, pools)
    rows += _city_co_rms(compiled, a, pools)
    rows += _group_networks(compiled, a, pools)
    rows += _co_cover(compiled)
    ids = compiled.problem.customer_ids
    rm_ids = compiled.rms.ids
    return pd.DataFrame(
        {
            "customer_id": [ids[c] for c, _, _, _ in rows],
            "role": [role for _, role, _, _ in rows],
            "rm_id": [rm_ids[r] if r >= 0 else "" for _, _, r, _ in rows],
            "reason": [why for _, _, _, why in rows],
        },
        columns=list(COVERAGE_COLUMNS),
    )


def _by_worth(compiled: Compiled, customers: Ints) -> list[int]:
    """Customers most valuable first: priority, then contribution and assets, then id order."""
    t = compiled.tiers
    cust = compiled.instance.customers
    order = np.lexsort(
        (
            customers,
            -cust["aum"].to_numpy()[customers],
            -cust["annual_contribution"].to_numpy()[customers],
            -t["priority"].to_numpy()[customers],
        )
    )
    return customers[order].tolist()


def _key_accounts(compiled: Compiled) -> npt.NDArray[np.bool_]:
    """Customers of a band the policy serves one-to-one: key accounts."""
    policy = compiled.policy
    bands = [name for name, b in policy.bands.items() if b.one_to_one]
    return np.isin(compiled.tiers["band"].to_numpy(dtype=object), bands)


def _in_scope(pools: _Pools, c: int, line: str) -> list[int]:
    """RMs who may serve customer ``c`` as a team member: of its line (or composite), active, an
    RM position, at its branch or above when the branch-scope rule is on."""
    compiled = pools.compiled
    branch_id = str(compiled.instance.customers["branch_id"].iat[c])
    branch = int(compiled.branches.index.get(branch_id, -1))
    if not compiled.policy.rules.branch_scope:
        found = [r for rs in pools.at_branch.values() for r in rs]
    elif branch < 0:
        return []
    else:
        found = [r for b in pools.above(branch) for r in pools.at_branch.get(b, [])]
    return [r for r in found if pools.serves_line(r, line)]


def _teams(compiled: Compiled, a: Ints, pools: _Pools) -> list[tuple[int, str, int, str]]:
    policy = compiled.policy
    if policy.coverage.key_accounts != "team" or policy.coverage.team.size <= 1:
        return []
    team = policy.coverage.team
    line = compiled.instance.customers["segment"].to_numpy(dtype=object)
    out: list[tuple[int, str, int, str]] = []
    for c in _by_worth(compiled, np.flatnonzero(_key_accounts(compiled) & (a >= 0))):
        chosen: list[int] = []
        for _ in range(team.size - 1):
            cand = [r for r in _in_scope(pools, c, str(line[c])) if r != a[c] and r not in chosen]
            r = pools.take(cand, team.member_workload)
            if r < 0:
                have = len(chosen)
                why = (
                    f"team has {have} of {team.size - 1} members: no other {line[c]} RM with "
                    "room at its branch or above"
                )
                out.append((c, "team_member", -1, why))
                break
            chosen.append(r)
            out.append((c, "team_member", r, ""))
    return out


def _city_co_rms(compiled: Compiled, a: Ints, pools: _Pools) -> list[tuple[int, str, int, str]]:
    rule = compiled.policy.coverage.city_co_rm
    if not rule.enabled:
        return []
    cust = compiled.instance.customers
    listed = np.isin(compiled.tiers["base_tier"].to_numpy(dtype=object), rule.tiers) & (a >= 0)
    out: list[tuple[int, str, int, str]] = []
    br = compiled.branches
    for c in _by_worth(compiled, np.flatnonzero(listed)):
        branch = int(br.index.get(str(cust["branch_id"].iat[c]), -1))
        city = ancestor_at(br, branch, rule.level)
        line = str(cust["segment"].iat[c])
        cand = [
            r for r in pools.at_branch.get(city, []) if pools.serves_line(r, line) and r != a[c]
        ]
        r = pools.take(cand, rule.workload)
        if r >= 0:
            out.append((c, "city_co_rm", r, ""))
        else:
            where = br.ids[city] if city >= 0 else f"the {rule.level} level"
            what = "with room " if cand else ""
            out.append((c, "city_co_rm", -1, f"no other {line} RM {what}at {where}"))
    return out


def _group_networks(compiled: Compiled, a: Ints, pools: _Pools) -> list[tuple[int, str, int, str]]:
    rule = compiled.policy.coverage.group_network
    p = compiled.problem
    if not rule.enabled or p.n_groups == 0:
        return []
    cust = compiled.instance.customers
    rms, br = compiled.rms, compiled.branches
    members = (p.group >= 0) & (a >= 0)
    if compiled.policy.coverage.key_accounts == "team":
        members &= ~_key_accounts(compiled)  # a key account's team already covers it
    served = np.flatnonzero(members).astype(np.int64)
    out: list[tuple[int, str, int, str]] = []
    for c in _by_worth(compiled, served):
        branch = int(br.index.get(str(cust["branch_id"].iat[c]), -1))
        if branch < 0 or rms.branch[a[c]] == branch:
            continue  # the group's RM sits at this member's branch: it is its network RM
        line = str(cust["segment"].iat[c])
        cand = [
            r for r in pools.at_branch.get(branch, []) if pools.serves_line(r, line) and r != a[c]
        ]
        r = pools.take(cand, rule.workload)
        reason = (
            "" if r >= 0 else f"no {line} RM with room at {br.ids[branch]} for the group network"
        )
        out.append((c, "team_member", r, reason))
    return out


def _co_cover(compiled: Compiled) -> list[tuple[int, str, int, str]]:
    rule = compiled.policy.coverage.co_cover
    rms, br = compiled.rms, compiled.branches
    executives = np.flatnonzero(rms.active & np.isin(rms.position, list(rule.positions)))
    if not rule.enabled or executives.size == 0:
        return []  # a bank without executives has no co-coverage to speak of
    cust = compiled.instance.customers
    capacity = np.full(rms.ids.shape[0], np.nan)
    if "co_cover_capacity" in compiled.instance.rms.columns:
        capacity = compiled.instance.rms["co_cover_capacity"].to_numpy(dtype=float)
    left = np.where(np.isnan(capacity), rule.default_capacity, capacity)
    by_place: dict[tuple[str, int], list[int]] = defaultdict(list)
    for e in executives.tolist():
        by_place[(str(rms.position[e]), int(rms.branch[e]))].append(e)
    lines = sorted(rule.positions.items(), key=lambda kv: -kv[1].aum_min)
    aum = cust["aum"].to_numpy(dtype=float)
    retail = cust["segment"].to_numpy(dtype=object) == "retail"
    rich = np.flatnonzero(retail & (aum >= min(p.aum_min for _, p in lines)))
    out: list[tuple[int, str, int, str]] = []
    for c in rich[np.lexsort((rich, -aum[rich]))].tolist():  # the richest first
        name, pos = next((n, p) for n, p in lines if aum[c] >= p.aum_min)
        branch = int(br.index.get(str(cust["branch_id"].iat[c]), -1))
        where = ancestor_at(br, branch, pos.level)
        cand = by_place.get((name, where), [])
        fit = [e for e in cand if left[e] >= 1 - 1e-9]
        title = name.replace("_", " ")
        if fit:
            e = max(fit, key=lambda x: (left[x], -x))
            left[e] -= 1
            out.append((c, "co_cover", e, ""))
        elif cand:
            out.append((c, "co_cover", -1, f"no {title} with room at {br.ids[where]}"))
        else:
            place = br.ids[where] if where >= 0 else "its branch"
            out.append((c, "co_cover", -1, f"no {title} at {place}"))
    return out
