"""``/v1/recommendations`` and ``/v1/scenarios`` against the real allocator and scenario engine."""

from __future__ import annotations

from typing import Any

import pytest

NEW_CUSTOMER = {
    "customer_id": "NEW1",
    "segment": "retail",
    "aum": 300000,
    "annual_contribution": 1000,
}


def _branch_of_a_mid_rm(service, dataset_id: str) -> str:
    rms = service.services.datasets.load_instance(dataset_id).rms
    return str(rms.loc[(rms["line"] == "retail") & (rms["unit"] == "outlet"), "branch_id"].iloc[0])


def test_recommendations_use_the_latest_plan(service, dataset) -> None:
    customer = {**NEW_CUSTOMER, "branch_id": _branch_of_a_mid_rm(service, dataset["id"])}
    body = {"dataset_id": dataset["id"], "customer": customer, "k": 2}
    h = service.headers("viewer")
    r = service.client.post("/v1/recommendations", json=body, headers=h)
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["plan_job_id"] is None
    assert 1 <= len(first["recommendations"]) <= 2
    assert first["recommendations"][0]["rm_id"] and first["recommendations"][0]["reasons"]
    r = service.client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"]}, headers=service.headers("planner")
    )
    service.drain()
    second = service.client.post("/v1/recommendations", json=body, headers=h).json()
    assert second["plan_job_id"] == r.json()["id"]


def test_recommendation_input_errors(service, dataset) -> None:
    h = service.headers("viewer")
    bad = {"dataset_id": dataset["id"], "customer": {**NEW_CUSTOMER, "segment": "alien"}}
    r = service.client.post("/v1/recommendations", json=bad, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = service.client.post(
        "/v1/recommendations", json={"dataset_id": "ds_x", "customer": NEW_CUSTOMER}, headers=h
    )
    assert r.status_code == 422 and r.json()["field"] == "dataset_id"


@pytest.fixture
def scenario_job(service, dataset) -> dict[str, Any]:
    customers = service.services.datasets.load_instance(dataset["id"]).customers
    rm_id = str(customers.loc[customers["current_rm_id"] != "", "current_rm_id"].mode().iloc[0])
    spec = {"name": "one leaves", "edits": [{"remove_rms": {"rm_ids": [rm_id]}}]}
    r = service.client.post(
        "/v1/scenarios",
        json={"dataset_id": dataset["id"], "spec": spec, "time_limit": 10},
        headers=service.headers("planner"),
    )
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "scenario"
    service.drain()
    return service.client.get(
        f"/v1/jobs/{r.json()['id']}", headers=service.headers("viewer")
    ).json()


def test_scenario_runs_as_a_job_and_derives_a_dataset(service, dataset, scenario_job) -> None:
    assert scenario_job["status"] == "done", scenario_job["error"]
    result = scenario_job["result"]
    metrics = {row["metric"] for row in result["comparison"]}
    assert metrics and {"baseline", "scenario", "delta"} <= set(result["comparison"][0])
    derived = service.client.get(
        f"/v1/datasets/{result['derived_dataset_id']}", headers=service.headers("viewer")
    ).json()
    assert derived["parent_id"] == dataset["id"]
    assert derived["derivation"]["kind"] == "scenario"
    plan = service.client.get(
        f"/v1/jobs/{scenario_job['id']}/plan", headers=service.headers("viewer")
    ).json()["assignments"]
    # the departed RM's customers are reassigned (or unassigned); explain one of them
    row = next(r for r in plan if r["status"] in ("reassigned", "unassigned"))
    r = service.client.get(
        f"/v1/jobs/{scenario_job['id']}/customers/{row['customer_id']}",
        headers=service.headers("viewer"),
    )
    assert r.status_code == 200 and r.json()["status"] == row["status"]
    rms = service.services.datasets.load_instance(derived["id"]).rms
    assert (~rms["active"]).sum() == (
        ~service.services.datasets.load_instance(dataset["id"]).rms["active"]
    ).sum() + 1


@pytest.mark.parametrize(
    "spec,field",
    [
        ({"baseline": {"customers": "/etc/passwd", "rms": "/etc/passwd"}}, "spec.baseline"),
        ({"salaries": "/etc/shadow"}, "spec.salaries"),
        ({"sweep": {"grid": {}}}, "spec.sweep"),
    ],
)
def test_scenario_specs_cannot_reach_server_files(service, dataset, spec, field) -> None:
    r = service.client.post(
        "/v1/scenarios",
        json={"dataset_id": dataset["id"], "spec": spec},
        headers=service.headers("planner"),
    )
    assert r.status_code == 422 and r.json()["field"] == field


def test_invalid_scenario_spec_lists_issues(service, dataset) -> None:
    r = service.client.post(
        "/v1/scenarios",
        json={"dataset_id": dataset["id"], "spec": {"edits": [{"fly": {}}]}},
        headers=service.headers("planner"),
    )
    assert r.status_code == 422 and r.json()["issues"]


def test_recommendations_say_fewer_than_k_and_refuse_known_ids(service, dataset) -> None:
    h = service.headers("viewer")
    body = {"dataset_id": dataset["id"], "k": 50}
    customer = {"segment": "retail", "branch_id": "C0S0O0", "aum": 300000}
    r = service.client.post("/v1/recommendations", json={**body, "customer": customer}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["requested"] == 50 and out["qualified"] < 50
    assert out["note"] and "qualify" in out["note"]
    known = service.services.datasets.cached_instance(dataset["id"]).customers["customer_id"][0]
    r = service.client.post(
        "/v1/recommendations",
        json={**body, "customer": {**customer, "customer_id": known}},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["field"] == "customer.customer_id"


def test_a_scenario_naming_an_unknown_rm_is_refused_at_submission(service, dataset) -> None:
    spec = {"name": "ghost leaves", "edits": [{"remove_rms": {"rm_ids": ["NOBODY"]}}]}
    r = service.client.post(
        "/v1/scenarios",
        json={"dataset_id": dataset["id"], "spec": spec},
        headers=service.headers("planner"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["issues"][0]["value"] == "NOBODY"
    assert service.services.jobs.count_by_status()["queued"] == 0
