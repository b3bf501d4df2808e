"""``rmalloc serve``: the allocation service -- the HTTP API and its worker processes.

On a first start (empty database) it loads the bundled sample bank as dataset ``sample`` and, when
no API key exists, makes an admin key and prints it once to stdout (its last line), unless
``RMALLOC_BOOTSTRAP_KEY`` names one. See api/README.md.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from rmalloc.database import add_db_argument, settings_of

#: the line of ``serve`` in ``rmalloc --help``
HELP = "run the HTTP API with its worker processes"
#: the head of ``rmalloc serve --help``
DESCRIPTION = (
    "Serve the allocation API (OpenAPI at /docs) and run N worker processes that "
    "solve the queued jobs, restarting any that dies. Settings come from RMALLOC_* "
    "environment variables (see api/README.md); the options here win over them."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``serve`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    add_db_argument(p)
    p.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes (default 1; 0: none)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from api import db
    from api.app import create_app
    from api.bootstrap import ensure_admin_key, ensure_sample
    from api.logs import configure_logging
    from api.services import Services
    from api.supervisor import Supervisor

    if args.workers < 0:
        print("rmalloc serve: --workers must be >= 0", file=sys.stderr)
        return 2
    settings = settings_of(args)
    configure_logging(settings.log_level)
    logging.getLogger("rmalloc.serve").info(
        "service starting", extra={"config": settings.redacted(), "workers": args.workers}
    )
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    services = Services.from_engine(engine)
    ensure_sample(services.datasets, settings)
    token = ensure_admin_key(services.keys, settings)
    app = create_app(settings)
    print(f"rmalloc serve: http://{args.host}:{args.port} (API docs at /docs)", flush=True)
    if token is not None:
        print("No API key existed: an admin key was created. It is shown ONCE; keep it:")
        print(token, flush=True)

    # uvicorn restores the signal handlers it found and re-raises the signal after a graceful
    # shutdown; with these in place that re-raise lands here instead of killing the process
    # before the workers are stopped.
    stopping: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)

    supervisor = Supervisor(settings, services.jobs, args.workers)
    supervisor.start()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_config=None,
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=10,
        )
    )
    try:
        server.run()
    finally:
        supervisor.stop()
        engine.dispose()
    return 0 if server.started else 1
