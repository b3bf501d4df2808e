"""``rmalloc keys``: manage the service's API keys from the command line.

``rmalloc keys create --role planner`` prints the new key as its LAST line (scripts take ``tail
-n 1``); the key is shown this once, only its hash is stored.
"""

from __future__ import annotations

import argparse
import sys

from rmalloc.database import add_db_argument, settings_of

ROLES = ("viewer", "planner", "approver", "admin")


#: the line of ``keys`` in ``rmalloc --help``
HELP = "create, list and revoke API keys"
#: the head of ``rmalloc keys --help``
DESCRIPTION = "Manage the API keys of the service's database."


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``keys`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    add_db_argument(p)
    sub = p.add_subparsers(dest="keys_command", metavar="ACTION")
    sub.required = True
    create = sub.add_parser("create", help="make a key and print it (last line)")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--name", help="the person it is for (four eyes: one name, one person)")
    create.add_argument(
        "--branch",
        metavar="B",
        help="scope the key to branch B: it sees and decides only customers and RMs of B's "
        "subtree (not for admin keys)",
    )
    add_db_argument(create, default=argparse.SUPPRESS, help="database URL")
    lst = sub.add_parser("list", help="list keys (ids and roles; never secrets)")
    add_db_argument(lst, default=argparse.SUPPRESS, help="database URL")
    revoke = sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    add_db_argument(revoke, default=argparse.SUPPRESS, help="database URL")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from api import db
    from api.services.audit import AuditService
    from api.services.errors import InvalidParameterError, NotFoundError
    from api.services.keys import KeyService
    from api.services.session import Database

    settings = settings_of(args)
    engine = db.make_engine(settings.database_url, pool=False)
    try:
        db.migrate(engine)
        database = Database(engine)
        keys = KeyService(database)
        audit = AuditService(database)
        if args.keys_command == "create":
            try:
                new = keys.create(args.role, args.name, args.branch)
            except InvalidParameterError as exc:
                print(f"rmalloc keys: {exc.detail}", file=sys.stderr)
                return 2
            audit.record(
                None,
                "key.create",
                "key",
                new.key_id,
                detail={"role": args.role, "branch_id": args.branch, "via": "cli"},
            )
            scope = f" scoped to branch {args.branch}" if args.branch else ""
            print(
                f"created {args.role} key {new.key_id}{scope}; it is shown once:", file=sys.stderr
            )
            print(new.token)
        elif args.keys_command == "list":
            for key in keys.all():
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                scope = key.branch_id or "*"
                print(f"{key.id}\t{key.role}\t{scope}\t{state}\t{key.name or ''}")
        else:
            try:
                # an operator at the machine may revoke the last admin key (HTTP may not)
                keys.revoke(args.key_id, keep_an_admin=False)
            except NotFoundError:
                print(f"rmalloc keys: no key {args.key_id!r}", file=sys.stderr)
                return 1
            audit.record(None, "key.revoke", "key", args.key_id, detail={"via": "cli"})
            print(f"revoked {args.key_id}")
    finally:
        engine.dispose()
    return 0
