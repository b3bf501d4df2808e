"""Sweep charts from plain data: a table and a :class:`CoverageChart`, no spec, no sweep."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import scenarios.charts
from scenarios.charts import CoverageChart, chart_tiers, coverage_figure, series_keys, write_html
from scenarios.spec import parse_spec
from scenarios.sweep import coverage_chart

TABLE = pd.DataFrame(
    {
        "point": [0, 1, 2, 3],
        "hires.count": [0, 0, 2, 2],
        "cap.capacity": [40, 60, 40, 60],
        "seed": [1, 2, 3, 4],
        "headcount": [12, 12, 14, 14],
        "coverage.high.share": [0.5, 0.6, 0.8, 0.9],
        "coverage.mid.share": [0.7, 0.8, 0.7, 0.8],
        "solve_status": "optimal",
    }
)
CHART = CoverageChart(name="n", grid=("hires.count", "cap.capacity"))


def test_charts_import_no_sweep_and_no_spec() -> None:
    tree = ast.parse(inspect.getsource(scenarios.charts))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m.startswith("scenarios") for m in imported), imported


def test_what_is_drawn() -> None:
    assert chart_tiers(TABLE, CHART) == ["high", "mid"]
    assert chart_tiers(TABLE, CoverageChart(name="n", tiers=("mid", "gold"))) == ["mid"]
    # x = headcount: the first grid key drives it, the others split the points into lines
    assert series_keys(TABLE, CHART, "headcount") == ["cap.capacity"]
    assert series_keys(TABLE, CHART, "cap.capacity") == ["hires.count"]


def test_figures_and_page(tmp_path: Path) -> None:
    one_axes = coverage_figure(TABLE, CoverageChart(name="n", grid=("hires.count",)))
    assert len(one_axes.axes) == 1
    per_tier = coverage_figure(TABLE, CHART)
    assert [ax.get_title() for ax in per_tier.axes] == ["high", "mid"]
    page = write_html(TABLE, CHART, per_tier, tmp_path / "chart.html").read_text()
    assert "data:image/png;base64," in page and "cap.capacity" in page
    plt.close("all")
    with pytest.raises(ValueError, match="not a column"):
        coverage_figure(TABLE, CoverageChart(name="n", x="budget"))


def test_a_spec_becomes_chart_settings() -> None:
    spec = parse_spec(
        {
            "baseline": "sample",
            "edits": [{"id": "cap", "set_capacity": {"capacity": 40}}],
            "sweep": {"grid": {"cap.capacity": [40, 60]}, "chart": {"tiers": ["high"]}},
        }
    )
    chart = coverage_chart(spec)
    assert chart == CoverageChart(
        name="scenario", title="sweep", grid=("cap.capacity",), tiers=("high",)
    )
    named = coverage_chart(spec.model_copy(update={"name": "vip", "sweep": None}))
    assert (named.title, named.grid, named.x, named.tiers) == ("vip", (), "headcount", None)
