"""``/v1/jobs``: queue, solve (a real worker, in process), plan, explain, cancel, limits."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pandas as pd
import pytest
from tests_api_helpers import wait_for  # type: ignore[import-not-found]

from allocator.checker import check_plan
from allocator.io import write_instance
from allocator.synth import generate_bank
from api.worker import Worker


def _submit(service, dataset_id: str, **body: Any) -> dict[str, Any]:
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": dataset_id, **body}, headers=service.headers("planner")
    )
    assert r.status_code == 202, r.text
    return r.json()


def _get(service, job_id: str) -> dict[str, Any]:
    r = service.client.get(f"/v1/jobs/{job_id}", headers=service.headers("viewer"))
    assert r.status_code == 200
    return r.json()


@pytest.fixture
def solved(service, dataset) -> dict[str, Any]:
    job = _submit(service, dataset["id"], time_limit=10, seed=3)
    assert service.drain() == 1
    return _get(service, job["id"])


def test_submit_defaults_and_location(service, dataset) -> None:
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"]}, headers=service.headers("planner")
    )
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["status"] == "queued" and job["kind"] == "solve"
    assert job["params"]["time_limit"] == service.settings.default_time_limit
    assert job["params"]["seed"] == 0 and job["params"]["backend"] == "auto"


def test_done_job_has_kpis_bound_gap_and_a_checked_plan(service, dataset, solved) -> None:
    assert solved["status"] == "done" and solved["has_plan"] and solved["error"] is None
    assert solved["kpis"]["customers"] == dataset["counts"]["customers"]
    assert solved["objective"] is not None and solved["bound"] is not None
    assert solved["gap"] is not None and solved["solve_seconds"] > 0
    h = service.headers("viewer")
    r = service.client.get(f"/v1/jobs/{solved['id']}/plan", params={"format": "csv"}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    plan = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    assert list(plan.columns[:5]) == ["customer_id", "rm_id", "tier", "status", "reason"]
    instance = service.services.datasets.load_instance(dataset["id"])
    report = check_plan(instance, plan)
    assert report.ok, report.summary()
    r = service.client.get(f"/v1/jobs/{solved['id']}/plan", headers=h)
    body = r.json()
    assert len(body["assignments"]) == len(plan) and body["kpis"] == solved["kpis"]
    assert check_plan(instance, pd.DataFrame(body["assignments"]).fillna("")).ok


def test_explain_a_customer(service, solved) -> None:
    h = service.headers("viewer")
    plan = service.client.get(f"/v1/jobs/{solved['id']}/plan", headers=h).json()["assignments"]
    row = next(r for r in plan if r["rm_id"])
    r = service.client.get(f"/v1/jobs/{solved['id']}/customers/{row['customer_id']}", headers=h)
    assert r.status_code == 200, r.text
    explained = r.json()
    assert explained["rm_id"] == row["rm_id"] and explained["status"] == row["status"]
    assert explained["rules"] and any(a["chosen"] for a in explained["alternatives"])
    r = service.client.get(f"/v1/jobs/{solved['id']}/customers/NOPE", headers=h)
    assert r.status_code == 404


def test_plan_of_unfinished_job_is_409(service, dataset) -> None:
    job = _submit(service, dataset["id"])
    h = service.headers("viewer")
    assert service.client.get(f"/v1/jobs/{job['id']}/plan", headers=h).status_code == 409
    r = service.client.get(f"/v1/jobs/{job['id']}/customers/x", headers=h)
    assert r.status_code == 409
    assert service.client.get("/v1/jobs/job_nope/plan", headers=h).status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({"dataset_id": "ds_nope"}, "dataset_id"),
        ({"time_limit": 10_000}, "time_limit"),
        ({"backend": "quantum"}, "backend"),
        ({"policy": {"tiers": {"private": {"aum_min": -1}}}}, "policy"),
    ],
)
def test_bad_job_requests_name_the_field(service, dataset, body, field) -> None:
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"], **body}, headers=service.headers("planner")
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field


def test_schema_errors_name_the_field(service) -> None:
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": "x", "seed": -1}, headers=service.headers("planner")
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["body.seed"]


def test_429_when_the_queue_is_full(make_service, small_bank_paths) -> None:
    svc = make_service(max_queued=2, retry_after_seconds=7)
    ds = svc.upload(small_bank_paths)
    for _ in range(2):
        _submit(svc, ds["id"])
    r = svc.client.post("/v1/jobs", json={"dataset_id": ds["id"]}, headers=svc.headers("planner"))
    assert r.status_code == 429
    assert r.headers["retry-after"] == "7"
    assert r.json()["type"] == "urn:rmalloc:problem:queue-full"


def test_cancel_queued_and_finished(service, dataset, solved) -> None:
    h = service.headers("planner")
    job = _submit(service, dataset["id"])
    r = service.client.delete(f"/v1/jobs/{job['id']}", headers=h)
    assert r.status_code == 202 and r.json()["status"] == "cancelled"
    assert service.client.delete(f"/v1/jobs/{solved['id']}", headers=h).status_code == 409
    assert service.client.delete("/v1/jobs/job_nope", headers=h).status_code == 404
    r = service.client.delete(f"/v1/jobs/{job['id']}", headers=service.headers("viewer"))
    assert r.status_code == 403


def test_cancel_running_keeps_best_plan(service, tmp_path) -> None:
    bank = generate_bank(20000, seed=5)
    ds = service.upload(write_instance(bank, tmp_path / "big"))
    job = _submit(service, ds["id"], time_limit=60, backend="cpsat")  # runs to its limit
    worker = Worker(service.services, service.settings)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 1})
    thread.start()
    try:
        wait_for(lambda: _get(service, job["id"])["stage"] not in (None, "starting", "loading"), 60)
        time.sleep(1.0)  # well inside the solve (the time limit is 60 s)
        r = service.client.delete(f"/v1/jobs/{job['id']}", headers=service.headers("planner"))
        assert r.status_code == 202 and r.json()["cancel_requested"]
        final = wait_for(
            lambda: (j := _get(service, job["id"]))["status"] != "running" and j, timeout=60
        )
    finally:
        worker.shutdown.set()
        thread.join(60)
    assert final["status"] == "cancelled"
    assert final["has_plan"] and final["kpis"]["solve"]["termination"] == "interrupted"
    r = service.client.get(
        f"/v1/jobs/{job['id']}/plan", params={"format": "csv"}, headers=service.headers("viewer")
    )
    plan = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    assert check_plan(service.services.datasets.load_instance(ds["id"]), plan).ok


def test_a_failing_job_reports_its_issues(service, dataset) -> None:
    # valid for the default policy, invalid for one without the grade "rm"
    policy = {"grades": ["assistant", "intermediate", "senior", "chief"]}
    job = _submit(service, dataset["id"], policy=policy)
    service.drain()
    got = _get(service, job["id"])
    assert got["status"] == "failed" and not got["has_plan"]
    assert got["error"]["type"] == "urn:rmalloc:problem:invalid-input"
    assert got["error"]["issues"][0]["column"] == "grade"


def test_list_jobs_filters(service, dataset, solved) -> None:
    h = service.headers("viewer")
    _submit(service, dataset["id"])
    everything = service.client.get("/v1/jobs", headers=h).json()["items"]
    assert len(everything) == 2
    done = service.client.get("/v1/jobs", params={"status": "done"}, headers=h).json()["items"]
    assert [j["id"] for j in done] == [solved["id"]]


def test_solve_flow_on_each_database(db_url, make_service, small_bank_paths) -> None:
    """Upload, queue, solve, fetch: the same on SQLite and PostgreSQL."""
    svc = make_service(database_url=db_url)
    ds = svc.upload(small_bank_paths)
    job = _submit(svc, ds["id"], time_limit=10)
    assert svc.drain() == 1
    got = _get(svc, job["id"])
    assert got["status"] == "done" and got["has_plan"]
    r = svc.client.get(f"/v1/jobs/{job['id']}/plan", headers=svc.headers("viewer"))
    plan = pd.DataFrame(r.json()["assignments"]).fillna("")
    assert check_plan(svc.services.datasets.load_instance(ds["id"]), plan).ok


@pytest.mark.parametrize(
    "body,where",
    [
        ({"time_limit": -1}, ("errors", "body.time_limit")),
        ({"settings": {"lns": {"no_such_knob": 1}}}, ("field", "settings.lns")),
        ({"settings": {"quantum": {}}}, ("field", "settings.quantum")),
    ],
)
def test_a_bad_solve_parameter_is_a_422_at_submission(service, dataset, body, where) -> None:
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"], **body}, headers=service.headers("planner")
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    key, field = where
    problem = r.json()
    named = [e["field"] for e in problem["errors"]] if key == "errors" else [problem["field"]]
    assert named == [field]
    listed = service.client.get("/v1/jobs", headers=service.headers("viewer")).json()["items"]
    assert listed == []  # nothing was queued


def test_backend_settings_reach_the_job(service, dataset) -> None:
    settings = {"lns": {"initial_free": 50}}
    job = _submit(service, dataset["id"], settings=settings)
    assert job["params"]["settings"] == settings


def test_a_plan_that_breaks_a_rule_fails_the_job(service, dataset, monkeypatch, caplog) -> None:
    import api.jobs
    from allocator.errors import PlanBreachError

    def breach(*args: Any, **kwargs: Any) -> Any:
        raise PlanBreachError("cpsat", {"capacity": 2}, "customer SECRET-C1 over RM SECRET-R1")

    monkeypatch.setattr(api.jobs, "solve", breach)
    caplog.set_level("DEBUG")
    job = _submit(service, dataset["id"])
    service.drain()
    got = _get(service, job["id"])
    assert got["status"] == "failed" and not got["has_plan"]
    error = got["error"]
    assert error["type"] == "urn:rmalloc:problem:plan-breach" and error["status"] == 500
    assert "capacity (2)" in error["detail"] and error["rules"] == {"capacity": 2}
    assert "SECRET" not in str(error)
    assert "SECRET" not in caplog.text
    assert any(r.getMessage() == "plan breaks hard rules" for r in caplog.records)


def test_the_policy_of_a_job_is_parsed_once(service, dataset, monkeypatch) -> None:
    """Submission, the solve and explaining a customer share one parse (the test's worker runs
    in the web process; a worker process parses once more, for itself)."""
    from api.services import policies

    calls: list[Any] = []
    real = policies.load_policy
    monkeypatch.setattr(
        policies, "load_policy", lambda source: calls.append(source) or real(source)
    )
    overrides = {"default_capacity": {"retail": 95.0}}
    job = _submit(service, dataset["id"], policy=overrides, time_limit=10)
    service.drain()
    h = service.headers("viewer")
    plan = service.client.get(f"/v1/jobs/{job['id']}/plan", headers=h).json()["assignments"]
    row = next(r for r in plan if r["rm_id"])
    r = service.client.get(f"/v1/jobs/{job['id']}/customers/{row['customer_id']}", headers=h)
    assert r.status_code == 200
    assert calls == [overrides]


def test_quarter_report_of_a_plan(service, solved) -> None:
    h = service.headers("viewer")
    r = service.client.get(f"/v1/jobs/{solved['id']}/report", headers=h)
    assert r.status_code == 200, r.text
    report = r.json()
    assert set(report) == {"moves_by_rm", "moves_by_branch", "leavers", "hysteresis"}
    moved = sum(row["moved_out"] for row in report["moves_by_rm"])
    assert moved == solved["kpis"]["status_counts"]["moved"]
    png = service.client.get(f"/v1/jobs/{solved['id']}/report/chart.png", headers=h)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_coverage_of_a_plan(service, solved) -> None:
    h = service.headers("viewer")
    r = service.client.get(f"/v1/jobs/{solved['id']}/coverage", headers=h)
    assert r.status_code == 200, r.text
    rows = r.json()["coverage"]
    primary = [row for row in rows if row["role"] == "primary"]
    assert len(primary) == solved["kpis"]["assigned"]
    csv = service.client.get(f"/v1/jobs/{solved['id']}/coverage?format=csv", headers=h)
    assert csv.text.startswith("customer_id,role,rm_id,reason")
