"""``rmalloc serve``: the web server in this process, N worker processes beside it, supervised.

The supervisor starts the workers (``python -m rmalloc worker``), restarts any that exits (with a
growing pause when one keeps dying, so a broken worker does not spin), reaps lost jobs, and on
shutdown stops the workers with SIGTERM (they put running jobs back in the queue) before SIGKILL.
Workers are told the supervisor's pid and stop by themselves if it disappears.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from api.services.jobs import JobService
from api.settings import Settings

log = logging.getLogger(__name__)

#: a worker that lived at least this long is considered healthy: its restart pause resets
_HEALTHY_SECONDS = 30.0
_MAX_PAUSE = 30.0


@dataclass
class _Slot:
    index: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    pause: float = 1.0
    restart_at: float = 0.0
    restarts: int = field(default=0)


class Supervisor:
    """Keeps ``n_workers`` worker processes alive for the database at ``settings.database_url``.

    ``jobs`` is for the reaper: it runs here too, so lost jobs are handled even when every
    worker is down.
    """

    def __init__(self, settings: Settings, jobs: JobService, n_workers: int):
        self.settings = settings
        self.jobs = jobs
        self.slots = [_Slot(i) for i in range(n_workers)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_reap = 0.0

    def command(self) -> list[str]:
        """The worker's command line: no secret on it (``ps`` shows every user's argv); the
        database URL, which may hold a password, goes by environment (:meth:`environment`)."""
        return [sys.executable, "-m", "rmalloc", "worker", "--parent-pid", str(os.getpid())]

    def environment(self) -> dict[str, str]:
        """The worker's environment: this process's, with the database URL as
        ``RMALLOC_DATABASE_URL`` (``/proc/<pid>/environ`` is readable by its owner only)."""
        env = dict(os.environ)
        env["RMALLOC_DATABASE_URL"] = self.settings.database_url
        env.pop("DATABASE_URL", None)
        return env

    def _spawn(self, slot: _Slot) -> None:
        slot.process = subprocess.Popen(self.command(), env=self.environment())
        slot.started = time.monotonic()
        log.info("worker process started", extra={"slot": slot.index, "pid": slot.process.pid})

    def start(self) -> None:
        for slot in self.slots:
            self._spawn(slot)
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)
        self._thread.start()

    def pids(self) -> list[int]:
        return [s.process.pid for s in self.slots if s.process is not None]

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            for slot in self.slots:
                proc = slot.process
                if proc is not None and proc.poll() is not None:
                    lived = now - slot.started
                    slot.pause = (
                        1.0 if lived >= _HEALTHY_SECONDS else min(slot.pause * 2, _MAX_PAUSE)
                    )
                    slot.restart_at = now + slot.pause
                    log.warning(
                        "worker process exited",
                        extra={
                            "slot": slot.index,
                            "pid": proc.pid,
                            "returncode": proc.returncode,
                            "restart_in": slot.pause,
                        },
                    )
                    slot.process = None
                if slot.process is None and now >= slot.restart_at and not self._stop.is_set():
                    slot.restarts += 1
                    self._spawn(slot)
            if now - self._last_reap >= self.settings.stale_seconds / 2:
                self._last_reap = now
                try:
                    for r in self.jobs.reap(
                        stale_seconds=self.settings.stale_seconds,
                        max_attempts=self.settings.max_attempts,
                    ):
                        log.warning(
                            "lost job handled", extra={"job_id": r.job_id, "action": r.action}
                        )
                except Exception as exc:
                    log.warning("reaper failed", extra={"error_type": type(exc).__name__})

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the workers: SIGTERM, then SIGKILL for any still alive after ``timeout``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        procs = [s.process for s in self.slots if s.process is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("worker did not stop; killing it", extra={"pid": proc.pid})
                proc.kill()
                proc.wait(5)
        log.info("workers stopped", extra={"count": len(procs)})
