"""Tests of the v1.1 knobs and the presets: off by default (a v1 bank, as before), each drawn on
its own stream (switching one on leaves the rest of the bank alone), refused when impossible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator.synth import PRESETS, GeneratorConfig, generate_bank, write_bank
from allocator.synth.config import HARSH_KNOBS, V11_KNOBS

CUSTOMER_COLUMNS = [
    "customer_id",
    "segment",
    "branch_id",
    "aum",
    "annual_contribution",
    "list_tier",
]


def test_default_bank_writes_no_v11_column(small: pd.DataFrame, tmp_path: Path) -> None:
    paths = write_bank(small, tmp_path)
    header = paths["customers"].read_text().splitlines()[0]
    assert "previous_tier" not in header and "forbid_rm_ids" not in header
    assert "position" not in paths["rms"].read_text().splitlines()[0]


def test_presets_are_named_and_take_overrides() -> None:
    assert set(PRESETS) == {"default", "v1.1", "harsh"}
    assert PRESETS["default"]() == GeneratorConfig()
    v11 = GeneratorConfig.v11(forbid_share=0.0)
    assert v11.executives and v11.forbid_share == 0.0
    harsh = GeneratorConfig.harsh()
    for name, value in {**V11_KNOBS, **HARSH_KNOBS}.items():
        assert getattr(harsh, name) == value


def test_v11_leaves_the_customers_and_the_book_of_rm_rows_alone() -> None:
    plain, v11 = generate_bank(20_000, 4), generate_bank(20_000, 4, config=GeneratorConfig.v11())
    pd.testing.assert_frame_equal(
        plain.customers[CUSTOMER_COLUMNS], v11.customers[CUSTOMER_COLUMNS]
    )
    rms = v11.rms[v11.rms["position"] == "rm"]
    assert len(rms) >= len(plain.rms)  # the deposits rule may add corporate RMs, never fewer


@pytest.mark.parametrize(
    "knob",
    [
        {"executives": True},
        {"assistant_post_every": 4},
        {"composite_subbranch_share": 1.0},
        {"designated_vip_share": 1.0},
        {"forbid_share": 0.01},
        {"leaver_share": (0.05, 0.05)},
    ],
)
def test_a_roster_knob_changes_nothing_but_its_own_columns(knob: dict[str, object]) -> None:
    """Knobs applied after today's book draw from their own streams: the customers, today's
    book and the RMs' ids and grades are those of the plain bank."""
    plain = generate_bank(8_000, 2)
    other = generate_bank(8_000, 2, config=GeneratorConfig(**knob))  # type: ignore[arg-type]
    keep = [c for c in plain.customers.columns if c != "forbid_rm_ids"]
    pd.testing.assert_frame_equal(plain.customers[keep], other.customers[keep])
    rms = other.rms.set_index("rm_id")
    mine = plain.rms.set_index("rm_id").loc[rms.index.intersection(plain.rms["rm_id"])]
    pd.testing.assert_frame_equal(
        mine[["grade", "branch_id", "unit"]], rms.loc[mine.index, ["grade", "branch_id", "unit"]]
    )


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"co_cover_capacity": (0.0, 10.0)}, "co_cover_capacity"),
        ({"forbid_share": 1.5}, "forbid_share"),
        ({"leaver_share": (0.2, 0.1)}, "leaver_share"),
        ({"months_below": (3, 200)}, "months_below"),
        ({"deputy_heads_per_subbranch": (2, 1)}, "deputy_heads_per_subbranch"),
        ({"assistant_post_every": -1}, "assistant_post_every"),
        ({"dedicated_extra_customers": (0, 2)}, "dedicated_extra_customers"),
        ({"target_utilisation": 1.3}, "target_utilisation"),
    ],
)
def test_bad_v11_knobs_are_refused(bad: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        GeneratorConfig(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [1, 7, 150])
@pytest.mark.parametrize("preset", ["v1.1", "harsh"])
def test_tiny_banks_of_every_preset_are_valid(n: int, preset: str) -> None:
    from allocator.validation import load_instance

    bank = generate_bank(n, n, config=PRESETS[preset]())
    again = load_instance(bank.customers, bank.rms, bank.branches)
    pd.testing.assert_frame_equal(bank.customers, again.customers)
    pd.testing.assert_frame_equal(bank.rms, again.rms)
