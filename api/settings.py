"""Service settings, read from the environment (prefix ``RMALLOC_``) by pydantic-settings.

One :class:`Settings` object is built at start-up and handed down explicitly (to the app factory,
the workers, the supervisor) rather than read from globals, so tests can run several services with
different settings in one process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DB_PATH = Path("var") / "rmalloc.sqlite"


def mask_url(url: str) -> str:
    """A database URL fit for a log: its password, if any, as ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy parses: show its scheme only
        return url.split(":", 1)[0] + ":***"


class Settings(BaseSettings):
    """Everything an operator may tune.

    Every field can be set by an environment variable ``RMALLOC_<FIELD>``; the database also by the
    conventional ``DATABASE_URL``.
    """

    model_config = SettingsConfigDict(env_prefix="RMALLOC_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DB_PATH}",
        validation_alias=AliasChoices("DATABASE_URL", "RMALLOC_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL: sqlite:///path (default ./var/rmalloc.sqlite) or "
        "postgresql+psycopg://user@host/db.",
    )
    # -- requests ------------------------------------------------------------------------------
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, gt=0, description="Largest request body accepted (413 above)."
    )
    max_json_rows: int = Field(
        default=2_000_000, gt=0, description="Most records a JSON dataset body may hold."
    )
    parse_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Longest an upload may take to read and check; the child process reading "
        "it is killed then (413).",
    )
    parse_memory_bytes: int = Field(
        default=4 * 1024**3,
        ge=0,
        description="Address space of the child process reading an upload (0: no cap); an "
        "upload that needs more is a 413.",
    )
    # -- jobs ----------------------------------------------------------------------------------
    max_queued: int = Field(
        default=20, ge=0, description="Queued jobs beyond which POST /v1/jobs answers 429."
    )
    retry_after_seconds: int = Field(default=10, gt=0, description="Retry-After sent with a 429.")
    default_time_limit: float = Field(default=30.0, gt=0, description="Seconds, when not given.")
    max_time_limit: float = Field(default=600.0, gt=0, description="Largest time_limit accepted.")
    solver_workers: int = Field(default=2, ge=1, description="Solver threads per worker process.")
    max_attempts: int = Field(
        default=2,
        ge=1,
        description="Claims of one job before a lost worker marks it failed "
        "(2: a job whose worker dies is re-queued once).",
    )
    # -- workers -------------------------------------------------------------------------------
    heartbeat_seconds: float = Field(default=2.0, gt=0, description="Worker heartbeat period.")
    stale_seconds: float = Field(
        default=30.0, gt=0, description="A running job without a heartbeat this long is lost."
    )
    poll_seconds: float = Field(default=1.0, gt=0, description="Idle worker's queue poll period.")
    progress_seconds: float = Field(
        default=1.0, ge=0, description="Least time between two progress writes of one job."
    )
    stop_grace_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Time past a job's time limit after which the worker gives "
        "up on the solve, marks the job failed and exits (the supervisor restarts it).",
    )
    worker_seen_seconds: float = Field(
        default=60.0, gt=0, description="/readyz wants a worker heartbeat at most this old."
    )
    # -- start-up ------------------------------------------------------------------------------
    bootstrap_key: str | None = Field(
        default=None,
        min_length=16,
        description="Admin key to install at start when none exists "
        "(else one is generated and printed once).",
    )
    load_sample: bool = Field(
        default=True, description="Load the bundled sample bank into an empty database at start."
    )
    log_level: str = Field(default="INFO", description="Log level of the service's JSON logs.")

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        # Heroku-style URLs and a bare psycopg URL both mean psycopg 3 here.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value

    @model_validator(mode="after")
    def _check_limits(self) -> Settings:
        if self.default_time_limit > self.max_time_limit:
            raise ValueError("default_time_limit must not exceed max_time_limit")
        return self

    def redacted(self) -> dict[str, Any]:
        """Every setting, secrets masked: what a process logs as its effective configuration
        (the database password becomes ``***``; the bootstrap key is only said to be set)."""
        values = self.model_dump()
        values["database_url"] = mask_url(self.database_url)
        values["bootstrap_key"] = "***" if self.bootstrap_key else None
        return values

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
