"""The bank every command reads: ``--customers/--rms/--branches`` or ``--sample``, ``--policy``,
how the files are spelled (``--delimiter``, ``--encoding``), the read limits (``--limit``) and
where the full list of input problems goes (``--errors``).

One definition, so that every subcommand takes its input the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmalloc.commands.options import add_options

if TYPE_CHECKING:
    from allocator.instance import Instance
    from allocator.io import CsvOptions, ReadLimits
    from allocator.policy import Policy


def add_bank_arguments(parser: argparse.ArgumentParser, *, policy: bool = True) -> None:
    """Add the contract v1 input options (and ``--policy``) to ``parser``."""
    src = parser.add_argument_group("input (contract v1: CSV, Parquet or Excel)")
    src.add_argument("--customers", type=Path, help="customers file")
    src.add_argument("--rms", type=Path, help="RMs file")
    src.add_argument("--branches", type=Path, help="branches file (optional)")
    src.add_argument("--sample", action="store_true", help="use the bundled sample bank")
    src.add_argument(
        "--delimiter",
        metavar="CHAR",
        help="field separator of the CSV files (default ','; e.g. ';' or '\\t' for tab)",
    )
    src.add_argument(
        "--encoding",
        metavar="CODEC",
        help="text encoding of the CSV files (default utf-8; e.g. gbk, gb18030, latin-1)",
    )
    src.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="raise (or lower) a read limit, e.g. max_rows=20000000 (repeatable; the limits "
        "and their defaults are listed in the README)",
    )
    src.add_argument(
        "--errors",
        type=Path,
        metavar="FILE.csv",
        help="write every input problem to this CSV (the terminal shows the first 50)",
    )
    if policy:
        add_options(parser, "--policy")


def _usage_error(args: argparse.Namespace, message: str) -> SystemExit:
    print(f"rmalloc {args.command}: {message}", file=sys.stderr)
    return SystemExit(2)


def read_options(args: argparse.Namespace) -> tuple[ReadLimits, CsvOptions]:
    """The read limits and CSV spelling the options ask for.

    Raises
    ------
    SystemExit
        Exit code 2 with a message on stderr for a bad ``--limit``, ``--delimiter`` or
        ``--encoding``.
    """
    from allocator.io import CsvOptions, ReadLimits

    pairs: dict[str, str] = {}
    for item in getattr(args, "limit", []) or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise _usage_error(args, f"--limit takes NAME=VALUE, got {item!r}")
        pairs[name.strip()] = value.strip()
    delimiter = getattr(args, "delimiter", None)
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    try:
        limits = ReadLimits.from_pairs(pairs)
        options = CsvOptions(
            delimiter=delimiter, encoding=getattr(args, "encoding", None) or "utf-8"
        )
    except ValueError as exc:
        raise _usage_error(args, str(exc)) from None
    return limits, options


def bank_sources(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(customers, rms, branches) from ``--sample`` or the file options.

    Raises
    ------
    SystemExit
        Exit code 2 (bad usage, as argparse) with a message on stderr when neither ``--sample``
        nor both required files are given.
    """
    if args.sample:
        from allocator.synth import sample_bank_paths

        paths = sample_bank_paths()
        return paths["customers"], paths["rms"], paths["branches"]
    if args.customers is None or args.rms is None:
        raise _usage_error(args, "--customers and --rms are required (or --sample)")
    return args.customers, args.rms, args.branches


def load_bank(args: argparse.Namespace) -> tuple[Instance, Policy]:
    """The validated bank and the effective policy the options name, read within the limits.

    Raises
    ------
    allocator.errors.InputError, allocator.errors.PolicyError
        For bad input (reported by :func:`rmalloc.cli.main`, exit 2).
    """
    from allocator.policy import load_policy
    from allocator.validation import load_instance

    limits, options = read_options(args)
    customers, rms, branches = bank_sources(args)
    policy = load_policy(getattr(args, "policy", None), limits=limits)
    instance = load_instance(
        customers, rms, branches, policy=policy, limits=limits, csv_options=options
    )
    return instance, policy
