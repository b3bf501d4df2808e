"""``rmalloc worker``: one worker process alone (``rmalloc serve`` starts and supervises its own).

Claims queued jobs from the database and solves them, one at a time, until SIGTERM/SIGINT.
Several workers, on one machine or many, may share one database (PostgreSQL for many machines).
"""

from __future__ import annotations

import argparse

from rmalloc.database import add_db_argument, settings_of

#: the line of ``worker`` in ``rmalloc --help``
HELP = "run one job worker"
#: the head of ``rmalloc worker --help``
DESCRIPTION = "Solve queued jobs from the service's database until stopped."


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``worker`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    add_db_argument(p)
    p.add_argument(
        "--once", action="store_true", help="exit when the queue is empty (batch use, tests)"
    )
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from api import db
    from api.logs import configure_logging
    from api.services import Services
    from api.worker import Worker

    settings = settings_of(args)
    configure_logging(settings.log_level)
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    worker = Worker(Services.from_engine(engine), settings, parent_pid=args.parent_pid)
    worker.install_signal_handlers()
    try:
        worker.run(exit_when_idle=args.once)
    finally:
        engine.dispose()
    return 0
