"""The scenario spec: a baseline bank, an ordered list of edits, and optionally a sweep grid.

One pydantic model serves the YAML/JSON file and Python alike. In a file, each edit is a mapping
with exactly one edit name as key (and optionally an ``id`` beside it)::

    seed: 7
    baseline: {generate: {customers: 3000, seed: 1}}
    edits:
      - add_rms: {count: 5, line: retail, grade: senior, certifications: [CFP],
                  branch_id: C0, unit: wealth_center}
        id: hires
      - remove_rms: {rm_ids: [M00012]}
    sweep:
      grid: {hires.count: {start: 0, stop: 20, step: 5}}

In Python the same spec is ``ScenarioSpec(baseline=Baseline(generate=...), edits=[AddRms(...)])``.
Invalid specs raise :class:`allocator.errors.InputError` listing every problem, so the CLI reports
them the way it reports a bad customers file (exit code 2).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from allocator.errors import InputError, InputIssue
from allocator.io import load_structured

Line = Literal["retail", "corporate"]
Unit = Literal["outlet", "vip_center", "wealth_center", "marketing"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    """Accept ``"CFP;AFP"`` (the contract's spelling) or a single id where a list is meant."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return value


#: a list of strings that may also be written as one ``;``-separated string
StrList = Annotated[list[str], BeforeValidator(_as_list)]


# -- edits ----------------------------------------------------------------------------------------
class EditBase(_Model):
    """Common part of every edit: an optional ``id`` a sweep grid can name it by."""

    id: str | None = None

    @property
    def kind(self) -> str:
        return self.op  # type: ignore[attr-defined, no-any-return]

    def params(self) -> dict[str, Any]:
        """The edit's parameters as they are written in a spec file (no ``op``, no ``id``)."""
        return self.model_dump(mode="json", exclude={"op", "id"}, exclude_none=True)


class AddRms(EditBase):
    """Hire ``count`` RMs of one profile. New ids never clash with existing ones."""

    op: Literal["add_rms"] = "add_rms"
    count: int = Field(ge=0)
    line: Line
    grade: str
    certifications: StrList = Field(default_factory=list)
    branch_id: str
    unit: Unit = "outlet"
    capacity: float | None = Field(default=None, gt=0)
    prefix: str = Field(default="NEW", min_length=1)


class RemoveRms(EditBase):
    """Departures: the RMs become inactive and their books are handed over."""

    op: Literal["remove_rms"] = "remove_rms"
    rm_ids: StrList = Field(min_length=1)


class Certify(EditBase):
    """RMs gain certifications (an AFP holder passes CFP, say)."""

    op: Literal["certify"] = "certify"
    rm_ids: StrList = Field(min_length=1)
    add: StrList = Field(min_length=1)


class SetCapacity(EditBase):
    """Set the workload capacity of the RMs a filter selects (every RM when no filter is given)."""

    op: Literal["set_capacity"] = "set_capacity"
    capacity: float = Field(gt=0)
    rm_ids: StrList | None = None
    grade: str | None = None
    line: Line | None = None
    unit: Unit | None = None
    branch_id: str | None = None


class PolicyEdit(EditBase):
    """Any policy override (thresholds, workloads, priorities, rule switches), deep-merged."""

    op: Literal["policy"] = "policy"
    override: dict[str, Any]

    def params(self) -> dict[str, Any]:
        return copy.deepcopy(self.override)


class GrowCustomers(EditBase):
    """Clone ``percent`` % of a tier's customers under new ids (deterministic by the seed)."""

    op: Literal["grow_customers"] = "grow_customers"
    tier: str
    percent: float = Field(gt=0)


class ShiftAum(EditBase):
    """Multiply AUM by ``1 + percent/100`` (of one tier's customers, or of everyone)."""

    op: Literal["shift_aum"] = "shift_aum"
    percent: float = Field(gt=-100)
    tier: str | None = None


class MoveRms(EditBase):
    """Transfers: RMs move to another branch (and unit), keeping line, grade, certifications."""

    op: Literal["move_rms"] = "move_rms"
    rm_ids: StrList = Field(min_length=1)
    branch_id: str
    unit: Unit | None = None


class SetGrades(EditBase):
    """Next year's grades (a grade review's proposal): RM id -> grade."""

    op: Literal["set_grades"] = "set_grades"
    grades: dict[str, str] = Field(min_length=1)


Edit = Annotated[
    AddRms
    | RemoveRms
    | Certify
    | SetCapacity
    | PolicyEdit
    | GrowCustomers
    | ShiftAum
    | MoveRms
    | SetGrades,
    Field(discriminator="op"),
]
EDIT_TYPES: dict[str, type[EditBase]] = {
    cls.model_fields["op"].default: cls
    for cls in (
        AddRms,
        RemoveRms,
        Certify,
        SetCapacity,
        PolicyEdit,
        GrowCustomers,
        ShiftAum,
        MoveRms,
        SetGrades,
    )
}


def _edit_from_item(item: Any) -> Any:
    """Turn the file form ``{add_rms: {...}, id: x}`` into the model form ``{op: add_rms, ...}``."""
    if isinstance(item, BaseModel) or not isinstance(item, Mapping) or "op" in item:
        return item
    names = [k for k in item if k in EDIT_TYPES]
    others = [k for k in item if k not in EDIT_TYPES and k != "id"]
    if len(names) != 1 or others:
        raise ValueError(
            f"an edit is a mapping with exactly one of {sorted(EDIT_TYPES)} as key "
            f"(and optionally 'id'); got keys {sorted(map(str, item))}"
        )
    name = names[0]
    params = item[name] if item[name] is not None else {}
    if not isinstance(params, Mapping):
        raise ValueError(f"{name}: parameters must be a mapping, not {type(params).__name__}")
    out: dict[str, Any] = {"op": name}
    if name == "policy":
        out["override"] = dict(params)
    else:
        out.update(params)
    if "id" in item:
        out["id"] = item["id"]
    return out


def edit_to_item(edit: EditBase) -> dict[str, Any]:
    """The file form of an edit (inverse of the parsing above)."""
    item: dict[str, Any] = {edit.kind: edit.params()}
    if edit.id is not None:
        item["id"] = edit.id
    return item


# -- baseline -------------------------------------------------------------------------------------
class Generate(_Model):
    """A generated bank: :func:`allocator.synth.generate_bank` with these arguments."""

    customers: int = Field(gt=0)
    seed: int = 0


class Baseline(_Model):
    """Where the baseline bank comes from: ``sample``, ``generate`` or file paths.

    Paths are resolved against the spec file's folder. ``policy`` (a mapping of overrides or a
    policy file) is the baseline's policy; a scenario's ``policy`` edits merge over it.
    """

    sample: bool = False
    generate: Generate | None = None
    customers: str | None = None
    rms: str | None = None
    branches: str | None = None
    policy: dict[str, Any] | str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data == "sample":
            return {"sample": True}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> Baseline:
        sources = [self.sample, self.generate is not None, self.customers is not None]
        if sum(sources) != 1:
            raise ValueError("give exactly one of: sample, generate, or customers + rms paths")
        if (self.customers is None) != (self.rms is None):
            raise ValueError("customers and rms paths go together")
        if self.branches is not None and self.customers is None:
            raise ValueError("a branches path needs customers and rms paths")
        return self

    def resolved(self, base_dir: Path) -> Baseline:
        """A copy with relative paths made absolute against ``base_dir``."""

        def fix(p: str | None) -> str | None:
            if p is None or Path(p).is_absolute():
                return p
            return str((base_dir / p).resolve())

        policy = self.policy
        if isinstance(policy, str):
            policy = fix(policy)
        return self.model_copy(
            update={
                "customers": fix(self.customers),
                "rms": fix(self.rms),
                "branches": fix(self.branches),
                "policy": policy,
            }
        )


# -- sweep ----------------------------------------------------------------------------------------
class Span(_Model):
    """An inclusive arithmetic range of values: ``start, start+step, ..., <= stop``."""

    start: int | float
    stop: int | float
    step: int | float = Field(default=1, gt=0)

    def values(self) -> list[float | int]:
        n = int((self.stop - self.start) / self.step + 1e-9) + 1
        vals = [self.start + i * self.step for i in range(max(n, 0))]
        if all(float(v).is_integer() for v in [self.start, self.step]):
            return [int(v) for v in vals]
        return [round(v, 12) for v in vals]


class Chart(_Model):
    """What the sweep chart draws: coverage share of ``tiers`` (default: every individually
    served tier with customers) against ``x`` (``headcount``: active RMs, or a grid key)."""

    x: str = "headcount"
    tiers: list[str] | None = None


class Sweep(_Model):
    """A grid over edit parameters: keys are ``<edit id or index>.<parameter path>``."""

    grid: dict[str, list[Any] | Span] = Field(min_length=1)
    chart: Chart = Field(default_factory=Chart)

    @field_validator("grid")
    @classmethod
    def _non_empty(cls, grid: dict[str, list[Any] | Span]) -> dict[str, list[Any] | Span]:
        for key, values in grid.items():
            vals = values.values() if isinstance(values, Span) else values
            if not vals:
                raise ValueError(f"grid key {key!r} has no values")
        return grid

    def axes(self) -> dict[str, list[Any]]:
        """Each grid key with its list of values."""
        return {k: (v.values() if isinstance(v, Span) else list(v)) for k, v in self.grid.items()}

    def points(self) -> list[dict[str, Any]]:
        """The grid's points (the cartesian product), in a stable order: last key fastest."""
        axes = self.axes()
        return [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]


# -- the spec -------------------------------------------------------------------------------------
class ScenarioSpec(_Model):
    """A what-if scenario: a baseline, ordered edits, and optionally a sweep.

    Attributes
    ----------
    name, description
        For reports.
    seed
        The scenario's seed: solver seed, and the seed of random edits (``grow_customers``);
        each sweep point derives its own from it.
    time_limit
        Default seconds per solve (the CLI's ``--time-limit`` wins).
    baseline
        The bank before the edits. Required in a file; from Python it may be left out when
        an already solved baseline is passed to :func:`~scenarios.run.run_scenario`.
    edits
        Applied in order, each to the result of the one before.
    salaries
        A salary table (``line, grade[, certification][, unit], annual_cost``), or ``default``
        for the table shipped with the package; adds cost rows to the comparison.
    sweep
        A grid over edit parameters, for ``rmalloc sweep``.
    """

    name: str = "scenario"
    description: str = ""
    seed: int = 0
    time_limit: float | None = Field(default=None, gt=0)
    baseline: Baseline | None = None
    edits: list[Edit] = Field(default_factory=list)
    salaries: str | None = None
    sweep: Sweep | None = None

    @field_validator("edits", mode="before")
    @classmethod
    def _file_form(cls, items: Any) -> Any:
        if items is None:
            return []
        if not isinstance(items, Sequence) or isinstance(items, str):
            raise ValueError("edits must be a list")
        out, problems = [], []
        for i, item in enumerate(items):
            try:
                out.append(_edit_from_item(item))
            except ValueError as exc:
                problems.append(f"edit {i}: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return out

    @model_validator(mode="after")
    def _check_refs(self) -> ScenarioSpec:
        ids = [e.id for e in self.edits if e.id is not None]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"edit ids must be unique; repeated: {dupes}")
        if self.sweep is not None:
            for key in self.sweep.grid:
                self.edit_index(key.split(".", 1)[0])
                if "." not in key:
                    raise ValueError(f"grid key {key!r} must be '<edit id or index>.<parameter>'")
        return self

    def edit_index(self, ref: str) -> int:
        """The position of the edit named ``ref`` (its id, or its 0-based index as text)."""
        for i, e in enumerate(self.edits):
            if e.id == ref:
                return i
        if ref.isdigit() and int(ref) < len(self.edits):
            return int(ref)
        raise ValueError(f"no edit with id or index {ref!r}")

    def to_dict(self) -> dict[str, Any]:
        """The file form of the spec (what :func:`load_spec` reads back to an equal spec)."""
        out = self.model_dump(mode="json", exclude={"edits", "sweep"}, exclude_none=True)
        out["edits"] = [edit_to_item(e) for e in self.edits]
        if self.sweep is not None:
            out["sweep"] = self.sweep.model_dump(mode="json", exclude_none=True)
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def with_params(self, point: Mapping[str, Any]) -> ScenarioSpec:
        """A copy with grid values set: ``{"hires.count": 5}`` sets ``count`` of edit ``hires``.

        The path after the edit reference goes into the edit's parameters (for a ``policy``
        edit, into the override mapping: ``thr.tiers.private.aum_min``); missing mappings
        on the way are created. The result is validated again.
        """
        data = self.to_dict()
        for key, value in point.items():
            ref, path = key.split(".", 1)
            item = data["edits"][self.edit_index(ref)]
            target = item[next(k for k in item if k != "id")]
            *head, last = path.split(".")
            for part in head:
                target = target.setdefault(part, {})
                if not isinstance(target, dict):
                    raise ValueError(f"grid key {key!r}: {part!r} is not a mapping")
            target[last] = value
        data.pop("sweep", None)
        return parse_spec(data)


# -- loading --------------------------------------------------------------------------------------
def _issues(exc: ValidationError, where: str) -> list[InputIssue]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or None
        value = err.get("input")
        shown = None if isinstance(value, (dict, list)) or value is None else str(value)
        out.append(InputIssue(file=where, row=None, column=loc, value=shown, message=err["msg"]))
    return out


def parse_spec(data: Mapping[str, Any], *, where: str = "spec") -> ScenarioSpec:
    """Validate a spec mapping.

    Raises
    ------
    allocator.errors.InputError
        With one issue per problem (the ``column`` is the dotted location in the spec).
    """
    try:
        return ScenarioSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(_issues(exc, where)) from exc


def load_spec(source: str | Path | Mapping[str, Any] | ScenarioSpec) -> ScenarioSpec:
    """A validated spec from a YAML/JSON file, a mapping, or a spec (returned as is).

    Relative paths in a file's ``baseline`` and ``salaries`` are resolved against the file's
    folder, so a spec can sit beside its data.
    """
    if isinstance(source, ScenarioSpec):
        return source
    if isinstance(source, Mapping):
        return parse_spec(source)
    path = Path(source)
    try:  # within the read limits: no alias bomb, no nesting without end
        data = load_structured(path)
    except ValueError as exc:
        issue = InputIssue(str(path), None, None, None, f"cannot read the spec: {exc}")
        raise InputError([issue]) from exc
    if not isinstance(data, Mapping):
        issue = InputIssue(str(path), None, None, None, "a spec file must hold a mapping")
        raise InputError([issue])
    spec = parse_spec(data, where=str(path))
    if spec.baseline is None:
        message = "required: sample, generate: {customers, seed}, or customers + rms paths"
        raise InputError([InputIssue(str(path), None, "baseline", None, message)])
    base = path.resolve().parent
    salaries = spec.salaries
    if salaries not in (None, "default") and not Path(salaries).is_absolute():
        salaries = str((base / salaries).resolve())
    return spec.model_copy(update={"baseline": spec.baseline.resolved(base), "salaries": salaries})
