"""The planner's page walks a quarter in a real browser (issue 14's "done when", in the page).

``rmalloc serve`` runs as a subprocess with the quarter bank (tests/quarterbank.py) uploaded and
keys for four people; headless Chromium drives the page: a planner solves and proposes; the head
of outlet O1 (a key scoped to O1) sees O1's moves only, rejects two and re-solves; the re-solve
keeps those customers with today's RM; the head proposes the new draft; an approver approves it
from today and it is in effect; the RM view, the branch view, a comparison of the two plans and
a scenario read back; a viewer sees no write control. Screenshots go to ``tmp_path`` (and to
``$RMALLOC_SCREENSHOTS`` when set: ``docs/`` holds the ones the README shows).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import test_ui_browser  # type: ignore[import-not-found]
from quarterbank import write  # type: ignore[import-not-found]
from test_ui_browser import Page, Server  # type: ignore[import-not-found]

pytestmark = pytest.mark.e2e
browser = test_ui_browser.browser  # the module's headless Chromium fixture
server = test_ui_browser.server  # and its service (module-scoped: one for this module)


class Quarter:
    def __init__(self, server: Server, tmp: Path):
        self.server = server
        c = server.client
        files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in write(tmp / "bank").items()}
        self.dataset = c.post("/v1/datasets", files=files, data={"name": "quarter"}).json()
        self.keys = {
            "planner": self._key("planner", "Planner"),
            "head": self._key("planner", "Head of O1", "O1"),
            "approver": self._key("approver", "Approver"),
            "viewer": self._key("viewer", "Viewer"),
        }

    def _key(self, role: str, name: str, branch: str | None = None) -> str:
        body = {"role": role, "name": name, "branch_id": branch}
        r = self.server.client.post("/v1/keys", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["key"])

    def api(self, who: str, path: str) -> Any:
        r = self.server.client.get(path, headers={"Authorization": f"Bearer {self.keys[who]}"})
        assert r.status_code == 200, r.text
        return r.json()


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    """A screenshot of the viewport, also to ``$RMALLOC_SCREENSHOTS`` when set."""
    page.screenshot(path=str(tmp_path / name))
    target = os.environ.get("RMALLOC_SCREENSHOTS")
    if target:
        page.screenshot(path=str(Path(target) / name))


def _open_plan(page: Any, job_id: str) -> None:
    short = job_id.removeprefix("job_")[:8]
    page.get_by_role("button", name=f"Open the plan of job {short}").click()


def test_a_quarter_through_the_page(server: Server, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    q = Quarter(server, tmp_path)
    pages: list[Page] = []

    def person(who: str) -> Any:
        p = Page(browser)
        pages.append(p)
        p.connect(server.url, q.keys[who])
        return p.page

    try:
        # a planner solves the quarter and proposes the plan
        page = person("planner")
        expect(page.locator("#key-role")).to_have_text("planner")
        page.get_by_role("button", name="Solve quarter").click()
        page.get_by_label("Time limit (seconds)").fill("10")
        page.get_by_role("button", name="Start solve").click()
        expect(page.locator("#job-status")).to_have_text("done", timeout=120_000)
        first = page.locator("#job-id").inner_text()
        expect(page.locator("#moves-count")).to_have_text("6 moves")
        page.get_by_role("button", name="Propose for review").click()
        expect(page.locator("#lifecycle-steps li.current")).to_have_text("Proposed for review")

        # the head of O1 sees O1's four moves, rejects two, and re-solves
        page = person("head")
        expect(page.locator("#key-role")).to_have_text("planner · branch O1")
        _open_plan(page, first)
        expect(page.locator("#moves-count")).to_have_text("4 moves")
        moves = q.api("head", f"/v1/plans/{first}/moves")["items"]
        rejected = [m["customer_id"] for m in moves[:2]]
        for customer in rejected:
            page.get_by_role("button", name=f"Reject the move of {customer}").click()
            expect(
                page.get_by_role("button", name=f"Reject the move of {customer}")
            ).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#lifecycle-who")).to_contain_text("0 accepted, 2 rejected")
        page.locator("#review").scroll_into_view_if_needed()
        _shot(page, tmp_path, "review.png")
        page.get_by_role("button", name="Re-solve with the decisions").click()
        expect(page.locator("#job-id")).not_to_have_text(first)
        expect(page.locator("#job-status")).to_have_text("done", timeout=120_000)
        second = page.locator("#job-id").inner_text()
        expect(page.locator("#lifecycle-who")).to_contain_text("re-solved from the plan of job")
        plan = {
            a["customer_id"]: a for a in q.api("head", f"/v1/jobs/{second}/plan")["assignments"]
        }
        for customer in rejected:
            assert (plan[customer]["rm_id"], plan[customer]["status"]) == ("R1", "kept")
        page.get_by_role("button", name="Propose for review").click()
        expect(page.locator("#lifecycle-steps li.current")).to_have_text("Proposed for review")
        assert not page.get_by_role("button", name="Approve", exact=True).is_visible()

        # an approver (another person) approves from today: the plan is in effect
        page = person("approver")
        _open_plan(page, second)
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.locator("#lifecycle-steps li.current")).to_have_text("In effect")
        expect(
            page.get_by_role("link", name="Download moves for core banking (CSV)")
        ).to_be_visible()
        page.locator("#review").scroll_into_view_if_needed()
        _shot(page, tmp_path, "lifecycle.png")
        history = q.api(
            "approver", f"/v1/customers/{rejected[0]}/history?dataset_id={q.dataset['id']}"
        )
        assert [p["rm_id"] for p in history["periods"]] == ["R1"]

        # the RM view and the branch view
        page.get_by_role("button", name="Open the book of RM R1").click()
        expect(page.locator("#rm-h")).to_have_text("RM R1's book")
        expect(page.locator("#rm-book-grid")).to_contain_text("leaves, to")
        expect(page.locator("#branches-grid")).to_contain_text("O1")
        page.locator("#books").scroll_into_view_if_needed()
        _shot(page, tmp_path, "books.png")

        # the two plans compared
        page.get_by_label("First plan (A)").select_option(first)
        page.get_by_label("Second plan (B)").select_option(second)
        page.get_by_role("button", name="Compare").click()
        expect(page.locator("#compare-headline")).to_contain_text("customers with an RM")
        expect(page.locator("#compare-branches")).to_contain_text("O1")
        page.locator("#compare").scroll_into_view_if_needed()
        _shot(page, tmp_path, "compare.png")

        # a scenario: RM R4 leaves
        page = pages[0].page
        page.get_by_label("Bank", exact=True).select_option(q.dataset["id"])
        page.get_by_label("Change").select_option("remove_rms")
        page.get_by_label("RM ids (comma-separated), capacity or growth %").fill("R4")
        page.get_by_role("button", name="Run scenario").click()
        expect(page.locator("#scenario-result")).to_be_visible(timeout=120_000)
        expect(page.locator("#scenario-table")).to_contain_text("Active RMs")
        page.locator("#scenarios").scroll_into_view_if_needed()
        _shot(page, tmp_path, "scenario.png")

        # a viewer sees no write control
        page = person("viewer")
        expect(page.locator("#upload-form")).to_be_hidden()
        expect(page.locator("#job-form")).to_be_hidden()
        _open_plan(page, second)
        expect(page.locator("#moves-count")).to_have_text(re.compile(r"^6 moves"))
        for name in ("Propose for review", "Approve", "Re-solve with the decisions"):
            assert not page.get_by_role("button", name=name, exact=True).is_visible()
        assert page.get_by_role("button", name=re.compile("^(Accept|Reject) the move")).count() == 0
    finally:
        for p in pages:
            p.context.close()
        errors = [e for p in pages for e in p.errors]
        assert not errors, errors
