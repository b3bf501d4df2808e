"""What each customer asks of its RM, as bit masks the generator can combine and compare fast.

The rules themselves come from the rule engine: a customer's tier and band from
:func:`allocator.rules.assign_tiers`, what a (tier, band) requires of an RM from
:func:`allocator.rules.combined_requirements`. This module only re-encodes them as integers
(units and certifications as bit masks, grades and levels as ranks), because generation must
*combine* needs (a group is served as one: units intersect, certifications add up) and *alter*
them (a customer who outgrew its RM still has an RM of its previous tier) for hundreds of
thousands of customers at once, which names and sets cannot do in NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES, UNITS
from allocator.policy import Policy
from allocator.rules import assign_tiers, combined_requirements, index_of

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

#: months below a line beyond which no wait of a valid policy (at most 120 months) still holds
_MONTHS_KEPT = 121

#: line codes (positions in :data:`allocator.contract.LINES`) the generator stores per row
RETAIL: int = LINES.index("retail")
CORPORATE: int = LINES.index("corporate")


def code_of(values: pd.Series | npt.ArrayLike, names: list[str] | tuple[str, ...]) -> Ints:
    """Position of each value in ``names`` (-1 when absent): strings become small integers once,
    and everything after compares integers (:func:`allocator.rules.index_of`)."""
    table = np.asarray(names, dtype=object)
    return index_of(table, {name: i for i, name in enumerate(names)}, values)


@dataclass(frozen=True)
class Needs:
    """What each customer (or unit) asks of its RM, as arrays (one row each).

    The first six fields are what an RM must meet; the last four what serving the row costs and
    which policy class it came from.
    """

    line: Ints  # index into LINES
    units: Ints  # bit mask over contract.UNITS of the units allowed
    certs: Ints  # bit mask of certifications needed
    grade: Ints  # minimum grade rank, -1 none
    level: Ints  # minimum branch level rank, -1 none
    one_to_one: Bools
    workload: Floats
    pooled: Bools
    tier: Ints  # tier index (policy order)
    band: Ints  # band index (policy order), -1 none

    def take(self, idx: Ints) -> Needs:
        """The rows ``idx``, as a new (copied) table."""
        return Needs(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    def replace(self, **changes: Any) -> Needs:
        """A table with some fields replaced (the others shared, not copied)."""
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        fields.update(changes)
        return Needs(**fields)

    def set_rows(self, idx: Ints, source: Needs) -> None:
        """``self[idx] = source``, field by field, in place (``self`` must be a private copy)."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[idx] = getattr(source, name)


@dataclass(frozen=True)
class Tiers:
    """The rule engine's verdict, once per *kind* of customer (see :meth:`PolicyView.classify`).

    ``kind[c]`` is customer ``c``'s kind; per kind: tier and band indices (policy order, -1
    none), the plan's tier label, and the workload and pooling the tier (or band) sets. Kept per
    kind, not per customer, so that spreading it to a million customers happens once, in
    :meth:`PolicyView.needs_of`.
    """

    kind: Ints
    tier: Ints
    band: Ints
    label: Objects
    workload: Floats
    pooled: Bools

    def labels(self) -> Objects:
        """The plan's tier label of each customer: the band when one applies, else the tier."""
        return self.label[self.kind]


@dataclass(frozen=True)
class PolicyView:
    """The policy as lookup tables: one row of requirement masks per (tier, band) class.

    ``requirements`` is indexed by :meth:`class_index`; its ``workload`` and ``pooled`` are the
    tier's own (what an RM of that tier carries), a customer's come from ``assign_tiers``.
    """

    policy: Policy
    tiers: list[str]
    bands: list[str]
    cert_bits: dict[str, int]
    unit_bits: dict[str, int]
    requirements: Needs
    list_names: list[str]  # the list_tier values the policy's tiers name (codes index this)
    label_names: list[str]  # every tier and band name (``previous_tier`` codes index this)
    prev_tier: Ints  # the next lower served tier of the same line, -1 none
    lowest_served: dict[str, int]  # per line: the lowest served AUM tier (for downgrades)

    @classmethod
    def build(cls, policy: Policy) -> PolicyView:
        tiers, bands = list(policy.tiers), list(policy.bands)
        # The bits are part of the bank: today's RMs are drawn class by class in the sorted order
        # of these masks, so the same vocabulary (and bit order) keeps a seed's bank unchanged.
        vocab = {"AFP", "CFP", "CPB"}
        for req in [*policy.tiers.values(), *policy.bands.values()]:
            vocab |= set(req.certifications)
        for held, implied in policy.certification_implies.items():
            vocab |= {held, *implied}
        cert_bits = {c: 1 << i for i, c in enumerate(sorted(vocab))}
        unit_bits = {u: 1 << i for i, u in enumerate(UNITS)}
        all_units = sum(unit_bits.values())
        grade = {g: i for i, g in enumerate(policy.grades)}
        level = {lv: i for i, lv in enumerate(policy.branch_levels)}
        rows = []
        for t in tiers:
            for b in ["", *bands]:
                req = combined_requirements(policy, t, b)
                rows.append(
                    (
                        _bits(req.units, unit_bits) if req.units is not None else all_units,
                        _bits(req.certifications, cert_bits),
                        grade[req.min_grade] if req.min_grade else -1,
                        level[req.min_branch_level] if req.min_branch_level else -1,
                        req.one_to_one and policy.rules.one_to_one,
                    )
                )
        per_class = len(bands) + 1
        tier_of = [policy.tiers[t] for t in tiers]
        requirements = Needs(
            line=np.repeat([LINES.index(t.line) for t in tier_of], per_class).astype(np.int64),
            units=np.array([r[0] for r in rows], dtype=np.int64),
            certs=np.array([r[1] for r in rows], dtype=np.int64),
            grade=np.array([r[2] for r in rows], dtype=np.int64),
            level=np.array([r[3] for r in rows], dtype=np.int64),
            one_to_one=np.array([r[4] for r in rows], dtype=bool),
            workload=np.repeat([float(t.workload) for t in tier_of], per_class).astype(np.float64),
            pooled=np.repeat([t.pooled for t in tier_of], per_class).astype(bool),
            tier=np.repeat(np.arange(len(tiers), dtype=np.int64), per_class),
            band=np.tile(np.arange(-1, len(bands), dtype=np.int64), len(tiers)),
        )
        names = list(dict.fromkeys(t.list_tier for t in tier_of if t.list_tier))
        return cls(
            policy=policy,
            tiers=tiers,
            bands=bands,
            cert_bits=cert_bits,
            unit_bits=unit_bits,
            requirements=requirements,
            list_names=names,
            label_names=policy.all_tier_names(),
            prev_tier=_previous_tiers(policy),
            lowest_served=_lowest_served(policy),
        )

    def list_code(self, name: str | None) -> int:
        """The code of a ``list_tier`` value (-2 for one no tier names: it matches nothing)."""
        return self.list_names.index(name) if name in self.list_names else -2

    def class_index(self, tier: Ints, band: Ints) -> Ints:
        """Row of ``requirements`` for each (tier, band) pair (band -1: none)."""
        return tier * (len(self.bands) + 1) + band + 1

    def classify(
        self,
        line: Ints,
        list_tier: Ints,
        aum: Floats,
        contribution: Floats,
        previous: Ints | None = None,
        months: Ints | None = None,
    ) -> Tiers:
        """Tier and band of every customer, as :func:`allocator.rules.assign_tiers` decides.

        The rule engine is asked once per *kind* of customer, not once per customer: its rules
        compare only the line, the list and the amounts against the policy's thresholds, so
        customers alike in those comparisons get the same verdict. Each kind is put to
        ``assign_tiers`` through one real member, and the answer is spread to the others. A
        million customers are a few dozen kinds, so this costs what a hand-written copy of the
        rules would, without being one (a test keeps it equal to ``assign_tiers`` on every
        customer).

        Parameters
        ----------
        line, list_tier
            Codes into :data:`LINES` and :attr:`list_names` (-1: unknown line, no list).
        aum, contribution
            The amounts.
        previous, months
            Last quarter's tier (codes into :attr:`label_names`, -1 none) and the months below
            its line, for the hysteresis (contract v1.1); ``None`` or no previous tier at all:
            the tiers by value alone.
        """
        pol = self.policy
        aum_cuts = sorted({t.aum_min for t in pol.tiers.values() if t.aum_min is not None})
        contribution_cuts = sorted({b.contribution_min for b in pol.bands.values()})
        # one integer per customer: line, list, and how many thresholds each amount reaches
        # (NaN reaches none, as an amount below them all: the rules cannot tell them apart)
        key = np.asarray(line, dtype=np.int64) + 1
        key *= len(self.list_names) + 1
        key += list_tier + 1
        for amount, cuts in ((aum, aum_cuts), (contribution, contribution_cuts)):
            key *= len(cuts) + 1
            for cut in cuts:
                key += amount >= cut
        history = previous is not None and months is not None and bool((previous >= 0).any())
        if history:  # the hysteresis also reads last quarter's tier and the months below it
            assert previous is not None and months is not None
            key *= len(self.label_names) + 1
            key += previous + 1
            key *= _MONTHS_KEPT + 1
            key += np.minimum(months, _MONTHS_KEPT)
        kind, kinds = pd.factorize(key)
        member = np.zeros(kinds.size, dtype=np.int64)
        member[kind] = np.arange(kind.size, dtype=np.int64)  # any member speaks for its kind
        line_names = np.asarray(["", *LINES], dtype=object)
        list_names = np.asarray(["", *self.list_names], dtype=object)
        one_each = pd.DataFrame(
            {
                "segment": line_names[line[member] + 1],
                "aum": aum[member],
                "annual_contribution": contribution[member],
                "list_tier": list_names[list_tier[member] + 1],
            }
        )
        if history:
            assert previous is not None and months is not None
            label_names = np.asarray(["", *self.label_names], dtype=object)
            one_each["previous_tier"] = label_names[previous[member] + 1]
            one_each["months_below"] = np.minimum(months[member], _MONTHS_KEPT)
        verdict = assign_tiers(one_each, pol)
        return Tiers(
            kind=np.asarray(kind, dtype=np.int64),
            tier=code_of(verdict["base_tier"].to_numpy(dtype=object), self.tiers),
            band=code_of(verdict["band"].to_numpy(dtype=object), self.bands),
            label=verdict["tier"].to_numpy(dtype=object),
            workload=verdict["workload"].to_numpy(dtype=np.float64),
            pooled=verdict["pooled"].to_numpy(dtype=bool),
        )

    def needs_of(self, tiers: Tiers) -> Needs:
        """The needs of classified customers: their class's requirements, their own workload."""
        if (tiers.tier < 0).any():
            raise ValueError("a customer matches no tier of its line")
        per_kind = self.requirements.take(self.class_index(tiers.tier, tiers.band))
        per_kind = per_kind.replace(workload=tiers.workload, pooled=tiers.pooled)
        return per_kind.take(tiers.kind)

    def base_needs(self, tier: Ints) -> Needs:
        """Needs of ``tier`` without any band (what an ordinary RM of that tier meets)."""
        return self.requirements.take(self.class_index(tier, np.full_like(tier, -1)))


def _bits(names: list[str], bits: dict[str, int]) -> int:
    """The mask of a list of names (each name once, however often it is listed)."""
    mask = 0
    for name in names:
        mask |= bits[name]
    return mask


def _previous_tiers(policy: Policy) -> Ints:
    """Per tier, the next served tier of its line below it (-1 none): the tier a customer who
    outgrew its RM was in when the RM was chosen."""
    tiers = list(policy.tiers.values())
    prev = np.full(len(tiers), -1, dtype=np.int64)
    for i, tier in enumerate(tiers):
        later = [
            j
            for j in range(i + 1, len(tiers))
            if tiers[j].line == tier.line and not tiers[j].pooled
        ]
        prev[i] = later[0] if later else -1
    return prev


def _lowest_served(policy: Policy) -> dict[str, int]:
    """Per line, the served AUM tier with the lowest threshold: the one a downgraded (now
    pooled) customer was in."""
    lowest: dict[str, int] = {}
    for line in LINES:
        served = [
            (t.aum_min, i)
            for i, t in enumerate(policy.tiers.values())
            if t.line == line and not t.pooled and t.aum_min is not None
        ]
        if served:
            lowest[line] = min(served)[1]
    return lowest
