"""What the checker reports: the rules it knows, one :class:`Violation` per broken rule, and the
:class:`CheckReport` of a whole plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

#: rule names a :class:`Violation` may carry, in the order reports list them
RULES = (
    "plan_rows",  # exactly one plan row per input customer
    "known_rm",  # rm_id names an RM of the input
    "tier",  # the plan's tier is the one the policy gives
    "pooled",  # pooled (or tier-less) customers get no RM
    "same_line",  # the RM's line is the customer's segment (or a composite RM where allowed)
    "position",  # the RM holds an RM position (executives and assistant posts serve nobody)
    "rm_active",  # the RM is active
    "branch_scope",  # the RM's branch is the customer's branch or an ancestor of it
    "units",  # the RM's unit is one the tier/band allows
    "certifications",  # the RM holds every certification required (implications counted)
    "min_grade",  # the RM's grade is high enough
    "min_branch_level",  # the RM's branch level is high enough
    "forbidden",  # the RM is not one the customer's forbid_rm_ids names
    "one_to_one",  # a one-to-one customer's RM serves nobody outside the customer's group
    "groups_share_rm",  # all customers of one group that have an RM have the same RM
    "locks",  # a locked customer keeps an active, eligible current RM (or the reason says why not)
    "capacity",  # an RM's workload is at most its capacity
    "status",  # the status (and reason) agree with the plan and today's book
    "move_only_on_departure",  # customers of these tiers are never moved
    "move_caps",  # no RM loses more of today's customers than its cap
    "handover",  # a departed RM's customer stays in the leaver's branch when an RM there has room
    "reason",  # every reason code holds (the reason checker, allocator.checker.reasons)
    "coverage_rows",  # coverage.csv rows name known customers, roles and RMs; primary = plan
    "coverage_roles",  # each filled coverage role is one the rules allow
    "coverage_capacity",  # roles' workloads fit the RMs' room; executives' co-cover capacity
    "coverage_complete",  # no role left empty while an eligible person had room; richest first
)

#: pairwise rules: they depend only on one (customer, RM) pair, so they also decide whether
#: today's RM is still "active and eligible" for the status, lock and continuity rules
PAIR_RULES = (
    "same_line",
    "position",
    "rm_active",
    "branch_scope",
    "units",
    "certifications",
    "min_grade",
    "min_branch_level",
    "forbidden",
)

# Tolerance on workload sums: points are small decimals added up, so compare with some slack.
EPS = 1e-9


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
