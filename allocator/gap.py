"""The generalised assignment problem (GAP) as published: reading, oracle, bridge to Problem.

The OR-Library and Yagiura GAP instances are the engine's outside yardstick (DESIGN.md). This
module keeps them in their own plain form, :class:`GapInstance` (cost, weight and capacity as
dense matrices), so that

- reading a file does not depend on the allocator's model, and a reader bug cannot hide behind a
  model bug (the files are read as a stream of integers, exactly as ``FORMAT.txt`` specifies);
- :func:`objective` and :func:`is_feasible` recompute the score of any assignment with plain NumPy,
  independently of every solver: the oracle against which our engine and the baselines are judged;
- :func:`to_problem` is the one place where a GAP becomes the solver-neutral
  :class:`~allocator.problem.Problem`, which every backend solves.

Conventions: ``m`` agents (RMs) and ``n`` jobs (customers); ``cost[i, j]`` and ``weight[i, j]`` are
those of giving job ``j`` to agent ``i``; an assignment is an integer array of length ``n`` holding
the 0-based agent of each job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.problem import Problem

IntArray = npt.NDArray[np.int64]
Sense = Literal["min", "max"]

#: OR-Library's gapa..gapd hold 6 problems each, always these sizes in this order; each problem is
#: the Yagiura single-instance file of the same type and size (checked token by token, FORMAT.txt),
#: so ``gapc-3`` *is* ``c10100`` and shares its best-known value.
_ORLIB_AD_SIZES = ("05100", "05200", "10100", "10200", "20100", "20200")

_MULTI_NAME = re.compile(r"^gap(?P<set>[1-9]|1[0-2]|[a-d])-(?P<k>[1-9][0-9]*)$")
_OR12_FILE = re.compile(r"^gap(?:[1-9]|1[0-2])$")


@dataclass(frozen=True, eq=False)
class GapInstance:
    """One GAP instance in the published form.

    Attributes
    ----------
    name : str
        ``gapX-k`` (problem ``k``, 1-based, of the multi-problem file ``gapX.txt``, the naming of
        ``best_known.csv``) or the file name of a single-instance file (``c15900``).
    cost : numpy.ndarray of int64, shape (m, n)
        Cost (types A-E) or profit (gap1..gap12 in OR-Library's max form) of agent ``i`` taking
        job ``j``.
    weight : numpy.ndarray of int64, shape (m, n)
        Resource that job ``j`` uses when agent ``i`` takes it.
    capacity : numpy.ndarray of int64, shape (m,)
        Resource each agent has.
    """

    name: str
    cost: IntArray
    weight: IntArray
    capacity: IntArray

    def __post_init__(self) -> None:
        m, n = self.cost.shape
        if self.weight.shape != (m, n) or self.capacity.shape != (m,):
            raise ValueError(
                f"{self.name}: cost {self.cost.shape}, weight {self.weight.shape} and capacity "
                f"{self.capacity.shape} do not describe one m x n instance"
            )

    @property
    def n_agents(self) -> int:
        """``m``, the number of agents."""
        return int(self.cost.shape[0])

    @property
    def n_jobs(self) -> int:
        """``n``, the number of jobs."""
        return int(self.cost.shape[1])

    @property
    def type(self) -> str:
        """Instance class for reporting: ``A``..``E`` (Chu & Beasley / Yagiura) or ``OR``.

        ``OR`` is OR-Library's gap1..gap12 (Cattrysse et al.); ``gapa-k``..``gapd-k`` are types
        A..D. Anything else (a user's own file) is ``?``.
        """
        match = _MULTI_NAME.match(self.name)
        if match:
            s = match.group("set")
            return s.upper() if s.isalpha() else "OR"
        if self.name[:1].lower() in "abcde" and self.name[1:].isdigit():
            return self.name[0].upper()
        return "?"

    @property
    def canonical_name(self) -> str:
        """The name ``best_known.csv`` lists this instance under (see :func:`canonical_name`)."""
        return canonical_name(self.name)


def canonical_name(name: str) -> str:
    """Map ``gapa-k``..``gapd-k`` to their Yagiura names (``gapc-3`` -> ``c10100``).

    ``best_known.csv`` lists types A-D under the Yagiura names only, since the two files are the
    same problems; every other name is returned unchanged.
    """
    match = _MULTI_NAME.match(name)
    if match and match.group("set").isalpha():
        k = int(match.group("k"))
        if 1 <= k <= len(_ORLIB_AD_SIZES):
            return match.group("set") + _ORLIB_AD_SIZES[k - 1]
    return name


def default_sense(path_or_name: str | Path) -> Sense:
    """The objective sense a file is published for: ``max`` for gap1..gap12, else ``min``.

    OR-Library gives optimal values of gap1..gap12 for maximisation; types A-E are minimised
    ("otherwise they are trivial", Yagiura). ``gap1-3`` style instance names work as well.
    """
    stem = Path(str(path_or_name)).name.split(".")[0]
    stem = stem.split("-")[0]
    return "max" if _OR12_FILE.match(stem.lower()) else "min"


# -- reading ---------------------------------------------------------------------------------------
def _tokens(path: Path) -> IntArray:
    """The file as one stream of non-negative integers (line breaks mean nothing: FORMAT.txt)."""
    text = path.read_text(encoding="ascii", errors="replace")
    words = text.split()
    try:
        values = np.array([int(w) for w in words], dtype=np.int64)
    except ValueError:
        bad = next(w for w in words if not re.fullmatch(r"[+-]?\d+", w))
        raise ValueError(
            f"{path}: not a GAP file: token {bad!r} is not an integer "
            "(GAP files hold whitespace-separated integers only)"
        ) from None
    if (values < 0).any():
        raise ValueError(f"{path}: not a GAP file: it holds negative numbers")
    return values


def _block_end(tok: IntArray, start: int) -> int | None:
    """End (exclusive) of the block ``m n c a b`` starting at ``start``; None if none fits."""
    if start + 2 > tok.size:
        return None
    m, n = int(tok[start]), int(tok[start + 1])
    if m < 1 or n < 1:
        return None
    end = start + 2 + 2 * m * n + m
    return end if end <= tok.size else None


def _multi_starts(tok: IntArray) -> list[int] | None:
    """Block starts of a ``P`` + P blocks layout when it uses every token exactly, else None."""
    if tok.size < 1 or tok[0] < 1:
        return None
    starts, pos = [], 1
    for _ in range(int(tok[0])):
        end = _block_end(tok, pos)
        if end is None:
            return None
        starts.append(pos)
        pos = end
    return starts if pos == tok.size else None


def _instance(name: str, tok: IntArray, start: int) -> GapInstance:
    m, n = int(tok[start]), int(tok[start + 1])
    mn = m * n
    body = tok[start + 2 : start + 2 + 2 * mn + m]
    return GapInstance(
        name=name,
        cost=body[:mn].reshape(m, n).copy(),
        weight=body[mn : 2 * mn].reshape(m, n).copy(),
        capacity=body[2 * mn :].copy(),
    )


def read_gap_file(path: str | Path) -> list[GapInstance]:
    """Read every instance of an OR-Library or Yagiura GAP file.

    The layout is told by token count, not by file name, so renamed copies read too: a file is
    *single* (``m n c a b``, Yagiura) when ``2 + 2mn + m`` tokens use it exactly, and *multi*
    (``P`` then P such blocks, OR-Library) when the P blocks use it exactly.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    list of GapInstance
        One per problem, in file order: named ``<stem>-<k>`` (k 1-based) for a multi-problem file,
        ``<stem>`` for a single-instance file.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file is not a GAP file (non-integers, or the counts fit neither layout); the message
        names the file and says what was found.
    """
    path = Path(path)
    tok = _tokens(path)
    stem = path.stem
    single_end = _block_end(tok, 0)
    single = single_end is not None and single_end == tok.size
    starts = _multi_starts(tok)
    if single and starts is not None:
        raise ValueError(
            f"{path}: ambiguous GAP file: its {tok.size} tokens fit both a single instance and "
            f"{len(starts)} problems"
        )
    if single:
        return [_instance(stem, tok, 0)]
    if starts is not None:
        return [_instance(f"{stem}-{k}", tok, s) for k, s in enumerate(starts, start=1)]
    if tok.size < 2:
        raise ValueError(f"{path}: not a GAP file: {tok.size} integer(s), expected 'm n ...'")
    m, n = int(tok[0]), int(tok[1])
    hint = f"as a single instance {m} x {n} it needs 2 + 2*m*n + m = {2 + 2 * m * n + m} tokens"
    raise ValueError(
        f"{path}: not a GAP file: {tok.size} integer tokens fit neither layout ({hint}; as "
        f"{m} problems, 'P m n c a b ...', the blocks do not end at the end of the file)"
    )


def read_best_known(path: str | Path) -> pd.DataFrame:
    """Read ``best_known.csv``: one row per (instance, objective sense).

    Returns
    -------
    pandas.DataFrame
        Columns ``instance``, ``agents``, ``jobs``, ``objective_sense`` (``min``/``max``),
        ``best_known`` (int), ``is_optimal`` (bool; ``yes`` in the file) and ``source``. gap1..12
        instances have two rows (max, OR-Library's sense, and min); types A-E one (min).

    Raises
    ------
    ValueError
        If a column is missing or a sense is neither ``min`` nor ``max``.
    """
    df = pd.read_csv(path, dtype={"instance": str, "objective_sense": str, "source": str})
    need = {"instance", "agents", "jobs", "objective_sense", "best_known", "is_optimal"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    df["objective_sense"] = df["objective_sense"].str.strip().str.lower()
    bad = df.loc[~df["objective_sense"].isin(["min", "max"]), "objective_sense"]
    if len(bad):
        raise ValueError(f"{path}: objective_sense must be min or max, found {bad.iloc[0]!r}")
    df["best_known"] = df["best_known"].astype("int64")
    df["agents"] = df["agents"].astype("int64")
    df["jobs"] = df["jobs"].astype("int64")
    df["is_optimal"] = (
        df["is_optimal"].astype(str).str.strip().str.lower().isin(["yes", "true", "1"])
    )
    return df


def best_known(table: pd.DataFrame, name: str, sense: Sense) -> tuple[int, bool] | None:
    """Best-known value and whether it is proven optimal, for ``name`` (any alias) and ``sense``.

    Returns None when the table has no such row.
    """
    rows = table[(table["instance"] == canonical_name(name)) & (table["objective_sense"] == sense)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return int(row["best_known"]), bool(row["is_optimal"])


# -- the bridge to the engine ----------------------------------------------------------------------
def to_problem(inst: GapInstance, sense: Sense = "min") -> Problem:
    """The instance as a :class:`~allocator.problem.Problem` the backends solve.

    Every job is required and may go to every agent; ``Problem`` maximises cover value, so a cost
    to minimise becomes the value ``-c`` and a profit to maximise stays ``+c``. There are no side
    rules and no today's book, and only the ``cover_value`` stage: the GAP has one objective.

    Parameters
    ----------
    inst : GapInstance
    sense : {"min", "max"}
        Minimise cost (types A-E) or maximise profit (OR-Library's gap1..gap12).

    Returns
    -------
    Problem
        Pair ``p = j * m + i`` is (job ``j``, agent ``i``): sorted by customer then RM, as
        ``Problem`` requires.
    """
    if sense not in ("min", "max"):
        raise ValueError(f"sense must be 'min' or 'max', got {sense!r}")
    m, n = inst.n_agents, inst.n_jobs
    sign = -1 if sense == "min" else 1
    # transpose: (n, m) row-major gives job-major pairs, agent order within a job
    value = (sign * inst.cost).T.reshape(-1).astype(np.int64)
    return Problem(
        customer_ids=np.array([f"job{j}" for j in range(n)], dtype=object),
        rm_ids=np.array([f"agent{i}" for i in range(m)], dtype=object),
        pair_customer=np.repeat(np.arange(n, dtype=np.int32), m),
        pair_rm=np.tile(np.arange(m, dtype=np.int32), n),
        pair_weight=inst.weight.T.reshape(-1).astype(np.int64),
        pair_value=value,
        capacity=inst.capacity.astype(np.int64).copy(),
        required=np.ones(n, dtype=np.bool_),
        group=np.full(n, -1, dtype=np.int32),
        exclusive=np.zeros(n, dtype=np.bool_),
        current=np.full(n, -1, dtype=np.int32),
        hint=np.full(n, -1, dtype=np.int32),
        weight_scale=1,
        stages=("cover_value",),
    )


# -- the oracle ------------------------------------------------------------------------------------
def _as_assignment(inst: GapInstance, assignment: npt.ArrayLike) -> IntArray | None:
    a = np.asarray(assignment)
    if a.shape != (inst.n_jobs,) or not np.issubdtype(a.dtype, np.integer):
        return None
    a = a.astype(np.int64)
    if ((a < 0) | (a >= inst.n_agents)).any():
        return None
    return a


def objective(inst: GapInstance, assignment: npt.ArrayLike) -> int:
    """Summed cost (or profit) ``sum_j c[a[j], j]`` of an assignment, recomputed from the data.

    Feasibility is *not* checked (see :func:`is_feasible`); only the shape and agent range, since
    a score of a malformed assignment means nothing.

    Raises
    ------
    ValueError
        If ``assignment`` is not ``n`` integers in ``0..m-1``.
    """
    a = _as_assignment(inst, assignment)
    if a is None:
        raise ValueError(
            f"{inst.name}: an assignment is {inst.n_jobs} integer agents in 0..{inst.n_agents - 1}"
        )
    return int(inst.cost[a, np.arange(inst.n_jobs)].sum())


def loads(inst: GapInstance, assignment: npt.ArrayLike) -> IntArray:
    """Resource used per agent by an assignment (shape and range as in :func:`objective`)."""
    a = _as_assignment(inst, assignment)
    if a is None:
        raise ValueError(
            f"{inst.name}: an assignment is {inst.n_jobs} integer agents in 0..{inst.n_agents - 1}"
        )
    used = inst.weight[a, np.arange(inst.n_jobs)]
    return np.bincount(a, weights=used, minlength=inst.n_agents).astype(np.int64)


def is_feasible(inst: GapInstance, assignment: npt.ArrayLike | None) -> bool:
    """Whether every job has exactly one agent and no agent exceeds its capacity.

    Never raises: a missing or malformed assignment (wrong length, an agent out of range, a
    ``-1`` for an unassigned job) is simply infeasible, which is what a benchmark needs to know.
    """
    if assignment is None:
        return False
    a = _as_assignment(inst, assignment)
    if a is None:
        return False
    return bool((loads(inst, a) <= inst.capacity).all())
