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
