"""The independent plan checker: the test oracle of every backend.

A plan is checked against the *original* rules, re-derived here from the :class:`Instance` and the
:class:`Policy` with deliberately plain code. The checker imports nothing of the compiler, the
solver-neutral problem or any backend: if it shared their code it would share their bugs, and a
wrong compilation would pass its own test. Every rule is one small function named for the rule
(after the Timefold quickstarts); each returns the :class:`Violation` objects it finds, so a report
says which rule broke, for which customer and RM, and why.

:func:`score_plan` recomputes the objective the same way (cover value, moves, balance), so a
solver's reported objective can be compared with what its plan actually achieves.

Conventions (DATA_CONTRACT.md, "plan.csv"): ``rm_id`` "" (or NaN) means no RM. A customer whose
segment matches no tier of the policy has tier "" and may not get an RM. Bands apply on top of
individually served tiers only: a pooled customer gets no RM, so a band's grade or one-to-one
requirement would be meaningless for it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import PLAN_COLUMNS, STATUSES, parse_certifications
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.policy import Policy, Requirements, load_policy

log = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]


#: rule names a :class:`Violation` may carry, in the order reports list them
RULES = (
    "plan_rows",  # exactly one plan row per input customer
    "known_rm",  # rm_id names an RM of the input
    "tier",  # the plan's tier is the one the policy gives
    "pooled",  # pooled (or tier-less) customers get no RM
    "same_line",  # the RM's line is the customer's segment
    "rm_active",  # the RM is active
    "branch_scope",  # the RM's branch is the customer's branch or an ancestor of it
    "units",  # the RM's unit is one the tier/band allows
    "certifications",  # the RM holds every certification required (implications counted)
    "min_grade",  # the RM's grade is high enough
    "min_branch_level",  # the RM's branch level is high enough
    "one_to_one",  # a one-to-one customer's RM serves nobody outside the customer's group
    "groups_share_rm",  # all customers of one group that have an RM have the same RM
    "locks",  # a locked customer keeps an active, eligible current RM (or the reason says why not)
    "capacity",  # an RM's workload is at most its capacity
    "status",  # the status (and reason) agree with the plan and today's book
)

#: pairwise rules: they depend only on one (customer, RM) pair, so they also decide whether
#: today's RM is still "active and eligible" for the status, lock and continuity rules
PAIR_RULES = (
    "same_line",
    "rm_active",
    "branch_scope",
    "units",
    "certifications",
    "min_grade",
    "min_branch_level",
)

# Tolerance on workload sums: points are small decimals added up, so compare with some slack.
_EPS = 1e-9


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """One broken rule, precise enough to find the plan row at fault.

    Attributes
    ----------
    rule : str
        One of :data:`RULES`.
    customer_id : str
        The customer concerned, "" when the violation is about an RM as a whole (capacity).
    rm_id : str
        The RM concerned, "" when none.
    message : str
        What is wrong, in words (ids and policy names only, never customer amounts).
    """

    rule: str
    customer_id: str
    rm_id: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.customer_id:
            where.append(f"customer {self.customer_id}")
        if self.rm_id:
            where.append(f"rm {self.rm_id}")
        prefix = f"[{self.rule}] " + (", ".join(where) + ": " if where else "")
        return prefix + self.message

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class CheckReport:
    """Every violation of a plan, with counts for a quick read.

    Attributes
    ----------
    violations : list of Violation
        In rule order (:data:`RULES`), then in plan order.
    n_customers : int
        Customers of the instance.
    n_plan_rows : int
        Rows of the plan checked.
    """

    violations: list[Violation] = field(default_factory=list)
    n_customers: int = 0
    n_plan_rows: int = 0

    @property
    def ok(self) -> bool:
        """Whether the plan breaks no rule."""
        return not self.violations

    def by_rule(self) -> dict[str, int]:
        """Violation counts per rule, in :data:`RULES` order, broken rules only."""
        counts = Counter(v.rule for v in self.violations)
        ordered = {rule: counts[rule] for rule in RULES if counts[rule]}
        ordered.update({rule: n for rule, n in counts.items() if rule not in ordered})
        return ordered

    def summary(self, limit: int = 20) -> str:
        """A readable report: the verdict, counts by rule, then the first ``limit`` violations."""
        head = f"{self.n_plan_rows} plan row(s), {self.n_customers} customer(s)"
        if self.ok:
            return f"plan OK: {head}, no rule broken"
        counts = self.by_rule()
        lines = [
            f"plan INVALID: {head}, {len(self.violations)} violation(s) of {len(counts)} rule(s)"
        ]
        lines += [f"  {rule}: {n}" for rule, n in counts.items()]
        shown = self.violations[:limit]
        if shown:
            lines.append(f"first {len(shown)} violation(s):")
            lines += [f"  - {v}" for v in shown]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with every violation."""
        return {
            "ok": self.ok,
            "n_customers": self.n_customers,
            "n_plan_rows": self.n_plan_rows,
            "n_violations": len(self.violations),
            "by_rule": self.by_rule(),
            "violations": [v.to_dict() for v in self.violations],
        }


# --------------------------------------------------------------------------------------------
# preparation: the plan joined with its customers, their tiers, their RM and their current RM
# --------------------------------------------------------------------------------------------
def require_plan_columns(plan: pd.DataFrame, source: str = "plan") -> None:
    """Raise :class:`InputError` naming ``source`` and each column of :data:`PLAN_COLUMNS` missing.

    A plan without these columns cannot be checked at all, so it is bad input (exit 2), not a
    plan that breaks rules (exit 1).
    """
    missing = [c for c in PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise InputError(
            [InputIssue(source, None, c, None, "required plan column is missing") for c in missing]
        )


def _as_str(series: pd.Series) -> pd.Series:
    """Python strings with "" for empty, as an ``object`` Series on a fresh range index.

    Plans may come from a CSV (strings) or a frame (NaN, None, numbers). ``object`` rather than
    pandas' Arrow-backed ``str`` dtype because the rules iterate and hash these values, which is
    several times faster on Python strings.
    """
    values = series.to_numpy(dtype=object, na_value="")
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        values = np.array([v if isinstance(v, str) else str(v) for v in values], dtype=object)
    return _text(values)


def _text(values: npt.ArrayLike) -> pd.Series:
    """An ``object`` Series (a numpy object array alone would be inferred as ``str`` dtype)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    """``frame[name]``, or ``default`` everywhere when an optional column is absent."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index)


def _ancestors(branches: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Each branch with itself and every ancestor (walking ``parent_id``; cycles are cut)."""
    parent = dict(zip(_as_str(branches["branch_id"]), _as_str(branches["parent_id"]), strict=True))
    out: dict[str, frozenset[str]] = {}
    for start in parent:
        seen: list[str] = []
        node = start
        while node and node not in seen:
            seen.append(node)
            node = parent.get(node, "")
        out[start] = frozenset(seen)
    return out


def _tiers(customers: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Tier of every customer, re-derived from the policy.

    The tiers of the customer's line are tried in policy order, the first whose conditions hold
    (``aum >= aum_min``, ``list_tier`` equal) wins; then the bands of the line, highest
    ``contribution_min`` first, and the first the customer's contribution meets names its tier.
    Returns ``base_tier``, ``band`` ("" when none), ``expected_tier`` (the plan's label),
    ``pooled``, ``served`` (an individually served tier), ``workload``, ``priority`` and
    ``one_to_one`` (only when the rule is switched on), on a fresh range index.
    """
    n = len(customers)
    segment = _as_str(customers["segment"]).to_numpy()
    list_tier = _as_str(_column(customers, "list_tier", "")).to_numpy()
    aum = pd.to_numeric(customers["aum"]).to_numpy(dtype=float)
    contribution = pd.to_numeric(customers["annual_contribution"]).to_numpy(dtype=float)

    base = np.full(n, "", dtype=object)
    band = np.full(n, "", dtype=object)
    for line in sorted({t.line for t in policy.tiers.values()}):
        tiers = [(k, t) for k, t in policy.tiers.items() if t.line == line]  # in policy order
        bands = [(k, b) for k, b in policy.bands.items() if b.line == line]
        bands.sort(key=lambda kb: -kb[1].contribution_min)  # stable: ties keep policy order
        open_ = segment == line
        for name, tier in tiers:
            hit = open_.copy()
            if tier.aum_min is not None:
                hit &= aum >= tier.aum_min
            if tier.list_tier is not None:
                hit &= list_tier == tier.list_tier
            base[hit] = name
            open_ &= ~hit
        pooled_names = [k for k, t in tiers if t.pooled]
        open_ = (segment == line) & (base != "") & ~np.isin(base, pooled_names)
        for name, b in bands:
            hit = open_ & (contribution >= b.contribution_min)
            band[hit] = name
            open_ &= ~hit

    workload = np.zeros(n, dtype=float)
    priority = np.zeros(n, dtype=np.int64)
    pooled = np.zeros(n, dtype=bool)
    one_to_one = np.zeros(n, dtype=bool)
    for name, tier in policy.tiers.items():
        hit = base == name
        workload[hit] = tier.workload
        priority[hit] = tier.priority
        pooled[hit] = tier.pooled
        one_to_one[hit] = tier.one_to_one
    for name, b in policy.bands.items():
        hit = band == name
        priority[hit] = b.priority
        if b.workload is not None:
            workload[hit] = b.workload
        one_to_one[hit] |= b.one_to_one
    if not policy.rules.one_to_one:
        one_to_one[:] = False
    return pd.DataFrame(
        {
            "base_tier": _text(base),
            "band": _text(band),
            "expected_tier": _text(np.where(band != "", band, base)),
            "pooled": pooled,
            "served": (base != "") & ~pooled,
            "workload": workload,
            "priority": priority,
            "one_to_one": one_to_one,
        },
    )


def _rm_table(instance: Instance, policy: Policy) -> pd.DataFrame:
    """RMs indexed by ``rm_id`` with what the rules compare: capacity (policy default filled),
    grade rank, branch level rank, and one column per certification set the policy requires."""
    rms = instance.rms.drop_duplicates("rm_id").reset_index(drop=True)
    line = _as_str(rms["line"])
    levels = dict(
        zip(
            _as_str(instance.branches["branch_id"]),
            _as_str(instance.branches["level"]),
            strict=True,
        )
    )
    grade_rank = {g: i for i, g in enumerate(policy.grades)}
    level_rank = {lv: i for i, lv in enumerate(policy.branch_levels)}
    capacity = pd.to_numeric(_column(rms, "capacity", np.nan)).astype(float)
    default = line.map({k: float(v) for k, v in policy.default_capacity.items()}).astype(float)
    branch = _as_str(rms["branch_id"])
    table = pd.DataFrame(
        {
            "rm_id": _as_str(rms["rm_id"]),
            "line": line,
            "active": _column(rms, "active", True).fillna(True).astype(bool),
            "branch": branch,
            "unit": _as_str(_column(rms, "unit", "outlet")).replace("", "outlet"),
            "grade_rank": _as_str(rms["grade"]).map(grade_rank).fillna(-1).astype(int),
            "level_rank": branch.map(levels).map(level_rank).fillna(-1).astype(int),
            "capacity": capacity.fillna(default),
        }
    ).set_index("rm_id")
    held = [
        _implied_certifications(set(parse_certifications(s)), policy)
        for s in _as_str(_column(rms, "certifications", ""))
    ]
    for need in _certification_sets(policy):
        table[_cert_column(need)] = [need <= h for h in held]
    return table


def _implied_certifications(held: set[str], policy: Policy) -> frozenset[str]:
    """``held`` and everything it implies, transitively (CFP implies AFP; chains are followed)."""
    out = set(held)
    todo = list(held)
    while todo:
        for implied in policy.certification_implies.get(todo.pop(), []):
            if implied not in out:
                out.add(implied)
                todo.append(implied)
    return frozenset(out)


def _certification_sets(policy: Policy) -> set[frozenset[str]]:
    reqs: list[Requirements] = [*policy.tiers.values(), *policy.bands.values()]
    return {frozenset(r.certifications) for r in reqs if r.certifications}


def _cert_column(need: frozenset[str]) -> str:
    return "holds:" + ";".join(sorted(need))


def _pair_failures(
    rows: pd.DataFrame,
    rm_col: str,
    rms: pd.DataFrame,
    policy: Policy,
    ancestors: Mapping[str, frozenset[str]],
) -> pd.DataFrame:
    """Which pairwise rule each (customer, RM named in ``rm_col``) pair breaks.

    One boolean column per rule of :data:`PAIR_RULES` (True = broken), False where the RM is empty
    or unknown (those are other rules' business). Requirements of the customer's tier and of its
    band both apply.
    """
    rm_ids = rows[rm_col]
    known = rm_ids.isin(rms.index).to_numpy()
    rm = rms.reindex(rm_ids.to_numpy())
    out = {rule: np.zeros(len(rows), dtype=bool) for rule in PAIR_RULES}
    out["same_line"] = known & (rm["line"].to_numpy() != rows["segment"].to_numpy())
    out["rm_active"] = known & ~rm["active"].fillna(True).astype(bool).to_numpy()
    if policy.rules.branch_scope:
        in_scope = [
            rb in ancestors.get(cb, frozenset((cb,)))
            for cb, rb in zip(rows["branch_id"], rm["branch"].fillna(""), strict=True)
        ]
        out["branch_scope"] = known & ~np.asarray(in_scope, dtype=bool)

    min_grade = {g: i for i, g in enumerate(policy.grades)}
    min_level = {lv: i for i, lv in enumerate(policy.branch_levels)}
    unit = rm["unit"].fillna("").to_numpy()
    grade_rank = rm["grade_rank"].fillna(-1).to_numpy()
    level_rank = rm["level_rank"].fillna(-1).to_numpy()
    named: list[tuple[pd.Series, str, Requirements]] = [
        (rows["base_tier"], k, t) for k, t in policy.tiers.items()
    ] + [(rows["band"], k, b) for k, b in policy.bands.items()]
    for labels, name, req in named:
        mask = known & (labels.to_numpy() == name)
        if not mask.any():
            continue
        if req.units is not None:
            out["units"] |= mask & ~np.isin(unit, req.units)
        if req.certifications:
            need = frozenset(req.certifications)
            holds = rm[_cert_column(need)].fillna(False).astype(bool).to_numpy()
            out["certifications"] |= mask & ~holds
        if req.min_grade is not None:
            out["min_grade"] |= mask & (grade_rank < min_grade[req.min_grade])
        if req.min_branch_level is not None:
            out["min_branch_level"] |= mask & (level_rank < min_level[req.min_branch_level])
    return pd.DataFrame(out, index=rows.index)


@dataclass
class CheckContext:
    """Everything the rule functions read, prepared once.

    ``rows`` holds one row per input customer that the plan covers (first row of a duplicated
    id): plan columns, customer columns, tier columns, ``has_rm``/``rm_known``, the pairwise
    failures of the plan's RM (``fail_<rule>``) and whether today's RM is still active and
    eligible (``current_ok``).
    """

    policy: Policy
    customers: pd.DataFrame
    rows: pd.DataFrame
    rms: pd.DataFrame
    plan_violations: list[Violation]


def _normalise_plan(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan's contract columns as strings ("" for none), numbered in plan order."""
    out = pd.DataFrame({c: _as_str(plan[c]) for c in PLAN_COLUMNS})
    out["plan_row"] = np.arange(len(out))
    return out


def _prepare(instance: Instance, plan: pd.DataFrame, policy: Policy) -> CheckContext:
    """Join the plan with its customers, their tiers and their RMs, once for every rule.

    The pairwise rules are evaluated twice: for the plan's RM (is the assignment allowed?) and
    for today's RM (is it still "active and eligible", which decides statuses, locks and moves).
    """
    customers = instance.customers.reset_index(drop=True)
    cust = pd.DataFrame(
        {
            "customer_id": _as_str(customers["customer_id"]),
            "segment": _as_str(customers["segment"]),
            "branch_id": _as_str(customers["branch_id"]),
            "group_id": _as_str(_column(customers, "group_id", "")),
            "current_rm_id": _as_str(_column(customers, "current_rm_id", "")),
            "locked": _column(customers, "locked", False).fillna(False).astype(bool).to_numpy(),
        }
    )
    cust = pd.concat([cust, _tiers(customers, policy)], axis=1)
    cust = cust.drop_duplicates("customer_id")  # ids are unique in a validated instance

    normal = _normalise_plan(plan)
    plan_violations = _check_plan_rows(cust, normal)
    first = normal.drop_duplicates("customer_id", keep="first")
    rows = first.merge(cust, on="customer_id", how="inner")
    rows = rows.sort_values("plan_row", kind="stable").reset_index(drop=True)

    rms = _rm_table(instance, policy)
    ancestors = _ancestors(instance.branches)
    rows["has_rm"] = rows["rm_id"] != ""
    rows["no_reason"] = rows["reason"].str.strip() == ""
    rows["rm_known"] = rows["rm_id"].isin(rms.index)
    fails = _pair_failures(rows, "rm_id", rms, policy, ancestors)
    for rule in PAIR_RULES:
        rows[f"fail_{rule}"] = fails[rule].to_numpy()

    current = _pair_failures(rows, "current_rm_id", rms, policy, ancestors)
    rows["current_known"] = rows["current_rm_id"].isin(rms.index)
    rows["current_ok"] = (
        rows["current_known"] & rows["served"] & ~current[list(PAIR_RULES)].any(axis=1)
    )
    return CheckContext(
        policy=policy, customers=cust, rows=rows, rms=rms, plan_violations=plan_violations
    )


# --------------------------------------------------------------------------------------------
# the rules: one function each
# --------------------------------------------------------------------------------------------
def _violations(
    rows: pd.DataFrame, mask: pd.Series | BoolArray, rule: str, message: Callable[[Any], str]
) -> list[Violation]:
    """One violation per masked row; ``message`` gets the row (a namedtuple)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():  # the common case: skip building row tuples
        return []
    picked = rows[mask]
    return [
        Violation(rule, str(r.customer_id), str(r.rm_id), message(r))
        for r in picked.itertuples(index=False)
    ]


def _check_plan_rows(customers: pd.DataFrame, plan: pd.DataFrame) -> list[Violation]:
    """plan_rows: exactly one plan row per input customer, and none for anybody else."""
    known = customers["customer_id"]
    planned = plan["customer_id"]
    out = [
        Violation("plan_rows", cid, "", "input customer has no plan row")
        for cid in known[~known.isin(planned)]
    ]
    unknown = plan[~planned.isin(known)]
    out += [
        Violation(
            "plan_rows",
            cid,
            rm_id,
            "unknown customer in plan" if cid else "plan row has an empty customer_id",
        )
        for cid, rm_id in zip(unknown["customer_id"], unknown["rm_id"], strict=True)
    ]
    counts = planned[planned.isin(known)].value_counts(sort=False)
    out += [
        Violation("plan_rows", str(cid), "", f"customer has {n} plan rows")
        for cid, n in counts[counts > 1].items()
    ]
    return out


def check_known_rm(ctx: CheckContext) -> list[Violation]:
    """known_rm: a plan's rm_id names an RM of the input."""
    rows = ctx.rows
    return _violations(
        rows, rows["has_rm"] & ~rows["rm_known"], "known_rm", lambda r: "rm_id is not an input RM"
    )


def check_tier(ctx: CheckContext) -> list[Violation]:
    """tier: the plan's tier is the one the policy gives the customer."""
    rows = ctx.rows
    return _violations(
        rows,
        rows["tier"] != rows["expected_tier"],
        "tier",
        lambda r: f"plan tier {r.tier!r}, policy gives {r.expected_tier!r}",
    )


def check_pooled(ctx: CheckContext) -> list[Violation]:
    """pooled: a pooled customer (or one matching no tier) gets no RM."""
    rows = ctx.rows

    def why(r: Any) -> str:
        if r.base_tier:
            return f"tier {r.expected_tier!r} is pooled: no individual RM"
        return "customer matches no tier of the policy: no individual RM"

    return _violations(rows, rows["has_rm"] & ~rows["served"], "pooled", why)


def _pair_rule(ctx: CheckContext, rule: str, message: Callable[[Any], str]) -> list[Violation]:
    return _violations(ctx.rows, ctx.rows[f"fail_{rule}"], rule, message)


def check_same_line(ctx: CheckContext) -> list[Violation]:
    """same_line: an RM serves customers of its own line only."""
    line = ctx.rms["line"]
    return _pair_rule(
        ctx,
        "same_line",
        lambda r: f"{r.segment} customer, {line.get(r.rm_id, '?')} RM",
    )


def check_rm_active(ctx: CheckContext) -> list[Violation]:
    """rm_active: an inactive RM gets no customer."""
    return _pair_rule(ctx, "rm_active", lambda r: "RM is inactive")


def check_branch_scope(ctx: CheckContext) -> list[Violation]:
    """branch_scope: the RM sits at the customer's branch or an ancestor of it."""
    branch = ctx.rms["branch"]
    return _pair_rule(
        ctx,
        "branch_scope",
        lambda r: (
            f"RM branch {branch.get(r.rm_id, '?')!r} is not customer branch {r.branch_id!r} "
            "nor an ancestor of it"
        ),
    )


def _requirement_names(ctx: CheckContext, r: Any, attr: str) -> str:
    """The tier/band requirement values of ``attr`` that apply to row ``r``, for messages."""
    parts = []
    for name in (r.base_tier, r.band):
        req = ctx.policy.tiers.get(name) or ctx.policy.bands.get(name)
        value = getattr(req, attr, None) if req is not None else None
        if value:
            parts.append(f"{name} needs {value}")
    return "; ".join(parts)


def check_units(ctx: CheckContext) -> list[Violation]:
    """units: the RM's unit is one its customer's tier (and band) allows."""
    unit = ctx.rms["unit"]
    return _pair_rule(
        ctx,
        "units",
        lambda r: f"RM unit {unit.get(r.rm_id, '?')!r}; {_requirement_names(ctx, r, 'units')}",
    )


def check_certifications(ctx: CheckContext) -> list[Violation]:
    """certifications: the RM holds all required certifications (implied ones count)."""
    return _pair_rule(
        ctx,
        "certifications",
        lambda r: f"RM lacks a certification; {_requirement_names(ctx, r, 'certifications')}",
    )


def check_min_grade(ctx: CheckContext) -> list[Violation]:
    """min_grade: the RM's grade is at least the tier's (and band's) minimum."""
    return _pair_rule(
        ctx,
        "min_grade",
        lambda r: f"RM grade too low; {_requirement_names(ctx, r, 'min_grade')}",
    )


def check_min_branch_level(ctx: CheckContext) -> list[Violation]:
    """min_branch_level: the RM's branch sits at least at the required level."""
    return _pair_rule(
        ctx,
        "min_branch_level",
        lambda r: f"RM branch level too low; {_requirement_names(ctx, r, 'min_branch_level')}",
    )


def _group_key(rows: pd.DataFrame) -> pd.Series:
    """A customer's group: its group_id, or itself when it has none (keys cannot collide)."""
    return ("g:" + rows["group_id"]).where(rows["group_id"] != "", "c:" + rows["customer_id"])


def check_one_to_one(ctx: CheckContext) -> list[Violation]:
    """one_to_one: the RM of a one-to-one customer serves nobody outside that customer's group."""
    rows = ctx.rows
    if not ctx.policy.rules.one_to_one or not rows["one_to_one"].any():
        return []
    assigned = rows[rows["has_rm"]].assign(group_key=lambda f: _group_key(f))
    # per RM: how many customers of each group it serves
    per_group = assigned.groupby(["rm_id", "group_key"]).size()
    total = per_group.groupby(level="rm_id").sum()
    exclusive = assigned[assigned["one_to_one"]]
    own = per_group.reindex(pd.MultiIndex.from_frame(exclusive[["rm_id", "group_key"]])).to_numpy()
    outside = total.reindex(exclusive["rm_id"]).to_numpy() - own
    return [
        Violation(
            "one_to_one",
            cid,
            rm_id,
            f"one-to-one customer, but its RM serves {n} customer(s) outside its group",
        )
        for cid, rm_id, n in zip(exclusive["customer_id"], exclusive["rm_id"], outside, strict=True)
        if n > 0
    ]


def check_groups_share_rm(ctx: CheckContext) -> list[Violation]:
    """groups_share_rm: all customers of one group that have an RM have the same RM.

    The group's most common RM (smallest id on ties) is taken as its RM; every member served by
    another is reported.
    """
    rows = ctx.rows
    if not ctx.policy.rules.groups_share_rm:
        return []
    grouped = rows[rows["has_rm"] & (rows["group_id"] != "")]
    if grouped.empty:
        return []
    counts = grouped.groupby(["group_id", "rm_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["group_id", "n", "rm_id"], ascending=[True, False, True])
    main_rm = counts.drop_duplicates("group_id").set_index("group_id")["rm_id"]
    n_rms = counts.groupby("group_id").size()
    split = grouped[grouped["group_id"].map(n_rms) > 1]
    expected = split["group_id"].map(main_rm)
    return _violations(
        split,
        split["rm_id"] != expected,
        "groups_share_rm",
        lambda r: f"group {r.group_id!r} is served by {main_rm[r.group_id]!r}, this member not",
    )


def check_locks(ctx: CheckContext) -> list[Violation]:
    """locks: a locked customer keeps today's RM when that RM is active and eligible; when it is
    not, the lock cannot hold and the plan's reason must say so."""
    rows = ctx.rows
    if not ctx.policy.rules.locks:
        return []
    locked = rows["locked"] & (rows["current_rm_id"] != "")
    broken = locked & rows["current_ok"] & (rows["rm_id"] != rows["current_rm_id"])
    silent = locked & ~rows["current_ok"] & rows["no_reason"]
    out = _violations(
        rows,
        broken,
        "locks",
        lambda r: f"locked to active, eligible RM {r.current_rm_id!r}, plan moves it",
    )
    out += _violations(
        rows,
        silent,
        "locks",
        lambda r: f"lock to RM {r.current_rm_id!r} cannot hold, but the reason is empty",
    )
    return out


def rm_loads(instance: Instance, plan: pd.DataFrame, policy: Policy | None = None) -> pd.DataFrame:
    """Workload, capacity and utilisation of every input RM under ``plan``.

    Returns a frame indexed by ``rm_id`` with ``line``, ``active``, ``load`` (summed workload
    points of its plan customers), ``capacity`` (policy default filled in), ``utilisation``
    (``load / capacity``, NaN without capacity) and ``customers`` (how many it serves).
    """
    policy = load_policy(policy)
    ctx = _prepare(instance, plan, policy)
    return _loads(ctx)


def _loads(ctx: CheckContext) -> pd.DataFrame:
    assigned = ctx.rows[ctx.rows["rm_known"]]
    load = assigned.groupby("rm_id")["workload"].sum()
    n = assigned.groupby("rm_id").size()
    table = ctx.rms[["line", "active", "capacity"]].copy()
    table["load"] = load.reindex(table.index).fillna(0.0).astype(float)
    table["customers"] = n.reindex(table.index).fillna(0).astype(int)
    cap = table["capacity"].where(table["capacity"] > 0)
    table["utilisation"] = table["load"] / cap
    return table


def check_capacity(ctx: CheckContext) -> list[Violation]:
    """capacity: the summed workload of an RM's customers is at most its capacity."""
    loads = _loads(ctx)
    over = loads[loads["load"] > loads["capacity"] + _EPS]
    return [
        Violation("capacity", "", str(rm_id), f"workload {load:g} exceeds capacity {cap:g}")
        for rm_id, load, cap in zip(over.index, over["load"], over["capacity"], strict=True)
    ]


def _expected_status(rows: pd.DataFrame) -> npt.NDArray[np.object_]:
    """The status DATA_CONTRACT.md gives each row, from its RM, its tier and today's book."""
    has_rm = rows["has_rm"].to_numpy()
    pooled = rows["pooled"].to_numpy()
    current = rows["current_rm_id"].to_numpy()
    same = rows["rm_id"].to_numpy() == current
    return np.select(
        [
            ~has_rm & pooled,
            ~has_rm,  # not pooled: should have had one (a tier-less customer cannot)
            same,
            current == "",
            rows["current_ok"].to_numpy(),
        ],
        ["pooled", "unassigned", "kept", "new", "moved"],
        default="reassigned",
    ).astype(object)


def check_status(ctx: CheckContext) -> list[Violation]:
    """status: each row's status is the one its RM, tier and today's book imply (and an
    ``unassigned`` row says why in ``reason``)."""
    rows = ctx.rows.assign(expected_status=_expected_status(ctx.rows))
    wrong = rows["status"] != rows["expected_status"]

    def why(r: Any) -> str:
        if r.status not in STATUSES:
            return f"status {r.status!r} is not one of {list(STATUSES)}"
        return f"status {r.status!r}, expected {r.expected_status!r}"

    out = _violations(rows, wrong, "status", why)
    silent = ~wrong & (rows["status"] == "unassigned") & rows["no_reason"]
    out += _violations(rows, silent, "status", lambda r: "unassigned without a reason")
    return out


#: the rule functions in report order (plan_rows runs during preparation)
RULE_CHECKS: tuple[Callable[[CheckContext], list[Violation]], ...] = (
    check_known_rm,
    check_tier,
    check_pooled,
    check_same_line,
    check_rm_active,
    check_branch_scope,
    check_units,
    check_certifications,
    check_min_grade,
    check_min_branch_level,
    check_one_to_one,
    check_groups_share_rm,
    check_locks,
    check_capacity,
    check_status,
)


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------
def check_plan(instance: Instance, plan: pd.DataFrame, policy: Policy | None = None) -> CheckReport:
    """Check a plan against every rule of the policy.

    Parameters
    ----------
    instance
        The normalised input the plan was made for.
    plan
        At least the columns of :data:`PLAN_COLUMNS`; ``rm_id`` "" or NaN means no RM.
    policy
        The policy the plan should follow (the default policy when ``None``).

    Returns
    -------
    CheckReport
        Every violation found; ``report.ok`` when there is none.

    Raises
    ------
    allocator.errors.InputError
        When the plan lacks a required column.
    """
    require_plan_columns(plan)
    policy = load_policy(policy)
    ctx = _prepare(instance, plan, policy)
    violations = list(ctx.plan_violations)
    for rule_check in RULE_CHECKS:
        violations.extend(rule_check(ctx))
    report = CheckReport(violations, n_customers=instance.n_customers, n_plan_rows=len(plan))
    log.debug("plan check: %d violation(s) %s", len(violations), report.by_rule())
    return report


def score_plan(
    instance: Instance, plan: pd.DataFrame, policy: Policy | None = None
) -> dict[str, Any]:
    """The plan's objective, recomputed from the rules (the oracle for solver objectives).

    Counts each input customer once (its first plan row); rows of unknown customers are ignored.
    The score is computed whether or not the plan is valid: check it with :func:`check_plan`.

    Returns
    -------
    dict
        ``cover_value``: summed priority of the customers with an RM (a band's priority replaces
        its tier's); ``moved``: customers whose today's RM is active and eligible but who get
        another RM; ``max_utilisation``: the largest workload / capacity over active RMs with a
        capacity (0.0 when none); ``assigned`` and ``customers``: counts; ``coverage``: per tier
        label of the policy, ``{"customers": n, "assigned": k}``.
    """
    require_plan_columns(plan)
    policy = load_policy(policy)
    ctx = _prepare(instance, plan, policy)
    rows = ctx.rows
    has_rm = rows["has_rm"]
    moved = has_rm & rows["current_ok"] & (rows["rm_id"] != rows["current_rm_id"])
    loads = _loads(ctx)
    util = loads.loc[loads["active"], "utilisation"].dropna()

    # coverage over every input customer, planned or not
    cust = ctx.customers
    frame = pd.DataFrame(
        {
            "tier": cust["expected_tier"].replace("", "(none)"),
            "assigned": cust["customer_id"].isin(set(rows.loc[has_rm, "customer_id"])),
        }
    )
    coverage: dict[str, dict[str, int]] = {
        name: {"customers": 0, "assigned": 0} for name in policy.all_tier_names()
    }
    for name, counts in (
        frame.groupby("tier", sort=False)["assigned"].agg(["size", "sum"]).iterrows()
    ):
        coverage[str(name)] = {"customers": int(counts["size"]), "assigned": int(counts["sum"])}
    return {
        "cover_value": int(rows.loc[has_rm, "priority"].sum()),
        "moved": int(moved.sum()),
        "max_utilisation": float(util.max()) if len(util) else 0.0,
        "assigned": int(has_rm.sum()),
        "customers": int(instance.n_customers),
        "coverage": coverage,
    }
