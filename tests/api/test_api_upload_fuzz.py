"""Fuzz the upload endpoint with CSV-shaped bytes (Hypothesis): whatever the files hold --
quotes, stray commas, formula-looking ids, odd unicode, empty rows -- the answer is a stored
dataset (201) or a problem document naming what is wrong (413/422), never a 5xx."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CUSTOMER_HEADER = "customer_id,segment,branch_id,aum,annual_contribution,current_rm_id,locked"
RM_HEADER = "rm_id,line,grade,branch_id,certifications,unit,capacity,active"
cell = st.one_of(
    st.sampled_from(
        ["", "retail", "corporate", "B1", "R1", "1e309", "-5", "=cmd|' /C calc'!A0", "true",
         '"a,b"', "9.3e18", "NaN", "rm", "CFP", "outlet", "\u200b", "中文"]
    ),
    st.text(max_size=8),
)  # fmt: skip
row = st.lists(cell, min_size=0, max_size=9).map(lambda cells: ",".join(cells))


def _file(header: str, rows: list[str]) -> bytes:
    return "\n".join([header, *rows]).encode("utf-8", "surrogatepass")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(customers=st.lists(row, max_size=6), rms=st.lists(row, max_size=4))
def test_csv_uploads_never_fail_the_server(
    service: Any, customers: list[str], rms: list[str]
) -> None:
    files = {
        "customers": ("customers.csv", _file(CUSTOMER_HEADER, customers), "text/csv"),
        "rms": ("rms.csv", _file(RM_HEADER, rms), "text/csv"),
    }
    r = service.client.post("/v1/datasets", files=files, headers=service.headers("planner"))
    assert r.status_code in (201, 413, 422), r.text
    if r.status_code != 201:
        body = r.json()
        assert r.headers["content-type"] == "application/problem+json"
        for issue in body.get("issues", []):
            assert set(issue) == {"file", "row", "column", "value", "message"}
