"""``rmalloc policy show``: print the effective policy (policy v1 with overrides merged)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rmalloc.commands.options import add_options


def register(sub: Any) -> None:
    p = sub.add_parser("policy", help="show the effective policy")
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
