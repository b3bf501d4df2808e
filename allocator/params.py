"""How to solve: parameter objects that validate themselves (after PyVRP's ``SolveParams``).

- :class:`SolveParams` is what a caller chooses -- time limit, seed, workers, backend, staging,
  per-backend settings, and whether the independent checker verifies the plan before it leaves
  (:mod:`allocator.pipeline`). It loads from a YAML/JSON/TOML file (``SolveParams.from_file``) or
  a mapping (the API's request body), and refuses a bad value with a message naming the field.
- :class:`SolveOptions` is the part a backend sees (everything but the backend's name and the
  check), derived with :meth:`SolveParams.options`.
- :class:`StageBudget` says how the time limit is shared between the objective stages.

Every number is bounded: a time limit is finite and positive, a seed fits the solvers' 31 bits,
workers are at least one; a Dask scheduler is an address with a scheme (``tcp://host:8786``).
Nothing here imports a solver (nor Dask).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: the longest time limit accepted (a week: anything longer is a typo)
MAX_TIME_LIMIT = 7 * 24 * 3600.0
#: the largest seed (CP-SAT and HiGHS take 31-bit seeds)
MAX_SEED = 2**31 - 1
#: the most solver threads accepted
MAX_WORKERS = 256
#: the schemes of Dask's communication layer; an address names one (``tcp://10.0.0.5:8786``)
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_SCHEDULER_RE = re.compile(rf"^(?:{'|'.join(SCHEDULER_SCHEMES)})://[^\s/]+$")


@dataclass(frozen=True)
class StageBudget:
    """How the time limit is shared between the stages.

    Attributes
    ----------
    shares : mapping of str to float
        A stage other than the last may use this share of the time that is left (the last stage
        takes all of it). The defaults give cover value, the stage that matters most, 60 %.
    balance_cap : float, optional
        When set, the balance stage may use at most this share of the *whole* time limit: the
        largest utilisation is often pinned by one RM that continuity keeps full, and proving
        that can take forever (the CP-SAT backend sets 0.3; the MILP does not need it).
    """

    shares: Mapping[str, float] = field(
        default_factory=lambda: {"cover_value": 0.6, "continuity": 0.5, "balance": 1.0}
    )
    balance_cap: float | None = None

    def __post_init__(self) -> None:
        for stage, share in self.shares.items():
            if stage not in ("cover_value", "continuity", "balance"):
                raise ValueError(f"staging: unknown stage {stage!r}")
            if not 0.0 < float(share) <= 1.0:
                raise ValueError(f"staging share of {stage!r} must be in (0, 1], got {share}")
        if self.balance_cap is not None and not 0.0 < self.balance_cap <= 1.0:
            raise ValueError(f"staging balance_cap must be in (0, 1], got {self.balance_cap}")

    def seconds(self, stage: str, remaining: float, last: bool, first: bool, limit: float) -> float:
        """The seconds stage ``stage`` may use with ``remaining`` left of a ``limit`` solve."""
        budget = remaining if last else remaining * float(self.shares.get(stage, 0.5))
        if stage == "balance" and not first and self.balance_cap is not None:
            budget = min(budget, self.balance_cap * limit)
        return budget


def _check_common(time_limit: float, seed: int, workers: int) -> None:
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit)):
        raise ValueError(f"time_limit must be a finite number of seconds, got {time_limit!r}")
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise ValueError(f"time_limit must be > 0 and <= {MAX_TIME_LIMIT:g}, got {time_limit}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise ValueError(f"workers must be an integer, got {workers!r}")
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be >= 1 and <= {MAX_WORKERS}, got {workers}")


def check_scheduler(scheduler: str | None) -> None:
    """A Dask scheduler address (``scheme://host[:port]``, no path, at most 256 characters), or
    ``None`` for no cluster.

    Raises
    ------
    ValueError
        Naming the field and the form expected.
    """
    if scheduler is None:
        return
    if not isinstance(scheduler, str) or len(scheduler) > 256 or not _SCHEDULER_RE.match(scheduler):
        raise ValueError(
            "scheduler must be a Dask scheduler address such as tcp://host:8786 (schemes: "
            f"{', '.join(SCHEDULER_SCHEMES)}), got {scheduler!r}"
        )


@dataclass(frozen=True)
class SolveOptions:
    """What a backend is told: every solve has a time limit, a seed and a worker count.

    Attributes
    ----------
    time_limit : float
        Seconds for the whole solve, all stages together (> 0).
    seed : int
        Random seed: the same seed, input and worker count give the same plan when it converges.
    workers : int
        Solver threads (1 gives determinism across machines; default 2, the size of our machines).
    warm_start : bool
        Start from ``Problem.hint`` (today's book) when the backend can.
    log : bool
        Let the solver print its log (never customer data; only model statistics).
    staging : StageBudget, optional
        How the stages share the time (``None``: the backend's own default).
    settings : mapping
        Per-backend settings by backend name (e.g. ``{"lns": {"core_max_pairs": 8000}}``);
        a backend reads its own entry.
    scheduler : str, optional
        A Dask scheduler's address: the ``decompose`` backend solves its parts on that cluster
        instead of local processes (:mod:`allocator.executors`). ``None``: this machine.
    """

    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    warm_start: bool = True
    log: bool = False
    staging: StageBudget | None = None
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    scheduler: str | None = None

    def __post_init__(self) -> None:
        _check_common(self.time_limit, self.seed, self.workers)
        check_scheduler(self.scheduler)

    def replace(self, **changes: Any) -> SolveOptions:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SolveParams:
    """How to solve one bank (the pipeline's parameters).

    Attributes
    ----------
    time_limit, seed, workers, warm_start, log
        As in :class:`SolveOptions`.
    backend : str
        ``auto`` or a registered backend's name (checked when the solve starts, against the
        backends that load here).
    staging : StageBudget, optional
        How the stages share the time (``None``: each backend's default).
    settings : mapping
        Per-backend settings by backend name; each is validated by the backend's own settings
        type (e.g. :class:`allocator.lns.LnsSettings`) when the solve starts.
    check : bool
        Run the independent checker on the plan before it leaves the pipeline. On by default;
        only benchmarks that say so switch it off.
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:8786``): the solve is decomposed and its parts
        run on that cluster (any backend but ``auto``/``decompose`` becomes the parts' inner
        backend; :func:`allocator.pipeline.backend_strategy`). ``None``: this machine only.
    """

    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    backend: str = "auto"
    warm_start: bool = True
    log: bool = False
    staging: StageBudget | None = None
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    check: bool = True
    scheduler: str | None = None

    def __post_init__(self) -> None:
        _check_common(self.time_limit, self.seed, self.workers)
        check_scheduler(self.scheduler)
        if not isinstance(self.backend, str) or not self.backend.strip():
            raise ValueError(f"backend must be a backend's name or 'auto', got {self.backend!r}")
        for name, values in self.settings.items():
            if not isinstance(values, Mapping):
                raise ValueError(f"settings.{name} must be a mapping, got {values!r}")

    def options(self) -> SolveOptions:
        """The part of these parameters a backend sees."""
        return SolveOptions(
            time_limit=self.time_limit,
            seed=self.seed,
            workers=self.workers,
            warm_start=self.warm_start,
            log=self.log,
            staging=self.staging,
            settings=self.settings,
            scheduler=self.scheduler,
        )

    def replace(self, **changes: Any) -> SolveParams:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-able dict that :meth:`from_dict` reads back to equal parameters."""
        out = dataclasses.asdict(self)
        out["settings"] = {k: dict(v) for k, v in self.settings.items()}
        if self.staging is not None:
            out["staging"] = {
                "shares": dict(self.staging.shares),
                "balance_cap": self.staging.balance_cap,
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SolveParams:
        """Parameters from a mapping (a parsed file, a request body).

        Raises
        ------
        ValueError
            For an unknown key or a bad value; the message names it.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown solve parameter(s) {unknown}; known: {sorted(known)}")
        values = dict(data)
        staging = values.get("staging")
        if isinstance(staging, Mapping):
            bad = sorted(set(staging) - {"shares", "balance_cap"})
            if bad:
                raise ValueError(f"unknown staging key(s) {bad}; known: shares, balance_cap")
            values["staging"] = StageBudget(
                shares=dict(staging.get("shares") or StageBudget().shares),
                balance_cap=staging.get("balance_cap"),
            )
        elif staging is not None:
            raise ValueError(f"staging must be a mapping, got {staging!r}")
        if "time_limit" in values and isinstance(values["time_limit"], int):
            values["time_limit"] = float(values["time_limit"])
        return cls(**values)

    @classmethod
    def from_file(cls, path: str | Path) -> SolveParams:
        """Parameters from a YAML, JSON or TOML file (by extension; YAML otherwise).

        Raises
        ------
        ValueError
            When the file cannot be read or holds a bad value; the message names the file.
        """
        from allocator.io import load_structured

        where = Path(path)
        try:  # within the read limits: no alias bomb, no file of gigabytes
            data = load_structured(where) or {}
        except ValueError as exc:
            raise ValueError(f"cannot read solve parameters: {exc}") from exc
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: solve parameters must be a mapping")
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from exc
