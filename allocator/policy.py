"""The allocation policy: data, validated.

The default policy v1 ships as ``default_policy.yaml`` beside this module. A user's policy file is
deep-merged over it, so a file names only what it changes. No tier threshold, weight or rule
number lives in code: everything the rules need comes from a :class:`Policy`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from allocator.bounds import MAX_AMOUNT, MAX_CAPACITY, MAX_PRIORITY, MAX_WORKLOAD
from allocator.contract import LINES, UNITS, Line
from allocator.io.limits import ReadLimits

Stage = Literal["cover_value", "continuity", "balance"]


_STAGES: tuple[Stage, ...] = ("cover_value", "continuity", "balance")


class _Strict(BaseModel):
    # every number of a policy is finite: ``1e309`` in a YAML file reads as infinity
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: a workload in points (:mod:`allocator.bounds` says why it is bounded)
Workload = Annotated[float, Field(ge=0, le=MAX_WORKLOAD)]
#: a priority: the value of covering one customer
Priority = Annotated[int, Field(ge=0, le=MAX_PRIORITY)]
#: an amount in RMB (a threshold on aum or contribution)
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
#: an RM's capacity in workload points
Capacity = Annotated[float, Field(gt=0, le=MAX_CAPACITY, allow_inf_nan=False)]


class Requirements(_Strict):
    """What an RM must have to serve a customer of a tier or band.

    Attributes
    ----------
    units : list of str, optional
        The RM's unit must be one of these (any unit when omitted).
    certifications : list of str
        The RM must hold all of these, counting what its certifications imply.
    min_grade : str, optional
        The RM's grade must be at least this one.
    min_branch_level : str, optional
        The RM's branch must sit at this level or higher.
    one_to_one : bool
        The RM serves nobody outside the customer's group.
    """

    units: list[str] | None = None
    certifications: list[str] = Field(default_factory=list)
    min_grade: str | None = None
    min_branch_level: str | None = None
    one_to_one: bool = False


class Tier(Requirements):
    """A customer tier of one line, with the conditions that put a customer in it."""

    line: Line
    aum_min: Amount | None = None
    list_tier: str | None = None
    workload: Workload = 0
    priority: Priority = 0
    pooled: bool = False


class Band(Requirements):
    """A contribution band applied on top of a tier (corporate ``key10m``, ``key3m``)."""

    line: Line
    contribution_min: Amount
    priority: Priority
    workload: Workload | None = None


class Rules(_Strict):
    """Switches for the side rules (all on in policy v1)."""

    branch_scope: bool = True
    groups_share_rm: bool = True
    one_to_one: bool = True
    locks: bool = True


class Continuity(_Strict):
    """The quarterly re-allocation's move rules (contract v1.1; the defaults keep v1 behaviour).

    Attributes
    ----------
    max_moved_share : float, optional
        Per RM and run, its ``moved`` customers are at most ``ceil(share x its customers today
        who could stay)`` plus the fewest whose leaving brings it within capacity. Off (``None``)
        by default; practice is 0.10.
    move_only_on_departure : list of str
        Tiers (or bands) whose customers are never ``moved``: they change RM only when theirs
        has left, is inactive or no longer eligible (practice: ``[private]``).
    handover : ``same_outlet_first`` or ``none``
        A leaver's customer goes to an eligible RM of the leaver's own branch when one has room
        (then up the tree); ``none`` lets the objective alone decide.
    """

    max_moved_share: float | None = Field(default=None, gt=0, le=1)
    move_only_on_departure: list[str] = Field(default_factory=list)
    handover: Literal["same_outlet_first", "none"] = "same_outlet_first"


class Hysteresis(_Strict):
    """Tier hysteresis: a customer whose value falls below its previous tier keeps that tier
    until ``months_below`` reaches the wait (contract v1.1); upgrades are immediate.

    Attributes
    ----------
    enabled : bool
        On by default; it only acts on customers whose ``previous_tier`` is given.
    wait_months : dict of str to int
        Months below the line before the tier is lost, by tier or band name; ``default`` for
        the others (3 months, 6 for ``private`` in policy v1.1).
    """

    enabled: bool = True
    wait_months: dict[str, int] = Field(default_factory=lambda: {"default": 3, "private": 6})

    def wait(self, tier: str) -> int:
        """The months a customer of ``tier`` may stay below its line and keep the tier."""
        return int(self.wait_months.get(tier, self.wait_months.get("default", 3)))


class CoCoverPosition(_Strict):
    """An executive position that co-covers rich retail customers of its branch subtree."""

    aum_min: float = Field(ge=0, le=1e15)
    level: str


def _default_positions() -> dict[str, CoCoverPosition]:
    return {
        "subbranch_deputy_head": CoCoverPosition(aum_min=1_000_000, level="subbranch"),
        "subbranch_head": CoCoverPosition(aum_min=2_000_000, level="subbranch"),
        "city_head": CoCoverPosition(aum_min=5_000_000, level="city"),
    }


class CoCover(_Strict):
    """Executive co-coverage (the directive: a sub-branch's deputy head from 1,000,000 of
    financial assets, its head from 2,000,000, the city branch's leaders from 5,000,000).

    Each retail customer at or above a line is co-covered by an executive of the position whose
    line it meets highest (its *band*), sitting at the position's branch level above the
    customer's branch; an executive co-covers at most its ``co_cover_capacity`` customers
    (``default_capacity`` when rms.csv gives none), the richest first when short.
    """

    enabled: bool = True
    positions: dict[str, CoCoverPosition] = Field(default_factory=_default_positions)
    default_capacity: float = Field(default=50, gt=0, le=1e6)


class CityCoRm(_Strict):
    """Named-list customers of the head-office and province lists are also listed at their city
    branch: they get a co-RM of their line at the city-level branch above them, whose capacity
    carries ``workload`` points per such customer."""

    enabled: bool = True
    tiers: list[str] = Field(default_factory=lambda: ["hq", "province"])
    level: str = "city"
    workload: float = Field(default=1.0, ge=0, le=1e6)


class Team(_Strict):
    """A key-account team: the lead (the primary RM, of the band's grade) and ``size - 1``
    members of the customer's line, each carrying ``member_workload`` points."""

    size: int = Field(default=3, ge=1, le=20)
    member_workload: float = Field(default=1.0, ge=0, le=1e6)


class GroupNetwork(_Strict):
    """A group's network: the group's RM leads; each member's branch gets a network RM (role
    ``team_member``) when the member sits at another branch than the lead."""

    enabled: bool = False
    workload: float = Field(default=1.0, ge=0, le=1e6)


class Coverage(_Strict):
    """The coverage model beyond one RM per customer (contract v1.1, ``coverage.*``).

    Attributes
    ----------
    key_accounts : ``one_to_one`` or ``team``
        How a key account (a band with ``one_to_one``) is served: by a dedicated RM, or by a
        team led by an RM of the band's grade (the lead then keeps other customers).
    team, co_cover, city_co_rm, group_network
        Each role's rules (see their classes).
    composite_levels : list of str
        Branch levels where an RM of ``line: both`` serves both lines (first-level and county
        sub-branches: ``subbranch``); elsewhere it serves neither.
    designated_tiers : list of str
        Tiers a VIP centre serves only when ``designated_private`` (practice: ``[private]``;
        policy v1 lets every VIP centre serve them, so the default is none).
    """

    key_accounts: Literal["one_to_one", "team"] = "one_to_one"
    team: Team = Field(default_factory=Team)
    co_cover: CoCover = Field(default_factory=CoCover)
    city_co_rm: CityCoRm = Field(default_factory=CityCoRm)
    group_network: GroupNetwork = Field(default_factory=GroupNetwork)
    composite_levels: list[str] = Field(default_factory=lambda: ["subbranch"])
    designated_tiers: list[str] = Field(default_factory=list)


class Policy(_Strict):
    """A validated allocation policy (see ``default_policy.yaml`` for the meaning of each field)."""

    version: int = 1
    grades: list[str]
    branch_levels: list[str]
    certification_implies: dict[str, list[str]] = Field(default_factory=dict)
    default_capacity: dict[Line, Capacity]
    tiers: dict[str, Tier]
    bands: dict[str, Band] = Field(default_factory=dict)
    rules: Rules = Field(default_factory=Rules)
    objective: list[Stage] = Field(default_factory=lambda: list(_STAGES))
    continuity: Continuity = Field(default_factory=Continuity)
    hysteresis: Hysteresis = Field(default_factory=Hysteresis)
    coverage: Coverage = Field(default_factory=Coverage)

    @model_validator(mode="after")
    def _check_references(self) -> Policy:
        problems: list[str] = []
        for name, req in [*self.tiers.items(), *self.bands.items()]:
            if req.min_grade is not None and req.min_grade not in self.grades:
                problems.append(f"{name}: min_grade {req.min_grade!r} is not one of {self.grades}")
            if req.min_branch_level is not None and req.min_branch_level not in self.branch_levels:
                problems.append(
                    f"{name}: min_branch_level {req.min_branch_level!r} is not one of "
                    f"{self.branch_levels}"
                )
            for unit in req.units or []:
                if unit not in UNITS:
                    problems.append(f"{name}: unit {unit!r} is not one of {list(UNITS)}")
        for line in LINES:
            if line not in self.default_capacity or self.default_capacity[line] <= 0:  # type: ignore[index]
                problems.append(f"default_capacity.{line} must be a number > 0")
            if not any(
                t.line == line and t.aum_min is None and t.list_tier is None
                for t in self.tiers.values()
            ):
                problems.append(f"line {line!r} needs a catch-all tier (no aum_min, no list_tier)")
        for name in set(self.tiers) & set(self.bands):
            problems.append(f"{name!r} is both a tier and a band")
        if len(set(self.objective)) != len(self.objective):
            problems.append("objective lists a stage twice")
        names = set(self.tiers) | set(self.bands)
        for name in self.continuity.move_only_on_departure:
            if name not in names:
                problems.append(f"continuity.move_only_on_departure: unknown tier {name!r}")
        cov = self.coverage
        levels = [p.level for p in cov.co_cover.positions.values()]
        for level in [*levels, cov.city_co_rm.level, *cov.composite_levels]:
            if level not in self.branch_levels:
                problems.append(
                    f"coverage: branch level {level!r} is not one of {self.branch_levels}"
                )
        for name in [*cov.city_co_rm.tiers, *cov.designated_tiers]:
            if name not in names:
                problems.append(f"coverage.city_co_rm.tiers: unknown tier {name!r}")
        for name in cov.co_cover.positions:
            if name not in ("subbranch_deputy_head", "subbranch_head", "city_head"):
                problems.append(f"coverage.co_cover.positions: unknown position {name!r}")
        for name, months in self.hysteresis.wait_months.items():
            if name != "default" and name not in names:
                problems.append(f"hysteresis.wait_months: unknown tier {name!r}")
            if not 0 <= months <= 120:
                problems.append(f"hysteresis.wait_months.{name} must be 0..120, got {months}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- derived views -------------------------------------------------------------------------
    def tiers_of(self, line: str) -> dict[str, Tier]:
        """The tiers of ``line`` in the order they are tried."""
        return {k: t for k, t in self.tiers.items() if t.line == line}

    def bands_of(self, line: str) -> dict[str, Band]:
        """The bands of ``line``, highest ``contribution_min`` first."""
        items = [(k, b) for k, b in self.bands.items() if b.line == line]
        return dict(sorted(items, key=lambda kv: -kv[1].contribution_min))

    def all_tier_names(self) -> list[str]:
        """Every label a plan's ``tier`` column may take."""
        return [*self.tiers, *self.bands]

    def grade_rank(self, grade: str) -> int:
        """Position of ``grade`` in :attr:`grades` (low to high)."""
        return self.grades.index(grade)

    def level_rank(self, level: str) -> int:
        """Position of ``level`` in :attr:`branch_levels` (low to high)."""
        return self.branch_levels.index(level)

    def expand_certifications(self, held: set[str]) -> set[str]:
        """The certifications ``held`` satisfies, implications included (transitively)."""
        out = set(held)
        todo = list(held)
        while todo:
            for implied in self.certification_implies.get(todo.pop(), []):
                if implied not in out:
                    out.add(implied)
                    todo.append(implied)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A plain dict that :func:`load_policy` reads back to an equal policy."""
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        """The policy as YAML, for ``rmalloc policy show``."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def merged(self, override: Mapping[str, Any] | None) -> Policy:
        """A new policy with ``override`` deep-merged over this one."""
        if not override:
            return self
        return Policy.model_validate(deep_merge(self.to_dict(), override))


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings merge key by key, anything else
    replaces. ``None`` as a value in ``override`` resets a key to ``None``."""
    out: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@functools.cache
def _default_text() -> str:
    return resources.files("allocator").joinpath("default_policy.yaml").read_text("utf-8")


@functools.cache
def _default_frozen() -> Policy:
    return Policy.model_validate(yaml.safe_load(_default_text()))


def _default_dict() -> dict[str, Any]:
    data = yaml.safe_load(_default_text())
    assert isinstance(data, dict)
    return data


def default_policy() -> Policy:
    """Policy v1 as shipped in ``default_policy.yaml`` (parsed once; policies are immutable)."""
    return _default_frozen()


def load_policy(
    source: str | Path | Mapping[str, Any] | Policy | None = None,
    *,
    limits: ReadLimits | None = None,
) -> Policy:
    """The effective policy: the default with ``source`` merged over it.

    Parameters
    ----------
    source
        ``None`` for the default; a :class:`Policy` as is; a mapping of overrides; or the path of a
        YAML or JSON file of overrides.
    limits
        The most a policy file may hold (size, nesting, values with aliases expanded;
        :class:`~allocator.io.ReadLimits`): a YAML alias bomb is refused before it is built.

    Raises
    ------
    allocator.errors.PolicyError
        When the file cannot be read or the merged policy is invalid; the message names the file
        and, in plain sentences, every field at fault.
    """
    from allocator.errors import PolicyError
    from allocator.io import load_structured

    if isinstance(source, Policy):
        return source
    if source is None:
        return default_policy()
    where = "policy"
    if isinstance(source, (str, Path)):
        where = str(source)
        try:
            data = load_structured(source, limits) or {}
        except ValueError as exc:
            raise PolicyError(f"cannot read policy: {exc}") from None
        if not isinstance(data, Mapping):
            raise PolicyError(
                f"{where}: a policy file must hold a mapping, not {type(data).__name__}"
            )
    else:
        data = source
    try:
        return Policy.model_validate(deep_merge(_default_dict(), data))
    except ValidationError as exc:
        raise PolicyError(f"{where}: invalid policy:\n" + policy_problems(exc)) from None
    except ValueError as exc:
        raise PolicyError(f"{where}: invalid policy: {exc}") from None


#: plain sentences for pydantic's error types, by type; ``{…}`` names come from the error's ctx
_SENTENCES = {
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "finite_number": "must be a finite number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_parsing_size": "is far too large a number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "missing": "is required",
    "extra_forbidden": "is not a setting of the policy (a typo?)",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def policy_problems(exc: ValidationError) -> str:
    """Pydantic's errors as one plain sentence per field at fault, naming the field by its path
    (``tiers.mid.workload: must be at most 1,000,000 (got '1e19')``), without pydantic's
    wording, error codes or links."""
    lines = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        ctx = {k: _number(v) for k, v in (error.get("ctx") or {}).items()}
        kind = error["type"]
        if kind == "value_error":  # the rules of Policy's own validator: already sentences
            found = str((error.get("ctx") or {}).get("error", error["msg"]))
            lines += [f"  - {path}: {t}" if path else f"  - {t}" for t in found.split("; ")]
            continue
        else:
            template = _SENTENCES.get(kind)
            text = template.format(**ctx) if template else str(error["msg"]).lower()
            if kind not in ("missing", "extra_forbidden") and "input" in error:
                shown = repr(error["input"])
                text += f" (got {shown[:40]}{'...' if len(shown) > 40 else ''})"
        lines.append(f"  - {path}: {text}" if path else f"  - {text}")
    return "\n".join(lines)
