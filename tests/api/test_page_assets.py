"""The web page's own files: whatever ``index.html`` loads is served, under the page's
Content-Security-Policy (``script-src 'self'``: the page can load nothing else), and every script
of ``api/static`` is one the service serves."""

from __future__ import annotations

import re

from api.routers.ui import ASSETS, STATIC

PAGE = (STATIC / "index.html").read_text(encoding="utf-8")


def test_every_file_the_page_loads_is_served(service) -> None:
    names = re.findall(r'(?:src|href)="ui/([^"]+)"', PAGE)
    assert "app.js" in names
    for name in names:
        assert name in ASSETS, name
        r = service.client.get(f"/ui/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-type"] == ASSETS[name]
        assert "script-src 'self'" in r.headers["content-security-policy"]


def test_the_shared_script_loads_first_and_the_key_script_after_what_it_calls() -> None:
    scripts = re.findall(r'<script src="ui/([^"/]+)" defer>', PAGE)
    assert scripts[0] == "app.js"  # window.RMA, which every other script reads
    key = scripts.index("key.js")  # it starts the page: datasets, jobs, plan must be in
    assert {"datasets.js", "jobs.js", "plan.js", "explain.js"} <= set(scripts[:key])


def test_every_script_of_the_folder_is_served() -> None:
    assert {p.name for p in STATIC.glob("*.js")} <= set(ASSETS)
