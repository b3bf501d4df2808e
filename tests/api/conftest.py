"""Fixtures of the service tests: a database per test (SQLite, and PostgreSQL where marked), an
app on it with a key per role, small generated banks, and an in-process worker to drain the queue.

PostgreSQL tests get a fresh database for the session (created here, dropped at the end) and clean
tables per test; they are skipped, with the reason, only when the server cannot be reached.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402

from allocator.instance import Instance  # noqa: E402
from allocator.io import write_instance  # noqa: E402
from allocator.synth import generate_bank  # noqa: E402
from api import db  # noqa: E402
from api.app import create_app  # noqa: E402
from api.services import Services  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.worker import Worker  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "RMALLOC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_TABLES = (
    "job_plans",
    "jobs",
    "dataset_tables",
    "datasets",
    "api_keys",
    "workers",
    "plan_states",
    "move_decisions",
    "rm_history",
    "audit_log",
)


# -- databases --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, at head; dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {type(exc).__name__}: {exc}")
    name = f"rmalloc_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = db.make_engine(url)
    db.migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(_TABLES)} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean database at head: SQLite in a temp file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rmalloc.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    _truncate(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rmalloc.sqlite'}"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    """The services over a clean database at head (SQLite, and PostgreSQL where marked)."""
    engine = db.make_engine(db_url)
    db.migrate(engine)
    yield Services.from_engine(engine)
    engine.dispose()


# -- the app ----------------------------------------------------------------------------------
def make_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "default_time_limit": 10.0,
        "max_time_limit": 60.0,
        "solver_workers": 1,
        "heartbeat_seconds": 0.2,
        "poll_seconds": 0.1,
        "progress_seconds": 0.2,
        "load_sample": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


class Service:
    """An app under test with a client and one key per role."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.app = create_app(settings)
        self.services: Services = self.app.state.services
        self.client = TestClient(self.app)
        self.keys = {
            role: self.services.keys.create(role).token for role in ("viewer", "planner", "admin")
        }

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def drain(self, **overrides: Any) -> int:
        """Run queued jobs in this process until the queue is empty."""
        worker = Worker(self.services, self.settings.model_copy(update=overrides))
        return worker.run(exit_when_idle=True)

    def upload(self, paths: dict[str, Path], role: str = "planner", **extra: Any) -> dict[str, Any]:
        files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in paths.items()}
        r = self.client.post("/v1/datasets", files=files, headers=self.headers(role), **extra)
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    svc = Service(settings)
    with svc.client:
        yield svc


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    made: list[Service] = []

    def make(**overrides: Any) -> Service:
        url = overrides.pop("database_url", f"sqlite:///{tmp_path / f'svc{len(made)}.sqlite'}")
        svc = Service(make_settings(url, **overrides))
        svc.client.__enter__()
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.client.__exit__(None, None, None)


# -- banks ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def small_bank() -> Instance:
    return generate_bank(150, seed=11)


@pytest.fixture(scope="session")
def small_bank_paths(
    small_bank: Instance, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return write_instance(small_bank, tmp_path_factory.mktemp("small_bank"))


@pytest.fixture
def dataset(service: Service, small_bank_paths: dict[str, Path]) -> dict[str, Any]:
    return service.upload(small_bank_paths)
