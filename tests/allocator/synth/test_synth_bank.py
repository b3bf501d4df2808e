"""Tests of allocator.synth.bank: one seed one bank, arguments checked, valid and normalised
frames, files that read back equal, a description without customer data, the sample bank."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.synth import (
    SAMPLE_BANK_CUSTOMERS,
    SAMPLE_BANK_SEED,
    STAGES,
    describe_bank,
    generate_bank,
    sample_bank_paths,
    write_bank,
)
from allocator.validation import load_instance

POLICY = default_policy()


def assert_instances_equal(left: Instance, right: Instance) -> None:
    """The three frames equal, dtypes included."""
    pd.testing.assert_frame_equal(left.customers, right.customers)
    pd.testing.assert_frame_equal(left.rms, right.rms)
    pd.testing.assert_frame_equal(left.branches, right.branches)


# -- determinism -------------------------------------------------------------------------------
def test_same_seed_gives_identical_frames() -> None:
    assert_instances_equal(generate_bank(3_000, 42), generate_bank(3_000, 42))


def test_different_seeds_give_different_banks() -> None:
    a, b = generate_bank(3_000, 1), generate_bank(3_000, 2)
    assert not a.customers["aum"].equals(b.customers["aum"])
    assert not a.customers["branch_id"].equals(b.customers["branch_id"])


def test_rm_count_and_tightness_leave_the_customers_unchanged() -> None:
    base = generate_bank(3_000, 9)
    columns = ["customer_id", "segment", "branch_id", "aum", "annual_contribution", "list_tier"]
    for other in (generate_bank(3_000, 9, n_rms=40), generate_bank(3_000, 9, tightness=2.0)):
        pd.testing.assert_frame_equal(base.customers[columns], other.customers[columns])


def test_n_rms_is_exact() -> None:
    assert len(generate_bank(3_000, 3, n_rms=57).rms) == 57


def test_tightness_means_fewer_rms() -> None:
    loose, normal, tight = (len(generate_bank(50_000, 4, tightness=t).rms) for t in (0.5, 1, 2))
    assert loose > normal > tight


def test_progress_reports_every_stage_in_order() -> None:
    seen: list[str] = []
    generate_bank(100, 1, progress=seen.append)
    assert tuple(seen) == STAGES


@pytest.mark.parametrize("bad", [{"n_customers": 0}, {"seed": -1}, {"n_rms": 0}, {"tightness": 0}])
def test_bad_arguments_are_refused(bad: dict[str, float]) -> None:
    args: dict[str, float] = {"n_customers": 10, "seed": 1, **bad}
    n, seed = int(args.pop("n_customers")), int(args.pop("seed"))
    with pytest.raises(ValueError):
        generate_bank(n, seed, **args)  # type: ignore[arg-type]


# -- validation, files, the sample bank ------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 7, 150, 20_000])
def test_bank_is_valid_and_already_normalised(n: int) -> None:
    bank = generate_bank(n, n)
    again = load_instance(bank.customers, bank.rms, bank.branches, policy=POLICY)
    assert_instances_equal(bank, again)
    assert again.branches_given


def test_written_bank_reads_back_equal(small: Instance, tmp_path: Path) -> None:
    paths = write_bank(small, tmp_path)
    assert {p.name for p in paths.values()} == {"customers.csv", "rms.csv", "branches.csv"}
    back = load_instance(paths["customers"], paths["rms"], paths["branches"])
    assert_instances_equal(small, back)


def test_write_bank_refuses_an_unknown_format(small: Instance, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        write_bank(small, tmp_path, "json")


def test_describe_bank_counts_without_customer_data(small: Instance) -> None:
    summary = describe_bank(small)
    assert summary["customers"] == 3_000
    assert sum(summary["tiers"].values()) == 3_000
    assert sum(summary["rm_roles"].values()) == summary["rms"] == len(small.rms)
    assert "K0" not in repr(summary)


def test_describe_bank_reads_the_book_like_the_checker(small: Instance) -> None:
    """Today's book as described agrees with the tier counts of the rule engine."""
    from allocator.rules import assign_tiers

    summary = describe_bank(small)
    tiers = assign_tiers(small.customers, POLICY)
    assert summary["tiers"] == tiers["tier"].value_counts().sort_index().to_dict()
    book = summary["book"]
    has = (small.customers["current_rm_id"] != "").to_numpy()
    assert book["pooled_with_rm"] == int((has & tiers["pooled"].to_numpy()).sum())


def test_sample_bank_is_a_fresh_generation() -> None:
    paths = sample_bank_paths()
    assert set(paths) == {"customers", "rms", "branches"}
    shipped = load_instance(paths["customers"], paths["rms"], paths["branches"])
    assert_instances_equal(shipped, generate_bank(SAMPLE_BANK_CUSTOMERS, SAMPLE_BANK_SEED))


@pytest.mark.slow
def test_a_province_generates_in_seconds() -> None:
    import time

    start = time.perf_counter()
    bank = generate_bank(1_000_000, 1)
    assert time.perf_counter() - start < 60
    assert len(bank.customers) == 1_000_000
