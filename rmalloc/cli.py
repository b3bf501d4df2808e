"""The ``rmalloc`` command line: a thin adapter over the library.

Each subcommand lives in ``rmalloc/commands/<name>.py`` and declares ``HELP`` (its line in
``rmalloc --help``), optionally ``DESCRIPTION`` (the head of its own ``--help``), and
``register(parser)``, which adds its arguments to the parser :func:`build_parser` made from those
two and sets ``func`` to a callable ``(args) -> int`` (the exit code). The headers are data so
that one loop here makes every command's parser, instead of each module repeating the call.

Exit codes: 0 success; 1 the plan breaks rules (``check``) or the command failed; 2 bad input
(a readable report on stderr, nothing written: the first :data:`SHOWN_ISSUES` problems and a
count, so that a file of a million bad rows does not flood the terminal; ``--errors FILE.csv``
writes every problem to a file).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from allocator.errors import InputError, PlanBreachError, PolicyError, SchedulerError
from rmalloc.exits import EXIT_BAD_INPUT, EXIT_BREACH

#: input problems printed on the terminal (``--errors FILE`` writes them all)
SHOWN_ISSUES = 50
#: characters of a quoted value printed on the terminal
SHOWN_VALUE_CHARS = 60

#: subcommand modules, in the order ``--help`` lists them
COMMANDS = (
    "allocate",
    "check",
    "generate",
    "policy",
    "gap",
    "scenario",
    "compare",
    "sweep",
    "headcount",
    "grades",
    "serve",
    "worker",
    "keys",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rmalloc",
        description="Allocate a bank's customers to its relationship managers.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"rmalloc.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"rmalloc.commands.{name}":
                continue  # command not built yet
            raise
        command = sub.add_parser(
            name, help=module.HELP, description=getattr(module, "DESCRIPTION", None)
        )
        module.register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code = int(args.func(args))
    except InputError as exc:
        report_input_error(exc, getattr(args, "errors", None))
        code = EXIT_BAD_INPUT
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        code = EXIT_BAD_INPUT
    except SchedulerError as exc:  # a wrong --scheduler: nothing was solved or written
        print(f"rmalloc: {exc}", file=sys.stderr)
        code = EXIT_BAD_INPUT
    except PlanBreachError as exc:  # a defect: loud, and nothing was written
        print(f"rmalloc: {exc}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        code = EXIT_BREACH
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    return code


def report_input_error(exc: InputError, errors: Path | None) -> None:
    """The first :data:`SHOWN_ISSUES` problems on stderr (long values cut), a count of the
    rest, and, with ``errors``, every problem as a CSV (file, row, column, value, message)."""
    from dataclasses import replace

    issues = exc.issues
    print(f"invalid input: {exc.count} problem(s)", file=sys.stderr)
    for issue in issues[:SHOWN_ISSUES]:
        value = issue.value
        if value is not None and len(value) > SHOWN_VALUE_CHARS:
            issue = replace(issue, value=value[:SHOWN_VALUE_CHARS] + "...")
        print(f"  - {issue}", file=sys.stderr)
    more = exc.count - min(len(issues), SHOWN_ISSUES)
    if errors is not None:
        import pandas as pd

        from allocator.io import write_csv_safe

        columns = ["file", "row", "column", "value", "message"]
        table = pd.DataFrame([i.to_dict() for i in issues], columns=columns)
        table["row"] = table["row"].astype("Int64")
        write_csv_safe(table, errors)
        tail = f"  ... and {more} more; " if more > 0 else "  "
        if exc.omitted:
            what = (
                f"the first {len(issues)} (at most max_issues per rule: raise it with --limit "
                "max_issues=N)"
            )
        else:
            what = f"all {len(issues)}"
        print(f"{tail}{what} written to {errors}", file=sys.stderr)
    elif more > 0:
        print(f"  ... and {more} more (--errors FILE.csv writes them all)", file=sys.stderr)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
