"""End to end: ``rmalloc serve`` as real processes on a free localhost port with a temp SQLite DB.

- a worker SIGKILLed mid-solve: the job is re-queued once (stale heartbeat), then marked failed
  when its second worker dies too; the supervisor restarts workers and the service keeps serving;
- a restart of the whole service keeps every job, and a job left ``running`` by a killed service
  does not stay ``running``.

All traffic goes to 127.0.0.1; every loop is bounded in time.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import liveserver  # type: ignore[import-not-found]
import pytest
from tests_api_helpers import wait_for  # type: ignore[import-not-found]

from allocator.io import write_instance
from allocator.synth import generate_bank

pytestmark = pytest.mark.e2e

KEY = "e2e-admin-key-0123456789abcdef"


class Server(liveserver.Server):
    """The service without the sample bank, and with jobs stale after 3 s without a heartbeat
    (a killed worker's job is requeued quickly); what ``serve`` prints can be read."""

    def __init__(self, db_url: str, log: Path, *, bootstrap: bool = True, **env: str):
        env = {"RMALLOC_LOAD_SAMPLE": "false", "RMALLOC_STALE_SECONDS": "3", **env}
        super().__init__(db_url, log, key=KEY, bootstrap=bootstrap, stdout=subprocess.PIPE, **env)


@pytest.fixture(scope="module")
def big_bank(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # big enough that a solve runs for many seconds (it stops at its time limit)
    return write_instance(generate_bank(20000, seed=5), tmp_path_factory.mktemp("big"))


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for server in made:
        server.stop(signal.SIGKILL, timeout=5)


def _upload(server: Server, paths: dict[str, Path]) -> str:
    files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in paths.items()}
    r = server.client.post("/v1/datasets", files=files)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _submit(server: Server, dataset_id: str, time_limit: float, backend: str = "auto") -> str:
    body = {"dataset_id": dataset_id, "time_limit": time_limit, "backend": backend}
    r = server.client.post("/v1/jobs", json=body)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def _running_worker_pid(server: Server, job_id: str, attempt: int) -> int:
    def running() -> dict[str, Any] | None:
        job = server.job(job_id)
        ok = job["status"] == "running" and job["attempts"] == attempt and job["worker_id"]
        return job if ok else None

    job = wait_for(running, timeout=60, every=0.05)
    return int(job["worker_id"].split(":")[1])


def test_worker_killed_mid_solve(servers: list[Server], tmp_path: Path, big_bank) -> None:
    server = Server(f"sqlite:///{tmp_path / 'svc.sqlite'}", tmp_path / "serve.log")
    servers.append(server)
    server.wait_ready()
    dataset_id = _upload(server, big_bank)
    job_id = _submit(server, dataset_id, time_limit=60, backend="cpsat")

    os.kill(_running_worker_pid(server, job_id, attempt=1), signal.SIGKILL)
    # stale heartbeat -> re-queued once; the supervisor's new worker claims it (attempt 2)
    pid = _running_worker_pid(server, job_id, attempt=2)
    os.kill(pid, signal.SIGKILL)
    final = wait_for(
        lambda: (j := server.job(job_id))["status"] not in ("queued", "running") and j, 60, 0.2
    )
    assert final["status"] == "failed" and final["attempts"] == 2
    assert final["error"]["type"] == "urn:rmalloc:problem:worker-lost"

    # the service keeps serving: a new worker solves the next job
    assert server.client.get("/healthz").status_code == 200
    small = write_instance(generate_bank(200, seed=2), tmp_path / "small")
    ok_id = _submit(server, _upload(server, small), time_limit=10)
    done = wait_for(lambda: (j := server.job(ok_id))["status"] == "done" and j, 60, 0.2)
    assert done["has_plan"]
    assert server.client.get("/readyz").status_code == 200
    metrics = server.client.get("/metrics").text
    assert 'rmalloc_jobs{status="failed"} 1.0' in metrics


def test_restart_keeps_jobs(servers: list[Server], tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'svc.sqlite'}"
    first = Server(db_url, tmp_path / "serve1.log")
    servers.append(first)
    first.wait_ready()
    small = write_instance(generate_bank(200, seed=4), tmp_path / "small")
    dataset_id = _upload(first, small)
    done_id = _submit(first, dataset_id, time_limit=10)
    wait_for(lambda: first.job(done_id)["status"] == "done", 60, 0.2)
    plan_before = first.client.get(f"/v1/jobs/{done_id}/plan", params={"format": "csv"}).text
    big = write_instance(generate_bank(20000, seed=6), tmp_path / "big")
    long_id = _submit(first, _upload(first, big), time_limit=60, backend="cpsat")
    _running_worker_pid(first, long_id, attempt=1)
    # kill the whole service (web, supervisor, worker) while the long job runs
    os.killpg(first.proc.pid, signal.SIGKILL)
    first.proc.wait(10)

    second = Server(db_url, tmp_path / "serve2.log")
    servers.append(second)
    second.wait_ready()
    assert second.job(done_id)["status"] == "done"
    assert second.client.get(f"/v1/jobs/{done_id}/plan", params={"format": "csv"}).text == (
        plan_before
    )
    # the job left running by the killed service is re-queued (stale heartbeat) and run again
    again = wait_for(
        lambda: (j := second.job(long_id))["attempts"] == 2 and j["status"] == "running" and j,
        60,
        0.2,
    )
    assert again["error"] is None or again["error"]["type"].endswith("worker-lost")
    r = second.client.delete(f"/v1/jobs/{long_id}")
    assert r.status_code == 202
    final = wait_for(lambda: (j := second.job(long_id))["status"] != "running" and j, 60, 0.2)
    assert final["status"] == "cancelled"
    # a clean stop (SIGTERM) ends serve and its workers
    second.stop(signal.SIGTERM)
    assert second.proc.returncode == 0


def test_first_start_prints_an_admin_key_once(servers: list[Server], tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'svc.sqlite'}"
    first = Server(db_url, tmp_path / "serve1.log", bootstrap=False, RMALLOC_LOAD_SAMPLE="true")
    servers.append(first)
    first.wait_ready()
    assert first.proc.stdout is not None
    lines = [first.proc.stdout.readline().decode().strip() for _ in range(3)]
    token = lines[-1]
    assert token.startswith("rma_"), lines
    keys = first.client.get("/v1/keys", headers={"Authorization": f"Bearer {token}"})
    assert keys.status_code == 200 and [k["role"] for k in keys.json()] == ["admin"]
    datasets = first.client.get("/v1/datasets", headers={"Authorization": f"Bearer {token}"})
    from allocator.synth import sample_bank_paths

    if all(p.is_file() for p in sample_bank_paths().values()):
        assert [d["name"] for d in datasets.json()["items"]] == ["sample"]
    first.stop()
    second = Server(db_url, tmp_path / "serve2.log", bootstrap=False)
    servers.append(second)
    second.wait_ready()
    second.stop()
    assert second.proc.stdout is not None
    assert "rma_" not in second.proc.stdout.read().decode()  # shown once only
