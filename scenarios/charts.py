"""Charts of a sweep: coverage by tier against headcount, as PNG (matplotlib) and HTML.

The HTML is written by hand around the PNG (embedded as base64) and the sweep table, so it opens
anywhere, offline, with no extra dependency.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd

from scenarios.spec import ScenarioSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scenarios.sweep import SweepResult


def chart_tiers(table: pd.DataFrame, spec: ScenarioSpec) -> list[str]:
    """Tiers to draw: the spec's ``chart.tiers``, else every tier the table has a coverage
    share for."""
    have = [
        c.removeprefix("coverage.").removesuffix(".share")
        for c in table.columns
        if c.startswith("coverage.") and c.endswith(".share")
    ]
    wanted = spec.sweep.chart.tiers if spec.sweep is not None else None
    return [t for t in (wanted or have) if t in have]


def x_column(table: pd.DataFrame, spec: ScenarioSpec) -> str:
    """The column on the x axis: ``headcount`` (active RMs) or the grid key/metric named."""
    x = spec.sweep.chart.x if spec.sweep is not None else "headcount"
    if x not in table.columns:
        raise ValueError(f"chart.x {x!r} is not a column of the sweep table")
    return x


def series_keys(table: pd.DataFrame, spec: ScenarioSpec, x: str) -> list[str]:
    """Grid keys that split the points into lines: every key but the one on the x axis (for
    ``headcount``, the first grid key is taken to be what drives it)."""
    keys = list(spec.sweep.grid) if spec.sweep is not None else []
    drop = keys[0] if x == "headcount" and keys else x
    return [k for k in keys if k != drop and table[k].nunique() > 1]


def coverage_figure(table: pd.DataFrame, spec: ScenarioSpec) -> Figure:
    """Coverage share of each tier against headcount (or ``chart.x``).

    With one grid key: one axes, a line per tier. With more: one axes per tier, a line per
    combination of the other keys.
    """
    x = x_column(table, spec)
    tiers = chart_tiers(table, spec)
    groups = series_keys(table, spec, x)
    data = table.sort_values(x)
    title = spec.name if spec.name != "scenario" else "sweep"
    if not groups:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for tier in tiers:
            ax.plot(data[x], data[f"coverage.{tier}.share"], marker="o", label=tier)
        _style(ax, x, title)
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
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _style(ax: Any, x: str, title: str) -> None:
    ax.set_xlabel("headcount (active RMs)" if x == "headcount" else x)
    ax.set_ylabel("coverage share")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def write_html(result: SweepResult, fig: Figure, path: str | Path) -> Path:
    """A self-contained page: the chart (embedded PNG), the grid and the sweep table."""
    table = result.table
    x = x_column(table, result.spec)
    keep = ["point", *result.spec.sweep.grid, "seed", x] if result.spec.sweep else ["point"]
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
    name = html.escape(result.spec.name)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{name}: sweep</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}</style></head>
<body><h1>{name}</h1><p>{html.escape(result.spec.description)}</p>
<img alt="coverage against headcount" src="data:image/png;base64,{img}">
<h2>Grid points</h2>
{shown.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)}
</body></html>
"""
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return target
