"""A quarter from plan to effect, with real processes (issue 14's "done when").

``rmalloc serve`` runs on a free localhost port with a temp SQLite database; keys are made with
``rmalloc keys create`` as an operator would. A planner uploads the quarter bank and solves it,
and proposes the plan; the head of outlet O1 (a planner key scoped to O1) sees O1's moves only,
gets 404 for a customer of O2, and rejects two moves; the re-solve honours them; a second
person approves with today's date; the plan becomes effective; the customers' history and the
audit log show every step.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from liveserver import RMALLOC  # type: ignore[import-not-found]
from quarterbank import write  # type: ignore[import-not-found]
from test_api_e2e import Server  # type: ignore[import-not-found]
from tests_api_helpers import wait_for  # type: ignore[import-not-found]

pytestmark = pytest.mark.e2e


def _key(db_url: str, *args: str) -> str:
    out = subprocess.run(
        [str(RMALLOC), "keys", "create", "--db", db_url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    db_url = f"sqlite:///{tmp_path / 'svc.sqlite'}"
    srv = Server(db_url, tmp_path / "serve.log")
    try:
        srv.wait_ready()
        yield srv, db_url
    finally:
        srv.stop(signal.SIGTERM)


def test_a_quarter_from_upload_to_effective(server: tuple[Server, str], tmp_path: Path) -> None:
    srv, db_url = server
    people = {
        "planner": _key(db_url, "--role", "planner", "--name", "Planner"),
        "head": _key(db_url, "--role", "planner", "--name", "Head of O1", "--branch", "O1"),
        "approver": _key(db_url, "--role", "approver", "--name", "Approver"),
    }

    def call(who: str, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = srv.client.request(
            method, path, headers={"Authorization": f"Bearer {people[who]}"}, **kw
        )
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.headers.get("content-type", "").endswith("json") else r.text

    def finished(job_id: str) -> dict[str, Any]:
        return wait_for(  # type: ignore[no-any-return]
            lambda: (j := call("planner", "GET", f"/v1/jobs/{job_id}"))["status"] == "done" and j,
            timeout=120,
            every=0.2,
        )

    # upload and solve
    files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in write(tmp_path / "bank").items()}
    dataset = call("planner", "POST", "/v1/datasets", status=201, files=files)
    body = {"dataset_id": dataset["id"], "time_limit": 20}
    first = call("planner", "POST", "/v1/jobs", status=202, json=body)["id"]
    finished(first)
    assert call("planner", "POST", f"/v1/plans/{first}/propose")["state"] == "proposed"

    # the branch head reviews O1's moves and rejects two
    moves = call("head", "GET", f"/v1/plans/{first}/moves")
    assert moves["total"] == 4 and {m["branch_id"] for m in moves["items"]} == {"O1"}
    call("head", "GET", f"/v1/jobs/{first}/customers/K12", status=404)  # a customer of O2
    rejected = [m["customer_id"] for m in moves["items"][:2]]
    decisions = [{"customer_id": c, "decision": "reject"} for c in rejected]
    call("head", "POST", f"/v1/plans/{first}/decisions", json=decisions)
    second = call("head", "POST", f"/v1/plans/{first}/resolve", status=202)["id"]
    finished(second)
    plan = {
        a["customer_id"]: a for a in call("head", "GET", f"/v1/jobs/{second}/plan")["assignments"]
    }
    for customer in rejected:
        assert (plan[customer]["rm_id"], plan[customer]["status"]) == ("R1", "kept")
    assert call("planner", "GET", f"/v1/plans/{second}")["parent_job_id"] == first

    # four eyes: the proposer cannot approve; a second person approves from today
    call("planner", "POST", f"/v1/plans/{second}/propose")
    today = str(dt.datetime.now(dt.UTC).date())
    call(
        "planner", "POST", f"/v1/plans/{second}/approve", status=403, json={"effective_date": today}
    )
    state = call("approver", "POST", f"/v1/plans/{second}/approve", json={"effective_date": today})
    assert state["state"] == "effective" and state["effective_date"] == today

    # history and audit show it all
    moved = [
        m["customer_id"]
        for m in call("planner", "GET", f"/v1/plans/{second}/moves", params={"limit": 100})["items"]
    ]
    assert len(moved) == 6 and not set(rejected) & set(moved)
    params = {"dataset_id": dataset["id"]}
    history = call("planner", "GET", f"/v1/customers/{moved[0]}/history", params=params)
    assert history["periods"][-1]["job_id"] == second
    assert history["periods"][-1]["approved_by"] == state["approved_by"]
    kept = call("head", "GET", f"/v1/customers/{rejected[0]}/history", params=params)
    assert [p["rm_id"] for p in kept["periods"]] == ["R1"]
    call("head", "GET", "/v1/customers/K12/history", status=404, params=params)
    audit = call("planner", "GET", "/v1/audit", params={"limit": 200})["items"]
    actions = {e["action"] for e in audit}
    assert {"dataset.upload", "job.submit", "plan.propose", "move.reject", "plan.resolve",
            "plan.approve", "plan.effective", "key.create"} <= actions  # fmt: skip
    head_id = people["head"].split("_")[1]
    assert sum(e["action"] == "move.reject" and e["actor"] == head_id for e in audit) == 2
    export = call("planner", "GET", f"/v1/plans/{second}/export")
    assert len(export.strip().splitlines()) == 7
    with httpx.Client(base_url=srv.url, timeout=10) as anon:
        assert "swagger-ui-bundle.js" in anon.get("/docs").text
