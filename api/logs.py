"""Structured JSON logs, one object a line on stderr.

What may be logged: ids of datasets, jobs, keys and workers; counts; timings; statuses; error
*types*. What may not: any value from a customer or RM table, request bodies, raw URL paths (a
path may hold a customer id: the route template is logged instead), exception messages from the
library (they may quote a cell).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key != "color_message":
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # the type only: the message of an exception may hold data
            out["error_type"] = record.exc_info[0].__name__
        return json.dumps(out, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON (uvicorn's included)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # uvicorn's access log prints raw paths (which may hold customer ids): off; our middleware
    # logs each request with its route template instead.
    logging.getLogger("uvicorn.access").disabled = True
    # the library logs solver statistics at INFO (sizes only); keep them, but quiet at WARNING
    logging.getLogger("allocator").setLevel(max(logging.INFO, root.level))
