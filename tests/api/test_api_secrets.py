"""Secrets stay off command lines (issue 13): the database password set only in the database URL
never reaches a worker's argv (``ps`` shows every user's), and each worker logs its effective
configuration with the password masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests_api_helpers import ROOT, wait_for  # type: ignore[import-not-found]

from api.services.jobs import JobService
from api.settings import Settings, mask_url
from api.supervisor import Supervisor

PASSWORD = "s3cret-Pa55word"


def _url_with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{PASSWORD}@{host}"


def test_the_worker_command_line_holds_no_database_url(tmp_path: Path) -> None:
    settings = Settings(database_url=f"postgresql+psycopg://u:{PASSWORD}@db.example/x")
    supervisor = Supervisor(settings, JobService.__new__(JobService), 1)
    assert not any(PASSWORD in part or "postgresql" in part for part in supervisor.command())
    assert supervisor.environment()["RMALLOC_DATABASE_URL"] == settings.database_url


def test_settings_mask_secrets() -> None:
    settings = Settings(
        database_url=f"postgresql://u:{PASSWORD}@h/db", bootstrap_key="k" * 20, load_sample=False
    )
    shown = json.dumps(settings.redacted())
    assert PASSWORD not in shown and "k" * 20 not in shown
    assert "postgresql+psycopg://u:***@h/db" in shown
    assert mask_url("sqlite:///var/x.sqlite") == "sqlite:///var/x.sqlite"


@pytest.mark.postgres
def test_a_real_worker_shows_no_password_in_ps(pg_url: str, tmp_path: Path) -> None:
    url = _url_with_password(pg_url)  # trust auth: the password is not checked, only carried
    log = tmp_path / "worker.log"
    settings = Settings(database_url=url, heartbeat_seconds=0.2, poll_seconds=0.1)
    supervisor = Supervisor(settings, JobService.__new__(JobService), 0)
    env = {**supervisor.environment(), "PYTHONPATH": str(ROOT)}
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rmalloc", "worker"], env=env, stderr=err, cwd=ROOT
        )
    try:
        wait_for(lambda: "worker started" in log.read_text(), timeout=60, every=0.1)
        argv = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert PASSWORD not in argv and PASSWORD not in ps
        started = next(
            json.loads(line) for line in log.read_text().splitlines() if "worker started" in line
        )
        assert started["config"]["database_url"].endswith(pg_url.rsplit("@", 1)[1])
        assert ":***@" in started["config"]["database_url"]
        assert PASSWORD not in log.read_text()
        assert os.stat(f"/proc/{proc.pid}/environ").st_mode & 0o077 == 0
    finally:
        proc.terminate()
        proc.wait(30)
