"""The planner's report: a one-page HTML an HR director can read, and the tables behind it.

``rmalloc headcount ... --report DIR`` (and the HTTP service) write one folder: ``report.html``
(plain words, the charts embedded, readable offline), ``summary.json`` and the tables --
staffing checks before and after, required RMs per branch, the audit of each row, the
verification, the coverage curve and, for a plan over quarters, the quarters. Every value in the
page is escaped; every CSV is spreadsheet-safe.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.io import write_csv_safe
from scenarios.headcount.charts import curve_figure, png_bytes, quarters_figure
from scenarios.headcount.horizon import QuarterPlan
from scenarios.headcount.plan import HeadcountPlan
from scenarios.headcount.words import (
    RULE_WORDS,
    action_words,
    headline,
    money,
    purpose_words,
    tier_words,
)

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:24px auto;color:#1d2a33}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ccd}
p.lead{font-size:16px}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{padding:3px 6px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
td.n{text-align:right}.ok{color:#2d6a4f}.no{color:#b00020;font-weight:600}.muted{color:#667}
img{max-width:100%}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """An HTML table of already escaped cells (columns in ``numeric`` right-aligned)."""
    numeric = numeric or set()
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _mark(ok: object) -> str:
    if isinstance(ok, float) and ok != ok:  # no row: nothing was required there
        return '<span class="muted">nothing needed</span>'
    if ok is None:
        return '<span class="muted">not known</span>'
    return '<span class="ok">met</span>' if ok else '<span class="no">not met</span>'


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def actions_section(actions: pd.DataFrame) -> str:
    if actions.empty:
        return "<p>Nothing to do.</p>"
    rows = [
        [
            _e(action_words(r)),
            _e(purpose_words(r["rule"])),
            _e(money(float(r["annual_cost"]))),
            _e(
                "at once"
                if int(r["lead_quarters"]) == 0
                else f"{int(r['lead_quarters'])} quarter(s)"
            ),
        ]
        for r in actions.to_dict(orient="records")
    ]
    return _table(["What", "Why", "First-year cost", "Ready in"], rows, {2})


def rules_section(before: pd.DataFrame, after: pd.DataFrame) -> str:
    """The staffing rules a plan changes or leaves unmet: needed, today, after."""
    key = ["rule", "branch_id"]
    both = before.merge(after, on=key, how="outer", suffixes=("_before", "_after"))
    met_before = both["ok_before"].map(lambda v: v is True)
    met_after = both["ok_after"].map(lambda v: v is True)
    changed = (both["actual_before"] != both["actual_after"]) | ~met_before | ~met_after
    rows = [
        [
            _e(RULE_WORDS.get(str(r["rule"]), r["rule"])),
            _e(r["branch_id"] or "every branch"),
            _e(
                _num(
                    r["required_after"]
                    if r["required_after"] == r["required_after"]
                    else r["required_before"]
                )
            ),
            _e(_num(r["actual_before"])),
            _mark(r["ok_before"]),
            _e(_num(r["actual_after"])),
            _mark(r["ok_after"]),
        ]
        for r in both[changed].to_dict(orient="records")
    ]
    if not rows:
        return "<p>Every staffing rule is met today and stays met.</p>"
    return _table(["Rule", "Where", "Needed", "Today", "", "After the plan", ""], rows, {2, 3, 5})


def _num(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if number != number else f"{number:g}"


def coverage_section(plan: HeadcountPlan) -> str:
    rows = []
    verified = plan.verification.set_index("tier") if plan.verification is not None else None
    for r in plan.expected.to_dict(orient="records"):
        tier = str(r["tier"])
        if tier not in plan.targets:
            continue
        check = ""
        if verified is not None and tier in verified.index:
            v = verified.loc[tier]
            check = f"{v['share']:.1%} " + (
                '<span class="ok">reached</span>' if v["ok"] else '<span class="no">missed</span>'
            )
        rows.append(
            [
                _e(tier_words(tier)),
                _e(int(r["customers"])),
                _e(f"{plan.targets[tier]:.0%}"),
                _e(f"{float(r['model_covers']):,.0f}"),
                check,
            ]
        )
    return _table(
        ["Customers", "How many", "Target", "The plan covers", "Checked by allocating"],
        rows,
        {1, 2, 3},
    )


def required_section(required: pd.DataFrame) -> str:
    moved = required[required["gap"] != 0]
    if moved.empty:
        return "<p>No branch changes its number of RMs.</p>"
    rows = [
        [
            _e(r["branch_id"]),
            _e(r["level"]),
            _e(r["line"]),
            _e(r["current_rms"]),
            _e(r["required_rms"]),
            _e(f"{r['gap']:+d}"),
        ]
        for r in moved.to_dict(orient="records")
    ]
    return _table(["Branch", "Level", "Line", "RMs today", "RMs needed", "Change"], rows, {3, 4, 5})


def report_html(
    plan: HeadcountPlan,
    *,
    curve: pd.DataFrame | None = None,
    quarters: QuarterPlan | None = None,
    title: str = "Workforce plan",
) -> str:
    """The one-page report (self-contained HTML)."""
    solved = plan.status in ("optimal", "feasible")
    lead = (
        headline(plan.hires, plan.targets)
        if solved
        else (
            "No plan reaches the targets under the rules, quota and budget given. "
            + (plan.notes[-1] if plan.notes else "")
        )
    )
    mode = (
        "least cost for the targets"
        if plan.params.mode == "cost"
        else "most coverage within the budget and quota"
    )
    if plan.params.budget is not None:
        mode += f"; budget {money(plan.params.budget)}"
    parts = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="lead">{_e(lead)}</p>',
        f'<p class="muted">Mode: {_e(mode)}; solved {_e(plan.status)}.</p>',
        "<h2>What to do</h2>",
        actions_section(plan.hires),
        "<h2>Customers covered</h2>",
        coverage_section(plan),
        "<h2>Staffing rules</h2>",
        rules_section(plan.checks_before, plan.checks_after),
        "<h2>RMs per branch</h2>",
        required_section(plan.required),
    ]
    if curve is not None and len(curve):
        parts += [
            "<h2>What each budget buys</h2>",
            "<p>Each point is the most the bank can cover for that money (the planner's "
            "estimate), the staffing rules left aside: the plan above adds what they need.</p>",
            _img(png_bytes(curve_figure(curve)), "coverage against headcount"),
        ]
    if quarters is not None:
        parts += [
            "<h2>Over the coming quarters</h2>",
            "<p>RMs leave (the best ones more often, some customers with them), customers grow, "
            "and each order takes effect after its lead time. Coverage is checked by allocating "
            "each quarter's bank.</p>",
            _img(
                png_bytes(quarters_figure(quarters.table, quarters.targets)),
                "coverage and cost by quarter",
            ),
        ]
    notes = [*plan.notes, *(f"row {r.row}: {r.problem}" for r in plan.audit.itertuples())]
    if notes:
        parts += ["<h2>Notes</h2>", "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"]
    body = "\n".join(parts)
    head = f'<meta charset="utf-8"><title>{_e(title)}</title><style>{STYLE}</style>'
    return f'<!doctype html><html lang="en"><head>{head}</head><body>{body}</body></html>'


def write_report(
    plan: HeadcountPlan,
    out_dir: str | Path,
    *,
    curve: pd.DataFrame | None = None,
    quarters: QuarterPlan | None = None,
) -> dict[str, Path]:
    """Write the report folder (see the module docstring); returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame | None] = {
        "checks_before": plan.checks_before,
        "checks_after": plan.checks_after,
        "required_rms": plan.required,
        "audit": plan.audit,
        "verification": plan.verification,
        "curve": curve,
        "quarters": None if quarters is None else quarters.table,
        "quarter_actions": None if quarters is None else quarters.actions,
    }
    paths = {
        name: write_csv_safe(t, out / f"{name}.csv") for name, t in tables.items() if t is not None
    }
    summary: dict[str, Any] = plan.summary()
    if quarters is not None:
        summary["quarters"] = json.loads(quarters.table.to_json(orient="records"))
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    if curve is not None and len(curve):
        paths["curve_png"] = out / "curve.png"
        paths["curve_png"].write_bytes(png_bytes(curve_figure(curve)))
    if quarters is not None:
        paths["quarters_png"] = out / "quarters.png"
        paths["quarters_png"].write_bytes(
            png_bytes(quarters_figure(quarters.table, quarters.targets))
        )
    paths["report"] = out / "report.html"
    paths["report"].write_text(report_html(plan, curve=curve, quarters=quarters), encoding="utf-8")
    return paths


def report_payload(
    plan: HeadcountPlan, *, curve: pd.DataFrame | None, quarters: QuarterPlan | None
) -> Mapping[str, Any]:
    """The report as JSON-able data (the HTTP service's job result): the headline, each action
    in words, the page, the charts as base64 PNG, the curve and the quarters tables."""
    charts = {}
    if curve is not None and len(curve):
        charts["curve"] = base64.b64encode(png_bytes(curve_figure(curve))).decode("ascii")
    if quarters is not None:
        charts["quarters"] = base64.b64encode(
            png_bytes(quarters_figure(quarters.table, quarters.targets))
        ).decode("ascii")
    in_words = [
        {
            "what": action_words(r),
            "why": purpose_words(r["rule"]),
            "annual_cost": money(float(r["annual_cost"])),
            "ready_in_quarters": int(r["lead_quarters"]),
        }
        for r in plan.hires.to_dict(orient="records")
    ]
    return {
        "headline": headline(plan.hires, plan.targets),
        "actions_in_words": in_words,
        "html": report_html(plan, curve=curve, quarters=quarters),
        "charts_png_base64": charts,
        "curve": [] if curve is None else json.loads(curve.to_json(orient="records")),
        "quarters": None
        if quarters is None
        else json.loads(quarters.table.to_json(orient="records")),
    }
