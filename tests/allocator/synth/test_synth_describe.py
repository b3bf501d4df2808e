"""Tests of allocator.synth.describe: the v1.1 features in counts, the eligibility graph's
components as the solver sees them, and ``rmalloc generate --preset``."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.compile import compile_problem
from allocator.decomposition import components
from allocator.instance import Instance
from allocator.policy import default_policy
from allocator.synth import GeneratorConfig, describe_bank, generate_bank
from rmalloc.cli import main


def test_components_are_the_solvers_components() -> None:
    """The largest components from the rule engine's classes are those the decomposition
    finds in the compiled problem (no complaints: a forbidden pair is the compiler's only)."""
    bank = generate_bank(30_000, 4, config=GeneratorConfig.harsh(forbid_share=0.0))
    described = [c["customers"] for c in describe_bank(bank)["components"]]
    parts = components(compile_problem(bank, default_policy()).problem)
    assert described == sorted((len(p) for p in parts), reverse=True)[: len(described)]


def test_v11_features_are_counted(v11_bank: Instance) -> None:
    summary = describe_bank(v11_bank)
    rms = v11_bank.rms
    assert summary["positions"]["subbranch_head"] == (rms["position"] == "subbranch_head").sum()
    assert summary["positions"]["assistant_post"] > 0
    assert summary["composite_rms"] == (rms["line"] == "both").sum()
    assert summary["designated"]["centres"] >= 1
    assert summary["co_cover"]["capacity"] > 0 and summary["co_cover"]["demand"] > 0
    quarter = summary["quarter"]
    assert quarter["held"] > 0 and quarter["below_previous"] > quarter["held"]
    assert quarter["forbidden"] == (v11_bank.customers["forbid_rm_ids"] != "").sum()
    assert quarter["outlets_deposits_10m"] > 0
    assert summary["leavers"] == {"rms": 0, "customers": 0}
    top = summary["components"][0]
    assert top["key_accounts"] == summary["key_accounts"] > 0
    assert "K0" not in repr(summary)


def test_a_v1_bank_has_no_v11_feature(small: Instance) -> None:
    summary = describe_bank(small)
    assert summary["positions"]["rm"] == summary["rms"]
    assert summary["composite_rms"] == 0 and summary["designated"]["rms"] == 0
    assert summary["quarter"]["previous_tier"] == summary["quarter"]["forbidden"] == 0


@pytest.mark.parametrize("flags", [["--preset", "v1.1"], ["--harsh"]])
def test_generate_command_takes_a_preset(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bank"
    assert main(["generate", str(out), "--customers", "20000", "--seed", "2", *flags]) == 0
    text = capsys.readouterr().out
    assert "positions" in text and "quarter" in text and "K000" not in text
    assert ("\nleavers " in text) == (flags == ["--harsh"])
    header = (out / "rms.csv").read_text().splitlines()[0]
    assert "position" in header
