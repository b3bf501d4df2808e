"""From plan to effect over HTTP (issue 14): lifecycle, four eyes, move review, re-solve with
decisions, effective dates, history, audit, export, branch scope, compare."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from quarterbank import write  # type: ignore[import-not-found]
from sqlalchemy import text

TODAY = dt.datetime.now(dt.UTC).date()


class Quarter:
    """The quarter bank uploaded and solved, with keys for the people of a review."""

    def __init__(self, service: Any, tmp: Path):
        self.svc = service
        self.c = service.client
        keys = service.services.keys
        self.h = {
            "planner": service.headers("planner"),
            "viewer": service.headers("viewer"),
            "head_o1": _h(keys.create("planner", "Head of O1", "O1").token),
            "approver": _h(keys.create("approver", "Chief approver").token),
            "planner_as_approver": _h(keys.create("approver", None).token),
        }
        self.dataset = service.upload(write(tmp / "bank"))
        self.job = self.solve(self.dataset["id"])

    def solve(self, dataset_id: str) -> str:
        body = {"dataset_id": dataset_id, "time_limit": 10}
        job = self.c.post("/v1/jobs", json=body, headers=self.h["planner"]).json()
        self.svc.drain()
        return str(job["id"])

    def get(self, path: str, who: str = "planner", **params: Any) -> Any:
        r = self.c.get(path, headers=self.h[who], params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, who: str = "planner", status: int = 200, **kw: Any) -> Any:
        r = self.c.post(path, headers=self.h[who], **kw)
        assert r.status_code == status, r.text
        return r.json()


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def quarter(service: Any, tmp_path: Path) -> Quarter:
    return Quarter(service, tmp_path)


def test_moves_are_listed_filtered_and_paged(quarter: Quarter) -> None:
    moves = quarter.get(f"/v1/plans/{quarter.job}/moves")
    assert moves["total"] == 6
    assert {m["branch_id"] for m in moves["items"]} == {"O1", "O2"}
    o1 = quarter.get(f"/v1/plans/{quarter.job}/moves", branch_id="O1", limit=3)
    assert o1["total"] == 4 and len(o1["items"]) == 3
    assert all(m["from_rm_id"] == "R1" and m["to_rm_id"] == "R2" for m in o1["items"])
    assert quarter.get(f"/v1/plans/{quarter.job}/moves", rm_id="R4")["total"] == 2
    assert quarter.get(f"/v1/plans/{quarter.job}/moves", status="moved")["total"] == 6
    assert quarter.get(f"/v1/plans/{quarter.job}/moves", tier="private")["total"] == 0


def test_a_quarter_from_draft_to_effective(quarter: Quarter) -> None:
    job, q = quarter.job, quarter
    assert q.get(f"/v1/plans/{job}")["state"] == "draft"
    q.post(f"/v1/plans/{job}/propose", who="viewer", status=403)
    proposed = q.post(f"/v1/plans/{job}/propose")
    assert proposed["state"] == "proposed" and proposed["proposed_by"]
    q.post(f"/v1/plans/{job}/propose", status=409)  # once

    # the branch head of O1 sees O1 only, and rejects two of its moves
    mine = q.get(f"/v1/plans/{job}/moves", who="head_o1")
    assert mine["total"] == 4 and {m["branch_id"] for m in mine["items"]} == {"O1"}
    rejected = [m["customer_id"] for m in mine["items"][:2]]
    accepted = mine["items"][2]["customer_id"]
    decisions = [{"customer_id": c, "decision": "reject"} for c in rejected]
    decisions.append({"customer_id": accepted, "decision": "accept"})
    q.post(f"/v1/plans/{job}/decisions", who="head_o1", json=decisions)
    other = q.get(f"/v1/plans/{job}/moves", branch_id="O2")["items"][0]["customer_id"]
    outside = [{"customer_id": other, "decision": "reject"}]
    q.post(f"/v1/plans/{job}/decisions", who="head_o1", status=404, json=outside)
    kept = next(c for c in ("K09", "K10") if c not in rejected)
    q.post(
        f"/v1/plans/{job}/decisions", status=404, json=[{"customer_id": kept, "decision": "accept"}]
    )
    state = q.get(f"/v1/plans/{job}")
    assert (state["accepted"], state["rejected"]) == (1, 2)

    # re-solve honours the decisions: a new draft linked to the old
    new = q.post(f"/v1/plans/{job}/resolve", who="head_o1", status=202)["id"]
    q.svc.drain()
    assert q.get(f"/v1/jobs/{new}")["status"] == "done"
    plan = {a["customer_id"]: a for a in q.get(f"/v1/jobs/{new}/plan")["assignments"]}
    for customer in rejected:
        assert plan[customer]["rm_id"] == "R1" and plan[customer]["status"] == "kept"
    assert plan[accepted]["rm_id"] == "R2" and plan[accepted]["status"] == "moved"
    assert plan[accepted]["previous_rm_id"] == "R1"  # stated against the real book
    state = q.get(f"/v1/plans/{new}")
    assert state["state"] == "draft" and state["parent_job_id"] == job
    assert state["lineage_id"] == quarter.dataset["id"]

    # four eyes: the proposer may not approve, even with another key of the same name
    q.post(f"/v1/plans/{new}/propose", who="approver")
    same = q.svc.services.keys.create("approver", "Chief approver").token
    r = q.c.post(f"/v1/plans/{new}/approve", json={"effective_date": str(TODAY)}, headers=_h(same))
    assert r.status_code == 403
    q.post(
        f"/v1/plans/{new}/approve", who="planner", status=403, json={"effective_date": str(TODAY)}
    )
    past = {"effective_date": str(TODAY - dt.timedelta(days=1))}
    q.post(f"/v1/plans/{new}/approve", who="planner_as_approver", status=422, json=past)
    approved = q.post(
        f"/v1/plans/{new}/approve", who="planner_as_approver", json={"effective_date": str(TODAY)}
    )
    assert approved["state"] == "effective" and approved["effective_date"] == str(TODAY)
    assert approved["approved_by"] and approved["approved_by"] != approved["proposed_by"]
    q.post(
        f"/v1/plans/{new}/decisions",
        status=409,
        json=[{"customer_id": accepted, "decision": "reject"}],
    )

    # history and audit show it all
    history = q.get(f"/v1/customers/{accepted}/history", dataset_id=quarter.dataset["id"])
    assert [(p["rm_id"], p["valid_from"], p["job_id"]) for p in history["periods"]] == [
        ("R2", str(TODAY), new)
    ]
    assert history["periods"][0]["approved_by"] == approved["approved_by"]
    actions = [e["action"] for e in q.get("/v1/audit", limit=100)["items"]]
    for action in ("dataset.upload", "job.submit", "plan.propose", "move.reject", "move.accept",
                   "plan.resolve", "plan.approve", "plan.effective"):  # fmt: skip
        assert action in actions, action
    export = q.c.get(f"/v1/plans/{new}/export", headers=q.h["viewer"])
    assert export.status_code == 200
    lines = export.text.strip().splitlines()
    assert (
        lines[0]
        == "customer_id,branch_id,from_rm_id,to_rm_id,effective_date,plan_job_id,approved_by"
    )
    assert len(lines) - 1 == q.get(f"/v1/plans/{new}")["moves"]

    # the next effective plan of the lineage supersedes this one
    later = q.solve(quarter.dataset["id"])
    q.post(f"/v1/plans/{later}/propose")
    q.post(f"/v1/plans/{later}/approve", who="approver", json={"effective_date": str(TODAY)})
    assert q.get(f"/v1/plans/{new}")["state"] == "superseded"
    assert q.get(f"/v1/plans/{new}")["superseded_by"] == later
    assert q.get(f"/v1/plans/{later}")["state"] == "effective"


def test_a_future_date_waits(quarter: Quarter) -> None:
    job = quarter.job
    quarter.post(f"/v1/plans/{job}/propose")
    later = str(TODAY + dt.timedelta(days=30))
    state = quarter.post(f"/v1/plans/{job}/approve", who="approver", json={"effective_date": later})
    assert state["state"] == "approved"
    lifecycle = quarter.svc.services.lifecycle
    assert lifecycle.activate_due(TODAY + dt.timedelta(days=29)) == []
    assert lifecycle.activate_due(TODAY + dt.timedelta(days=30)) == [job]
    assert quarter.get(f"/v1/plans/{job}")["state"] == "effective"


def test_a_scoped_key_sees_only_its_branch(quarter: Quarter) -> None:
    job, q = quarter.job, quarter
    rows = q.get(f"/v1/jobs/{job}/plan", who="head_o1")
    assert rows["total"] == 10 and {a["customer_id"] for a in rows["assignments"]} == {
        f"K{i:02d}" for i in range(1, 11)
    }
    for path in (
        f"/v1/jobs/{job}/customers/K12",
        "/v1/customers/K12/history",
        f"/v1/plans/{job}/rms/R3",
    ):
        r = q.c.get(path, headers=q.h["head_o1"], params={"dataset_id": quarter.dataset["id"]})
        assert r.status_code == 404, path
    explained = q.get(f"/v1/jobs/{job}/customers/K01", who="head_o1")
    assert {a["rm_id"] for a in explained["alternatives"]} <= {"R1", "R2"}
    branches = q.get(f"/v1/plans/{job}/branches", who="head_o1")
    assert [b["branch_id"] for b in branches] == ["O1"]
    assert q.get(f"/v1/plans/{job}", who="head_o1")["moves"] == 4


def test_views_compare_and_paging(quarter: Quarter, tmp_path: Path) -> None:
    job, q = quarter.job, quarter
    r1 = q.get(f"/v1/plans/{job}/rms/R1")
    assert (r1["load_today"], r1["load_plan"], r1["capacity"]) == (8, 4, 4)
    assert r1["leaves"] == 4 and sum(b["change"] == "leaves" for b in r1["book"]) == 4
    rms = q.get(f"/v1/plans/{job}/rms", branch_id="O2")
    assert {r["rm_id"] for r in rms["items"]} == {"R3", "R4"}
    other = q.solve(quarter.dataset["id"])
    same = q.get("/v1/compare", a=job, b=other)
    assert same["differ_total"] == 0 and {g["key"] for g in same["by_branch"]} == {"O1", "O2"}
    assert same["headline"][0]["label"] == "customers"
    page = q.get(f"/v1/jobs/{job}/plan", limit=4, offset=2)
    assert page["total"] == 15 and len(page["assignments"]) == 4
    zipped = q.c.get(f"/v1/jobs/{job}/plan", headers={**q.h["viewer"], "Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip"
    explained = q.get(f"/v1/jobs/{job}/customers/K01", alternatives=1)
    assert explained["alternatives"][0]["chosen"] and explained["alternatives_total"] >= 2


def test_history_and_audit_refuse_rewrites(quarter: Quarter) -> None:
    q = quarter
    q.post(f"/v1/plans/{q.job}/propose")
    q.post(f"/v1/plans/{q.job}/approve", who="approver", json={"effective_date": str(TODAY)})
    engine = q.svc.services.engine
    for statement in ("UPDATE rm_history SET rm_id = 'X'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_docs_need_no_internet(service: Any) -> None:
    html = service.client.get("/docs").text
    assert "cdn" not in html.lower() and "/ui/vendor/swagger-ui/swagger-ui-bundle.js" in html
    js = service.client.get("/ui/vendor/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text
    assert service.client.get("/ui/vendor/swagger-ui/swagger-ui.css").status_code == 200
