"""``/v1/headcount``, ``/v1/sweeps`` and the HR screen, against the real planner and worker."""

from __future__ import annotations

from typing import Any

import pytest

TARGETS = {"private": 1.0, "high": 1.0, "mid": 0.95}


def _done(service: Any, job_id: str) -> dict[str, Any]:
    service.drain()
    job = service.client.get(f"/v1/jobs/{job_id}", headers=service.headers("viewer")).json()
    assert job["status"] == "done", job["error"]
    return job  # type: ignore[no-any-return]


def test_a_workforce_plan_as_a_job(service, dataset) -> None:
    rms = service.services.datasets.load_instance(dataset["id"]).rms
    branch = str(rms["branch_id"].iloc[0])
    staff = [
        {"branch_id": branch, "unit": "outlet", "role": "counter", "count": 6},
        {"branch_id": branch, "unit": "outlet", "role": "lobby_manager", "count": 1},
    ]
    body = {
        "dataset_id": dataset["id"],
        "targets": TARGETS,
        "staff": staff,
        "enforce": "all",
        "quarters": 2,
        "time_limit": 40,
    }
    r = service.client.post("/v1/headcount", json=body, headers=service.headers("planner"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "headcount" and r.headers["Location"] == f"/v1/headcount/{job['id']}"
    pending = service.client.get(f"/v1/headcount/{job['id']}", headers=service.headers("viewer"))
    assert pending.status_code == 409
    listed = _done(service, job["id"])
    assert listed["kind"] == "headcount" and listed["has_plan"] is False
    result = service.client.get(
        f"/v1/headcount/{job['id']}", headers=service.headers("viewer")
    ).json()
    assert result["status"] in ("optimal", "feasible")
    assert result["hires"] and set(result["hires"][0]) >= {"action", "rule", "annual_cost"}
    assert result["checks_before"] and result["checks_after"]
    assert not any(c["ok"] is False for c in result["checks_after"])
    assert result["report"]["html"].startswith("<!doctype html>")
    assert (
        result["report"]["charts_png_base64"]["quarters"] and len(result["report"]["quarters"]) == 3
    )
    page = service.client.get(
        f"/v1/headcount/{job['id']}/report", headers=service.headers("viewer")
    )
    assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
    csv = service.client.get(
        f"/v1/headcount/{job['id']}/hires.csv", headers=service.headers("viewer")
    )
    assert csv.text.startswith(
        "action,rm_id,branch_id,unit,line,grade,certifications,count,annual_cost,rule"
    )


@pytest.mark.parametrize(
    "patch,where",
    [
        ({"targets": {"gold": 1}}, "targets"),
        ({"enforce": ["lobby"]}, "enforce"),
        ({"staff": [{"branch_id": "X", "unit": "outlet", "role": "teller", "count": 1}]}, "staff"),
        ({"mode": "cheapest"}, "body.mode"),
    ],
)
def test_bad_requests_are_refused_before_queueing(service, dataset, patch, where) -> None:
    body = {"dataset_id": dataset["id"], "targets": TARGETS, **patch}
    r = service.client.post("/v1/headcount", json=body, headers=service.headers("planner"))
    assert r.status_code == 422, r.text
    assert where in r.text
    assert service.client.get("/v1/jobs", headers=service.headers("viewer")).json()["items"] == []


def test_roles_and_scope(service, dataset) -> None:
    body = {"dataset_id": dataset["id"], "targets": TARGETS}
    assert (
        service.client.post(
            "/v1/headcount", json=body, headers=service.headers("viewer")
        ).status_code
        == 403
    )
    scoped = service.services.keys.create("planner", branch_id="C0").token
    r = service.client.post(
        "/v1/headcount", json=body, headers={"Authorization": f"Bearer {scoped}"}
    )
    assert r.status_code == 403 and "whole bank" in r.text


def test_a_sweep_as_a_job(service, dataset) -> None:
    rms = service.services.datasets.load_instance(dataset["id"]).rms
    outlet = rms[(rms["line"] == "retail") & (rms["unit"] == "outlet")].iloc[0]
    spec = {
        "name": "more outlet RMs",
        "edits": [
            {
                "id": "h",
                "add_rms": {
                    "count": 0,
                    "line": "retail",
                    "grade": "rm",
                    "branch_id": str(outlet["branch_id"]),
                    "unit": "outlet",
                },
            }
        ],
        "sweep": {"grid": {"h.count": [0, 2]}, "chart": {"x": "headcount"}},
    }
    r = service.client.post(
        "/v1/sweeps",
        json={"dataset_id": dataset["id"], "spec": spec, "time_limit": 20},
        headers=service.headers("planner"),
    )
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "sweep"
    _done(service, r.json()["id"])
    result = service.client.get(
        f"/v1/sweeps/{r.json()['id']}", headers=service.headers("viewer")
    ).json()
    assert [row["h.count"] for row in result["table"]] == [0, 2]
    assert result["chart_png_base64"] and result["x"] == "headcount"
    big = {**spec, "sweep": {"grid": {"h.count": {"start": 0, "stop": 100, "step": 1}}}}
    r = service.client.post(
        "/v1/sweeps",
        json={"dataset_id": dataset["id"], "spec": big},
        headers=service.headers("planner"),
    )
    assert r.status_code == 422 and "at most" in r.text


def test_the_hr_screen(service) -> None:
    page = service.client.get("/hr")
    assert page.status_code == 200 and 'src="hr/hr.js"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert service.client.get("/hr/hr.js").status_code == 200
    assert service.client.get("/hr/app.py").status_code == 404
    assert 'href="hr"' in service.client.get("/").text  # one link from the main page
