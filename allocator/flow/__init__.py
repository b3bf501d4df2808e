"""The large-scale engine of the ``flow`` backend (:mod:`allocator.backends.flow`).

:func:`allocator.flow.solve.solve_flow` runs the phases, one module each, over one shared
:class:`~allocator.flow.state.FlowState`: :mod:`~allocator.flow.locks`, :mod:`~allocator.flow.lp`,
:mod:`~allocator.flow.sides`, :mod:`~allocator.flow.place` and :mod:`~allocator.flow.balance`.
Below them: pooled customers and RMs (:mod:`~allocator.flow.network`), the flows and their solves
(:mod:`~allocator.flow.transport`, :mod:`~allocator.flow.spread`), hubs by kind
(:mod:`~allocator.flow.hubs`), whole customers from a flow (:mod:`~allocator.flow.rounding`,
:mod:`~allocator.flow.repair`, :mod:`~allocator.flow.seating`).
"""
