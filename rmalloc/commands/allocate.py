"""``rmalloc allocate``: the batch allocation of a bank, files in, plan out."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.backends import Progress, SolveControl
from rmalloc.commands._bank import add_bank_arguments, bank_sources
from rmalloc.exits import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from allocator.params import SolveParams


def register(sub: Any) -> None:
    p = sub.add_parser(
        "allocate",
        help="allocate customers to RMs and write the plan",
        description="Allocate customers to RMs under a policy; write plan.csv (and KPIs).",
    )
    add_bank_arguments(p)
    p.add_argument("--out", type=Path, required=True, help="plan CSV to write")
    p.add_argument("--kpis", type=Path, help="also write the KPIs as JSON")
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write the quarter report: moves per RM and branch, leavers' books, tiers "
        "held by hysteresis (CSV) and a chart (PNG)",
    )
    p.add_argument(
        "--params",
        type=Path,
        help="solve parameters file (YAML/JSON/TOML: time_limit, seed, workers, backend, "
        "staging, settings); the options below override it",
    )
    p.add_argument("--time-limit", type=float, help="seconds (default 30)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--workers", type=int, help="solver threads (default 2)")
    p.add_argument("--backend", help="auto, milp, cpsat, flow, lns, greedy, ... (default auto)")
    p.add_argument("--json", action="store_true", help="print the KPIs as JSON, not a table")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from allocator import allocate
    from allocator.kpis import kpi_table

    customers, rms, branches = bank_sources(args)
    try:
        params = solve_params(args)
    except ValueError as exc:
        print(f"rmalloc allocate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    control = SolveControl()
    bar = _ProgressBar(params.time_limit, enabled=not args.quiet and sys.stderr.isatty())
    control.on_progress = bar.update
    with bar:
        plan = allocate(customers, rms, branches, args.policy, control=control, params=params)
    if not args.quiet:
        _warn_leavers(plan)
    _atomic_write(args.out, plan.to_csv() or "")
    if plan.has_roles:  # coverage.csv beside plan.csv (contract v1.1)
        _atomic_write(args.out.with_name("coverage.csv"), plan.coverage.to_csv(index=False))
    if args.kpis:
        _atomic_write(args.kpis, plan.kpis_json())
    if args.report:
        from allocator.quarter_report import write_quarter_report

        write_quarter_report(plan, args.report)
    if args.quiet:
        return 0
    if args.json:
        print(plan.kpis_json())
    else:
        _print_table(kpi_table(plan.kpis))
        print(f"plan written to {args.out}")
    return 0


def solve_params(args: argparse.Namespace) -> SolveParams:
    """The solve parameters: the ``--params`` file (or the defaults), with the options given on
    the command line over it.

    Raises
    ------
    ValueError
        For an unreadable file or a bad value (the message names it).
    """
    from allocator.params import SolveParams

    params = SolveParams.from_file(args.params) if args.params else SolveParams()
    given = {
        "time_limit": args.time_limit,
        "seed": args.seed,
        "workers": args.workers,
        "backend": args.backend,
    }
    return params.replace(**{k: v for k, v in given.items() if v is not None})


def _warn_leavers(plan: Any) -> None:
    """One line on stderr when today's book names RMs that are not on the roster: HR exports
    drop leavers, so this is expected, but a planner should know how many there are."""
    book = plan.assignments["previous_rm_id"].astype(str)
    gone = book[(book != "") & ~book.isin(set(plan.instance.rms["rm_id"]))]
    if len(gone):
        print(
            f"rmalloc allocate: {len(gone)} customer(s) of {gone.nunique()} RM(s) not in the RM "
            "file (left the bank) are reassigned",
            file=sys.stderr,
        )


def _atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and a rename, so a failure never leaves a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_table(rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Allocation KPIs", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    for label, value in rows:
        table.add_row(label, value)
    Console().print(table)


class _ProgressBar:
    """A time bar on stderr while the solver runs, showing the stage and the best objective."""

    def __init__(self, limit: float, enabled: bool):
        self.limit = limit
        self.enabled = enabled
        self.text = "compiling"
        self._stop = threading.Event()

    def update(self, progress: Progress) -> None:
        self.text = f"{progress.stage}: {progress.objective:.6g} (bound {progress.bound:.6g})"

    def __enter__(self) -> _ProgressBar:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()

    def _run(self) -> None:
        from tqdm import tqdm

        t0 = time.monotonic()
        with tqdm(total=round(self.limit, 1), unit="s", file=sys.stderr, leave=False) as bar:
            while not self._stop.wait(0.25):
                bar.n = round(min(time.monotonic() - t0, self.limit), 1)
                bar.set_description(self.text, refresh=False)
                bar.refresh()
