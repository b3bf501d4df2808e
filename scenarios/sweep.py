"""Sweeps: one scenario solved at every point of a grid over edit parameters, on Dask.

The baseline is solved once, on the caller's side, and shipped to every worker; each point is
then an independent scenario run warm-started from it. Points are deterministic: each has its own
seed, derived from the spec's seed and the point's parameters (not from the order points finish
in), and each solves with one solver thread, so a sweep on a cluster gives the same table as the
same sweep run serially (timings aside: ``solve_seconds`` is wall time).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from tqdm import tqdm

from allocator.io import write_csv_safe
from scenarios.run import BankRun, run_scenario, solve_baseline
from scenarios.spec import ScenarioSpec, load_spec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scenarios.charts import CoverageChart

log = logging.getLogger(__name__)

#: columns of the sweep table that depend on the machine, not on the inputs
TIMING_COLUMNS = ("solve_seconds",)


def point_seed(seed: int, point: Mapping[str, Any]) -> int:
    """The seed of one grid point: a hash of the spec seed and the point's parameters, so it
    does not depend on the grid's order or on which worker runs the point."""
    text = json.dumps({"seed": seed, "point": dict(point)}, sort_keys=True, default=str)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") % 2**31


def run_point(
    spec: ScenarioSpec,
    index: int,
    point: Mapping[str, Any],
    baseline: BankRun,
    time_limit: float | None,
    backend: str = "auto",
) -> dict[str, Any]:
    """Solve one grid point and return its row: parameters, seed, then every scenario metric.

    Runs on a worker; one solver thread, so the row is reproducible.
    """
    seed = point_seed(spec.seed, point)
    scen = spec.with_params(point).model_copy(update={"seed": seed})
    result = run_scenario(
        scen, baseline=baseline, time_limit=time_limit, seed=seed, workers=1, backend=backend
    )
    solve = result.plan.kpis["solve"]
    row: dict[str, Any] = {"point": index, **dict(point), "seed": seed}
    row["headcount"] = result.metric("headcount.total")
    row.update(result.metrics())
    row.update(
        solved=result.solved,
        solve_status=solve["status"],
        solve_termination=solve["termination"],
        solve_seconds=solve["seconds"],
    )
    return row


def coverage_chart(spec: ScenarioSpec) -> CoverageChart:
    """What the sweep chart of ``spec`` draws: its ``sweep.chart`` section, grid and names.

    The one place a spec becomes chart settings, so that :mod:`scenarios.charts` takes plain data
    and needs neither specs nor sweeps.
    """
    # charts imports matplotlib: only when a chart is drawn, not on every Dask worker
    from scenarios.charts import CoverageChart

    sweep = spec.sweep
    return CoverageChart(
        name=spec.name,
        description=spec.description,
        title=spec.name if spec.name != "scenario" else "sweep",
        grid=tuple(sweep.grid) if sweep is not None else (),
        x=sweep.chart.x if sweep is not None else "headcount",
        tiers=tuple(sweep.chart.tiers)
        if sweep is not None and sweep.chart.tiers is not None
        else None,
    )


@dataclass
class SweepResult:
    """A sweep's tidy table (one row per grid point) and what is needed to draw it."""

    spec: ScenarioSpec
    table: pd.DataFrame
    baseline: dict[str, float]

    def chart(self, path: str | Path | None = None) -> Figure:
        """The coverage-vs-headcount figure (saved as PNG when ``path`` is given)."""
        from scenarios.charts import coverage_figure

        fig = coverage_figure(self.table, coverage_chart(self.spec))
        if path is not None:
            fig.savefig(path, dpi=120, bbox_inches="tight")
        return fig

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write sweep.csv (the table), chart.png, chart.html and spec.yaml into ``out_dir``."""
        from scenarios.charts import write_html

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "table": out / "sweep.csv",
            "png": out / "chart.png",
            "html": out / "chart.html",
            "spec": out / "spec.yaml",
        }
        write_csv_safe(self.table, paths["table"])
        fig = self.chart(paths["png"])
        write_html(self.table, coverage_chart(self.spec), fig, paths["html"])
        paths["spec"].write_text(self.spec.to_yaml(), encoding="utf-8")
        import matplotlib.pyplot as plt

        plt.close(fig)
        return paths


def _serial(
    tasks: list[tuple[int, dict[str, Any]]], call: Callable[..., dict[str, Any]], progress: bool
) -> list[dict[str, Any]]:
    return [call(i, p) for i, p in tqdm(tasks, desc="sweep", disable=not progress)]


def _on_dask(
    tasks: list[tuple[int, dict[str, Any]]],
    spec: ScenarioSpec,
    baseline: BankRun,
    time_limit: float | None,
    backend: str,
    client: Any,
    progress: bool,
) -> list[dict[str, Any]]:
    from distributed import as_completed

    base = client.scatter(baseline, broadcast=True)
    futures = [
        client.submit(
            run_point, spec, i, p, base, time_limit, backend, key=f"sweep-point-{i}-{os.getpid()}"
        )
        for i, p in tasks
    ]
    rows = []
    for fut in tqdm(as_completed(futures), total=len(futures), desc="sweep", disable=not progress):
        rows.append(fut.result())
    return rows


def run_sweep(
    spec_or_path: ScenarioSpec | str | Path | Mapping[str, Any],
    *,
    scheduler: Any = None,
    workers: int = 2,
    time_limit: float | None = None,
    backend: str = "auto",
    progress: bool = True,
    baseline: BankRun | None = None,
) -> SweepResult:
    """Run the spec's ``sweep`` grid.

    Parameters
    ----------
    spec_or_path
        A spec with a ``sweep`` section.
    scheduler
        ``None``: a fresh Dask ``LocalCluster`` of ``workers`` processes (one thread each),
        closed afterwards; ``"serial"``: in this process, one point after another; a scheduler
        address (``tcp://host:8786``): that cluster; or a ``distributed.Client``.
    workers
        Processes of the local cluster.
    time_limit
        Seconds per solve (default: the spec's, else 30).
    backend
        Allocator backend.
    progress
        Show a progress bar (tqdm; a widget in notebooks).
    baseline
        An already solved baseline (else solved here, one thread, with the spec's seed).

    Returns
    -------
    SweepResult
        ``table``: one row per grid point in grid order: ``point``, the grid parameters, ``seed``,
        ``headcount``, every scenario metric, and how the solve went.
    """
    spec = load_spec(spec_or_path)
    if spec.sweep is None:
        raise ValueError("the spec has no 'sweep' section")
    if baseline is None:
        baseline = solve_baseline(spec, time_limit=time_limit, workers=1, backend=backend)
    tasks = list(enumerate(spec.sweep.points()))

    if scheduler == "serial":

        def call(i: int, p: dict[str, Any]) -> dict[str, Any]:
            return run_point(spec, i, p, baseline, time_limit, backend)

        rows = _serial(tasks, call, progress)
    elif scheduler is None:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            rows = _on_dask(tasks, spec, baseline, time_limit, backend, client, progress)
    elif isinstance(scheduler, str):
        from distributed import Client

        with Client(scheduler) as client:
            rows = _on_dask(tasks, spec, baseline, time_limit, backend, client, progress)
    else:
        rows = _on_dask(tasks, spec, baseline, time_limit, backend, scheduler, progress)

    table = pd.DataFrame(rows).sort_values("point", kind="stable").reset_index(drop=True)
    from scenarios.compare import all_metrics, load_salaries

    base = all_metrics(
        baseline.plan, baseline.instance, baseline.policy, load_salaries(spec.salaries)
    )
    return SweepResult(spec=spec, table=table, baseline=base)
