"""The tuning knobs of the LNS, apart from the search so every phase can read them.

Each default is the measured best on the Yagiura GAP types C-E (or on a bank, where said); the
attribute docs keep the measurements, so a change can be argued against the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LnsSettings:
    """Tuning knobs of the search (the defaults are the measured best on GAP types C-E).

    Determinism. With one worker (``--workers 1``) and :attr:`deterministic` on, the search
    stops on *work counters*, not on the clock, so that the same problem, seed and time limit
    give the same plan on any run (:mod:`allocator.lns.budget`): the time limit buys
    :attr:`work_rate` work units per second, spent as CP-SAT's deterministic time in the
    neighbourhood sub-solves (plus :attr:`sub_overhead` per sub-problem and
    :attr:`sub_overhead_per_pair` per pair for building it), as tabu iterations
    (:attr:`tabu_iterations_per_work` per unit), and as CP-SAT's deterministic time in the later
    stages. What it costs: the HiGHS core and full MIPs (no deterministic time limit exists for
    them) do not run on GAP-like problems, where the tabu search and the neighbourhood search do
    their share; and the work a second buys is calibrated on a quiet core, so a much slower or
    busier machine may reach the wall clock first -- the wall clock then stops the search as
    before, the run is not reproducible, and the log says so. The LP relaxation, which runs
    first, must finish within its :attr:`lp_share` of the time (it does, by far, on every bank
    measured). With two workers the search uses the clock as before (two threads trade plans
    as they come, which no counter makes reproducible).

    Attributes
    ----------
    lp_share : float
        Most of the time budget the LP relaxation may take (it usually takes far less).
    sub_deterministic_time : float
        CP-SAT deterministic time per sub-solve (about seconds of one fast core).
    sub_wall_time : float
        Wall-clock cap per sub-solve (a safety net; the deterministic limit normally binds).
    initial_free : int
        Free customers of the first neighbourhoods.
    min_free, max_free : int
        Range of the adaptive neighbourhood size.
    grow, shrink : float
        Factors applied to the neighbourhood size after a proven-optimal (quick) or a timed-out
        sub-solve.
    greedy_max_customers : int
        Also try the greedy rule as a start up to this many customers (it loops in Python:
        about 0.4 s per 10^5 bank customers). Without it a 10^5-customer bank started from the
        rounded LP alone and ended 7.3 % below the greedy plan (benchmarks/RESULTS.md).
    cpsat_params : dict
        Extra CP-SAT parameters for the sub-solves.
    tabu : bool
        Use the compiled tabu search (:mod:`allocator.lns.localsearch`) on problems without
        side rules when numba is installed; otherwise the CP-SAT neighbourhood search runs.
    tabu_round : float
        Seconds between checks of the clock, the stop event and progress.
    tabu_sync_rounds : int
        Every this many rounds the two searches (two workers) continue from the better plan.
    tabu_stall : int
        Iterations without a new best plan after which a search is kicked (diversified).
    tabu_min_pairs : int
        Below this many pairs the exact model alone is quicker than any search.
    tabu_first_share, tabu_first_max, tabu_first_per_pair : float
        The tabu search runs alone for this share of the time, at most ``tabu_first_max``
        seconds and at most 1 s + ``tabu_first_per_pair`` s per pair; then the exact core MIP
        (:mod:`allocator.lns.coremip`) starts from its plan, beside it.
    core_max_pairs : int
        Largest core MIP; a larger core is cut to the pairs of least reduced cost (no proof).
        Small on purpose: one HiGHS thread makes no progress in a minute on a 50,000-pair core,
        while a core cut to 12,000 pairs is a neighbourhood it searches well (d60900 at 60 s:
        1.09 % above the best known with 60,000, 0.25 % with 12,000 and 0.26 % with 6,000).
    mip_alone_max_pairs : int
        Up to this many pairs the core MIP runs alone, with every worker, after the first tabu
        phase (HiGHS is strong there and the tabu search only takes its CPU).
    core_heuristic_effort : float
        HiGHS's ``mip_heuristic_effort`` in the core MIP (HiGHS's default is 0.05). At 60 s,
        0.05 / 0.3 / 0.7 gave d40400 0.49 / 0.55 / 0.61 %, d20200 0.46 / 0.34 / 0.39 %, d20400
        0.25 / 0.20 / 0.19 %, d20100 0.86 / 0.86 % (one run each, quiet machine): a small gain
        in sum, within the run-to-run spread of single instances.
    deterministic : bool
        With one worker, stop on work counters instead of the clock (above). On by default.
    work_rate : float
        Work units (about seconds of a quiet core) the time limit buys per second in the
        deterministic search. Below 1 on purpose: the margin keeps a busy machine from reaching
        the wall clock first. Measured on a bank of 20,000 customers: 0.57 units of CP-SAT
        deterministic time per wall second of sub-solves, the rest is building them
        (:attr:`sub_overhead_per_pair`).
    sub_overhead, sub_overhead_per_pair : float
        Work charged per sub-problem and per pair of it for building the CP-SAT model (Python
        time that CP-SAT's deterministic time does not count).
    tabu_iterations_per_work : float
        Tabu iterations per work unit (measured: 1,900 to 5,200 per second on GAPs of 1,280 to
        64,000 pairs).
    full_mip : bool
        On problems up to ``mip_alone_max_pairs`` pairs, with two workers, run textbook HiGHS
        on the whole problem (HiGHS's defaults, no start plan) on the second core beside the
        core MIP, each on one thread, the better plan kept (a portfolio; without it HiGHS's
        second thread idles, its MIP being mostly serial). Handing the full MIP's plans to the
        core MIP made it worse (d10200 12,448 against 12,446), so they do not trade plans.
        Quiet machine, 60 s, without / with: d10100 6,368 / 6,353 and d20100 6,238 / 6,229
        (textbook HiGHS's values: its branching finds them, the core MIP's does not), d10200
        12,446 / 12,446, e20100 8,443 / 8,447 (one run each).
    """

    lp_share: float = 0.4
    sub_deterministic_time: float = 0.4
    sub_wall_time: float = 4.0
    initial_free: int = 60
    min_free: int = 8
    max_free: int = 100_000
    grow: float = 1.06
    shrink: float = 0.85
    greedy_max_customers: int = 1_000_000
    cpsat_params: dict[str, Any] = field(default_factory=dict)
    tabu: bool = True
    tabu_round: float = 0.5
    tabu_sync_rounds: int = 6
    tabu_stall: int = 4000
    tabu_min_pairs: int = 200
    tabu_first_share: float = 0.25
    tabu_first_max: float = 15.0
    tabu_first_per_pair: float = 1e-4
    core_max_pairs: int = 12_000
    mip_alone_max_pairs: int = 3_000
    core_heuristic_effort: float = 0.3
    full_mip: bool = True
    deterministic: bool = True
    work_rate: float = 0.3
    sub_overhead: float = 0.02
    sub_overhead_per_pair: float = 1.5e-4
    tabu_iterations_per_work: float = 3000.0
