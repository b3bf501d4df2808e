"""Property-based checks of every operation in the OpenAPI schema: no input makes a 5xx.

Bounded (a few examples per operation, no shrinking deadline) to keep the suite lean. Requests
carry an admin key, so they pass authentication and reach the routers' own validation.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

warnings.filterwarnings("ignore", message=".*httpx2.*")

from api.app import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402

_TMP = tempfile.mkdtemp(prefix="rmalloc-schemathesis-")
_APP = create_app(
    Settings(
        database_url=f"sqlite:///{os.path.join(_TMP, 'st.sqlite')}",
        load_sample=False,
        max_queued=5,
        max_upload_bytes=1_000_000,
        worker_seen_seconds=3600,
    )
)
# a worker heartbeat, so /readyz answers 200 (its 503 without one is by design, tested elsewhere)
_APP.state.services.workers.beat("schemathesis", host="test", pid=0, job_id=None)
_TOKEN = _APP.state.services.keys.create("admin", "schemathesis").token
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
# The coverage phase enumerates boundary cases of every schema node; for the nested dataset body
# that is most of a minute. The fuzzing phase (random cases, bounded below) is kept.
schema.config.phases.coverage.enabled = False


def fuzzed(examples: int) -> Any:
    """Hypothesis settings of this module: ``examples`` cases, reproducible, no deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )


@schema.parametrize()
@fuzzed(5)
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_TOKEN}"}, checks=[not_a_server_error]
    )


# -- the dataset upload, harder (issue 13): both body types, more examples, documented codes ---
upload = schema.include(path="/v1/datasets", method="POST")


@upload.parametrize()
@fuzzed(12)
def test_upload_answers_only_documented_problems(case: schemathesis.Case) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {_TOKEN}"}, checks=[not_a_server_error]
    )
    assert response.status_code in (201, 400, 401, 413, 415, 422), response.text
    if response.status_code != 201:
        assert response.headers["content-type"] == ["application/problem+json"]
