"""Fixtures of the allocator tests: a tiny valid bank as text tables, as read from files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture
def small_branches() -> pd.DataFrame:
    """HQ > P1 > C1 > S1 > {O1, O2}: one branch of each level, two outlets."""
    return pd.DataFrame(
        {
            "branch_id": ["HQ", "P1", "C1", "S1", "O1", "O2"],
            "parent_id": ["", "HQ", "P1", "C1", "S1", "S1"],
            "level": ["head_office", "province", "city", "subbranch", "outlet", "outlet"],
        }
    )


@pytest.fixture
def small_rms() -> pd.DataFrame:
    """Three RMs: an outlet retail RM, a VIP-centre CFP holder, a senior corporate RM."""
    return pd.DataFrame(
        {
            "rm_id": ["R1", "R2", "R3"],
            "line": ["retail", "retail", "corporate"],
            "grade": ["rm", "intermediate", "senior"],
            "certifications": ["", "CFP;CPB", ""],
            "branch_id": ["O1", "S1", "C1"],
            "unit": ["outlet", "vip_center", "marketing"],
            "capacity": ["", "300", "40"],
            "active": ["true", "true", "false"],
        }
    )


@pytest.fixture
def small_customers() -> pd.DataFrame:
    """Four customers: two retail (one locked to R1), two corporate of one group."""
    return pd.DataFrame(
        {
            "customer_id": ["K1", "K2", "K3", "K4"],
            "segment": ["retail", "retail", "corporate", "corporate"],
            "branch_id": ["O1", "O2", "O1", "C1"],
            "aum": ["250000", "7000000", "0", "0"],
            "annual_contribution": ["0", "1000", "12000000", "500000"],
            "list_tier": ["", "", "", "city"],
            "group_id": ["", "", "G1", "G1"],
            "current_rm_id": ["R1", "", "R3", ""],
            "locked": ["true", "", "false", ""],
        }
    )


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    """``write_csv("customers.csv", text)`` -> the path of a UTF-8 file holding ``text``."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
