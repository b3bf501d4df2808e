"""Charts of a sweep: coverage by tier against headcount, as PNG (matplotlib) and HTML.

The functions take plain data -- the sweep table (a DataFrame) and a :class:`CoverageChart`
saying what to draw -- and know nothing of specs or sweeps, so that :mod:`scenarios.sweep`
depends on this module and never the other way round (a chart can also be drawn from a table
read back from ``sweep.csv``).

The HTML is written by hand around the PNG (embedded as base64) and the sweep table, so it opens
anywhere, offline, with no extra dependency.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class CoverageChart:
    """What a coverage chart draws, and the words around it.

    Attributes
    ----------
    name, description
        The sweep's, for the HTML page.
    title
        Above the figure.
    grid
        The grid keys, in the grid's order (they name the table's parameter columns; empty when
        there is no grid).
    x
        The column on the x axis: ``headcount`` (active RMs) or a grid key or metric.
    tiers
        Tiers to draw; None: every tier the table has a coverage share for.
    """

    name: str
    description: str = ""
    title: str = "sweep"
    grid: tuple[str, ...] = ()
    x: str = "headcount"
    tiers: tuple[str, ...] | None = None


def chart_tiers(table: pd.DataFrame, chart: CoverageChart) -> list[str]:
    """Tiers to draw: the chart's ``tiers``, else every tier the table has a coverage share for."""
    have = [
        c.removeprefix("coverage.").removesuffix(".share")
        for c in table.columns
        if c.startswith("coverage.") and c.endswith(".share")
    ]
    return [t for t in (chart.tiers or have) if t in have]


def x_column(table: pd.DataFrame, chart: CoverageChart) -> str:
    """The column on the x axis: ``headcount`` (active RMs) or the grid key/metric named."""
    if chart.x not in table.columns:
        raise ValueError(f"chart.x {chart.x!r} is not a column of the sweep table")
    return chart.x


def series_keys(table: pd.DataFrame, chart: CoverageChart, x: str) -> list[str]:
    """Grid keys that split the points into lines: every key but the one on the x axis (for
    ``headcount``, the first grid key is taken to be what drives it)."""
    keys = list(chart.grid)
    drop = keys[0] if x == "headcount" and keys else x
    return [k for k in keys if k != drop and table[k].nunique() > 1]


def coverage_figure(table: pd.DataFrame, chart: CoverageChart) -> Figure:
    """Coverage share of each tier against headcount (or ``chart.x``).

    With one grid key: one axes, a line per tier. With more: one axes per tier, a line per
    combination of the other keys.
    """
    x = x_column(table, chart)
    tiers = chart_tiers(table, chart)
    groups = series_keys(table, chart, x)
    data = table.sort_values(x)
    if not groups:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for tier in tiers:
            ax.plot(data[x], data[f"coverage.{tier}.share"], marker="o", label=tier)
        _style(ax, x, chart.title)
        ax.legend(title="tier", fontsize="small")
        return fig
    cols = min(3, len(tiers)) or 1
    rows = -(-len(tiers) // cols) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.4 * rows), squeeze=False)
    for ax, tier in zip(axes.flat, tiers, strict=False):
        for key, part in data.groupby(groups, sort=True):
            values = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{g}={v}" for g, v in zip(groups, values, strict=True))
            ax.plot(part[x], part[f"coverage.{tier}.share"], marker="o", label=label)
        _style(ax, x, tier)
    for ax in list(axes.flat)[len(tiers) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="x-small")
    fig.suptitle(chart.title)
    fig.tight_layout()
    return fig


def _style(ax: Any, x: str, title: str) -> None:
    ax.set_xlabel("headcount (active RMs)" if x == "headcount" else x)
    ax.set_ylabel("coverage share")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (the resolution and cropping ``chart.png`` is saved with)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def write_html(table: pd.DataFrame, chart: CoverageChart, fig: Figure, path: str | Path) -> Path:
    """A self-contained page: the chart (embedded PNG), the grid and the sweep table."""
    x = x_column(table, chart)
    keep = ["point", *chart.grid, "seed", x] if chart.grid else ["point"]
    keep += [
        c for c in table.columns if c.startswith(("coverage.", "uncovered.")) and c not in keep
    ]
    keep += [
        c
        for c in ("cover_share", "status.moved", "cost.total", "solve_status")
        if c in table.columns
    ]
    shown = table[list(dict.fromkeys(keep))]
    img = base64.b64encode(png_bytes(fig)).decode()
    name = html.escape(chart.name)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{name}: sweep</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}</style></head>
<body><h1>{name}</h1><p>{html.escape(chart.description)}</p>
<img alt="coverage against headcount" src="data:image/png;base64,{img}">
<h2>Grid points</h2>
{shown.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)}
</body></html>
"""
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return target
