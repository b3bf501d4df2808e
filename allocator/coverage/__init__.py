"""The coverage model: besides its primary RM, a customer may have coverage roles (contract v1.1,
coverage.csv): key-account team members, a group's network RMs, a city co-RM for the head-office
and province lists, and an executive who co-covers a rich retail customer.

Roles are settled after the primary plan, by one component every backend shares, so every
backend supports them: the primary plan is the lexicographic optimum the solver proves, and the
roles use the capacity it leaves. Each role is filled in the order of the customers' worth (the
richest or most valuable first when capacity is short), each role from its own pool:

1. ``team_member`` of a key account (``coverage.key_accounts: team``): ``team.size - 1`` RMs of
   the customer's line that may serve it, other than the lead, each carrying
   ``team.member_workload`` points of its capacity;
2. ``city_co_rm`` of a list customer (``coverage.city_co_rm.tiers``): an RM of its line at the
   city-level branch above it, carrying ``city_co_rm.workload`` points;
3. ``team_member`` of a group's network (``coverage.group_network``): an RM at a member's own
   branch when the group's RM sits elsewhere;
4. ``co_cover`` by an executive (``position`` in rms.csv) of the position whose AUM line the
   customer meets highest, sitting at that position's level above the customer, up to its
   ``co_cover_capacity`` customers.

A role that applies but cannot be filled is a row with an empty ``rm_id`` and a reason in plain
words ("no subbranch head with room at C1S2"). The independent checker verifies every row, and
that no role was left empty while an eligible person had room (:mod:`allocator.checker.coverage`).
"""

from __future__ import annotations

from allocator.coverage.assign import COVERAGE_COLUMNS, assign_coverage

__all__ = ["COVERAGE_COLUMNS", "assign_coverage"]
