"""Hires made real: added through the scenario edit, allocated, checked."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.profiles import HIRE_COLUMNS
from scenarios.headcount.verify import apply_hires, verify_hires

HIRE = ("retail", "rm", "AFP", "S1", "vip_center", 2, 500_000.0)


def test_apply_hires(small_bank: Instance) -> None:
    bank = apply_hires(small_bank, pd.DataFrame([HIRE], columns=list(HIRE_COLUMNS)))
    new = bank.rms[bank.rms["rm_id"].str.startswith("HIRE")]
    assert len(new) == 2 and new["active"].all() and set(new["certifications"]) == {"AFP"}


def test_an_empty_certifications_cell_read_back_is_no_certification(small_bank: Instance) -> None:
    row = ("corporate", "rm", np.nan, "O2", "outlet", 1, 200_000.0)  # "" read by pandas: NaN
    bank = apply_hires(small_bank, pd.DataFrame([row], columns=list(HIRE_COLUMNS)))
    assert bank.rms["certifications"].iloc[-1] == ""


def test_verify_hires(tiny_bank: Callable[[int, float], Instance], policy: Policy) -> None:
    bank = tiny_bank(15, 20)
    short = verify_hires(bank, pd.DataFrame(columns=list(HIRE_COLUMNS)), {"high": 1.0}, policy)
    assert not short["ok"].iloc[0] and short["missing"].iloc[0] == 5
    hired = verify_hires(
        bank, pd.DataFrame([HIRE], columns=list(HIRE_COLUMNS)), {"high": 1.0}, policy
    )
    assert hired["ok"].iloc[0] and hired["share"].iloc[0] == 1.0
