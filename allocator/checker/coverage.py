"""The coverage roles' rules (contract v1.1, coverage.csv), checked independently.

Re-derived from the input and the policy with plain code, like every rule here:

- ``coverage_rows``: each row names a known customer, a known role, and (when filled) a known
  RM; ``primary`` rows agree with plan.csv;
- ``coverage_roles``: each filled role is one the rules allow -- a team member of a key account
  in team mode (an active RM of its line, or composite, at its branch or above, not the lead,
  at most ``team.size - 1``); a city co-RM of a listed tier (an active RM of its line at the
  city-level branch above it, not the primary); a group network RM (an active RM of its line at
  the member's own branch, the group's RM sitting elsewhere); a co-cover by an active executive
  of the position whose AUM line the customer meets highest, at that position's level above it;
- ``coverage_capacity``: RMs carry their primary workload plus the roles' workloads within
  capacity; executives co-cover at most their ``co_cover_capacity`` customers;
- ``coverage_complete``: no role is left empty (or short) while an eligible person had room,
  and an executive never co-covers a poorer customer while a richer one of its area is left
  without (the richest first).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from allocator.checker.context import CheckContext
from allocator.checker.frames import member
from allocator.checker.report import EPS, Violation
from allocator.checker.rules import loads_of
from allocator.contract import ROLES


@dataclass(frozen=True)
class _Customer:
    """What the coverage rules read of one plan row."""

    cid: str
    segment: str
    branch: str
    rm: str
    band: str
    base_tier: str
    aum: float


@dataclass(frozen=True)
class _Rm:
    """What the coverage rules read of one RM."""

    line: str
    branch: str
    active: bool
    position: str
    composite: bool


class _Cover:
    """The plan, the RMs and the coverage table as plain records, and each person's room."""

    def __init__(self, ctx: CheckContext, cov: pd.DataFrame):
        self.ctx = ctx
        self.policy = ctx.policy
        rows = ctx.rows
        # the primary rows (one per served customer) are checked against the plan as columns;
        # records are built only for the customers a role rule can speak of: those with a role
        # row, key accounts, listed tiers, and retail customers at or above a co-cover line
        self.primary = cov[cov["role"] == "primary"]
        roles = cov[cov["role"] != "primary"]
        pol = ctx.policy.coverage
        keys = [k for k, b in ctx.policy.bands.items() if b.one_to_one]
        lowest = min((p.aum_min for p in pol.co_cover.positions.values()), default=float("inf"))
        aum = pd.Series(
            ctx.customers["aum"].to_numpy(dtype=float), index=ctx.customers["customer_id"]
        )
        rich = rows["customer_id"].map(aum).fillna(0.0).to_numpy(dtype=float) >= lowest
        wanted = (
            member(rows["customer_id"], set(roles["customer_id"]))
            | rows["band"].isin(keys).to_numpy()
            | rows["base_tier"].isin(pol.city_co_rm.tiers).to_numpy()
            | ((rows["segment"] == "retail").to_numpy() & rich)
        )
        rows = rows[wanted]
        self.customers = {
            str(r.customer_id): _Customer(
                str(r.customer_id),
                str(r.segment),
                str(r.branch_id),
                str(r.rm_id),
                str(r.band),
                str(r.base_tier),
                float(aum.get(r.customer_id, 0.0)),
            )
            for r in rows.itertuples(index=False)
        }
        self.rms = {
            str(i): _Rm(
                str(r.line), str(r.branch), bool(r.active), str(r.position), bool(r.composite)
            )
            for i, r in ctx.rms.iterrows()
        }
        self.rows = [
            (str(c), str(role), _blank(rm))
            for c, role, rm in zip(roles["customer_id"], roles["role"], roles["rm_id"], strict=True)
        ]
        pol = ctx.policy.coverage
        loads = loads_of(ctx)
        self.room = {str(k): float(v) for k, v in (loads["capacity"] - loads["load"]).items()}
        for _, role, rm in self.rows:
            if rm and role in ("team_member", "city_co_rm"):
                self.room[rm] = self.room.get(rm, 0.0) - self.workload(role)
        default = pol.co_cover.default_capacity
        self.exec_left = {
            str(i): float(default if pd.isna(cap) else cap)
            for i, cap in ctx.rms["co_cover_capacity"].items()
            if ctx.rms.at[i, "position"] in pol.co_cover.positions
        }
        for _, role, rm in self.rows:
            if rm and role == "co_cover" and rm in self.exec_left:
                self.exec_left[rm] -= 1

    def workload(self, role: str) -> float:
        pol = self.policy.coverage
        if role == "city_co_rm":
            return float(pol.city_co_rm.workload)
        if pol.key_accounts == "team":
            return float(pol.team.member_workload)
        return float(pol.group_network.workload)

    def up(self, branch: str) -> frozenset[str]:
        return self.ctx.tree.get(branch, frozenset((branch,)))

    def at_level(self, branch: str, level: str) -> str:
        return next((b for b in self.up(branch) if self.ctx.levels.get(b, "") == level), "")

    def working(self, rm: str, line: str) -> bool:
        """An active RM position serving ``line`` (its own, or both as a composite RM)."""
        r = self.rms.get(rm)
        return r is not None and r.active and r.position == "rm" and (r.line == line or r.composite)

    def key_account(self, c: _Customer) -> bool:
        return c.band in {k for k, b in self.policy.bands.items() if b.one_to_one}

    def of_role(self, role: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for cid, r, rm in self.rows:
            if r == role:
                out[cid].append(rm)
        return out


def check_coverage(ctx: CheckContext, coverage: pd.DataFrame) -> list[Violation]:
    """Every coverage rule (see the module docstring) on ``coverage`` for the plan in ``ctx``."""
    cov = coverage.astype(str)
    c = _Cover(ctx, cov)
    out = _row_errors(c, cov)
    if out:
        return out
    out += _primary_rows(c)
    out += _team_rules(c)
    out += _city_rules(c)
    out += _network_rules(c)
    out += _co_cover_rules(c)
    out += [
        Violation("coverage_capacity", "", rm, f"roles take it {-left:g} points over capacity")
        for rm, left in c.room.items()
        if left < -EPS
    ]
    out += [
        Violation("coverage_capacity", "", rm, f"co-covers {-left:g} customers over capacity")
        for rm, left in c.exec_left.items()
        if left < -EPS
    ]
    return out


def _blank(rm: object) -> str:
    """An RM cell as text, empty for a blank cell."""
    return "" if str(rm) in ("", "nan", "None") else str(rm)


def _row_errors(c: _Cover, cov: pd.DataFrame) -> list[Violation]:
    """Rows naming an unknown customer, role or RM (the first fault of each row), as columns."""
    rm = cov["rm_id"].map(_blank)
    unknown_customer = ~member(cov["customer_id"], c.ctx.rows["customer_id"])
    unknown_role = ~member(cov["role"], ROLES)
    unknown_rm = (rm != "").to_numpy() & ~member(rm, c.rms)
    bad = unknown_customer | unknown_role | unknown_rm
    out = []
    for cid, role, r, uc, ur in zip(
        cov["customer_id"][bad],
        cov["role"][bad],
        rm[bad],
        unknown_customer[bad],
        unknown_role[bad],
        strict=True,
    ):
        why = "unknown customer" if uc else f"unknown role {role!r}" if ur else "unknown RM"
        out.append(Violation("coverage_rows", cid, r, why))
    return out


def _primary_rows(c: _Cover) -> list[Violation]:
    """Primary rows agree with plan.csv: one per customer with an RM, none for the others."""
    rows = c.ctx.rows
    prim = c.primary.assign(rm_id=c.primary["rm_id"].map(_blank))
    twice = prim["customer_id"].duplicated()
    first = prim[~twice].set_index("customer_id")["rm_id"]
    plan_rm = rows["rm_id"].to_numpy()
    got = rows["customer_id"].map(first).astype(object).fillna("").to_numpy()
    wrong = (plan_rm != "") & (got != plan_rm)
    out = [
        Violation("coverage_rows", cid, rm, "primary row disagrees with plan")
        for cid, rm in zip(rows["customer_id"][wrong], got[wrong], strict=True)
    ]
    out += [
        Violation("coverage_rows", cid, rm, "more than one primary row")
        for cid, rm in zip(prim["customer_id"][twice], prim["rm_id"][twice], strict=True)
    ]
    served = member(first.index, rows["customer_id"].to_numpy()[plan_rm != ""])
    out += [
        Violation("coverage_rows", cid, rm, "primary row for a customer without an RM")
        for cid, rm in zip(first.index[~served], first.to_numpy()[~served], strict=True)
    ]
    return out


def _team_candidates(c: _Cover, cu: _Customer) -> list[str]:
    scope = c.policy.rules.branch_scope
    up = c.up(cu.branch)
    return [
        rm
        for rm, r in c.rms.items()
        if c.working(rm, cu.segment) and (not scope or r.branch in up) and rm != cu.rm
    ]


def _team_rules(c: _Cover) -> list[Violation]:
    pol = c.policy.coverage
    if pol.key_accounts != "team":
        return []
    teams = c.of_role("team_member")
    out: list[Violation] = []
    for cid, members in teams.items():
        cu = c.customers[cid]
        if not c.key_account(cu):
            continue  # a group network's team members (checked by _network_rules)
        if not cu.rm:
            out += [
                Violation("coverage_roles", cid, m, "team of a key account without an RM")
                for m in members
                if m
            ]
            continue
        filled = [m for m in members if m]
        allowed = set(_team_candidates(c, cu))
        out += [
            Violation("coverage_roles", cid, m, "team member who may not serve the customer")
            for m in filled
            if m not in allowed
        ]
        if len(filled) > pol.team.size - 1 or len(set(filled)) < len(filled):
            out.append(Violation("coverage_roles", cid, "", "team larger than the policy's size"))
    for cid, cu in c.customers.items():
        if not (cu.rm and c.key_account(cu)):
            continue
        have = {m for m in teams.get(cid, []) if m}
        if len(have) >= pol.team.size - 1:
            continue
        spare = [
            m
            for m in _team_candidates(c, cu)
            if m not in have and c.room.get(m, 0.0) + EPS >= pol.team.member_workload
        ]
        if spare:
            out.append(Violation("coverage_complete", cid, spare[0], "team short, RM had room"))
    return out


def _city_rules(c: _Cover) -> list[Violation]:
    rule = c.policy.coverage.city_co_rm
    got = {cid: rms[0] for cid, rms in c.of_role("city_co_rm").items()}
    out: list[Violation] = []
    listed = set()
    at: dict[str, list[str]] = defaultdict(list)  # RMs by branch: a walk per customer is linear
    for m, r in c.rms.items():
        at[r.branch].append(m)
    for cid, cu in c.customers.items():
        if not (cu.rm and cu.base_tier in rule.tiers and rule.enabled):
            continue
        listed.add(cid)
        city = c.at_level(cu.branch, rule.level)
        ok = [m for m in at.get(city, []) if m != cu.rm and c.working(m, cu.segment)]
        rm = got.get(cid, "")
        if rm and rm not in ok:
            out.append(Violation("coverage_roles", cid, rm, "city co-RM not allowed"))
        if not rm:
            spare = [m for m in ok if c.room.get(m, 0.0) + EPS >= rule.workload]
            if spare:
                out.append(Violation("coverage_complete", cid, spare[0], "no city co-RM"))
    out += [
        Violation("coverage_roles", cid, rm, "city co-RM for a customer the rule does not list")
        for cid, rm in got.items()
        if rm and cid not in listed
    ]
    return out


def _network_rules(c: _Cover) -> list[Violation]:
    """A group network's team members: every ``team_member`` row that is not a key account's
    team in team mode."""
    pol = c.policy.coverage
    out: list[Violation] = []
    for cid, members in c.of_role("team_member").items():
        cu = c.customers[cid]
        if pol.key_accounts == "team" and c.key_account(cu):
            continue  # a key account's team (checked by _team_rules)
        for rm in [m for m in members if m]:
            lead = c.rms.get(cu.rm)
            ok = (
                pol.group_network.enabled
                and lead is not None
                and lead.branch != cu.branch
                and c.working(rm, cu.segment)
                and c.rms[rm].branch == cu.branch
            )
            if not ok:
                out.append(Violation("coverage_roles", cid, rm, "network RM not allowed"))
    return out


def _band(c: _Cover, aum: float) -> tuple[str, str] | None:
    """(position, its level) whose AUM line ``aum`` meets highest; None below every line."""
    lines = sorted(c.policy.coverage.co_cover.positions.items(), key=lambda kv: -kv[1].aum_min)
    return next(((n, p.level) for n, p in lines if aum >= p.aum_min), None)


def _co_cover_rules(c: _Cover) -> list[Violation]:
    rule = c.policy.coverage.co_cover
    got = {cid: rms[0] for cid, rms in c.of_role("co_cover").items()}
    execs = {m: r for m, r in c.rms.items() if r.active and r.position in rule.positions}
    if not rule.enabled or not execs:
        return [
            Violation("coverage_roles", k, v, "no co-coverage applies") for k, v in got.items() if v
        ]
    out: list[Violation] = []
    # executives by (position, branch), and the poorest customer each co-covers: the checks
    # below are then linear in the customers (a province has thousands of executives)
    at: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m, r in execs.items():
        at[(r.position, r.branch)].append(m)
    poorest: dict[str, float] = {}
    eligible: dict[str, list[str]] = {}
    for cid, cu in c.customers.items():
        band = _band(c, cu.aum) if cu.segment == "retail" else None
        if band is None:
            continue
        name, level = band
        ok = at.get((name, c.at_level(cu.branch, level)), [])
        eligible[cid] = ok
        rm = got.get(cid, "")
        if rm in ok:
            poorest[rm] = min(poorest.get(rm, math.inf), cu.aum)
        elif rm:
            out.append(Violation("coverage_roles", cid, rm, f"co-cover not by a {name} above it"))
    out += [
        Violation("coverage_roles", cid, rm, "co-cover below every AUM line")
        for cid, rm in got.items()
        if rm and cid not in eligible
    ]
    for cid, ok in eligible.items():
        if got.get(cid, ""):
            continue
        mine = c.customers[cid].aum
        for m in ok:
            poorer = poorest.get(m, math.inf) < mine - EPS
            if c.exec_left.get(m, 0.0) >= 1 - EPS or poorer:
                why = "executive had room or co-covers a poorer customer"
                out.append(Violation("coverage_complete", cid, m, why))
                break
    return out
