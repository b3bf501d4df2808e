"""Contract v1 input: read, validate and normalise into an :class:`~allocator.instance.Instance`.

Validation reports every problem of every file at once (an :class:`~allocator.errors.InputError`
with one :class:`~allocator.errors.InputIssue` per bad cell, row or column), because a user fixing
a spreadsheet wants the whole list, not one error per run. Each rule is one small function; all of
them work on whole columns (pandas/numpy), and Python loops run only over the rows already found
bad, to build the issues. A province (10^6 customers) validates in seconds.

Some choices beyond the contract's letter, each for the user's benefit:

- enum values (``segment``, ``line``, ``grade``, ``unit``, ``level``, ``list_tier``) match
  case-insensitively and are normalised to the policy's spelling (``Retail`` -> ``retail``);
- header names are matched after stripping whitespace (``" aum"`` is ``aum``);
- a row whose every cell is empty (spreadsheets leave them) is skipped, but still counted in the
  row numbers of the issues, so that they point at the right spreadsheet row;
- the ``list_tier`` values and the segment each belongs to come from the policy's tiers, and the
  grades and branch levels from the policy, so that a policy that adds one needs no code change.

Lock conflicts (two locks on one one-to-one RM, ...) need the compiled tiers and are checked at
compile time, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allocator.contract import (
    BRANCH_REQUIRED,
    CUSTOMER_OPTIONAL,
    CUSTOMER_REQUIRED,
    RM_OPTIONAL,
    RM_REQUIRED,
    SEGMENTS,
    UNITS,
    certification_list,
    parse_id_list,
)
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.io import Source, cell_text, read_table, to_text
from allocator.policy import Policy, load_policy

PolicySource = Policy | str | Path | Mapping[str, Any] | None

TRUE_TOKENS = ("true", "1", "yes", "y", "t")
FALSE_TOKENS = ("false", "0", "no", "n", "f")

CUSTOMER_COLUMNS = (*CUSTOMER_REQUIRED, *CUSTOMER_OPTIONAL)
RM_COLUMNS = (*RM_REQUIRED, *RM_OPTIONAL)
BRANCH_COLUMNS = BRANCH_REQUIRED
DEFAULT_UNIT = "outlet"
#: the largest count accepted (months_below: a century of months)
MAX_COUNT = 1200

#: How many other rows a duplicate-id message names before it says "and N more".
_ROWS_NAMED = 10

Message = str | Callable[[np.ndarray], Iterable[str]]
"""An issue message: one text for every flagged row, or a function of the flagged positions."""


# -- the table under validation ----------------------------------------------------------------
class _Table:
    """One input table during validation: its label, its frame, and the issues found so far.

    Parameters
    ----------
    name
        The label used in issues (the file name, or ``customers``/``rms``/``branches``).
    frame
        The table as read (text cells from a file; any dtypes from a DataFrame), or ``None`` when
        it could not be read (its issues are then in ``issues`` already).
    columns
        The contract columns of this table, matched after stripping header whitespace.
    """

    def __init__(
        self,
        name: str,
        frame: pd.DataFrame | None,
        columns: Sequence[str],
        issues: list[InputIssue],
    ) -> None:
        self.name = name
        self.issues = issues
        self.readable = frame is not None
        self._text: dict[str, pd.Series] = {}
        if frame is None:
            frame = pd.DataFrame()
        frame = _strip_header(frame, columns)
        self._check_duplicate_columns(frame, columns)
        frame = frame.loc[:, ~frame.columns.duplicated()]
        rows = np.arange(len(frame), dtype=np.int64) + 2  # header is spreadsheet row 1
        blank = _blank_rows(frame)
        if blank.any():
            frame, rows = frame.loc[~blank], rows[~blank]
        self.frame = frame.reset_index(drop=True)
        self.rows = rows

    def __len__(self) -> int:
        return len(self.frame)

    def _check_duplicate_columns(self, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        counts = pd.Series(frame.columns).value_counts()
        for column in columns:
            if counts.get(column, 0) > 1:
                message = f"column appears {counts[column]} times in the header"
                self.issues.append(InputIssue(self.name, None, column, None, message))

    def has(self, column: str) -> bool:
        """Whether the table was read and has ``column``."""
        return self.readable and column in self.frame.columns

    def text(self, column: str) -> pd.Series:
        """``column`` as stripped text (``""`` for empty); all ``""`` when the column is absent."""
        if column not in self._text:
            if self.has(column):
                self._text[column] = to_text(self.frame[column]).str.strip()
            else:
                self._text[column] = pd.Series("", index=self.frame.index, dtype="str")
        return self._text[column]

    def numeric(self, column: str) -> np.ndarray | None:
        """``column`` as float64 when it already has a numeric dtype (a DataFrame input), so that
        a frame of numbers is not formatted to text and parsed back."""
        dtype = self.frame[column].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            return self.frame[column].to_numpy(dtype=np.float64)
        return None

    def empty(self, column: str) -> np.ndarray:
        """Where ``column`` has no value (numeric columns are tested for NaN, not formatted)."""
        values = self.numeric(column)
        if values is not None:
            return np.isnan(values)
        return (self.text(column) == "").to_numpy()

    def flag(self, mask: pd.Series | np.ndarray, column: str | None, message: Message) -> None:
        """Record one issue for every row where ``mask`` holds, quoting the cell as read.

        A cell with no text at all is quoted as ``None`` (the issue's convention for a missing
        value); a cell of blanks is quoted as is, so the user sees why it counts as empty.
        """
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size == 0:
            return
        if column is not None and self.has(column):
            values = [cell_text(v) or None for v in self.frame[column].iloc[positions]]
        else:
            values = [None] * positions.size
        texts = [message] * positions.size if isinstance(message, str) else message(positions)
        for row, value, text in zip(self.rows[positions], values, texts, strict=True):
            self.issues.append(InputIssue(self.name, int(row), column, value, text))

    def whole_file(self, column: str | None, message: str) -> None:
        """Record an issue about the whole file (no row)."""
        self.issues.append(InputIssue(self.name, None, column, None, message))


def _strip_header(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rename ``" aum "`` to ``aum``; other headers are left exactly as given."""
    renames = {
        c: c.strip()
        for c in frame.columns
        if isinstance(c, str) and c != c.strip() and c.strip() in columns
    }
    return frame.rename(columns=renames) if renames else frame


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (missing, or only whitespace)."""
    blank = np.ones(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        dtype = column.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biufmM":
            blank &= column.isna().to_numpy()
        else:
            blank &= (to_text(column).str.strip() == "").to_numpy()
        if not blank.any():
            break
    return blank


def _open(source: Source | None, default_name: str, columns: Sequence[str]) -> _Table | None:
    """Read one table; a read failure becomes the table's issues instead of an exception."""
    if source is None:
        return None
    name = default_name if isinstance(source, pd.DataFrame) else Path(source).name
    try:
        return _Table(name, read_table(source, name=name), columns, [])
    except InputError as exc:
        return _Table(name, None, columns, list(exc.issues))


# -- column primitives (pyarrow: several times faster than pandas on 10^6 strings) ------------
def _arrow(text: pd.Series) -> pa.Array:
    array = pa.array(text, type=pa.string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def isin(text: pd.Series, values: Iterable[str] | pd.Series) -> np.ndarray:
    """Whether each cell of ``text`` is one of ``values`` (a bool array)."""
    value_set = pa.array(list(values) if not isinstance(values, pd.Series) else values, pa.string())
    found = pc.is_in(_arrow(text), value_set=value_set)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def duplicated(text: pd.Series) -> np.ndarray:
    """Whether each cell's value occurs more than once (every occurrence is marked)."""
    codes = pc.dictionary_encode(_arrow(text)).indices.to_numpy(zero_copy_only=False)
    return np.asarray(np.bincount(codes, minlength=1)[codes] > 1, dtype=bool)


# -- generic checks, one rule each -------------------------------------------------------------
def check_required_columns(table: _Table, required: Sequence[str]) -> None:
    """Every required column must be in the header."""
    if not table.readable:
        return
    for column in required:
        if column not in table.frame.columns:
            table.whole_file(column, "required column is missing")


def check_not_empty(table: _Table, columns: Sequence[str]) -> None:
    """Required values must be given on every row."""
    for column in columns:
        if table.has(column):
            table.flag(table.empty(column), column, "empty: a value is required")


def _rows_list(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:_ROWS_NAMED])
    more = len(rows) - _ROWS_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def check_unique(table: _Table, column: str) -> None:
    """An id names one row only: every row of a duplicated id is flagged, naming the others."""
    if not table.has(column):
        return
    ids = table.text(column)
    repeated = duplicated(ids) & (ids != "").to_numpy()
    if not repeated.any():
        return
    positions = np.flatnonzero(repeated)
    rows_of: dict[str, list[int]] = {}
    for value, row in zip(ids.iloc[positions], table.rows[positions], strict=True):
        rows_of.setdefault(value, []).append(int(row))

    def message(flagged: np.ndarray) -> Iterable[str]:
        for value, row in zip(ids.iloc[flagged], table.rows[flagged], strict=True):
            others = [r for r in rows_of[value] if r != row]
            yield f"duplicate {column}: also on row(s) {_rows_list(others)}"

    table.flag(repeated, column, message)


def check_enum(table: _Table, column: str, allowed: Sequence[str]) -> pd.Series:
    """A value of a closed list; matched case-insensitively, returned in the list's spelling.

    Returns
    -------
    pandas.Series
        The canonical value, ``""`` where the cell is empty, unknown or the column absent.
    """
    text = table.text(column)
    if not table.has(column):
        return text
    canonical = {a.lower(): a for a in allowed}
    lower = text.str.lower()
    known = isin(lower, canonical)
    table.flag(~known & (text != ""), column, f"unknown {column}: use one of {', '.join(allowed)}")
    out = lower.where(known, "")
    for low, spelling in canonical.items():
        if low != spelling:
            out = out.where(lower != low, spelling)
    return out.astype("str")


def parse_floats(text: pd.Series) -> np.ndarray:
    """Stripped text to float64, NaN where empty or not a number.

    Arrow's cast parses 10^6 cells in milliseconds but fails as a whole on one bad cell; only
    then does the (30x slower) per-cell pandas parse run, to find which cells are bad.
    """
    array = pa.array(text, type=pa.string())
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    try:
        numbers = pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    return numbers.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def check_number(table: _Table, column: str, *, positive: bool) -> pd.Series:
    """A finite number, ``>= 0`` (or ``> 0`` when ``positive``); NaN where empty or absent.

    Non-numbers, NaN and infinities are errors: a bank's figures are always finite, and a NaN
    read from ``"nan"`` would silently drop a customer from every threshold.
    """
    if not table.has(column):
        return pd.Series(np.nan, index=table.frame.index, dtype=np.float64)
    values = table.numeric(column)
    if values is None:
        text = table.text(column)
        given = (text != "").to_numpy()
        values = parse_floats(text)
        table.flag(given & np.isnan(values), column, "not a number")
    table.flag(np.isinf(values), column, "not a finite number")
    if positive:
        table.flag(values <= 0, column, "must be a number > 0")
    else:
        table.flag(values < 0, column, "must be a number >= 0 (negative)")
    return pd.Series(values + 0.0, index=table.frame.index, dtype=np.float64)  # -0.0 -> 0.0


def check_count(table: _Table, column: str) -> pd.Series:
    """A whole number >= 0 (a count of months, say); 0 where empty or absent."""
    if not table.has(column):
        return pd.Series(0, index=table.frame.index, dtype=np.int64)
    values = check_number(table, column, positive=False).to_numpy()
    finite = np.isfinite(values)
    table.flag(finite & (values != np.floor(values)), column, "must be a whole number")
    table.flag(finite & (values > MAX_COUNT), column, f"must be at most {MAX_COUNT}")
    clean = np.where(finite & (values >= 0) & (values <= MAX_COUNT), values, 0.0)
    return pd.Series(np.floor(clean).astype(np.int64), index=table.frame.index)


def check_bool(table: _Table, column: str, *, default: bool) -> pd.Series:
    """A yes/no cell: true/false, 1/0, yes/no, y/n, t/f in any case, or empty for ``default``."""
    if not table.has(column):
        return pd.Series(default, index=table.frame.index, dtype=bool)
    raw = table.frame[column]
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "b":
        return raw.astype(bool)
    lower = table.text(column).str.lower()
    true, false = isin(lower, TRUE_TOKENS), isin(lower, FALSE_TOKENS)
    empty = (lower == "").to_numpy()
    message = "not a boolean: use true/false, 1/0, yes/no, y/n or t/f (empty means " + (
        f"{str(default).lower()})"
    )
    table.flag(~(true | false | empty), column, message)
    return pd.Series(true | (empty & default), index=table.frame.index, dtype=bool)


def check_reference(
    table: _Table, column: str, known: pd.Series | None, *, target: str, optional: bool
) -> None:
    """Each non-empty value must be one of ``known`` (skipped when ``known`` is unavailable,
    e.g. the referenced file could not be read: that file's own issue says so)."""
    if known is None or not table.has(column):
        return
    values = table.text(column)
    unknown = (values != "").to_numpy() & ~isin(values, known)
    what = "a known one or empty" if optional else "a known one"
    table.flag(unknown, column, f"unknown {column}: not in {target} (must be {what})")


def _known_ids(table: _Table | None, column: str) -> pd.Series | None:
    """The non-empty ids of a table, or ``None`` when they are not available."""
    if table is None or not table.has(column):
        return None
    ids = table.text(column)
    return ids[ids != ""].drop_duplicates()


# -- customer rules ----------------------------------------------------------------------------
def _list_tier_lines(policy: Policy) -> dict[str, str]:
    """Each ``list_tier`` value the policy knows, with the line (segment) its tier belongs to."""
    return {t.list_tier: t.line for t in policy.tiers.values() if t.list_tier is not None}


def check_list_tier(table: _Table, segment: pd.Series, policy: Policy) -> pd.Series:
    """A list tier of the policy, and of the customer's own segment (``potential`` is retail)."""
    lines = _list_tier_lines(policy)
    tier = check_enum(table, "list_tier", list(lines))
    wrong = pd.Series(False, index=table.frame.index)
    for name, line in lines.items():
        wrong |= (tier == name) & (segment != "") & (segment != line)
    table.flag(
        wrong,
        "list_tier",
        lambda flagged: (
            f"list_tier {tier.iloc[i]} is for {lines[tier.iloc[i]]} customers, "
            f"not {segment.iloc[i]}"
            for i in flagged
        ),
    )
    return tier


def check_lock_has_rm(table: _Table, locked: pd.Series) -> None:
    """A lock keeps today's RM, so a locked customer must name one."""
    no_rm = locked & (table.text("current_rm_id") == "")
    table.flag(no_rm, "locked", "locked but current_rm_id is empty: a lock needs today's RM")


def check_group_segments(table: _Table, segment: pd.Series) -> None:
    """A group shares one RM, and an RM serves one line: a group must be of one segment."""
    if not table.has("group_id"):
        return
    group = table.text("group_id")
    member = (group != "") & (segment != "")
    if not member.any():
        return
    pairs = pd.DataFrame({"group": group[member], "segment": segment[member]}).drop_duplicates()
    mixed = pairs.loc[pairs["group"].duplicated(), "group"].unique()
    if len(mixed) == 0:
        return
    table.flag(
        member.to_numpy() & isin(group, mixed),
        "group_id",
        lambda flagged: (
            f"group has both corporate and retail members (one RM cannot serve both lines); "
            f"this one is {segment.iloc[i]}"
            for i in flagged
        ),
    )


# -- branch rules ------------------------------------------------------------------------------
def _parent_positions(table: _Table) -> np.ndarray:
    """Position of each branch's parent (first row of that id), -1 for a root or unknown."""
    ids = table.text("branch_id")
    first = ~ids.duplicated() & (ids != "")
    position = pd.Series(np.flatnonzero(first.to_numpy()), index=ids[first].to_numpy())
    parent = table.text("parent_id").map(position)
    return parent.fillna(-1).to_numpy(dtype=np.int64)


def _on_cycles(parent: np.ndarray) -> np.ndarray:
    """Which nodes of the forest ``parent`` lie on a cycle.

    Peels leaves (nodes nobody points to) until none are left: in a graph where each node has at
    most one parent, exactly the nodes on cycles survive. One vectorised pass per tree level.
    """
    n = parent.size
    alive = np.ones(n, dtype=bool)
    has_parent = parent >= 0
    children = np.bincount(parent[has_parent], minlength=n)
    leaves = children == 0
    while leaves.any():
        alive &= ~leaves
        up = parent[leaves & has_parent]
        children -= np.bincount(up, minlength=n)
        leaves = alive & (children == 0)
    return alive


def check_branch_cycles(table: _Table, parent: np.ndarray) -> None:
    """Following ``parent_id`` upwards must end at a root; every row on a cycle is named."""
    cyclic = _on_cycles(parent)
    if not cyclic.any():
        return
    cycle_of: dict[int, list[int]] = {}
    for start in np.flatnonzero(cyclic):
        if int(start) in cycle_of:
            continue
        members: list[int] = []
        node = int(start)
        while node not in cycle_of:
            cycle_of[node] = members
            members.append(node)
            node = int(parent[node])

    def message(flagged: np.ndarray) -> Iterable[str]:
        for i in flagged:
            members = cycle_of[int(i)]
            k = members.index(int(i))
            path = [*members[k:], *members[:k], int(i)]
            yield "parent_id forms a cycle: rows " + " -> ".join(
                str(int(table.rows[m])) for m in path
            )

    table.flag(cyclic, "parent_id", message)


def check_branch_levels(
    table: _Table, level: pd.Series, parent: np.ndarray, policy: Policy
) -> None:
    """A branch sits strictly below its parent (``branch_levels`` is ordered low to high)."""
    rank_of = {name: rank for rank, name in enumerate(policy.branch_levels)}
    rank = level.map(rank_of).fillna(-1).to_numpy(dtype=np.int64)
    has_parent = parent >= 0
    parent_rank = np.where(has_parent, rank[np.where(has_parent, parent, 0)], -1)
    wrong = has_parent & (rank >= 0) & (parent_rank >= 0) & (rank >= parent_rank)
    table.flag(
        wrong,
        "level",
        lambda flagged: (
            f"level {level.iloc[i]} is not below its parent's level "
            f"{level.iloc[int(parent[i])]} (row {int(table.rows[parent[i]])})"
            for i in flagged
        ),
    )


# -- per table ---------------------------------------------------------------------------------
def _validate_branches(table: _Table, policy: Policy) -> pd.DataFrame:
    check_required_columns(table, BRANCH_REQUIRED)
    check_not_empty(table, ("branch_id", "level"))
    check_unique(table, "branch_id")
    level = check_enum(table, "level", policy.branch_levels)
    if table.has("branch_id") and table.has("parent_id"):
        check_reference(
            table, "parent_id", _known_ids(table, "branch_id"), target=table.name, optional=True
        )
        parent = _parent_positions(table)
        check_branch_cycles(table, parent)
        if table.has("level"):
            check_branch_levels(table, level, parent, policy)
    return _assemble(
        table,
        {
            "branch_id": table.text("branch_id"),
            "parent_id": table.text("parent_id"),
            "level": level,
        },
    )


def _validate_rms(
    table: _Table, policy: Policy, branch_ids: pd.Series | None, branches_name: str
) -> pd.DataFrame:
    check_required_columns(table, RM_REQUIRED)
    check_not_empty(table, RM_REQUIRED)
    check_unique(table, "rm_id")
    line = check_enum(table, "line", SEGMENTS)
    grade = check_enum(table, "grade", policy.grades)
    unit = check_enum(table, "unit", UNITS)
    capacity = check_number(table, "capacity", positive=True)
    active = check_bool(table, "active", default=True)
    check_reference(table, "branch_id", branch_ids, target=branches_name, optional=False)
    return _assemble(
        table,
        {
            "rm_id": table.text("rm_id"),
            "line": line,
            "grade": grade,
            "branch_id": table.text("branch_id"),
            "certifications": normalise_certifications(table.text("certifications")),
            "unit": unit.where(unit != "", DEFAULT_UNIT),
            "capacity": capacity,
            "active": active,
        },
    )


def _validate_customers(
    table: _Table,
    policy: Policy,
    branch_ids: pd.Series | None,
    branches_name: str,
) -> pd.DataFrame:
    check_required_columns(table, CUSTOMER_REQUIRED)
    check_not_empty(table, CUSTOMER_REQUIRED)
    check_unique(table, "customer_id")
    segment = check_enum(table, "segment", SEGMENTS)
    aum = check_number(table, "aum", positive=False)
    contribution = check_number(table, "annual_contribution", positive=False)
    list_tier = check_list_tier(table, segment, policy)
    locked = check_bool(table, "locked", default=False)
    check_reference(table, "branch_id", branch_ids, target=branches_name, optional=False)
    # a current_rm_id that is not in rms.csv is an RM who has left (HR exports drop leavers):
    # valid input (contract v1.1); the customer is reassigned and a lock on it cannot hold
    check_lock_has_rm(table, locked)
    check_group_segments(table, segment)
    previous = check_enum(table, "previous_tier", policy.all_tier_names())
    months = check_count(table, "months_below")
    deposits = check_number(table, "deposits", positive=False)
    return _assemble(
        table,
        {
            "customer_id": table.text("customer_id"),
            "segment": segment,
            "branch_id": table.text("branch_id"),
            "aum": aum,
            "annual_contribution": contribution,
            "list_tier": list_tier,
            "group_id": table.text("group_id"),
            "current_rm_id": table.text("current_rm_id"),
            "locked": locked,
            "forbid_rm_ids": normalise_id_lists(table.text("forbid_rm_ids")),
            "previous_tier": previous,
            "months_below": months,
            "deposits": deposits.fillna(0.0),
        },
    )


# -- normalisation -----------------------------------------------------------------------------
def normalise_id_lists(text: pd.Series) -> pd.Series:
    """``" M1; M2;M1"`` -> ``"M1;M2"``: trimmed, de-duplicated ids in input order."""
    codes, uniques = pd.factorize(text)
    lists = [";".join(parse_id_list(u)) for u in uniques] + [""]
    return pd.Series(np.array(lists, dtype=object)[codes], index=text.index, dtype="str")


def _certification_string(cell: str) -> str:
    return ";".join(certification_list(cell))


def normalise_certifications(text: pd.Series) -> pd.Series:
    """``" cfp; CPB;cfp"`` -> ``"CFP;CPB"``: stripped, upper-cased, de-duplicated tokens in input
    order, ``;``-joined (``""`` for none). Computed once per distinct value."""
    codes, uniques = pd.factorize(text)
    normalised = np.array([_certification_string(str(u)) for u in uniques] + [""], dtype=object)
    return pd.Series(normalised[codes], index=text.index, dtype="str")


def _assemble(table: _Table, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """The normalised contract columns, then the table's other columns unchanged."""
    out = pd.DataFrame(columns, index=table.frame.index)
    extras = [c for c in table.frame.columns if c not in columns]
    if extras:
        out = pd.concat([out, table.frame[extras]], axis=1)
    return out


def derive_branches(customers: pd.DataFrame, rms: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Branches when no file gives them: every ``branch_id`` seen (customers first, then RMs, in
    order of first appearance) is a root at the lowest level of the policy (``outlet``)."""
    seen = pd.concat([customers["branch_id"], rms["branch_id"]], ignore_index=True)
    ids = pd.Series(seen.drop_duplicates().to_numpy(), dtype="str")
    return pd.DataFrame(
        {
            "branch_id": ids,
            "parent_id": pd.Series("", index=ids.index, dtype="str"),
            "level": pd.Series(policy.branch_levels[0], index=ids.index, dtype="str"),
        }
    )


def _sorted(issues: list[InputIssue], files: Sequence[str]) -> list[InputIssue]:
    """Issues grouped by file (in argument order), whole-file issues first, then by row."""
    order = {name: k for k, name in enumerate(files)}
    return sorted(issues, key=lambda i: (order.get(i.file, len(order)), i.row or 0))


# -- entry point -------------------------------------------------------------------------------
def load_instance(
    customers: Source,
    rms: Source,
    branches: Source | None = None,
    *,
    policy: PolicySource = None,
) -> Instance:
    """Read, validate and normalise contract v1 input.

    Parameters
    ----------
    customers, rms
        The customers and RMs tables: a path (``.csv``, ``.parquet``/``.pq``, ``.xlsx``/``.xls``)
        or a DataFrame. Issues name a file by its file name (``customers.csv``), a DataFrame as
        ``customers``/``rms``/``branches``.
    branches
        The branch tree, optional: without it every ``branch_id`` seen is a root ``outlet`` and
        :attr:`Instance.branches_given` is ``False``.
    policy
        The policy whose grades, branch levels and list tiers are the valid values (anything
        :func:`allocator.policy.load_policy` accepts; the default policy when ``None``).

    Returns
    -------
    Instance
        Frames in input order with a fresh ``0..n-1`` index; contract columns first (contract
        order), extra columns after them, unchanged. Dtypes: text columns pandas ``str`` with
        ``""`` for empty (whitespace stripped, ``unit`` defaulted to ``outlet``, certifications
        ``"AFP;CPB"``-style); ``aum``, ``annual_contribution``, ``capacity`` float64 (capacity NaN
        when not given); ``locked``, ``active`` bool.

    Raises
    ------
    allocator.errors.InputError
        Listing every problem found in every table (see the module docstring).
    allocator.errors.PolicyError
        When ``policy`` is invalid.
    """
    pol = load_policy(policy)
    customer_table = _open(customers, "customers", CUSTOMER_COLUMNS)
    rm_table = _open(rms, "rms", RM_COLUMNS)
    branch_table = _open(branches, "branches", BRANCH_COLUMNS)
    assert customer_table is not None and rm_table is not None

    branch_ids = _known_ids(branch_table, "branch_id")
    branches_name = branch_table.name if branch_table is not None else "branches"
    branch_frame = _validate_branches(branch_table, pol) if branch_table is not None else None
    rm_frame = _validate_rms(rm_table, pol, branch_ids, branches_name)
    customer_frame = _validate_customers(customer_table, pol, branch_ids, branches_name)

    tables = [t for t in (customer_table, rm_table, branch_table) if t is not None]
    issues = [issue for t in tables for issue in t.issues]
    if issues:
        raise InputError(_sorted(issues, [t.name for t in tables]))
    if branch_frame is None:
        return Instance(
            customers=customer_frame,
            rms=rm_frame,
            branches=derive_branches(customer_frame, rm_frame, pol),
            branches_given=False,
        )
    return Instance(customers=customer_frame, rms=rm_frame, branches=branch_frame)


__all__ = [
    "FALSE_TOKENS",
    "TRUE_TOKENS",
    "derive_branches",
    "load_instance",
    "normalise_certifications",
]
