"""The workforce charts, as PNG (matplotlib): coverage against headcount, and the plan by quarter.

Plain data in (the curve table, the quarters table), a figure or PNG bytes out: the HTML report,
the command line and the HTTP service all draw the same pictures from the same tables. Figures
are made without pyplot's global state, so a service's worker threads can draw side by side.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def curve_figure(curve: pd.DataFrame) -> Figure:
    """Three panels, one point per budget: coverage of the targeted customers against the RMs
    hired (new hires alone); coverage against the plan's annual cost (new hires alone, and every
    lever); the cost per covered customer against the plan's annual cost."""
    fig = Figure(figsize=(13, 3.8))
    by_head, by_cost, per = fig.subplots(1, 3)
    styles = {
        "hires_only": ("#2a6f97", "o", "new hires only"),
        "every_lever": ("#c44536", "s", "every lever"),
    }
    hires = curve[curve["series"] == "hires_only"]
    colour, marker, _ = styles["hires_only"]
    by_head.plot(hires["people_added"], 100 * hires["coverage"], marker=marker, color=colour)
    by_head.set_xlabel("people hired")
    by_head.set_ylabel("targeted customers covered (%)")
    by_head.set_title("Coverage against headcount")
    for name, (colour, marker, label) in styles.items():
        part = curve[curve["series"] == name]
        cost = part["annual_cost"] / 1e6
        by_cost.plot(cost, 100 * part["coverage"], marker=marker, color=colour, label=label)
        per.plot(cost, part["cost_per_covered"], marker=marker, color=colour, label=label)
    for ax in (by_head, by_cost):
        if len(curve):
            ax.axhline(100 * curve["target"].iloc[0], color="#555", ls="--", lw=1, label="target")
    by_cost.set_xlabel("plan cost a year (millions)")
    by_cost.set_ylabel("targeted customers covered (%)")
    by_cost.set_title("What each budget buys")
    by_cost.legend(fontsize=8, loc="lower right")
    per.set_xlabel("plan cost a year (millions)")
    per.set_ylabel("annual RM cost per covered customer")
    per.set_title("Cost per covered customer")
    per.legend(fontsize=8)
    fig.tight_layout()
    return fig


def quarters_figure(table: pd.DataFrame, targets: Mapping[str, float]) -> Figure:
    """Coverage per targeted tier by quarter (lines, left axis) and the plan's cost per quarter
    (bars, right axis); the targets as dashed lines."""
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    cost_ax = ax.twinx()
    q = table["quarter"].to_numpy()
    cost_ax.bar(q, table["cost_quarter"] / 1e6, color="#d9d9d9", width=0.6, label="cost (M)")
    cost_ax.set_ylabel("plan cost this quarter (millions)")
    colours = ["#2a6f97", "#c44536", "#52796f", "#e09f3e", "#6a4c93", "#335c67"]
    for i, tier in enumerate(targets):
        column = f"coverage.{tier}"
        if column not in table.columns:
            continue
        colour = colours[i % len(colours)]
        ax.plot(q, 100 * table[column], marker="o", color=colour, label=tier)
        ax.axhline(100 * targets[tier], color=colour, ls=":", lw=1)
    ax.set_zorder(cost_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_xlabel("quarter (0 = today)")
    ax.set_ylabel("customers covered (%)")
    ax.set_xticks(q)
    ax.set_title("Coverage and cost by quarter")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig
