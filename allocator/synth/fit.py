"""Does an RM fit a customer: the policy's pair rules, and the generator's needs.

Two questions, two answers on purpose:

- *May this RM serve this customer under the policy?* -- asked of live locks (a lock the compiler
  would reject is no lock at all) and of today's book when a bank is described. That is the rule
  engine's question, so :class:`PolicyFit` puts it to :data:`allocator.rules.PAIR_RULES` on the
  engine's own tables: when a rule is added or changed there, locks stay valid here.
- *Which RMs could have been chosen for this need?* -- asked when today's RM is drawn. The need
  is the generator's model, not a policy class: a group's needs combined, a customer's previous
  tier, a key customer who shares an ordinary RM. :func:`fits_need` checks such a need, as bit
  masks, against :class:`RmMasks`; the rule engine has no notion of it. (The masks also fix
  the order in which today's RMs are drawn, so they are part of what makes a seed's bank.)

Both read the RM frame once, through :class:`allocator.rules.RmTable` (certifications parsed by
:func:`allocator.contract.parse_certifications`, implications expanded by the policy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES
from allocator.policy import Policy
from allocator.rules import PAIR_RULES, BranchTable, ClassTable, RmTable, build_classes
from allocator.synth.branches import Tree
from allocator.synth.needs import PolicyView, code_of

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PolicyFit:
    """The policy's pair rules over a bank's RMs, for customers given by (tier, band).

    The rule engine's classes are one per (tier, band) of the policy (branch left out: the
    branch-scope rule is checked per pair), so a pair check is an array lookup plus one call per
    rule over all pairs at once.
    """

    policy: Policy
    branches: BranchTable
    rms: RmTable
    classes: ClassTable
    class_of: Ints  # PolicyView.class_index(tier, band) -> class, -1 for pooled tiers
    view: PolicyView

    @classmethod
    def build(cls, rms: RmTable, tree: Tree, view: PolicyView) -> PolicyFit:
        pol = view.policy
        rows = [(t, b) for t in view.tiers for b in ["", *view.bands]]  # class_index order
        customers = pd.DataFrame(
            {"segment": [pol.tiers[t].line for t, _ in rows], "branch_id": [""] * len(rows)}
        )
        tiers = pd.DataFrame(
            {
                "base_tier": [t for t, _ in rows],
                "band": [b for _, b in rows],
                "pooled": [pol.tiers[t].pooled for t, _ in rows],
            }
        )
        classes = build_classes(customers, tiers, tree.table, rms, pol)
        return cls(pol, tree.table, rms, classes, classes.class_of, view)

    def fits(self, tier: Ints, band: Ints, branch: Ints, rm: Ints) -> Bools:
        """Whether RM ``rm[i]`` may serve a customer of ``tier[i]``/``band[i]`` at ``branch[i]``.

        Every rule of the policy: line (a composite RM serves both), position (executives and
        assistants serve nobody), branch scope (when on), active, unit, certifications, grade
        and branch level. False for no RM (-1), no branch, or a pooled tier.
        """
        ok = (tier >= 0) & (rm >= 0) & (branch >= 0)
        sel = np.flatnonzero(ok)
        k = self.class_of[self.view.class_index(tier[sel], band[sel])]
        ok[sel[k < 0]] = False  # pooled: no RM fits
        sel, k = sel[k >= 0], k[k >= 0]
        r = rm[sel]
        # same line, or a composite RM; only an RM position serves customers (contract v1.1)
        keep = (self.classes.line[k] == self.rms.line[r]) | self.rms.composite[r]
        keep &= self.rms.position[r] == "rm"
        if self.policy.rules.branch_scope:
            sits = self.rms.branch[r]
            keep &= (sits >= 0) & self.branches.is_ancestor_or_self(sits, branch[sel])
        for _, rule in PAIR_RULES:
            keep &= rule(k, r, self.classes, self.rms, self.branches)
        ok[sel] = keep
        return ok


@dataclass(frozen=True)
class RmMasks:
    """RMs in the generator's codes: line code, unit and certification bits (the generator's bit
    order, see :class:`~allocator.synth.needs.PolicyView`), grade and branch level ranks."""

    line: Ints
    unit: Ints  # the bit of the RM's unit
    certs: Ints  # bit mask, implications included
    grade: Ints
    branch: Ints
    level: Ints  # level rank of the RM's branch
    active: Bools
    capacity: Floats  # the line's default where the row gives none (inactive RMs too)

    @classmethod
    def build(cls, frame: pd.DataFrame, table: RmTable, tree: Tree, view: PolicyView) -> RmMasks:
        """From the RM frame and the engine's table of it (``table`` parsed the certifications:
        its bits are re-mapped to the generator's, one distinct set at a time)."""
        pol = view.policy
        line = code_of(table.line, LINES)
        sets, which = np.unique(table.cert_mask, return_inverse=True)
        remap = np.array(
            [
                sum(view.cert_bits.get(c, 0) for c, bit in table.cert_bits.items() if held & bit)
                for held in sets.tolist()
            ],
            dtype=np.int64,
        )
        default = np.array([pol.default_capacity[x] for x in LINES])[np.maximum(line, 0)]  # type: ignore[index]
        cap = frame["capacity"].to_numpy(dtype=np.float64)
        return cls(
            line=line,
            unit=np.array([view.unit_bits.get(str(u), 0) for u in table.unit], dtype=np.int64),
            certs=remap[which.reshape(-1)] if sets.size else np.zeros(0, dtype=np.int64),
            grade=table.grade_rank,
            branch=table.branch,
            level=np.where(table.branch >= 0, tree.level[np.maximum(table.branch, 0)], -1),
            active=table.active,
            capacity=np.where(np.isnan(cap), default, cap),
        )


def fits_need(
    rms: RmMasks,
    rm: Ints,
    need: tuple[int, ...],
    branch: int,
    tree: Tree,
    branch_scope: bool,
) -> Bools:
    """Whether each RM of ``rm`` meets one need at ``branch``: line, unit, certifications,
    grade, branch level and, when the policy has it, branch scope. Whether the RM is still
    active is not asked: today's RM may have left since.

    ``need`` is one row of :class:`~allocator.synth.needs.Needs` as ``(line, units, certs,
    grade, level)``: today's RMs are drawn need by need, and a row is what the draw groups by.
    """
    line, units, certs, grade, level = need
    ok = (rms.line[rm] == line) & ((rms.unit[rm] & units) != 0)
    ok &= (rms.certs[rm] & certs) == certs
    ok &= (rms.grade[rm] >= grade) & (rms.level[rm] >= level)
    if branch_scope:
        ok &= tree.covers(rms.branch[rm], rms.level[rm], np.asarray([branch]))
    return ok
