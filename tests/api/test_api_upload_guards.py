"""Hostile and careless uploads (issue 13, the API's side).

- locks that cannot all hold are refused at upload (422 naming file, row, column and value), as
  the command line refuses them, instead of a 201 and a job that fails later;
- a size limit hit while reading is a 413, anything else wrong with the data a 422;
- the parse runs in a child process with a deadline and a memory cap: a parser that holds the
  GIL is killed at the deadline, and a runaway allocation fails in the child.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from tinybank import frames  # type: ignore[import-not-found]

from allocator.errors import InputError, InputIssue
from allocator.io.limits import how_to_raise
from api.sandbox import Limits, SandboxError, run_bounded


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def _post(service: Any, rms: list[dict[str, Any]], customers: list[dict[str, Any]]) -> Any:
    cust, rm, branches = frames(rms, customers)
    files = {
        "customers": ("customers.csv", _csv(cust), "text/csv"),
        "rms": ("rms.csv", _csv(rm), "text/csv"),
        "branches": ("branches.csv", _csv(branches), "text/csv"),
    }
    return service.client.post("/v1/datasets", files=files, headers=service.headers("planner"))


CORP_SENIOR = {"line": "corporate", "grade": "senior", "unit": "marketing", "branch_id": "P0"}
KEY = {"segment": "corporate", "annual_contribution": 20_000_000, "locked": "true"}


def _lock_issues(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"] == "urn:rmalloc:problem:invalid-input"
    return list(body["issues"])


def test_group_locked_to_two_rms_is_refused_at_upload(service) -> None:
    rms = [CORP_SENIOR, CORP_SENIOR]
    members = {"segment": "corporate", "group_id": "G1", "locked": "true"}
    r = _post(
        service, rms, [{**members, "current_rm_id": "M1"}, {**members, "current_rm_id": "M2"}]
    )
    issues = _lock_issues(r)
    assert {(i["file"], i["row"], i["column"]) for i in issues} == {
        ("customers", 2, "current_rm_id"),
        ("customers", 3, "current_rm_id"),
    }
    assert {i["value"] for i in issues} == {"M1", "M2"}
    assert all("group G1" in i["message"] for i in issues)
    assert service.services.datasets.count() == 0


def test_two_key_customers_locked_to_one_dedicated_rm_are_refused(service) -> None:
    r = _post(
        service,
        [CORP_SENIOR],
        [{**KEY, "current_rm_id": "M1"}, {**KEY, "current_rm_id": "M1"}],
    )
    issues = _lock_issues(r)
    assert [(i["row"], i["column"], i["value"].lower()) for i in issues] == [
        (2, "locked", "true"),
        (3, "locked", "true"),
    ]
    assert "one-to-one RM M1" in issues[0]["message"]


def test_locked_workload_over_capacity_is_refused(service) -> None:
    rm = {"certifications": "CFP", "unit": "wealth_center", "capacity": "10", "branch_id": "C0"}
    private = {"aum": 9_000_000, "current_rm_id": "M1", "locked": "true"}
    r = _post(service, [rm], [private, private])
    issues = _lock_issues(r)
    assert len(issues) == 2
    assert all("exceeds its capacity" in i["message"] for i in issues)


def test_json_upload_is_checked_the_same_and_under_its_policy(service) -> None:
    cust, rm, branches = frames(
        [CORP_SENIOR], [{**KEY, "current_rm_id": "M1"}, {**KEY, "current_rm_id": "M1"}]
    )
    body = {
        "customers": cust.to_dict(orient="records"),
        "rms": rm.to_dict(orient="records"),
        "branches": branches.to_dict(orient="records"),
    }
    h = service.headers("planner")
    r = service.client.post("/v1/datasets", json=body, headers=h)
    assert len(_lock_issues(r)) == 2
    # under a policy without one-to-one key accounts, the same locks can all hold
    team = {"rules": {"one_to_one": False}}
    r = service.client.post("/v1/datasets", json={**body, "policy": team}, headers=h)
    assert r.status_code == 201, r.text
    bad = service.client.post("/v1/datasets", json={**body, "policy": {"nope": 1}}, headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "policy"


def test_a_size_limit_in_the_input_is_413_and_the_rest_422(service) -> None:
    def limit() -> None:
        # the words every library guard ends with (allocator.io.limits.how_to_raise)
        message = f"11 rows, more than allowed: {how_to_raise('max_rows', 10)}"
        raise InputError([InputIssue("customers", None, None, None, message)])

    def plain() -> None:
        raise InputError([InputIssue("customers", 2, "aum", "x", "must be a number")])

    service.app.add_api_route("/test/limit", limit)
    service.app.add_api_route("/test/plain", plain)
    r = service.client.get("/test/limit")
    assert r.status_code == 413 and "max_rows=10" in r.json()["issues"][0]["message"]
    assert service.client.get("/test/plain").status_code == 422


def test_too_many_json_records_is_413(make_service) -> None:
    svc = make_service(max_json_rows=2)
    body = {"customers": [{"customer_id": str(i)} for i in range(3)], "rms": []}
    r = svc.client.post("/v1/datasets", json=body, headers=svc.headers("planner"))
    assert r.status_code == 413 and r.json()["field"] == "customers"


def test_a_parse_past_its_deadline_is_413_and_stored_nothing(make_service, small_bank_paths):
    svc = make_service(parse_seconds=0.001)
    files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in small_bank_paths.items()}
    r = svc.client.post("/v1/datasets", files=files, headers=svc.headers("planner"))
    assert r.status_code == 413, r.text
    assert r.json()["limit"] == "timeout"
    assert svc.services.datasets.count() == 0
    # the service is unharmed: the same upload within a normal limit is stored
    svc.settings.parse_seconds = 120
    assert svc.client.post("/v1/datasets", files=files, headers=svc.headers("planner")).is_success


def test_a_parser_holding_the_gil_is_killed_at_the_deadline() -> None:
    # sum over a huge range runs in C, holding the GIL: a thread could never be stopped
    with pytest.raises(SandboxError) as err:
        run_bounded(sum, range(10**15), limits=Limits(seconds=0.5))
    assert err.value.reason == "timeout"
    assert run_bounded(sum, range(10), limits=Limits(seconds=30)) == 45


def test_a_runaway_allocation_fails_in_the_child() -> None:
    with pytest.raises(SandboxError) as err:
        run_bounded(bytearray, 3 * 1024**3, limits=Limits(seconds=60, memory_bytes=1024**3))
    assert err.value.reason == "memory"
