"""The report: the coverage curve (every lever, and hires alone), the charts, plain words, and a
one-page HTML that escapes what it shows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount import plan_headcount
from scenarios.headcount.curve import CURVE_COLUMNS, coverage_curve
from scenarios.headcount.report import report_html, report_payload, write_report
from scenarios.headcount.words import action_words, headline, money, purpose_words

TARGETS = {"private": 1.0, "high": 1.0, "mid": 0.95}


def test_curve(small_bank: Instance, policy: Policy) -> None:
    plan = plan_headcount(small_bank, TARGETS, policy=policy, time_limit=30)
    assert plan.planner is not None
    curve = coverage_curve(plan.planner, points=4)
    assert list(curve.columns[: len(CURVE_COLUMNS)]) == list(CURVE_COLUMNS)
    for _, part in curve.groupby("series"):
        assert part["cover_value"].is_monotonic_increasing  # more money never covers less
        assert (part["coverage"] <= part["target"] + 1e-9).all()
        assert part["annual_cost"].iloc[0] == 0
    hires = curve[curve["series"] == "hires_only"]
    assert hires["certified"].sum() == 0 and hires["moved"].sum() == 0


def test_words(vip_hire: dict[str, object]) -> None:
    row = vip_hire | {"count": 2, "source": ""}
    assert action_words(row) == "Hire 2 × retail RM (rm grade, AFP) for the VIP centre at S1"
    assert (
        purpose_words("tier:high; rule:vip_center.certified")
        == "for high-end customers; the VIP centre's AFP/CFP holders"
    )
    assert money(1_250_000) == "¥1.25M" and money(45_000) == "¥45,000"
    assert headline(pd.DataFrame(columns=["action"]), {"mid": 1.0}).endswith(
        "today's staff suffice."
    )


def test_the_report_folder(
    small_bank: Instance, small_staff: pd.DataFrame, policy: Policy, tmp_path: Path
) -> None:
    plan = plan_headcount(
        small_bank, TARGETS, policy=policy, staff=small_staff, enforce="all", verify=True, workers=1
    )
    assert plan.planner is not None
    curve = coverage_curve(plan.planner, points=3)
    paths = write_report(plan, tmp_path / "r", curve=curve)
    assert {
        "report",
        "summary",
        "checks_before",
        "checks_after",
        "required_rms",
        "curve",
        "curve_png",
    } <= set(paths)
    page = paths["report"].read_text()
    assert (
        page.startswith("<!doctype html>")
        and "To serve" in page
        and "data:image/png;base64," in page
    )
    assert "<script" not in page  # offline and inert
    payload = report_payload(plan, curve=curve, quarters=None)
    assert payload["charts_png_base64"]["curve"] and payload["html"] == report_html(
        plan, curve=curve
    )


def test_values_are_escaped(small_bank: Instance, policy: Policy) -> None:
    plan = plan_headcount(small_bank, TARGETS, policy=policy, time_limit=30)
    plan.notes.append("<script>alert(1)</script>")
    page = report_html(plan)
    assert "<script>" not in page and "&lt;script&gt;" in page
