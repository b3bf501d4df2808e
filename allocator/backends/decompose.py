"""The decomposing backend: solve each connected component apart, in parallel processes.

The eligibility graph of a bank falls apart into independent parts (:mod:`allocator.decomposition`
says why the lexicographic objective separates over them; the corporate/retail split is one such
cut). This backend

1. splits the problem by component; single-customer components are settled at once by an exact
   rule (each takes its best option in the objective's own order), and the other components are
   bundled so that no part is too small to be worth a solver start;
2. solves the parts with an inner backend (default ``cpsat``; ``auto`` chooses one per part by
   its size) in worker processes (:class:`~allocator.executors.LocalProcesses`,
   ``options.workers`` of them, one solver thread each) or, when ``options.scheduler`` names a
   Dask scheduler, on that cluster's workers (:class:`~allocator.executors.DaskCluster`),
   largest part first, each with a time budget proportional to its size (pairs) over as many
   lanes as run at once; without a cluster, small problems are solved in this process, one part
   after the other, where process start-up would cost more than it saves;
3. merges plans and bounds: cover value, moves and their bounds add up over the parts; the largest
   utilisation is the max of the parts' -- solving each part's balance stage apart and taking the
   max is exact for the max, because every RM lies in exactly one part.

On a bank the components are the provinces (or finer: a city whose RMs serve only its own
customers), because an RM's branch scope keeps it within its province. An RM whose scope spans
provinces -- a head-office RM -- joins the provinces of its eligible customers into one component,
and that component is solved whole, by one inner solve: nothing is cut, so the plan is exactly
as good as the undivided solve of those provinces; the bank merely splits into fewer, larger
parts.

A stop request (:class:`~allocator.backends.base.SolveControl`) reaches every part, local or on
the cluster, through an event of the executor: running parts stop and keep their best so far,
parts not started yet return their start (the greedy plan when valid). Progress from the parts
is merged into whole-problem figures (per stage from local processes; per finished part from a
cluster). Settings (``settings.decompose``, :class:`DecomposeSettings`): the inner backend, part
sizes, and the cluster's connect timeout.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.backends.base import Backend, Capability, Progress, SolveControl, register
from allocator.backends.registry import choose_backend, registered
from allocator.decomposition import Part, components, merge, subproblem
from allocator.errors import SchedulerError
from allocator.executors import CONNECT_TIMEOUT, Channel, PartExecutor, part_executor
from allocator.heuristics.greedy import greedy_assignment
from allocator.params import SolveOptions
from allocator.problem import Problem, trivial_bound
from allocator.solution import Solution, SolutionStatus, StageResult, Termination

log = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]

#: inner backends that make no sense inside a part
_NOT_INNER = ("decompose",)
#: parts smaller than this many pairs are bundled together (a solver start costs ~10-50 ms)
MIN_PART_PAIRS = 2_000
#: below this many pairs in all, the parts are solved in this process (a worker process costs
#: ~0.5 s to start and to receive its part)
PARALLEL_MIN_PAIRS = 20_000
#: what starting the worker processes and shipping the parts costs, taken off their budgets
STARTUP_SECONDS = 0.5
#: a part never gets less than this many seconds (when the deadline allows)
MIN_PART_SECONDS = 0.5
#: after the deadline, how long to wait for late workers before telling them to stop
GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class DecomposeSettings:
    """``settings.decompose``: how the backend splits and where the parts run.

    Attributes
    ----------
    inner : str
        The backend that solves each part (``auto``: chosen per part by its size).
    min_part_pairs : int
        Parts smaller than this many pairs are bundled together.
    parallel_min_pairs : int
        Below this many pairs in all, the parts are solved in this process (no cluster given).
    connect_timeout : float
        Seconds to reach the Dask scheduler (``scheduler``) and find a worker there.
    """

    inner: str = "cpsat"
    min_part_pairs: int = MIN_PART_PAIRS
    parallel_min_pairs: int = PARALLEL_MIN_PAIRS
    connect_timeout: float = CONNECT_TIMEOUT

    def __post_init__(self) -> None:
        names = set(registered()) - set(_NOT_INNER)
        if self.inner != "auto" and self.inner not in names:
            raise ValueError(
                f"settings.decompose.inner must be 'auto' or one of {sorted(names)}, "
                f"got {self.inner!r}"
            )
        for name in ("min_part_pairs", "parallel_min_pairs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"settings.decompose.{name} must be an integer >= 0, got {value!r}"
                )
        timeout = self.connect_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise ValueError(f"settings.decompose.connect_timeout must be seconds, got {timeout!r}")
        if not 0 < timeout <= 600:
            raise ValueError(
                f"settings.decompose.connect_timeout must be > 0 and <= 600 s, got {timeout!r}"
            )


# ------------------------------------------------------------------------------------------------
# the parts
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One part to solve, as sent to a worker (everything picklable)."""

    index: int
    problem: Problem
    inner: str
    options: SolveOptions
    deadline: float  # wall clock (time.time()), comparable across processes and synced hosts
    channel: Channel = field(
        default_factory=Channel
    )  # how the part hears a stop request and reports progress


def _sizes(problem: Problem, parts: Sequence[Ints]) -> Ints:
    counts = np.diff(problem.customer_ptr)
    return np.array([int(counts[p].sum()) for p in parts], dtype=np.int64)


def _sizes_of(problems: Sequence[Problem]) -> Ints:
    return np.array([p.n_pairs for p in problems], dtype=np.int64)


def bundle(problem: Problem, comps: Sequence[Ints], min_pairs: int = MIN_PART_PAIRS) -> list[Ints]:
    """Components packed into parts of at least ``min_pairs`` pairs (a big component alone),
    largest part first. A union of components is still an exact subproblem."""
    sizes = _sizes(problem, comps)
    order = np.argsort(-sizes, kind="stable")
    parts: list[Ints] = []
    pending: list[Ints] = []
    pending_pairs = 0
    for i in order:
        if sizes[i] >= min_pairs:
            parts.append(comps[i])
            continue
        pending.append(comps[i])
        pending_pairs += int(sizes[i])
        if pending_pairs >= min_pairs:
            parts.append(np.sort(np.concatenate(pending)))
            pending, pending_pairs = [], 0
    if pending:
        parts.append(np.sort(np.concatenate(pending)))
    sizes_out = _sizes(problem, parts)
    return [parts[i] for i in np.argsort(-sizes_out, kind="stable")]


def budgets(sizes: Ints, time_limit: float, workers: int) -> list[float]:
    """Seconds per part, proportional to its size: ``workers`` lanes share the time limit, and no
    part gets more than the whole limit or less than :data:`MIN_PART_SECONDS`."""
    total = max(int(sizes.sum()), 1)
    lanes = max(1, min(workers, sizes.shape[0]))
    share = time_limit * lanes * sizes / total
    return [float(min(time_limit, max(MIN_PART_SECONDS, s))) for s in share]


# ------------------------------------------------------------------------------------------------
# single-customer components: an exact rule, vectorised
# ------------------------------------------------------------------------------------------------
def solve_singletons(problem: Problem) -> Solution:
    """Solve a problem in which every RM has pairs with one customer only, exactly.

    Each customer then decides alone; its options are its pairs that fit the RM's capacity and,
    unless required, no RM. It takes the best option in the order of the stages: highest value,
    then not moved, then not dropped, then lowest utilisation of its RM (the largest utilisation
    over such RMs is lowest when each is lowest).
    """
    t0 = time.monotonic()
    n = problem.n_customers
    cap = problem.capacity[problem.pair_rm]
    fits = problem.pair_weight <= cap
    q = np.flatnonzero(fits)
    none = np.flatnonzero(~problem.required)
    cust = np.concatenate([problem.pair_customer[q].astype(np.int64), none])
    rm = np.concatenate([problem.pair_rm[q].astype(np.int64), np.full(none.size, -1)])
    value = np.concatenate([problem.pair_value[q], np.zeros(none.size, dtype=np.int64)])
    cur = problem.current[cust]
    moved = ((cur >= 0) & (rm >= 0) & (rm != cur)).astype(np.int64)
    dropped = ((cur >= 0) & (rm < 0)).astype(np.int64)
    util = np.zeros(cust.size)
    util[: q.size] = np.where(cap[q] > 0, problem.pair_weight[q] / np.maximum(cap[q], 1), 0.0)
    keys: list[npt.NDArray[Any]] = []
    for stage in problem.stages:
        keys += {"cover_value": [-value], "continuity": [moved, dropped], "balance": [util]}.get(
            stage, []
        )
    order = np.lexsort((*reversed(keys), cust)) if keys else np.lexsort((cust,))
    first = order[np.r_[True, cust[order][1:] != cust[order][:-1]]] if order.size else order
    a = np.full(n, -1, dtype=np.int64)
    a[cust[first]] = rm[first]
    if (problem.required & (a < 0)).any():
        return _empty(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0)
    secs = time.monotonic() - t0
    stages = [_exact_stage(problem, s, a, secs) for s in problem.stages]
    return Solution(a, SolutionStatus.OPTIMAL, Termination.CONVERGED, stages, "decompose", secs)


def _exact_stage(problem: Problem, stage: str, a: Ints, secs: float) -> StageResult:
    value = problem.stage_value(stage, a)
    return StageResult(stage, value, value, SolutionStatus.OPTIMAL, secs)


def _empty(problem: Problem, status: SolutionStatus, term: Termination, t0: float) -> Solution:
    empty = np.full(problem.n_customers, -1, dtype=np.int64)
    return Solution(empty, status, term, [], "decompose", time.monotonic() - t0)


def fallback(problem: Problem, solution: Solution | None, term: Termination) -> Solution:
    """A part's answer when its solver found none: the greedy plan, or no RM for anyone, when
    valid (merely feasible, no stage claimed); else no solution. Any other answer stands."""
    if solution is not None and solution.status != SolutionStatus.NO_SOLUTION:
        return solution
    for a in (greedy_assignment(problem), np.full(problem.n_customers, -1, dtype=np.int64)):
        if not problem.violations(a):
            return Solution(a, SolutionStatus.FEASIBLE, term, [], "decompose", 0.0)
    empty = np.full(problem.n_customers, -1, dtype=np.int64)
    return Solution(empty, SolutionStatus.NO_SOLUTION, term, [], "decompose", 0.0)


# ------------------------------------------------------------------------------------------------
# workers
# ------------------------------------------------------------------------------------------------
def _bridge(shared: Any, local: threading.Event, done: threading.Event, poll: float) -> None:
    """Mirror the executor's stop event into the thread event a backend watches."""
    while not done.is_set():
        try:
            if shared.wait(poll):
                local.set()
                return
        except Exception as exc:  # the cluster went away: the part ends at its time limit
            if not done.is_set():  # (once the part is done, a closing cluster is no news)
                log.warning("decompose: lost the stop signal: %r", exc)
            return


def solve_task(task: Task) -> Solution:
    """Solve one part: in a local worker process, on a Dask worker, or in this process (the
    task's channel links it back to the solve that sent it)."""
    shared = task.channel.stop_signal()
    limit = min(task.options.time_limit, task.deadline - time.time())
    stopped = shared is not None and shared.is_set()
    if stopped or limit <= 0.05:
        term = Termination.INTERRUPTED if stopped else Termination.TIME_LIMIT
        return fallback(task.problem, None, term)
    local, done = threading.Event(), threading.Event()
    if shared is not None:
        args = (shared, local, done, task.channel.poll)
        threading.Thread(target=_bridge, args=args, daemon=True).start()

    def report(progress: Progress) -> None:
        task.channel.post(task.index, progress)

    control = SolveControl(stop=local, on_progress=report)
    try:
        solution = choose_backend(task.problem, task.inner).solve(
            task.problem, replace(task.options, time_limit=limit), control
        )
    finally:
        done.set()
    return fallback(task.problem, solution, solution.termination)


# ------------------------------------------------------------------------------------------------
# progress of the whole
# ------------------------------------------------------------------------------------------------
class _Progress:
    """Per-part best-so-far figures merged into whole-problem progress reports."""

    def __init__(self, control: SolveControl | None, parts: Sequence[Problem], t0: float):
        self.control = control
        self.parts = parts
        self.t0 = t0
        self.latest: dict[str, dict[int, Progress]] = {}
        self.trivial: dict[tuple[int, str], float] = {}

    def hook(self, index: int) -> Callable[[Progress], None]:
        """The progress callback of part ``index``."""

        def on_progress(progress: Progress) -> None:
            self.part_progress(index, progress)

        return on_progress

    def part_progress(self, index: int, progress: Progress) -> None:
        self.latest.setdefault(progress.stage, {})[index] = progress
        self._report(progress.stage)

    def part_done(self, index: int, solution: Solution) -> None:
        for s in solution.stages:
            self.latest.setdefault(s.name, {})[index] = Progress(s.name, s.objective, s.bound, 0.0)
        if solution.stages:
            self._report(solution.stages[-1].name)

    def _capped(self, index: int, stage: str, bound: float | None) -> float:
        """A part's bound, never weaker than its trivial one (computed once per part)."""
        key = (index, stage)
        if key not in self.trivial:
            self.trivial[key] = trivial_bound(self.parts[index], stage)
        trivial = self.trivial[key]
        if bound is None or math.isnan(bound):
            return trivial
        return min(bound, trivial) if stage == "cover_value" else max(bound, trivial)

    def _report(self, stage: str) -> None:
        if self.control is None:
            return
        known = self.latest.get(stage, {})
        objectives = [p.objective for p in known.values()]
        bounds = [
            self._capped(i, stage, known[i].bound if i in known else None)
            for i in range(len(self.parts))
        ]
        combine = max if stage == "balance" else sum
        objective = float(combine(objectives)) if objectives else 0.0
        bound = float(combine(bounds)) if bounds else 0.0
        self.control.report(Progress(stage, objective, bound, time.monotonic() - self.t0))


# ------------------------------------------------------------------------------------------------
# the backend
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Run:
    """What every step of one decomposed solve shares: the caller's options and control, the
    wall-clock ``deadline`` (``time.time()``: worker processes share it) and the start ``t0``
    (``time.monotonic()``, for progress seconds)."""

    options: SolveOptions
    control: SolveControl | None
    deadline: float
    t0: float
    settings: DecomposeSettings


@register
class DecomposeBackend(Backend):
    """Components solved apart (in parallel processes) by an inner exact backend, then merged."""

    name = "decompose"
    capabilities = frozenset({Capability.SIDE_RULES, Capability.EXACT, Capability.WARM_START})
    max_pairs = 50_000_000
    settings_type = DecomposeSettings
    default_inner = "cpsat"

    def __init__(
        self,
        inner: str | None = None,
        *,
        min_part_pairs: int | None = None,
        parallel_min_pairs: int | None = None,
    ):
        # given here, these win over ``settings.decompose`` (tests and benchmarks set them)
        self._inner = inner
        self._min_part_pairs = min_part_pairs
        self._parallel_min_pairs = parallel_min_pairs

    def _effective(self, options: SolveOptions) -> DecomposeSettings:
        """The settings of one solve: ``settings.decompose``, under what the constructor set."""
        base: DecomposeSettings = self.settings(options)
        return replace(
            base,
            inner=self._inner if self._inner is not None else base.inner,
            min_part_pairs=(
                self._min_part_pairs if self._min_part_pairs is not None else base.min_part_pairs
            ),
            parallel_min_pairs=(
                self._parallel_min_pairs
                if self._parallel_min_pairs is not None
                else base.parallel_min_pairs
            ),
        )

    @classmethod
    def is_available(cls) -> bool:
        inner = registered().get(cls.default_inner)
        return inner is not None and inner.is_available()

    def solve(
        self, problem: Problem, options: SolveOptions, control: SolveControl | None = None
    ) -> Solution:
        t0 = time.monotonic()
        deadline = time.time() + options.time_limit
        settings = self._effective(options)
        if (problem.required & (np.diff(problem.customer_ptr) == 0)).any():
            return _empty(problem, SolutionStatus.INFEASIBLE, Termination.CONVERGED, t0)
        comps = components(problem)
        singles = [c for c in comps if c.size == 1]
        multi = [c for c in comps if c.size > 1]
        parts: list[Part] = []
        if singles:
            idx = np.sort(np.concatenate(singles))
            sub, rm_idx = subproblem(problem, idx)
            parts.append(Part(idx, rm_idx, solve_singletons(sub), sub))
        bundles = bundle(problem, multi, settings.min_part_pairs)
        subs = [subproblem(problem, b) for b in bundles]
        sizes = _sizes(problem, bundles)
        run = _Run(options, control, deadline, t0, settings)
        solved = self._solve_parts([s for s, _ in subs], sizes, run)
        parts += [
            Part(b, rm_idx, sol, sub)
            for b, (sub, rm_idx), sol in zip(bundles, subs, solved, strict=True)
        ]
        merged = merge(problem, parts, self.name, time.monotonic() - t0)
        log.info(
            "decompose: %d components (%d single), %d parts, %s in %.1fs",
            len(comps),
            len(singles),
            len(bundles),
            merged.status.value,
            merged.seconds,
        )
        return merged

    def _solve_parts(self, subs: list[Problem], sizes: Ints, run: _Run) -> list[Solution]:
        if not subs:
            return []
        scheduler = run.options.scheduler
        if scheduler is not None:  # the caller asked for the cluster: no quiet local fallback
            cluster = part_executor(run.options.workers, scheduler, run.settings.connect_timeout)
            try:
                with cluster:
                    return self._parallel(subs, sizes, run, cluster)
            except (OSError, TimeoutError) as exc:  # the scheduler went away while shipping
                raise SchedulerError(scheduler, f"lost during the solve ({exc!r})") from exc
        parallel = (
            len(subs) >= 2
            and run.options.workers >= 2
            and int(sizes.sum()) >= run.settings.parallel_min_pairs
        )
        if parallel:
            try:
                with part_executor(min(run.options.workers, len(subs))) as processes:
                    return self._parallel(subs, sizes, run, processes)
            except (OSError, RuntimeError, AssertionError) as exc:  # e.g. inside a daemon process
                log.warning("decompose: no worker processes (%s); solving in this process", exc)
        return self._sequential(subs, sizes, run)

    def _sequential(self, subs: list[Problem], sizes: Ints, run: _Run) -> list[Solution]:
        """One part after the other in this process; time left over carries to the next."""
        options, control, deadline = run.options, run.control, run.deadline
        tracker = _Progress(control, subs, run.t0)
        stop = control.stop if control is not None else threading.Event()
        out: list[Solution] = []
        for i, sub in enumerate(subs):
            remaining = deadline - time.time()
            share = remaining * float(sizes[i]) / max(float(sizes[i:].sum()), 1.0)
            limit = max(min(remaining, max(share, MIN_PART_SECONDS)), 0.0)
            if stop.is_set() or limit <= 0.05:
                term = Termination.INTERRUPTED if stop.is_set() else Termination.TIME_LIMIT
                out.append(fallback(sub, None, term))
                continue
            part_control = SolveControl(stop=stop, on_progress=tracker.hook(i))
            inner = choose_backend(sub, run.settings.inner)
            sol = inner.solve(sub, replace(options, time_limit=limit), part_control)
            sol = fallback(sub, sol, sol.termination)
            tracker.part_done(i, sol)
            out.append(sol)
        return out

    def _parallel(
        self, subs: list[Problem], sizes: Ints, run: _Run, executor: PartExecutor
    ) -> list[Solution]:
        """The parts on ``executor`` (local processes or a cluster), largest first, each with
        its proportional budget over the executor's lanes."""
        options, control, deadline = run.options, run.control, run.deadline
        tracker = _Progress(control, subs, run.t0)
        available = max(deadline - time.time() - STARTUP_SECONDS, 0.01)
        limits = budgets(sizes, available, executor.lanes)
        part_options = replace(options, workers=1, scheduler=None)
        tasks = [
            Task(
                i,
                sub,
                run.settings.inner,
                replace(part_options, time_limit=lim),
                deadline,
                executor.channel,
            )
            for i, (sub, lim) in enumerate(zip(subs, limits, strict=True))
        ]
        log.info("decompose: %d parts on %s", len(tasks), executor.where)
        results: dict[int, Solution] = {}
        futures = {executor.submit(solve_task, t): t.index for t in tasks}
        pending = set(futures)
        stopping = False
        while pending:
            done, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            self._drain(executor, tracker)
            for fut in done:
                i = futures[fut]
                results[i] = self._result_of(fut, subs[i])
                tracker.part_done(i, results[i])
            late = time.time() > deadline + GRACE_SECONDS
            if not stopping and ((control is not None and control.stop.is_set()) or late):
                executor.stop()
                stopping = True
        self._drain(executor, tracker)
        return self._retry_failed(subs, results, run)

    def _retry_failed(
        self, subs: list[Problem], results: dict[int, Solution], run: _Run
    ) -> list[Solution]:
        """Parts whose worker died (a broken pool) are solved here with the time left."""
        failed = [i for i in range(len(subs)) if results[i].termination == Termination.ERROR]
        if failed and run.deadline - time.time() > 0.1:
            sizes = _sizes_of([subs[i] for i in failed])
            again = self._sequential([subs[i] for i in failed], sizes, run)
            results.update(zip(failed, again, strict=True))
        return [results[i] for i in range(len(subs))]

    @staticmethod
    def _result_of(fut: cf.Future[Solution], sub: Problem) -> Solution:
        try:
            return fut.result()
        except Exception as exc:  # a worker failed: say so, keep the rest of the plan
            log.error("decompose: a part failed: %r", exc)
            return fallback(sub, None, Termination.ERROR)

    @staticmethod
    def _drain(executor: PartExecutor, tracker: _Progress) -> None:
        for index, progress in executor.progress():
            tracker.part_progress(index, progress)
