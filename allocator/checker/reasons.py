"""The reason checker: every reason code a plan gives is true of the plan.

A plan row's ``reason_code`` holds one or more codes joined by ``;``; each code makes a claim
(see :data:`CLAIMS`), and here each claim is one predicate, re-derived from the input, the policy
and the plan with the checker's own plain code (it shares nothing with the code that wrote the
reasons). A code whose predicate fails is a ``reason`` violation, as is an unassigned or moved
row without a code that says why, and a code the checker does not know.

Claims about the solve itself (``time_limit``, ``not_proven``, ``moved_for_cover``,
``moved_not_proven``) need what the solve proved: pass ``solve`` (the plan's KPIs ``solve``
section). Without it those claims are not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from allocator.checker.context import CheckContext, prepare
from allocator.checker.continuity import move_caps
from allocator.checker.frames import member
from allocator.checker.report import EPS, PAIR_RULES, CheckReport, Violation
from allocator.checker.rules import loads_of
from allocator.checker.tables import pair_failures
from allocator.contract import parse_id_list
from allocator.instance import Instance
from allocator.policy import Policy, load_policy

#: the funnel's stages: the pair rules that must pass up to and including each
_SCOPE = ("same_line", "position", "branch_scope")
FUNNEL = {
    "no_rm_in_scope": _SCOPE,
    "no_active_rm": (*_SCOPE, "rm_active"),
    "no_rm_in_unit": (*_SCOPE, "rm_active", "units"),
    "no_certified_rm": (*_SCOPE, "rm_active", "units", "certifications"),
    "no_rm_of_grade": (*_SCOPE, "rm_active", "units", "certifications", "min_grade"),
    "no_rm_at_level": (
        *_SCOPE,
        "rm_active",
        "units",
        "certifications",
        "min_grade",
        "min_branch_level",
    ),
}
#: codes that say why an unassigned customer has no RM
WHY_NONE = (
    *FUNNEL,
    "all_forbidden",
    "move_only_on_departure",
    "group",
    "one_to_one",
    "dedicated",
    "move_cap",
    "capacity",
    "time_limit",
    "not_proven",
)
#: codes that say why a moved customer was moved
WHY_MOVED = (
    "moved_group",
    "moved_dedicated",
    "moved_over_capacity",
    "moved_for_priority",
    "moved_for_cover",
    "moved_not_proven",
)
#: claims about the solve, checked only when the solve's report is given
ABOUT_SOLVE = ("time_limit", "not_proven", "moved_for_cover", "moved_not_proven")


class _Situation:
    """What the predicates read, computed once: loads, dedicated RMs, units, today's book,
    eligibility of the customers that need it, and what the solve proved."""

    def __init__(self, ctx: CheckContext, solve: Mapping[str, Any] | None):
        rows = ctx.rows
        self.ctx = ctx
        loads = loads_of(ctx)
        self.room: dict[str, float] = {
            str(k): float(v) for k, v in (loads["capacity"] - loads["load"]).items()
        }
        self.capacity = loads["capacity"].to_dict()
        assigned = rows[rows["has_rm"]]
        key = _unit_key(assigned)
        excl = assigned["one_to_one"].to_numpy()
        self.owner = dict(zip(assigned["rm_id"][excl], key[excl], strict=True))
        units = pd.DataFrame({"rm": assigned["rm_id"], "key": key}).drop_duplicates()
        #: how many units (groups or lone customers) each RM serves, and its unit when only one
        self.n_units = units.groupby("rm").size()
        self.sole_unit = units.groupby("rm")["key"].first()
        stay = rows[rows["current_ok"]]
        self.book_load = stay.groupby("current_rm_id")["workload"].sum().to_dict()
        new = assigned[assigned["rm_id"] != assigned["current_rm_id"]]
        self.newcomer = new.groupby("rm_id")["priority"].max().to_dict()
        self.moved = (
            rows[rows["has_rm"] & rows["current_ok"] & (rows["rm_id"] != rows["current_rm_id"])]
            .groupby("current_rm_id")
            .size()
            .to_dict()
        )
        served = rows[rows["served"] & (rows["group_id"] != "")]
        self.group_size = served.groupby("group_id").size().to_dict()
        in_group = assigned[assigned["group_id"] != ""]
        self.group_rm = in_group.groupby("group_id")["rm_id"].first()
        self.group_rm_count = in_group.groupby(["group_id", "rm_id"]).size().to_dict()
        self.group_rm_breaks: set[str] = set()  # customers whose group's RM breaks a pair rule
        self.solve = solve
        stages = {s.get("name"): s.get("status") for s in (solve or {}).get("stages", [])}
        self.cover_optimal = stages.get("cover_value") == "optimal"
        self.continuity_optimal = stages.get("continuity") == "optimal"
        self.termination = (solve or {}).get("termination")
        self._caps: pd.Series | None = None
        self.facts = pd.DataFrame()
        #: customers with some RM (of any line or post) at their branch or above
        self.any_rm_near: set[str] = set()

    @property
    def caps(self) -> pd.Series:
        if self._caps is None:
            self._caps = move_caps(self.ctx)
        return self._caps

    def candidates(self, customer_ids: set[str]) -> pd.DataFrame:
        """(customer, RM) pairs for ``customer_ids`` over every RM in its scope -- at the
        customer's branch or above (anywhere when branch scope is off), of its line (or composite),
        an RM's post -- with the pair rules each breaks.

        Pairs out of scope pass no funnel stage and count nowhere, so they are never built: a
        province's head office is in scope of every customer, and this keeps the pairs few.
        """
        ctx = self.ctx
        rows = ctx.rows[member(ctx.rows["customer_id"], customer_ids)]
        rms = ctx.rms.reset_index()
        staffed = set(rms["branch"])
        scope = ctx.policy.rules.branch_scope
        self.any_rm_near = {
            cid
            for cid, b in zip(rows["customer_id"], rows["branch_id"], strict=True)
            if staffed & (ctx.tree.get(b, frozenset((b,))) if scope else staffed)
        }
        rms = rms[(rms["position"] == "rm").to_numpy()]
        at: dict[tuple[str, str], list[str]] = {}
        for rm, branch, line, composite in zip(
            rms["rm_id"], rms["branch"], rms["line"], rms["composite"], strict=True
        ):
            for ln in ("retail", "corporate") if composite else (line,):
                at.setdefault((branch if ctx.policy.rules.branch_scope else "", ln), []).append(rm)
        if ctx.policy.rules.branch_scope:

            def near(branch: str, line: str) -> list[str]:
                up = ctx.tree.get(branch, frozenset((branch,)))
                return [r for b in up for r in at.get((b, line), [])]

        else:

            def near(branch: str, line: str) -> list[str]:
                return at.get(("", line), [])

        found = [near(b, ln) for b, ln in zip(rows["branch_id"], rows["segment"], strict=True)]
        cand = rows.assign(candidate=pd.Series(found, index=rows.index, dtype=object))
        pairs = cand.explode("candidate")
        pairs = pairs[pairs["candidate"].notna()].reset_index(drop=True)
        fails = pair_failures(pairs, "candidate", ctx.rms, ctx.policy, ctx.tree)
        return pd.concat([pairs, fails.add_prefix("x_")], axis=1)

    def has_room(self, rm: str, workload: float) -> bool:
        return workload <= float(self.room.get(rm, -1.0)) + EPS

    def dedicated_to_other(self, rm: str, key: str) -> bool:
        return rm in self.owner and self.owner[rm] != key


def _unit_key(rows: pd.DataFrame) -> pd.Series:
    """A customer's unit: its group (``g:`` id), or itself (``c:`` id)."""
    return ("g:" + rows["group_id"]).where(rows["group_id"] != "", "c:" + rows["customer_id"])


Predicate = Callable[["_Situation", Any], bool]


def customer_facts(
    pairs: pd.DataFrame,
    room: Mapping[str, float],
    owner: Mapping[str, str],
    n_units: pd.Series,
    sole_unit: pd.Series,
) -> pd.DataFrame:
    """Per customer (index), from its candidate pairs: the funnel (eligible RMs left after each
    stage), and whether its eligible RMs are full, dedicated to another unit, or serve others."""
    if pairs.empty:
        return pd.DataFrame()
    out = pd.DataFrame(index=pd.Index(pairs["customer_id"].unique(), name="customer_id"))
    by = pairs["customer_id"]
    for code, rules in FUNNEL.items():
        passed = ~pairs[[f"x_{r}" for r in rules]].any(axis=1)
        out[code] = passed.groupby(by).sum()
    others = [f"x_{r}" for r in PAIR_RULES if r != "forbidden"]
    allowed = ~pairs[others].any(axis=1)
    eligible = allowed & ~pairs["x_forbidden"]
    key = _unit_key(pairs)
    rm = pairs["candidate"]
    has_room = pairs["workload"].to_numpy() <= rm.map(room).fillna(-1.0).to_numpy() + EPS
    own = rm.map(owner)
    ded = (own.notna() & (own != key)).to_numpy()
    # the RM serves some unit other than this one
    count = rm.map(n_units).fillna(0).to_numpy()
    serves = (count > 1) | ((count == 1) & (rm.map(sole_unit).to_numpy() != key.to_numpy()))
    frame = (
        pd.DataFrame(
            {
                "allowed": allowed,
                "eligible": eligible,
                "forbidden_only": allowed & pairs["x_forbidden"],
                "roomy": eligible & has_room,
                "free": eligible & has_room & ~ded,
                "lonely": eligible & has_room & ~ded & ~serves,
                "blocked": eligible & (~has_room | ded),
                "roomy_ded": eligible & has_room & ded,
            }
        )
        .groupby(by.to_numpy())
        .sum()
    )
    return out.join(frame)


def pooled_holds(pooled: Any, has_rm: Any) -> Any:
    """'pooled' holds for a customer of a pooled tier without an RM (one row, or columns)."""
    return np.logical_and(pooled, np.logical_not(has_rm))


def _row(s: _Situation, r: Any) -> Any:
    return s.facts.loc[r.customer_id] if r.customer_id in s.facts.index else None


def _funnel(code: str) -> Predicate:
    stages = list(FUNNEL)
    before = stages[stages.index(code) - 1] if stages.index(code) else None

    def holds(s: _Situation, r: Any) -> bool:
        f = _row(s, r)
        if f is None:
            return code == "no_rm_in_scope"  # no candidate RM at all
        return f[code] == 0 and (before is None or f[before] > 0)

    return holds


def _key(r: Any) -> str:
    return f"g:{r.group_id}" if r.group_id else f"c:{r.customer_id}"


def _all_forbidden(s: _Situation, r: Any) -> bool:
    f = _row(s, r)
    return f is not None and f["allowed"] > 0 and f["allowed"] == f["forbidden_only"]


def _full(s: _Situation, rm: str, r: Any) -> bool:
    return not s.has_room(rm, r.workload)


def _own_rm_stuck(s: _Situation, r: Any) -> bool:
    return bool(r.current_ok) and _full(s, r.current_rm_id, r)


def _move_only(s: _Situation, r: Any) -> bool:
    stuck = r.expected_tier in s.ctx.policy.continuity.move_only_on_departure
    return stuck and _own_rm_stuck(s, r)


def _group(s: _Situation, r: Any) -> bool:
    if not r.group_id or s.group_size.get(r.group_id, 0) < 2 or r.group_id not in s.group_rm:
        return False
    rm = s.group_rm[r.group_id]
    if r.customer_id in s.group_rm_breaks or _full(s, rm, r):
        return True
    stuck = r.current_ok and r.expected_tier in s.ctx.policy.continuity.move_only_on_departure
    return bool(stuck and rm != r.current_rm_id)


def _one_to_one(s: _Situation, r: Any) -> bool:
    f = _row(s, r)  # None: no RM of its line in scope, so none free of other customers either
    if f is None:
        return bool(r.one_to_one) and r.customer_id in s.any_rm_near
    return bool(r.one_to_one) and f["lonely"] == 0


def _dedicated(s: _Situation, r: Any) -> bool:
    f = _row(s, r)
    return f is not None and f["roomy"] > 0 and f["roomy"] == f["roomy_ded"]


def _move_cap(s: _Situation, r: Any) -> bool:
    """Today's RM (still its own) cannot take it -- full, or dedicated to another key customer
    -- and has lost as many customers as its move cap allows."""
    if s.ctx.policy.continuity.max_moved_share is None or not r.current_ok:
        return False
    own = r.current_rm_id
    if not (_full(s, own, r) or s.dedicated_to_other(own, _key(r))):
        return False
    return s.moved.get(r.current_rm_id, 0) >= int(s.caps.get(r.current_rm_id, 0))


def _capacity(s: _Situation, r: Any) -> bool:
    f = _row(s, r)
    return f is not None and f["eligible"] > 0 and f["eligible"] == f["blocked"]


def _stopped_short(s: _Situation, r: Any) -> bool:
    return not s.cover_optimal and s.termination in ("time_limit", "interrupted")


def _moved_group(s: _Situation, r: Any) -> bool:
    """Its group is served by the RM it moved to: another member of the group has that RM."""
    if not r.group_id or s.group_size.get(r.group_id, 0) < 2:
        return False
    return s.group_rm_count.get((r.group_id, r.rm_id), 0) >= 2


def _rm_ineligible(s: _Situation, r: Any) -> bool:
    rms = s.ctx.rms
    if r.current_rm_id not in rms.index or not rms.at[r.current_rm_id, "active"]:
        return False
    return not bool(r.current_ok) and r.current_rm_id not in parse_id_list(r.forbid_rm_ids)


PREDICATES: dict[str, Predicate] = {
    **{code: _funnel(code) for code in FUNNEL},
    "all_forbidden": _all_forbidden,
    "move_only_on_departure": _move_only,
    "group": _group,
    "one_to_one": _one_to_one,
    "dedicated": _dedicated,
    "move_cap": _move_cap,
    "capacity": _capacity,
    "time_limit": _stopped_short,
    "not_proven": lambda s, r: not s.cover_optimal,
    "unexplained": lambda s, r: False,
    "pooled": lambda s, r: bool(pooled_holds(r.pooled, r.has_rm)),
    "rm_left": lambda s, r: bool(r.current_rm_id) and not r.current_known,
    "rm_inactive": lambda s, r: (
        bool(r.current_known) and not bool(s.ctx.rms.at[r.current_rm_id, "active"])
    ),
    "rm_forbidden": lambda s, r: (
        bool(r.current_rm_id) and r.current_rm_id in parse_id_list(r.forbid_rm_ids)
    ),
    "rm_ineligible": _rm_ineligible,
    "moved_group": _moved_group,
    "moved_dedicated": lambda s, r: s.dedicated_to_other(r.current_rm_id, _key(r)),
    "moved_over_capacity": lambda s, r: (
        float(s.book_load.get(r.current_rm_id, 0.0))
        > float(s.capacity.get(r.current_rm_id, 0.0)) + EPS
    ),
    "moved_for_priority": lambda s, r: s.newcomer.get(r.current_rm_id, -1) > r.priority,
    "moved_for_cover": lambda s, r: s.continuity_optimal,
    "moved_not_proven": lambda s, r: not s.continuity_optimal,
    "lock_held": lambda s, r: bool(r.locked) and r.has_rm and r.rm_id == r.current_rm_id,
    "lock_broken": lambda s, r: bool(r.locked) and not bool(r.current_ok),
    "hysteresis": lambda s, r: bool(r.held),
}
#: the claims that need the customer's candidate RMs and their pair rules
NEEDS_PAIRS = (*FUNNEL, "all_forbidden", "group", "one_to_one", "dedicated", "capacity")


def _group_rm_breaks(s: _Situation, look: pd.DataFrame, codes: pd.Series) -> set[str]:
    """Customers claiming ``group`` whose group's RM breaks a pair rule for them, all at once."""
    claim = look[codes.map(lambda ks: "group" in ks).to_numpy(dtype=bool)]
    claim = claim[claim["group_id"].isin(s.group_rm.index)]
    if claim.empty:
        return set()
    pairs = claim.assign(candidate=claim["group_id"].map(s.group_rm).to_numpy())
    fails = pair_failures(pairs, "candidate", s.ctx.rms, s.ctx.policy, s.ctx.tree)
    broken = fails.to_numpy().any(axis=1)
    return set(pairs["customer_id"].to_numpy()[broken].tolist())


def reason_violations(ctx: CheckContext, solve: Mapping[str, Any] | None = None) -> list[Violation]:
    """Every false or missing reason of the plan in ``ctx`` (rule ``reason``)."""
    rows = ctx.rows
    if "reason_code" not in rows.columns:
        return []
    # only rows with a code, or a status that needs one, are looked at (a province's plan has
    # a million rows, most of them kept without a word to say)
    text = rows["reason_code"].fillna("").astype(str)
    # the pooled tiers' one word is checked as a column: they are most of a bank's rows
    needs_why = rows["status"].isin(["unassigned", "moved"]).to_numpy()
    only_pooled = (text == "pooled").to_numpy() & ~needs_why
    false = only_pooled & ~pooled_holds(rows["pooled"].to_numpy(), rows["has_rm"].to_numpy())
    out = [
        Violation("reason", str(cid), str(rm), "reason 'pooled' does not hold")
        for cid, rm in zip(rows["customer_id"][false], rows["rm_id"][false], strict=True)
    ]
    look = rows[((text != "").to_numpy() | needs_why) & ~only_pooled]
    codes = text[look.index].str.split(";").map(lambda ks: [k for k in ks if k])
    s = _Situation(ctx, solve)
    need = {
        cid
        for cid, ks in zip(look["customer_id"], codes, strict=True)
        if set(ks) & set(NEEDS_PAIRS)
    }
    pairs = s.candidates(need) if need else pd.DataFrame()
    s.facts = customer_facts(pairs, s.room, s.owner, s.n_units, s.sole_unit)
    s.group_rm_breaks = _group_rm_breaks(s, look, codes)
    for r, ks in zip(look.itertuples(index=False), codes, strict=True):
        cid, rm_id = str(r.customer_id), str(r.rm_id)
        if r.status == "unassigned" and not r.pooled and not set(ks) & set(WHY_NONE):
            out.append(Violation("reason", cid, "", "unassigned without a reason why"))
        if r.status == "moved" and not set(ks) & set(WHY_MOVED):
            out.append(Violation("reason", cid, rm_id, "moved without a reason why"))
        for k in ks:
            if k not in PREDICATES:
                out.append(Violation("reason", cid, rm_id, f"unknown reason code {k!r}"))
                continue
            if k in ABOUT_SOLVE and solve is None:
                continue
            if not PREDICATES[k](s, r):
                out.append(Violation("reason", cid, rm_id, f"reason {k!r} does not hold"))
    return out


def check_reasons(
    instance: Instance,
    plan: pd.DataFrame,
    policy: Policy | None = None,
    solve: Mapping[str, Any] | None = None,
) -> CheckReport:
    """Check that every reason code of ``plan`` holds (see the module docstring).

    Parameters
    ----------
    instance, plan, policy
        As :func:`allocator.checker.check_plan`; the plan needs a ``reason_code`` column (a plan
        without one has no reasons to check).
    solve
        The solve's report (the plan's KPIs ``solve`` section), for the claims about it.
    """
    pol = load_policy(policy)
    ctx = prepare(instance, plan, pol)
    found = reason_violations(ctx, solve)
    return CheckReport(found, n_customers=instance.n_customers, n_plan_rows=len(plan))
