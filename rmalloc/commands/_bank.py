"""The bank every command reads: ``--customers/--rms/--branches`` or ``--sample``, and ``--policy``.

One definition, so that every subcommand takes its input the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_bank_arguments(parser: argparse.ArgumentParser, *, policy: bool = True) -> None:
    """Add the contract v1 input options (and ``--policy``) to ``parser``."""
    src = parser.add_argument_group("input (contract v1: CSV, Parquet or Excel)")
    src.add_argument("--customers", type=Path, help="customers file")
    src.add_argument("--rms", type=Path, help="RMs file")
    src.add_argument("--branches", type=Path, help="branches file (optional)")
    src.add_argument("--sample", action="store_true", help="use the bundled sample bank")
    if policy:
        parser.add_argument(
            "--policy", type=Path, help="policy overrides (YAML/JSON) merged over policy v1"
        )


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
        print(
            f"rmalloc {args.command}: --customers and --rms are required (or --sample)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return args.customers, args.rms, args.branches
