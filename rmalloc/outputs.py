"""Where a command writes: every ``--out``, ``--kpis`` and ``--report`` path handled one way.

A path is checked *before* any work starts, so a typo costs nothing: a table is written in the
format its suffix names (``.csv``, ``.parquet``/``.pq``, ``.xlsx``) and any other suffix is
refused; a JSON file must end in ``.json``; a folder must not be an existing file. Missing
parent folders are created when the file is written (never a traceback), and every file is
written atomically (a temporary file, then a rename), so a failed run leaves nothing half
written under the name asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from allocator.io import write_text_atomic
from rmalloc.exits import EXIT_BAD_INPUT

#: the suffixes a table may be written with
TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".xlsx")


def refuse(args: argparse.Namespace, message: str) -> SystemExit:
    """Print ``message`` as the command's usage error; the exit to raise (code 2)."""
    print(f"rmalloc {args.command}: {message}", file=sys.stderr)
    return SystemExit(EXIT_BAD_INPUT)


def _not_a_folder(args: argparse.Namespace, option: str, path: Path) -> None:
    if path.is_dir():
        raise refuse(args, f"{option} {path}: is a folder, not a file")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise refuse(args, f"{option} {path}: {parent} is a file, not a folder")


def check_table_path(args: argparse.Namespace, option: str, path: Path | None) -> None:
    """A table's path: a suffix naming its format, and a place a file can be written.

    Raises
    ------
    SystemExit
        Exit code 2 with a message naming the option and the suffixes accepted.
    """
    if path is None:
        return
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise refuse(
            args,
            f"{option} {path}: the suffix {path.suffix or '(none)'!r} names no table format; "
            f"use {', '.join(TABLE_SUFFIXES)}",
        )
    _not_a_folder(args, option, path)


def check_json_path(args: argparse.Namespace, option: str, path: Path | None) -> None:
    """A JSON file's path: it must end in ``.json`` (a ``kpis.csv`` holding JSON would mislead
    whoever opens it)."""
    if path is None:
        return
    if path.suffix.lower() != ".json":
        raise refuse(args, f"{option} {path}: writes JSON; give a name ending in .json")
    _not_a_folder(args, option, path)


def check_folder(args: argparse.Namespace, option: str, path: Path | None) -> None:
    """A folder's path: it may be missing (it is created) but not an existing file."""
    if path is None:
        return
    for candidate in (path, *path.parents):
        if candidate.exists() and not candidate.is_dir():
            raise refuse(args, f"{option} {path}: {candidate} is a file, not a folder")


def write_json(path: Path, text: str) -> None:
    """Write JSON text atomically, the folder created when missing."""
    write_text_atomic(path, text if text.endswith("\n") else text + "\n")
