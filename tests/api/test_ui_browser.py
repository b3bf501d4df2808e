"""The web page (``GET /``, ``api/static``) in a real browser against a real service.

``rmalloc serve`` runs as a subprocess on a free localhost port with a temp SQLite database, the
bundled sample bank and a bootstrap admin key; headless Chromium (Debian's ``/usr/bin/chromium``,
driven by Playwright) enters the key, starts a solve of the sample, watches it finish, reads the
KPIs and the plan, explains a customer and downloads the CSV; uploads a broken bank and reads the
issues table; and gets clear messages for a wrong key (401) and a key whose role is too low (403).
Screenshots go to ``tmp_path``.

The browser tests skip, with the reason, when Playwright or Chromium is missing
(``scripts/install-browser.sh`` installs Chromium; ``pip install playwright`` -- never
``playwright install``: the test launches the system Chromium). All traffic stays on 127.0.0.1;
every wait is bounded.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import liveserver  # type: ignore[import-not-found]
import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("RMALLOC_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEY = "ui-e2e-admin-key-0123456789abcdef"
VIEWPORT = {"width": 1280, "height": 800}
SOLVE_SECONDS = 10  # the sample bank solves well within this


class Server(liveserver.Server):
    """The service with the sample bank loaded and :data:`KEY` as its admin key."""

    def __init__(self, db_url: str, log: Path):
        super().__init__(db_url, log, key=KEY, RMALLOC_LOAD_SAMPLE="true")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("ui-server")
    srv = Server(f"sqlite:///{tmp / 'svc.sqlite'}", tmp / "serve.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "playwright is not installed: `pip install playwright` (do not run "
            "`playwright install`: the test drives the system Chromium)"
        )
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A fresh browser context and page at 1280x800, recording what a user would not see:
    console messages, uncaught errors and every request the page makes."""

    def __init__(self, browser: Any):
        self.context = browser.new_context(
            viewport=VIEWPORT, locale="en-US", timezone_id="UTC", accept_downloads=True
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[tuple[float, str, str]] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append((time.monotonic(), r.method, r.url)))

    def connect(self, base_url: str, key: str = KEY) -> None:
        from playwright.sync_api import expect

        page = self.page
        page.goto(base_url + "/")
        page.get_by_label("API key").fill(key)
        page.get_by_role("button", name="Connect").click()
        expect(page.locator("#datasets-table")).to_contain_text("sample")


@pytest.fixture
def ui(browser: Any) -> Iterator[Page]:
    p = Page(browser)
    try:
        yield p
    finally:
        p.context.close()
    assert not p.errors, f"uncaught errors in the page: {p.errors}"


def _screenshot(page: Any, path: Path, *, full_page: bool = False) -> None:
    """A screenshot; a full-page one from the top (else the sticky header lands mid-page)."""
    if full_page:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page)


def _sample_id(server: Server) -> str:
    items = server.client.get("/v1/datasets").json()["items"]
    return str(next(d["id"] for d in items if d["name"] == "sample"))


# -- the page without a browser ---------------------------------------------------------------


def test_page_is_served_without_a_key(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as anon:
        for path in ("/", "/ui"):
            r = anon.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-type"].startswith("text/html")
            assert "script-src 'self'" in r.headers["content-security-policy"]
            assert r.headers["referrer-policy"] == "no-referrer"
            assert '<script src="ui/app.js"' in r.text
        assert anon.get("/ui/app.js").headers["content-type"].startswith("text/javascript")
        assert anon.get("/ui/app.css").headers["content-type"].startswith("text/css")
        missing = anon.get("/ui/settings.py")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert anon.get("/v1/datasets").status_code == 401  # the API still wants a key
        paths = anon.get("/openapi.json").json()["paths"]
        assert "/" not in paths and not any(p.startswith("/ui") for p in paths)


# -- in the browser ---------------------------------------------------------------------------


def test_solve_the_sample_and_explain_a_customer(server: Server, ui: Page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = ui.page
    started = time.monotonic()
    ui.connect(server.url)
    assert page.evaluate("sessionStorage.getItem('rmalloc.apiKey')") == KEY
    assert page.get_by_label("API key").input_value() == ""  # not left on screen

    # start a solve of the sample
    page.get_by_role("button", name="Solve sample").click()
    page.get_by_label("Time limit (seconds)").fill(str(SOLVE_SECONDS))
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Start solve").click()
    expect(page.locator("#job-id")).to_have_text(re.compile(r"^job_"))
    job_id = page.locator("#job-id").inner_text()
    # best-so-far shows up, then the job finishes
    expect(page.locator("#job-objective")).not_to_have_text("—", timeout=90_000)
    expect(page.locator("#job-status")).to_have_text("done", timeout=120_000)
    expect(page.locator("#job-gap")).to_have_text(re.compile(r"%$"))
    job = server.client.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "done" and job["params"]["seed"] == 7
    assert job["params"]["time_limit"] == SOLVE_SECONDS
    # watched by polling GET /v1/jobs/{id} about every second (never faster)
    # (HiGHS may finish the sample before the second poll, so one poll is enough to pass)
    polls = [t for t, m, u in ui.requests if m == "GET" and u.endswith(f"/v1/jobs/{job_id}")]
    assert len(polls) >= 1
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(polls))

    # KPIs: tiles, coverage chart, status counts, utilisation per line
    kpis = job["kpis"]
    tiles = page.locator("#kpi-tiles .tile")
    roles = {k: v for k, v in kpis.get("coverage_by_role", {}).items() if k != "primary"}
    expect(tiles).to_have_count(6 if roles else 5)  # a tile of roles beside the RM when any
    if roles:
        expect(tiles.last).to_contain_text("Roles beside the RM")
        expect(page.locator("#coverage-csv")).to_be_visible()
    expect(tiles.first).to_contain_text(f"{kpis['assigned']:,}")
    expect(tiles.first).to_contain_text(f"/ {kpis['individual']:,}")
    bars = page.locator("#coverage-chart svg g[data-tier]")
    expect(bars).to_have_count(sum(1 for t in kpis["coverage_by_tier"].values() if t["customers"]))
    for status, n in kpis["status_counts"].items():
        expect(page.locator(f'#status-chart button[data-status="{status}"]')).to_contain_text(
            f"{status} {n:,}"
        )
    util_rows = page.locator("#util-table tbody tr")
    expect(util_rows).to_have_count(len(kpis["utilisation"]))
    for line, u in kpis["utilisation"].items():
        row = util_rows.filter(has_text=line.capitalize())
        expect(row).to_contain_text(f"{round(u['max'] * 100)}%")

    # the plan table: customers served one-to-one first, paged; searchable
    plan = server.client.get(f"/v1/jobs/{job_id}/plan").json()["assignments"]
    served = [a for a in plan if a["status"] != "pooled"]
    expect(page.locator("#plan-count")).to_have_text(
        f"Filtered: {len(served):,} of {len(plan):,} customers."
    )
    expect(page.locator("#plan-table tbody tr")).to_have_count(min(25, len(served)))
    _screenshot(page, tmp_path / "plan.png", full_page=True)
    target = next((a for a in plan if a["status"] == "moved"), served[0])
    customer_id = target["customer_id"]
    page.get_by_label("Search").fill(customer_id)
    rows = page.locator("#plan-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(target["status"])
    if target["rm_id"]:
        expect(rows.first).to_contain_text(target["rm_id"])

    # the CSV, fetched with the key and saved by the browser
    with page.expect_download() as download:
        page.get_by_role("link", name="Download plan.csv").click()
    csv_text = Path(download.value.path()).read_text()
    assert csv_text.startswith("customer_id,rm_id,tier,status,reason")
    assert len(csv_text.strip().splitlines()) == len(plan) + 1

    # explain: click the customer
    page.get_by_role("button", name=f"Explain customer {customer_id}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name=f"Customer {customer_id}")).to_be_visible()
    explanation = server.client.get(f"/v1/jobs/{job_id}/customers/{customer_id}").json()
    expect(dialog.locator(".rules li")).to_have_count(len(explanation["rules"]))
    expect(dialog.locator(".funnel dt")).to_have_count(len(explanation["funnel"]))
    alternatives = dialog.locator("table tbody tr")
    expect(alternatives).to_have_count(len(explanation["alternatives"]))
    for alt in explanation["alternatives"]:
        if alt["why_not"]:
            expect(alternatives.filter(has_text=alt["rm_id"])).to_contain_text(alt["why_not"])
    if explanation["rm_id"]:
        expect(dialog.locator("tr.selected")).to_contain_text(explanation["rm_id"])
    _screenshot(page, tmp_path / "explain.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # nothing about customers (nor the key) in the address bar or the console
    assert customer_id not in page.url and KEY not in page.url
    assert not [m for m in ui.console if customer_id in m or KEY in m]
    assert all(customer_id not in u for _, m, u in ui.requests if "/v1/" not in u)
    # ... nor in the service's logs (it logs route templates, not paths)
    assert customer_id not in server.log.read_text()
    print(f"solve-and-explain took {time.monotonic() - started:.1f}s; screenshots in {tmp_path}")


def test_bad_upload_lists_every_issue(server: Server, ui: Page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    customers = tmp_path / "customers.csv"
    customers.write_text(
        "customer_id,segment,branch_id,aum,annual_contribution\n"
        "C1,retail,B1,abc,0\n"
        "C1,martian,,-5,0\n"
        "C3,retail,B1,100,zero\n"
    )
    rms = tmp_path / "rms.csv"
    rms.write_text("rm_id,line,grade,branch_id\nR1,retail,rm,B1\n")
    files = {p.stem: (p.name, p.read_bytes(), "text/csv") for p in (customers, rms)}
    expected = server.client.post("/v1/datasets", files=files)
    assert expected.status_code == 422
    issues = expected.json()["issues"]
    assert len(issues) >= 4

    page = ui.page
    ui.connect(server.url)
    page.get_by_label("Customers file").set_input_files(str(customers))
    page.get_by_label("RMs file").set_input_files(str(rms))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#upload-msg")).to_contain_text(f"{len(issues)} problems")
    table = page.get_by_role("table", name="Problems in the upload")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(issues))
    for i, issue in enumerate(issues):
        cells = rows.nth(i).locator("td")
        value = "(empty)" if issue["value"] in (None, "") else str(issue["value"])
        expect(cells).to_have_text(
            [issue["file"], str(issue["row"]), issue["column"], value, issue["message"]]
        )
    _screenshot(page, tmp_path / "issues.png", full_page=True)
    # nothing was stored
    names = [d["name"] for d in server.client.get("/v1/datasets").json()["items"]]
    assert names == ["sample"]


def test_wrong_key_and_low_role_say_so(server: Server, ui: Page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = ui.page
    page.goto(server.url + "/ui")
    page.get_by_label("API key").fill("not-a-key-0123456789")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted (401)")
    expect(page.locator("#app")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('rmalloc.apiKey')") is None

    viewer = server.client.post("/v1/keys", json={"role": "viewer", "name": "ui-test"})
    assert viewer.status_code == 201, viewer.text
    ui.connect(server.url, viewer.json()["key"])
    expect(page.locator("#key-label")).to_contain_text("rma_")
    expect(page.locator("#key-role")).to_have_text("viewer")
    # a viewer sees no write control (issue 14); the API refuses one anyway
    expect(page.locator("#upload-form")).to_be_hidden()
    expect(page.locator("#job-form")).to_be_hidden()
    refused = httpx.post(
        server.url + "/v1/jobs",
        json={"dataset_id": _sample_id(server)},
        headers={"Authorization": f"Bearer {viewer.json()['key']}"},
    )
    assert refused.status_code == 403
    _screenshot(page, tmp_path / "viewer.png")

    page.get_by_role("button", name="Forget key").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('rmalloc.apiKey')") is None
    assert _sample_id(server)  # the service is unharmed
