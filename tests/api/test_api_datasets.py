"""``/v1/datasets``: CSV, Parquet and JSON uploads, validation issues, size limit, metadata."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd


def _files(paths: dict[str, Path]) -> dict[str, tuple[str, bytes, str]]:
    return {k: (p.name, p.read_bytes(), "text/csv") for k, p in paths.items()}


def test_csv_upload_is_validated_and_stored(service, small_bank, small_bank_paths) -> None:
    r = service.client.post(
        "/v1/datasets",
        files=_files(small_bank_paths),
        data={"name": "q3"},
        headers=service.headers("planner"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/v1/datasets/{body['id']}"
    assert body["name"] == "q3" and body["parent_id"] is None and body["branches_given"]
    assert body["counts"]["customers"] == small_bank.n_customers
    stored = service.services.datasets.load_instance(body["id"])
    pd.testing.assert_frame_equal(stored.customers, small_bank.customers, check_like=True)
    pd.testing.assert_frame_equal(stored.rms, small_bank.rms, check_like=True)


def test_parquet_upload_without_branches(service, small_bank) -> None:
    files = {}
    for name in ("customers", "rms"):
        buf = io.BytesIO()
        getattr(small_bank, name).to_parquet(buf, index=False)
        files[name] = (f"{name}.parquet", buf.getvalue(), "application/octet-stream")
    r = service.client.post("/v1/datasets", files=files, headers=service.headers("planner"))
    assert r.status_code == 201, r.text
    assert r.json()["branches_given"] is False


def test_json_upload_speaks_the_contract(service) -> None:
    body = {
        "name": "tiny",
        "customers": [
            {"customer_id": "C1", "segment": "retail", "branch_id": "B1", "aum": 300000,
             "annual_contribution": 0, "current_rm_id": "R1", "locked": False},
            {"customer_id": "C2", "segment": "retail", "branch_id": "B1", "aum": 10,
             "annual_contribution": 0},
        ],
        "rms": [
            {"rm_id": "R1", "line": "retail", "grade": "rm", "branch_id": "B1",
             "certifications": ["AFP"], "capacity": 50},
        ],
    }  # fmt: skip
    r = service.client.post("/v1/datasets", json=body, headers=service.headers("planner"))
    assert r.status_code == 201, r.text
    assert r.json()["counts"] == {"customers": 2, "rms": 1, "branches": 1}
    inst = service.services.datasets.load_instance(r.json()["id"])
    assert inst.rms["certifications"].tolist() == ["AFP"]


def test_every_issue_is_listed_with_file_row_column(service, small_bank_paths, tmp_path) -> None:
    bad = pd.read_csv(small_bank_paths["customers"], dtype=str, keep_default_na=False)
    bad.loc[0, "segment"] = "martian"
    bad.loc[3, "aum"] = "-5"
    path = tmp_path / "customers.csv"
    bad.to_csv(path, index=False)
    files = _files({**small_bank_paths, "customers": path})
    r = service.client.post("/v1/datasets", files=files, headers=service.headers("planner"))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == "urn:rmalloc:problem:invalid-input"
    where = {(i["file"], i["row"], i["column"]) for i in problem["issues"]}
    assert ("customers", 2, "segment") in where and ("customers", 5, "aum") in where
    assert problem["issue_count"] == len(problem["issues"])
    assert service.services.datasets.count() == 0


def test_unreadable_and_missing_files(service, small_bank_paths) -> None:
    h = service.headers("planner")
    files = {"customers": ("customers.parquet", b"not parquet", "application/octet-stream"),
             "rms": ("rms.csv", small_bank_paths["rms"].read_bytes(), "text/csv")}  # fmt: skip
    r = service.client.post("/v1/datasets", files=files, headers=h)
    assert r.status_code == 422 and r.json()["issues"][0]["file"] == "customers"
    r = service.client.post("/v1/datasets", files={"rms": files["rms"]}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "customers"
    r = service.client.post("/v1/datasets", json={"customers": []}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.rms"


def test_unsupported_media_type(service) -> None:
    r = service.client.post(
        "/v1/datasets",
        content=b"x",
        headers={**service.headers("planner"), "content-type": "text/plain"},
    )
    assert r.status_code == 415


def test_413_over_the_upload_limit(make_service, small_bank_paths) -> None:
    svc = make_service(max_upload_bytes=2000)
    h = svc.headers("planner")
    r = svc.client.post("/v1/datasets", files=_files(small_bank_paths), headers=h)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["limit_bytes"] == 2000

    def chunks():  # no Content-Length: the limit applies to the streamed body
        for _ in range(10):
            yield b"x" * 1000

    r = svc.client.post(
        "/v1/datasets", content=chunks(), headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert svc.services.datasets.count() == 0


def test_list_and_get(service, dataset) -> None:
    h = service.headers("viewer")
    listed = service.client.get("/v1/datasets", headers=h).json()
    assert [d["id"] for d in listed["items"]] == [dataset["id"]]
    assert service.client.get(f"/v1/datasets/{dataset['id']}", headers=h).json() == dataset
    r = service.client.get("/v1/datasets/ds_nope", headers=h)
    assert r.status_code == 404 and r.json()["status"] == 404
