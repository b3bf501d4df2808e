"""Tests of allocator.validation, good input: every valid bank loads, normalised to the contract's
dtypes and values, whatever form it comes in (files, typed frames, an instance)."""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inputissues import issues_of, where, with_cell
from tinybank import CUSTOMER_COLUMNS

from allocator.instance import Instance
from allocator.policy import load_policy
from allocator.validation import load_instance, normalise_certifications

WriteCsv = Callable[[str, str], Path]

STR = pd.StringDtype(na_value=np.nan)


# -- valid input, normalised -------------------------------------------------------------------
def test_valid_bank_loads_with_contract_dtypes(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    instance = load_instance(small_customers, small_rms, small_branches)
    assert instance.branches_given
    assert instance.customers.dtypes.to_dict() == {
        "customer_id": STR,
        "segment": STR,
        "branch_id": STR,
        "aum": np.dtype("float64"),
        "annual_contribution": np.dtype("float64"),
        "list_tier": STR,
        "group_id": STR,
        "current_rm_id": STR,
        "locked": np.dtype("bool"),
        "forbid_rm_ids": STR,
        "previous_tier": STR,
        "months_below": np.dtype("int64"),
        "deposits": np.dtype("float64"),
    }
    assert instance.rms.dtypes.to_dict() == {
        "rm_id": STR,
        "line": STR,
        "grade": STR,
        "branch_id": STR,
        "certifications": STR,
        "unit": STR,
        "capacity": np.dtype("float64"),
        "active": np.dtype("bool"),
        "position": STR,
        "designated_private": np.dtype("bool"),
        "co_cover_capacity": np.dtype("float64"),
    }
    assert instance.branches.dtypes.to_dict() == {"branch_id": STR, "parent_id": STR, "level": STR}
    assert instance.customers["aum"].tolist() == [250000.0, 7000000.0, 0.0, 0.0]
    assert instance.customers["locked"].tolist() == [True, False, False, False]
    assert instance.rms["capacity"].isna().tolist() == [True, False, False]
    assert instance.rms["active"].tolist() == [True, True, False]
    for frame in (instance.customers, instance.rms, instance.branches):
        pd.testing.assert_index_equal(frame.index, pd.RangeIndex(len(frame)))


def test_values_are_stripped_defaulted_and_canonical(write_csv: WriteCsv) -> None:
    customers = write_csv(
        "customers.csv",
        "customer_id , segment,branch_id,aum,annual_contribution\n K1 ,Retail , O1 , 12.5 ,-0\n",
    )
    rms = write_csv(
        "rms.csv",
        "rm_id,line,grade,branch_id,certifications,unit,active\n"
        "R1,RETAIL,Senior,O1, cfp;afp ; CFP;;cpb,,\n",
    )
    instance = load_instance(customers, rms)
    assert instance.customers.iloc[0].to_dict() == {
        "customer_id": "K1",
        "segment": "retail",
        "branch_id": "O1",
        "aum": 12.5,
        "annual_contribution": 0.0,
        "list_tier": "",
        "group_id": "",
        "current_rm_id": "",
        "locked": False,
        "forbid_rm_ids": "",
        "previous_tier": "",
        "months_below": 0,
        "deposits": 0.0,
    }
    assert np.signbit(instance.customers["annual_contribution"]).tolist() == [False]
    rm = instance.rms.iloc[0].to_dict()
    assert rm["line"] == "retail" and rm["grade"] == "senior"
    assert rm["certifications"] == "CFP;AFP;CPB"
    assert rm["unit"] == "outlet"
    assert np.isnan(rm["capacity"])
    assert rm["active"] is True or rm["active"] == np.True_


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", False),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("Yes", True),
        ("y", True),
        ("T", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("N", False),
        ("f", False),
    ],
)
def test_boolean_spellings(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, cell: str, expected: bool
) -> None:
    instance = load_instance(with_cell(small_customers, 0, "locked", cell), small_rms)
    assert bool(instance.customers.loc[0, "locked"]) is expected


def test_certifications_normalised() -> None:
    text = pd.Series([" cfp; afp ;CFP", "", ";;", "cpb", "afp;AFP"], dtype="str")
    assert normalise_certifications(text).tolist() == ["CFP;AFP", "", "", "CPB", "AFP"]


def test_extra_columns_kept_unchanged_after_the_contract_columns(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    customers = small_customers.assign(note=[" a ", "", "b", "c"])
    customers.insert(0, "score", [1.5, 2.0, np.nan, 4.0])
    instance = load_instance(customers, small_rms)
    columns = instance.customers.columns.tolist()
    assert columns[-2:] == ["score", "note"]
    assert columns[:9] == CUSTOMER_COLUMNS
    assert instance.customers["note"].tolist() == [" a ", "", "b", "c"]  # not stripped
    pd.testing.assert_series_equal(
        instance.customers["score"], customers["score"], check_names=True
    )


def test_missing_optional_columns_get_defaults(small_customers: pd.DataFrame) -> None:
    rms = pd.DataFrame({"rm_id": ["R1"], "line": ["retail"], "grade": ["rm"], "branch_id": ["O1"]})
    customers = small_customers[["customer_id", "segment", "branch_id", "aum"]].assign(
        annual_contribution="0"
    )
    instance = load_instance(customers, rms)
    assert instance.rms.iloc[0][["certifications", "unit", "active"]].tolist() == [
        "",
        "outlet",
        True,
    ]
    assert instance.customers["locked"].tolist() == [False] * 4
    assert instance.customers["list_tier"].tolist() == [""] * 4


def test_derived_branches_are_root_outlets(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    instance = load_instance(small_customers, small_rms)
    assert not instance.branches_given
    assert instance.branches.to_dict("list") == {
        "branch_id": ["O1", "O2", "C1", "S1"],
        "parent_id": ["", "", "", ""],
        "level": ["outlet"] * 4,
    }
    assert instance.branches.dtypes.tolist() == [STR, STR, STR]


def test_typed_frames_load_like_text(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    customers = small_customers.astype({"aum": float, "annual_contribution": "int64"})
    customers["locked"] = [True, False, False, False]
    rms = small_rms.assign(capacity=[np.nan, 300.0, 40.0], active=[True, True, False])
    typed = load_instance(customers, rms, small_branches)
    text = load_instance(small_customers, small_rms, small_branches)
    pd.testing.assert_frame_equal(typed.customers, text.customers)
    pd.testing.assert_frame_equal(typed.rms, text.rms)


def test_an_instance_revalidates_to_itself(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame, small_branches: pd.DataFrame
) -> None:
    first = load_instance(small_customers.assign(extra="x"), small_rms, small_branches)
    again = load_instance(first.customers, first.rms, first.branches)
    pd.testing.assert_frame_equal(again.customers, first.customers)
    pd.testing.assert_frame_equal(again.rms, first.rms)
    pd.testing.assert_frame_equal(again.branches, first.branches)


def test_blank_rows_are_skipped_but_counted(write_csv: WriteCsv) -> None:
    customers = write_csv(
        "customers.csv",
        "customer_id,segment,branch_id,aum,annual_contribution\n"
        "K1,retail,O1,1,0\n"
        ",,,,\n"
        "\n"
        "K2,retial,O1,1,0\n",
    )
    rms = write_csv("rms.csv", "rm_id,line,grade,branch_id\nR1,retail,rm,O1\n")
    assert where(issues_of(customers, rms)) == [("customers.csv", 5, "segment", "retial")]


def test_policy_grades_levels_and_list_tiers_are_the_valid_values(
    small_customers: pd.DataFrame, small_rms: pd.DataFrame
) -> None:
    policy = load_policy({"grades": ["assistant", "rm", "intermediate", "senior", "chief", "md"]})
    rms = with_cell(small_rms, 2, "grade", "md")
    assert load_instance(small_customers, rms, policy=policy).rms.loc[2, "grade"] == "md"
    assert where(issues_of(small_customers, rms)) == [("rms", 4, "grade", "md")]


# -- property: valid input never raises --------------------------------------------------------
_ids = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=6)
_amounts = st.one_of(
    st.integers(min_value=0, max_value=10**10).map(str),
    st.floats(min_value=0, max_value=1e10, allow_nan=False).map(repr),
)
_padding = st.sampled_from(["", " ", "  "])


@st.composite
def valid_bank(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    branch_ids = draw(st.lists(_ids, min_size=1, max_size=4, unique=True))
    rm_ids = draw(st.lists(_ids, min_size=0, max_size=6, unique=True))
    customer_ids = draw(st.lists(_ids, min_size=1, max_size=12, unique=True))  # 0: "no customers"
    rms = pd.DataFrame(
        {
            "rm_id": rm_ids,
            "line": [draw(st.sampled_from(["retail", "Corporate"])) for _ in rm_ids],
            "grade": [draw(st.sampled_from(["assistant", "rm", "chief"])) for _ in rm_ids],
            "branch_id": [draw(st.sampled_from(branch_ids)) for _ in rm_ids],
            "certifications": [draw(st.sampled_from(["", "afp", "CFP; cpb"])) for _ in rm_ids],
            "capacity": [draw(st.sampled_from(["", "1", "2.5", "500"])) for _ in rm_ids],
            "active": [draw(st.sampled_from(["", "true", "0", "N"])) for _ in rm_ids],
        },
        dtype="str",
    )
    segments = [draw(st.sampled_from(["retail", "corporate"])) for _ in customer_ids]
    tiers = {"retail": ["", "potential"], "corporate": ["", "hq", "province", "city"]}
    current = [draw(st.sampled_from(["", *rm_ids])) for _ in customer_ids]
    customers = pd.DataFrame(
        {
            "customer_id": [draw(_padding) + c for c in customer_ids],
            "segment": segments,
            "branch_id": [draw(st.sampled_from(branch_ids)) for _ in customer_ids],
            "aum": [draw(_amounts) for _ in customer_ids],
            "annual_contribution": [draw(_amounts) for _ in customer_ids],
            "list_tier": [draw(st.sampled_from(tiers[s])) for s in segments],
            "group_id": [draw(st.sampled_from(["", f"G-{s}"])) for s in segments],
            "current_rm_id": current,
            "locked": [draw(st.sampled_from(["", "yes"])) if c else "" for c in current],
        },
        dtype="str",
    )
    return customers, rms


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bank())
def test_valid_frames_never_raise(bank: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    customers, rms = bank
    instance: Instance = load_instance(customers, rms)
    assert instance.n_customers == len(customers)
    assert instance.n_rms == len(rms)
    assert (
        instance.customers["customer_id"].tolist() == customers["customer_id"].str.strip().tolist()
    )
    assert instance.rms["rm_id"].tolist() == rms["rm_id"].tolist()
    seen = set(customers["branch_id"]) | set(rms["branch_id"])
    assert set(instance.branches["branch_id"]) == seen


# -- scale -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_million_customers_validate_in_seconds(small_rms: pd.DataFrame) -> None:
    import time

    n = 1_000_000
    rng = np.random.default_rng(0)
    customers = pd.DataFrame(
        {
            "customer_id": pd.Series([f"K{i}" for i in range(n)], dtype="str"),
            "segment": pd.Series(rng.choice(["retail", "corporate"], n), dtype="str"),
            "branch_id": pd.Series(rng.choice(["O1", "O2", "S1"], n), dtype="str"),
            "aum": pd.Series(rng.integers(0, 10**7, n).astype(str), dtype="str"),
            "annual_contribution": pd.Series(rng.integers(0, 10**7, n).astype(str), dtype="str"),
            "current_rm_id": pd.Series(rng.choice(["", "R1", "R2"], n), dtype="str"),
        }
    )
    start = time.process_time()
    instance = load_instance(customers, small_rms)
    assert instance.n_customers == n
    assert time.process_time() - start < 15  # ~1-2 s of CPU on a laptop; generous for CI
