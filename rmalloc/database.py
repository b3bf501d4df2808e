"""The service's database, as the commands that use it take it: ``--db`` and the settings.

``serve``, ``worker`` and ``keys`` all open the database the service uses; one definition keeps
the option, its warning about passwords on the command line, and how it overrides the
environment the same for all three.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.settings import Settings

DB_HELP = (
    "database URL (default: DATABASE_URL, else sqlite:///var/rmalloc.sqlite); a password given "
    "here shows in `ps`: set it in DATABASE_URL instead"
)


def add_db_argument(parser: argparse.ArgumentParser, **options: Any) -> None:
    """Add ``--db URL`` to ``parser`` (``options`` as ``add_argument``'s, e.g. a shorter help)."""
    parser.add_argument("--db", metavar="URL", **{"help": DB_HELP, **options})


def settings_of(args: argparse.Namespace) -> Settings:
    """The service's settings from the environment (``RMALLOC_*``, ``DATABASE_URL``), with
    ``--db`` winning over them when given."""
    from api.settings import Settings

    db = getattr(args, "db", None)
    return Settings(**({"database_url": db} if db else {}))
