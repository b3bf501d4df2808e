"""The bank as contract frames: ids, string columns and the normalised :class:`Instance`.

Why a module of its own: generation works on integer codes, and turning a million codes into
strings is where a naive generator spends its time. Ids and string columns are built here as
Arrow dictionary decodes (a few distinct values taken by code), so writing the frames of a
province costs a fraction of a second, and the frames come out exactly as
:func:`allocator.validation.load_instance` would normalise them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allocator.contract import LINES
from allocator.instance import Instance
from allocator.synth.branches import Tree
from allocator.synth.customers import Cust
from allocator.synth.needs import PolicyView

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]


def id_text(prefix: str, numbers: Ints, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers as an Arrow string array (``K0000123``), vectorised."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def id_strings(prefix: str, numbers: Ints, width: int) -> Objects:
    """``prefix`` + zero-padded numbers as Python strings (for the small tables)."""
    return np.asarray(id_text(prefix, numbers, width).to_pylist(), dtype=object)


def _str_column(text: pa.Array | list[str], codes: Ints | None = None) -> pd.Series:
    """A pandas ``str`` column: ``text`` itself, or ``text[codes]`` (a dictionary decode)."""
    arr = pa.array(text, type=pa.string()) if isinstance(text, list) else text
    if codes is not None:
        arr = pc.take(arr, pa.array(codes, type=pa.int64()))
    return pd.Series(pd.array(arr, dtype="str"))


def to_instance(
    cust: Cust,
    rms: pd.DataFrame,
    branches: pd.DataFrame,
    current: Ints,
    locked: Bools,
    tree: Tree,
    view: PolicyView,
    *,
    on_roster: Bools | None = None,
    forbid: Ints | None = None,
) -> Instance:
    """The normalised instance: customers in id order, RMs sorted by id.

    ``rms`` is the RM frame in generation order (``current`` and ``forbid`` index it: -1 none);
    ``on_roster`` says which of its rows rms.csv lists (a leaver is named by today's book but
    missing from the roster); ``branches`` the tree. String columns are built as Arrow
    dictionary decodes (codes into a few distinct values), so a million customers cost a
    fraction of a second, not a Python string each.
    """
    n = cust.n
    rm_ids = rms["rm_id"].tolist()
    forbid = np.full(n, -1, dtype=np.int64) if forbid is None else forbid
    n_groups = int(cust.group.max()) + 1 if n else 0
    group_ids = id_text("G", np.arange(n_groups, dtype=np.int64), max(5, len(str(n_groups - 1))))
    customers = pd.DataFrame(
        {
            "customer_id": _str_column(id_text("K", np.arange(n), max(7, len(str(n - 1))))),
            "segment": _str_column(list(LINES), cust.line),
            "branch_id": _str_column(list(tree.ids), cust.branch),
            "aum": cust.aum,
            "annual_contribution": cust.contribution,
            "list_tier": _str_column(["", *view.list_names], cust.list_tier + 1),
            "group_id": _str_column(pa.concat_arrays([pa.array([""]), group_ids]), cust.group + 1),
            "current_rm_id": _str_column(["", *rm_ids], current + 1),
            "locked": locked,
            # contract v1.1 columns ("" and 0 are their "absent" values: v1 behaviour)
            "forbid_rm_ids": _str_column(["", *rm_ids], forbid + 1),
            "previous_tier": _str_column(["", *view.label_names], cust.previous + 1),
            "months_below": cust.months.astype(np.int64),
            "deposits": cust.deposits.astype(np.float64),
        }
    )
    listed = rms if on_roster is None else rms[on_roster]
    by_id = listed.sort_values("rm_id", kind="stable").reset_index(drop=True)
    for column, value in (("position", "rm"), ("designated_private", False)):
        if column not in by_id.columns:  # contract v1.1 columns at their "absent" values
            by_id[column] = value
    if "co_cover_capacity" not in by_id.columns:
        by_id["co_cover_capacity"] = np.nan
    return Instance(
        customers=customers,
        rms=_as_str_columns(by_id),
        branches=_as_str_columns(branches),
        branches_given=True,
    )


def _as_str_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every object column as a pandas ``str`` column (the normalised dtype)."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].astype("str")
    return out
