"""``rmalloc policy show``: print the effective policy (policy v1 with overrides merged)."""

from __future__ import annotations

import argparse
import json

from rmalloc.commands.options import add_options

#: the line of ``policy`` in ``rmalloc --help``
HELP = "show the effective policy"


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``policy`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION")
    psub.required = True
    show = psub.add_parser("show", help="print the effective policy")
    add_options(show, "--policy", policy="overrides (YAML/JSON) merged over policy v1")
    show.add_argument("--format", choices=("yaml", "json"), default="yaml")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    from allocator.policy import load_policy

    policy = load_policy(args.policy)
    if args.format == "json":
        print(json.dumps(policy.to_dict(), indent=2))
    else:
        print(policy.to_yaml(), end="")
    return 0
