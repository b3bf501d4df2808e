"""Typed errors of the allocator. Adapters (CLI, HTTP) map them to exit codes and responses."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: the words every input guard's message carries (:func:`allocator.io.limits.how_to_raise`)
LIMIT_MARKER = "the limit is "


class AllocatorError(Exception):
    """Base of every error the allocator raises on purpose."""


@dataclass(frozen=True)
class InputIssue:
    """One problem in the input, precise enough to fix without guessing.

    Attributes
    ----------
    file : str
        ``customers``, ``rms``, ``branches`` (or the path given by the user).
    row : int or None
        Spreadsheet row number: the header is row 1, the first data row is row 2. ``None`` when the
        problem is about the whole file (a missing column, say).
    column : str or None
        The column at fault, if one.
    value : str or None
        The offending value as read (``None`` when missing).
    message : str
        What is wrong, in words.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.value is not None:
            where += f", value {self.value!r}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class InputError(AllocatorError):
    """The input breaks the data contract. Carries every problem found, not just the first.

    Attributes
    ----------
    issues : list of InputIssue
        The problems recorded.
    omitted : int
        Problems found but not recorded: validation records at most
        ``ReadLimits.max_issues`` per rule and table, so that a file of a million bad rows
        costs no more memory than a few thousand issues. :attr:`count` counts them all.
    """

    def __init__(self, issues: list[InputIssue], omitted: int = 0):
        self.issues = list(issues)
        self.omitted = int(omitted)
        super().__init__(self.report(limit=1000))

    @property
    def limit_hit(self) -> bool:
        """Whether a size or time guard refused the input (the service answers 413 then)."""
        return any(LIMIT_MARKER in issue.message for issue in self.issues)

    @property
    def count(self) -> int:
        """Every problem found, recorded or not."""
        return len(self.issues) + self.omitted

    def report(self, limit: int | None = None) -> str:
        """A readable report: a count, then one line per problem (the first ``limit``)."""
        shown = self.issues if limit is None else self.issues[:limit]
        lines = [f"invalid input: {self.count} problem(s)"]
        lines += [f"  - {issue}" for issue in shown]
        if self.count > len(shown):
            lines.append(f"  ... and {self.count - len(shown)} more")
        return "\n".join(lines)


class PolicyError(AllocatorError):
    """The policy file cannot be read or is invalid."""


class PlanBreachError(AllocatorError):
    """A plan about to leave the pipeline breaks a hard rule: a defect, never a success.

    The independent checker (or the compiled problem's own check) found violations in what a
    backend returned; no plan is handed out. The message names the backend and the rules broken
    with their counts, never customer data (it reaches logs); ``details`` holds the checker's
    first violations for a person to read.

    Attributes
    ----------
    backend : str
        The backend whose plan broke the rules.
    rules : dict of str to int
        Violations per rule.
    details : str
        The checker's readable report (it names customers and RMs: show it, do not log it).
    """

    def __init__(self, backend: str, rules: dict[str, int], details: str = ""):
        self.backend = backend
        self.rules = dict(rules)
        self.details = details
        broken = ", ".join(f"{rule} ({n})" for rule, n in self.rules.items())
        super().__init__(
            f"the plan of backend {backend!r} breaks hard rule(s) {broken}: no plan is handed out"
        )


class SchedulerError(AllocatorError):
    """The Dask scheduler a solve was sent to cannot be reached, or has no workers.

    Raised before any part is solved (the connection is tried with a short timeout), so a wrong
    ``--scheduler`` is a clear error, never a hang and never a silent local solve.

    Attributes
    ----------
    address : str
        The scheduler's address as given.
    """

    def __init__(self, address: str, reason: str):
        self.address = address
        super().__init__(f"cannot use the Dask scheduler at {address}: {reason}")
