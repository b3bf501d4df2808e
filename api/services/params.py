"""What a job runs: typed solve parameters at the edges, JSON in the ``jobs.params`` column.

A request is turned into :class:`~allocator.params.SolveParams` when it is submitted, so a bad
value is refused then (a 422 naming the field) instead of failing the job minutes later in a
worker. The database keeps the parameters as JSON (:meth:`SolveParams.to_dict`, read back with
:meth:`SolveParams.from_dict`), because a job outlives the process that queued it and is read by
workers of other versions; the same JSON is what a client sees as a job's ``params``.

The server owns three parameters a client never sets: ``workers`` (the solver threads each worker
process may use, from its settings), ``log`` (solver logs stay off in a service) and ``check``
(every plan the service hands out is verified by the independent checker).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from allocator.params import SolveParams
from api.services.errors import InvalidParameterError

#: parameters a client chooses, in the order they are stored (the first three always)
CLIENT_FIELDS = ("time_limit", "seed", "backend", "warm_start", "staging", "settings")
_ALWAYS_STORED = ("time_limit", "seed", "backend")
_DEFAULTS = SolveParams().to_dict()


def time_limit_within(value: float | None, *, default: float, maximum: float) -> float:
    """The effective time limit of a job: ``default`` when none is given, never above
    ``maximum`` (the server's limits, from its settings: one job must not hold a worker for
    hours).

    Raises
    ------
    InvalidParameterError
        Naming ``time_limit``.
    """
    limit = default if value is None else float(value)
    if limit > maximum:
        raise InvalidParameterError(
            "time_limit", f"time_limit {limit:g}s is above the maximum {maximum:g}s"
        )
    return limit


def solve_params(values: Mapping[str, Any]) -> SolveParams:
    """Solve parameters from a request's values, each checked by the library's own rules.

    Every value is first tried alone (over defaults that are valid), so the error names the one
    field at fault rather than the whole request. Then the backend must be one that loads here,
    and each backend's settings must be what that backend takes: both would otherwise only fail
    when a worker starts the solve.

    Raises
    ------
    InvalidParameterError
        For an unknown field, a bad value, an unavailable backend or a bad backend setting.
    """
    for name, value in values.items():
        try:
            SolveParams.from_dict({name: value})
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(name, str(exc)) from None
    try:
        params = SolveParams.from_dict(values)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("params", str(exc)) from None
    check_backend(params)
    return params


def check_backend(params: SolveParams) -> None:
    """Refuse a backend that does not load here, and settings a backend does not take.

    Raises
    ------
    InvalidParameterError
        Naming ``backend`` or ``settings.<backend>``.
    """
    from allocator.backends import available_backends, registered

    available = available_backends()
    if params.backend != "auto" and params.backend not in available:
        raise InvalidParameterError(
            "backend",
            f"unknown or unavailable backend {params.backend!r}; available: auto, "
            f"{', '.join(a for a in available if a != 'auto')}",
        )
    classes = registered()
    options = params.options()
    for name, values in params.settings.items():
        field = f"settings.{name}"
        backend = classes.get(name)
        if backend is None:
            raise InvalidParameterError(field, f"no backend {name!r} takes settings")
        if backend.settings_type is None:
            if values:
                raise InvalidParameterError(field, f"backend {name!r} takes no settings")
            continue
        try:
            backend.settings(options)
        except ValueError as exc:
            raise InvalidParameterError(field, str(exc)) from None


@dataclass(frozen=True)
class JobParams:
    """Everything a worker needs to run a job, and how it is stored.

    Attributes
    ----------
    params : SolveParams
        How to solve (the worker replaces the server-owned fields with its own settings).
    policy : mapping, optional
        Policy overrides (``None``: policy v1), kept as given: the policy is parsed where it is
        used (:class:`api.services.policies.PolicyCache`).
    spec : mapping, optional
        A scenario's spec; present exactly for jobs of kind ``scenario``.
    seed_from_spec : bool
        The client gave no seed for a scenario: the spec's seed is used, and ``null`` is stored
        (``params.seed`` is then only a placeholder).
    review : mapping, optional
        A re-solve with reviewers' decisions (:meth:`api.services.reviews.ReviewService.resolve`):
        the plan it came from (``source_job_id``, the solve's warm start) and the accepted and
        rejected moves, by which the worker restates the plan in terms of the real book.
    """

    params: SolveParams
    policy: Mapping[str, Any] | None = None
    spec: Mapping[str, Any] | None = None
    seed_from_spec: bool = False
    review: Mapping[str, Any] | None = None

    @property
    def kind(self) -> str:
        """``scenario`` for a scenario run, else ``solve``."""
        return "scenario" if self.spec is not None else "solve"

    def to_json(self) -> dict[str, Any]:
        """The ``jobs.params`` column: the spec, the policy, then the client's solve parameters
        (time limit, seed and backend always; the others only when not at their defaults)."""
        solve = self.params.to_dict()
        out: dict[str, Any] = {} if self.spec is None else {"spec": dict(self.spec)}
        out["policy"] = None if self.policy is None else dict(self.policy)
        if self.review is not None:
            out["review"] = dict(self.review)
        for name in CLIENT_FIELDS:
            if name in _ALWAYS_STORED or solve[name] != _DEFAULTS[name]:
                out[name] = solve[name]
        if self.seed_from_spec:
            out["seed"] = None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobParams:
        """Read a ``jobs.params`` column back (what :meth:`to_json` wrote, or the JSON of an
        older release: ``{policy, time_limit, seed, backend}``).

        Raises
        ------
        ValueError
            When a stored value is no longer valid (the job then fails, naming it).
        """
        solve = {k: data[k] for k in CLIENT_FIELDS if data.get(k) is not None}
        spec = data.get("spec")
        return cls(
            params=SolveParams.from_dict(solve),
            policy=data.get("policy"),
            spec=spec,
            seed_from_spec=spec is not None and data.get("seed") is None,
            review=data.get("review"),
        )

    def for_worker(self, *, workers: int) -> SolveParams:
        """The solve parameters a worker runs with: the server-owned fields set by the server
        (``workers`` from the worker's settings, no solver log, the plan always checked)."""
        return self.params.replace(workers=workers, log=False, check=True)
