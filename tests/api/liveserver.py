"""``rmalloc serve`` as a real process on a free localhost port, for the end-to-end tests.

The process-level tests (workers killed mid-solve, restarts, a quarter through the API) and the
browser tests all start the service the way an operator does, with one worker, in its own
process group so that cleanup reaches its workers too. Imported by name (the tests folder is on
``sys.path``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx
from tests_api_helpers import ROOT, wait_for  # type: ignore[import-not-found]

RMALLOC = ROOT / ".venv" / "bin" / "rmalloc"


def free_port() -> int:
    """A localhost port nobody listens on (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``rmalloc serve --workers 1`` on 127.0.0.1, with a client holding an admin key.

    Parameters
    ----------
    db_url, log
        The service's database, and the file its stderr is appended to (quoted when it dies).
    key
        The admin key: installed as ``RMALLOC_BOOTSTRAP_KEY`` (unless ``bootstrap`` is false)
        and sent by :attr:`client`.
    stdout
        ``subprocess.PIPE`` for a test that reads what ``serve`` prints (the bootstrap key it
        makes); nobody reads it otherwise.
    **env
        ``RMALLOC_*`` settings beyond the quick heartbeats and polls every test wants.
    """

    def __init__(
        self,
        db_url: str,
        log: Path,
        *,
        key: str,
        bootstrap: bool = True,
        stdout: int = subprocess.DEVNULL,
        **env: str,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environ = {
            **os.environ,
            "RMALLOC_BOOTSTRAP_KEY": key,
            "RMALLOC_HEARTBEAT_SECONDS": "0.5",
            "RMALLOC_POLL_SECONDS": "0.2",
            "RMALLOC_SOLVER_WORKERS": "1",
            "RMALLOC_MAX_TIME_LIMIT": "120",
            **env,
        }
        environ.pop("DATABASE_URL", None)
        if not bootstrap:
            environ.pop("RMALLOC_BOOTSTRAP_KEY", None)
        self.proc = subprocess.Popen(
            [str(RMALLOC), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--db", db_url, "--workers", "1"],
            env=environ,
            cwd=ROOT,
            stdout=stdout,
            stderr=open(log, "ab"),  # noqa: SIM115  (closed with the process)
            start_new_session=True,
        )  # fmt: skip
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def wait_ready(self, timeout: float = 90) -> None:
        """Until ``/readyz`` answers 200 (a worker is up); fails at once if ``serve`` exits."""

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                return self.client.get("/readyz").status_code == 200
            return False

        wait_for(ready, timeout, every=0.2)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Signal ``serve``, wait for it, then kill whatever is left of its process group."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything left in the group
        self.client.close()

    def job(self, job_id: str) -> dict[str, Any]:
        """The job as the API shows it now (the test fails on anything but 200)."""
        r = self.client.get(f"/v1/jobs/{job_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())
