"""The ``rmalloc`` command line: a thin adapter over the library.

Each subcommand lives in ``rmalloc/commands/<name>.py`` and exposes ``register(subparsers)``, which
adds its parser and sets ``func`` to a callable ``(args) -> int`` (the exit code).

Exit codes: 0 success; 1 the plan breaks rules (``check``) or the command failed; 2 bad input
(a readable report of every problem on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from allocator.errors import InputError, PlanBreachError, PolicyError
from rmalloc.exits import EXIT_BAD_INPUT, EXIT_BREACH

#: subcommand modules, in the order ``--help`` lists them
COMMANDS = (
    "allocate",
    "check",
    "generate",
    "policy",
    "gap",
    "scenario",
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
        module.register(sub)
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
    except (InputError, PolicyError) as exc:
        print(str(exc), file=sys.stderr)
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


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
