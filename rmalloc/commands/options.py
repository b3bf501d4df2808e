"""The options several subcommands share, declared once: output, policy, the solve's time limit,
seed, workers and backend, the report folder, ``--json`` and ``--quiet``.

Why: each subcommand spelled ``--time-limit`` or ``--out`` again, and the spellings drifted
(a metavar here, a type there). Here each shared option has one declaration, :data:`SHARED`;
a subcommand names the ones it takes, in the order ``--help`` lists them, and says only what
differs for it (its help text, a default, ``required``). The bank's own inputs
(``--customers/--rms/--branches``) stay in :mod:`rmalloc.commands._bank`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

#: the table formats an output path may name, for the help of a table-valued ``--out``
TABLE_FORMATS = ".csv (spreadsheet-safe), .parquet/.pq or .xlsx, by suffix"

#: each shared option's ``add_argument`` keywords, by flag
SHARED: dict[str, dict[str, Any]] = {
    "--out": {"type": Path, "required": True, "metavar": "DIR", "help": "output folder"},
    "--policy": {"type": Path, "help": "policy overrides (YAML/JSON) merged over policy v1"},
    "--time-limit": {"type": float, "metavar": "S", "help": "seconds per solve"},
    "--seed": {"type": int, "help": "random seed (default 0)"},
    "--workers": {"type": int, "default": 2, "help": "solver threads (default 2)"},
    "--backend": {"default": "auto", "help": "allocator backend (default auto)"},
    "--report": {"type": Path, "metavar": "DIR", "help": "write the report into DIR"},
    "--json": {"action": "store_true", "help": "print the result as JSON"},
    "--quiet": {"action": "store_true", "help": "no progress line on the terminal"},
}


def add_options(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *flags: str,
    **changes: str | dict[str, Any],
) -> None:
    """Add the shared options ``flags`` to ``parser``, in that order.

    Parameters
    ----------
    parser
        The subcommand's parser (or one of its argument groups).
    *flags
        Keys of :data:`SHARED`, e.g. ``"--out", "--time-limit"``.
    **changes
        By option name with ``_`` for ``-`` (``time_limit=...``): a help text, or a dict of
        ``add_argument`` keywords over the shared ones (``{"required": False}``, ``{"default":
        30.0, "help": "per solve"}``; ``"metavar": None`` keeps argparse's own).

    Raises
    ------
    KeyError
        For a flag that is not shared, or a change to an option not in ``flags`` (a typo would
        otherwise pass silently).
    """
    unknown = set(changes) - {flag[2:].replace("-", "_") for flag in flags}
    if unknown:
        raise KeyError(f"changes to options not added: {sorted(unknown)}")
    for flag in flags:
        change = changes.get(flag[2:].replace("-", "_"), {})
        keywords = {**SHARED[flag], **({"help": change} if isinstance(change, str) else change)}
        parser.add_argument(flag, **keywords)
