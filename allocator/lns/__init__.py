"""Large neighbourhood search (LNS) for the allocation :class:`~allocator.problem.Problem`.

The pieces of the ``lns`` backend (:mod:`allocator.backends.lns`), kept apart so each can be
tested alone:

- :mod:`allocator.lns.relaxation`: the LP relaxation of the capacity core (HiGHS), which gives
  the proven bound, a nearly integral start and the reduced costs that steer the search;
- :mod:`allocator.lns.neighbourhood`: cutting a self-contained sub-problem out of a Problem
  around a set of RMs, and solving it exactly with CP-SAT;
- :mod:`allocator.lns.search`: the search loop (start, repair, improve, both cores).
"""

from allocator.lns.relaxation import Relaxation, solve_relaxation
from allocator.lns.search import LnsResult, LnsSettings, lns_search

__all__ = ["LnsResult", "LnsSettings", "Relaxation", "lns_search", "solve_relaxation"]
