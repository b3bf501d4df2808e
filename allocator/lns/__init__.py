"""Large neighbourhood search (LNS) for the allocation :class:`~allocator.problem.Problem`.

The pieces of the ``lns`` backend (:mod:`allocator.backends.lns`), kept apart so each can be
tested alone:

- :mod:`allocator.lns.relaxation`: the LP relaxation of the capacity core (HiGHS), which gives
  the proven bound, a nearly integral start and the reduced costs that steer the search;
- :mod:`allocator.lns.neighbourhood`: cutting a self-contained sub-problem out of a Problem
  around a set of RMs, and solving it exactly with CP-SAT;
- :mod:`allocator.lns.settings`: the tuning knobs (:class:`LnsSettings`);
- :mod:`allocator.lns.starts`: starting plans (rounded LP, the caller's, greedy), made valid;
- :mod:`allocator.lns.improve`: the neighbourhood search (CP-SAT sub-solves of related RMs);
- :mod:`allocator.lns.localsearch` and :mod:`allocator.lns.tabu`: the compiled tabu search and
  the phase that runs it in threads;
- :mod:`allocator.lns.coremip` and :mod:`allocator.lns.mip`: the exact core MIP (HiGHS) and the
  phases that run it beside the tabu search on problems without side rules;
- :mod:`allocator.lns.search`: :func:`lns_search`, which orchestrates them.
"""

from allocator.lns.relaxation import Relaxation, solve_relaxation
from allocator.lns.search import LnsResult, lns_search
from allocator.lns.settings import LnsSettings

__all__ = ["LnsResult", "LnsSettings", "Relaxation", "lns_search", "solve_relaxation"]
