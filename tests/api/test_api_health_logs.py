"""Health, readiness, metrics, problem documents for unknown routes, and logs without data."""

from __future__ import annotations

import json
import logging

from api.logs import JsonFormatter
from api.worker import Worker


def test_healthz_needs_no_key(service) -> None:
    r = service.client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_readyz_wants_a_recent_worker(service) -> None:
    r = service.client.get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"] == "ok"
    assert checks["worker"] == "none seen"
    worker = Worker(service.services, service.settings)
    worker.run(exit_when_idle=True)  # beats once, then stops (and says so)
    assert service.client.get("/readyz").status_code == 503
    service.services.workers.beat("w-test", host="h", pid=1, job_id=None)
    r = service.client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["worker"] == "ok"


def test_metrics(service, dataset) -> None:
    service.client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"]}, headers=service.headers("planner")
    )
    service.drain()
    text = service.client.get("/metrics").text
    assert 'rmalloc_jobs{status="done"} 1.0' in text
    assert "rmalloc_solve_seconds_count 1.0" in text
    assert 'rmalloc_http_requests_total{method="POST",route="/v1/jobs",status="202"} 1.0' in text


def test_unknown_route_is_a_problem(service) -> None:
    r = service.client.get("/v1/nothing-here", headers=service.headers("viewer"))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = service.client.put("/v1/datasets", headers=service.headers("viewer"))
    assert r.status_code == 405 and r.json()["status"] == 405


def test_request_id_is_echoed(service) -> None:
    r = service.client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"


def test_no_customer_data_in_logs(service, small_bank, dataset, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    h = service.headers("planner")
    job = service.client.post("/v1/jobs", json={"dataset_id": dataset["id"]}, headers=h).json()
    service.drain()
    customers = small_bank.customers
    some = customers.loc[customers["current_rm_id"] != ""].iloc[0]
    service.client.get(f"/v1/jobs/{job['id']}/customers/{some['customer_id']}", headers=h)
    bad = {"customers": [{"customer_id": "SECRET-ID-42", "segment": "SECRET-SEGMENT"}], "rms": []}
    service.client.post("/v1/datasets", json=bad, headers=h)
    formatter = JsonFormatter()
    # httpx is the test's own client (not the service): its lines are not the service's logs
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    lines = [formatter.format(record) for record in records]
    assert any('"job_id"' in line for line in lines)  # the flow was logged ...
    text = "\n".join(lines)
    for secret in ("SECRET-ID-42", "SECRET-SEGMENT", some["customer_id"]):
        assert secret not in text  # ... without a customer's data
    for line in lines:
        json.loads(line)
