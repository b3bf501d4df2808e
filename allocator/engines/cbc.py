"""CBC through PuLP as a MIP engine.

The model is a PuLP ``LpProblem`` (rows from ``LpAffineExpression`` of zipped columns); PuLP writes
the MPS and the MIP start and reads the solution; the process is PuLP's bundled CBC binary,
launched here rather than by ``COIN_CMD.solve`` so that a stop request can interrupt it (SIGINT:
CBC stops and writes its best solution) and its log can be read for the bound PuLP does not
report.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from allocator.engines.mip import MipEngine, RunResult
from allocator.formulations.milp_model import INF, MilpModel, Rows
from allocator.params import SolveOptions
from allocator.solution import SolveControl

log = logging.getLogger(__name__)

Floats = np.ndarray


def pulp_module() -> Any:
    import pulp

    return pulp


def cbc_path() -> str:
    """PuLP's bundled CBC binary."""
    from pulp.apis.coin_api import pulp_cbc_path

    return str(pulp_cbc_path)


#: slack CBC gets past its own time limit before it is interrupted (and again before it is killed)
CBC_GRACE_SECONDS = 5.0
_CBC_BOUND = re.compile(r"^Lower bound:\s*(\S+)", re.MULTILINE)
_CBC_OBJECTIVE = re.compile(r"^Objective value:\s*(\S+)", re.MULTILINE)
_CBC_ERROR = re.compile(r"Current model not valid|errors on input")
#: CBC's pre-processing says "infeasible or unbounded": the model is never unbounded (binary
#: pair columns; the utilisation column is bounded below and only ever minimised)
_CBC_INFEASIBLE = re.compile(
    r"Problem proven infeasible|Problem is infeasible|Pre-processing says infeasible"
)


class CbcEngine(MipEngine):
    """PuLP's model, files and bundled CBC; CBC always minimises (a maximum is negated)."""

    def __init__(
        self, model: MilpModel, options: SolveOptions, control: SolveControl | None, t0: float
    ):
        super().__init__(model, options, control, t0)
        pulp = pulp_module()
        self.pulp = pulp
        self.lp = pulp.LpProblem("rm_allocation", pulp.LpMinimize)
        is_int = model.integer
        # a class of interchangeable customers counts up to its size: an integer, not a binary
        # (PuLP's binary would force its bounds to 0..1)
        binary = is_int & (model.col_upper <= 1)
        self.cols = [
            self.lp.add_variable(
                f"c{j}",
                lowBound=float(model.col_lower[j]),
                upBound=None if math.isinf(model.col_upper[j]) else float(model.col_upper[j]),
                cat=pulp.LpBinary
                if binary[j]
                else (pulp.LpInteger if is_int[j] else pulp.LpContinuous),
            )
            for j in range(model.n_cols)
        ]
        self.add_rows(model.rows)

    def add_rows(self, rows: Rows) -> None:
        pulp, cols = self.pulp, self.cols
        index, value = rows.index.tolist(), rows.value.tolist()
        start = rows.start.tolist()
        for i in range(rows.n_rows):
            s, e = start[i], start[i + 1]
            if s == e:  # PuLP would invent a fixed dummy column CBC cannot read
                continue
            expr = pulp.LpAffineExpression(
                [(cols[j], v) for j, v in zip(index[s:e], value[s:e], strict=True)]
            )
            lo, hi = float(rows.lower[i]), float(rows.upper[i])
            if lo == hi:
                self.lp += pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=hi)
                continue
            if not math.isinf(hi):
                self.lp += pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi)
            if not math.isinf(lo):
                self.lp += pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo)

    def set_objective(self, cost: Floats, maximise: bool) -> None:
        self.maximise = maximise
        sign = -1.0 if maximise else 1.0
        nz = np.flatnonzero(cost)
        terms = [
            (self.cols[j], sign * c) for j, c in zip(nz.tolist(), cost[nz].tolist(), strict=True)
        ]
        if not terms:  # PuLP writes an empty objective with a dummy column CBC cannot read
            terms = [(self.cols[0], 0.0)]
        self.lp.setObjective(self.pulp.LpAffineExpression(terms))

    def run(self, time_limit: float, start: Floats | None) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="rmalloc-cbc-") as tmp:
            return self._run_in(Path(tmp), time_limit, start)

    def _run_in(self, tmp: Path, time_limit: float, start: Floats | None) -> RunResult:
        pulp = self.pulp
        mps, sol, mst, log_path = (tmp / n for n in ("m.mps", "m.sol", "m.mst", "cbc.log"))
        vs, var_names, con_names, _ = self.lp.writeMPS(str(mps), rename=1)
        solver = pulp.COIN_CMD(path=cbc_path(), msg=False)
        args = [cbc_path(), str(mps)]
        if start is not None:
            for var, val in zip(self.cols, start.tolist(), strict=True):
                var.setInitialValue(val, check=False)
            solver.writesol(str(mst), self.lp, vs, var_names, con_names)
            args += ["-mips", str(mst)]
        args += ["-timeMode", "elapsed", "-sec", f"{max(time_limit, 0.01):.3f}"]
        args += ["-ratio", "0", "-allow", self._allow()]
        if self.options.workers > 1:  # CBC's threads 1 is a thread pool of one: slower than 0
            args += ["-threads", str(self.options.workers)]
        args += ["-randomCbcSeed", str(self.options.seed + 1)]  # 0 would mean "from the clock"
        args += ["-solve", "-printingOptions", "all", "-solution", str(sol)]
        interrupted = self._execute(args, log_path, time_limit)
        text = log_path.read_text(errors="replace")
        if self.options.log:
            log.info("CBC log:\n%s", text)
        if _CBC_ERROR.search(text):
            log.error("CBC could not read the model:\n%s", text[-2000:])
            return RunResult("error", None, math.nan, False)
        if _CBC_INFEASIBLE.search(text):
            return RunResult("infeasible", None, INF, False)
        if not sol.exists():
            return RunResult("unknown", None, self._bound(text), interrupted)
        status, values, *_ = solver.readsol_MPS(str(sol), self.lp, vs, var_names, con_names)
        first = sol.read_text(errors="replace").splitlines()[:1]
        found = bool(first) and "objective value" in first[0] and "no" not in first[0].split()[:3]
        if "Optimal solution found" in text and status == pulp.LpStatusOptimal:
            vec = np.array([values.get(v.name, 0.0) for v in self.cols])
            return RunResult("optimal", vec, self._objective(text), False)
        if not found or not _CBC_OBJECTIVE.search(text):
            return RunResult("unknown", None, self._bound(text), interrupted)
        vec = np.array([values.get(v.name, 0.0) for v in self.cols])
        return RunResult("feasible", vec, self._bound(text), interrupted)

    def _allow(self) -> str:
        """CBC's absolute gap: below one unit proves an integer objective optimal."""
        return "1e-7" if self.stage == "balance" else "0.999"

    def _execute(self, args: list[str], log_path: Path, time_limit: float) -> bool:
        """Run CBC, interrupting it (SIGINT: it stops and writes its best) on a stop request,
        or when it overruns its own limit by far (CBC checks the clock only between nodes);
        killed if even that does not stop it. True when interrupted on request."""
        t0 = time.monotonic()
        soft = time_limit * 1.2 + CBC_GRACE_SECONDS
        with open(log_path, "w") as out:
            proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            requested = signalled = False
            while proc.poll() is None:
                late = time.monotonic() - t0
                if not signalled and (self.stop_requested() or late > soft):
                    requested = self.stop_requested()
                    proc.send_signal(signal.SIGINT)
                    signalled = True
                elif signalled and late > soft + CBC_GRACE_SECONDS:
                    log.error("CBC ignored SIGINT; killing it (pid %d)", proc.pid)
                    proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(0.05)
        return requested

    def _sign(self) -> float:
        return -1.0 if self.maximise else 1.0

    def _objective(self, text: str) -> float:
        m = _CBC_OBJECTIVE.search(text)
        return self._sign() * float(m.group(1)) if m else math.nan

    def _bound(self, text: str) -> float:
        m = _CBC_BOUND.search(text)
        if not m:
            return INF if self.maximise else -INF
        return self._sign() * float(m.group(1))


def cbc_available() -> bool:
    """Whether PuLP and its bundled CBC binary are there and executable."""
    try:
        pulp_module()
    except ImportError:
        return False
    path = cbc_path()
    return os.path.isfile(path) and os.access(path, os.X_OK)
