"""A worker process: claims jobs from the database queue and runs them, one at a time.

The solve runs in a thread of this process while the main thread keeps the job alive: it sends a
heartbeat every ``heartbeat_seconds`` (so the reaper knows the worker lives), polls the job's
cancel flag and sets ``control.stop`` when asked, and watches the clock. A solve that overruns its
time limit is stopped; one that still has not returned ``stop_grace_seconds`` later is recorded as
failed and the process exits, to be restarted by its supervisor: nothing stays ``running``.

SIGTERM/SIGINT stop the worker cleanly: a running solve is stopped and its job put back in the
queue (not counted as an attempt), so a restart of the service loses no job.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from types import FrameType
from typing import Any

from allocator.solution import SolveControl
from api.jobs import Outcome, execute, json_safe
from api.models import Job
from api.services import Services
from api.services.jobs import CANCELLED, DONE, FAILED
from api.settings import Settings

log = logging.getLogger(__name__)

#: exit code of a worker that gave up on a solve that would not stop
EXIT_STUCK = 3


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """One worker: a loop of claim, run, record.

    Parameters
    ----------
    services, settings
        Where the queue is (the worker claims, beats and finishes through ``services.jobs``),
        and the timings and limits to keep.
    worker_id
        A unique name (host, pid and a random suffix by default).
    parent_pid
        When given, the worker stops once that process is gone (a supervisor that died must not
        leave orphans solving).
    """

    def __init__(
        self,
        services: Services,
        settings: Settings,
        *,
        worker_id: str | None = None,
        parent_pid: int | None = None,
    ):
        self.services = services
        self.jobs = services.jobs
        self.settings = settings
        self.id = worker_id or new_worker_id()
        self.parent_pid = parent_pid
        self.shutdown = threading.Event()
        self._last_reap = 0.0
        self._last_beat = 0.0

    # -- lifecycle ---------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            log.info("worker stopping", extra={"worker_id": self.id, "signal": signum})
            self.shutdown.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _orphaned(self) -> bool:
        return self.parent_pid is not None and os.getppid() != self.parent_pid

    def run(self, *, max_jobs: int | None = None, exit_when_idle: bool = False) -> int:
        """Work until shut down (or ``max_jobs`` done, or the queue is empty with
        ``exit_when_idle``). Returns the number of jobs run."""
        log.info(
            "worker started",
            extra={"worker_id": self.id, "pid": os.getpid(), "config": self.settings.redacted()},
        )
        done = 0
        try:
            while not self.shutdown.is_set():
                if self._orphaned():
                    log.warning("supervisor gone; worker stopping", extra={"worker_id": self.id})
                    break
                self._housekeeping(job_id=None)
                job = self.jobs.claim(self.id)
                if job is None:
                    if exit_when_idle:
                        break
                    self.shutdown.wait(self.settings.poll_seconds)
                    continue
                self.run_job(job)
                done += 1
                if max_jobs is not None and done >= max_jobs:
                    break
        finally:
            try:
                self.services.workers.stopped(self.id)
            except Exception:  # the database may be gone; the heartbeat will age out
                log.warning("could not record worker stop", extra={"worker_id": self.id})
            log.info("worker stopped", extra={"worker_id": self.id, "jobs": done})
        return done

    def _housekeeping(self, job_id: str | None) -> None:
        now = time.monotonic()
        if now - self._last_beat >= self.settings.heartbeat_seconds:
            self._last_beat = now
            self.services.workers.beat(
                self.id, host=socket.gethostname(), pid=os.getpid(), job_id=job_id
            )
        if job_id is None and now - self._last_reap >= self.settings.stale_seconds / 2:
            self._last_reap = now
            for reaped in self.jobs.reap(
                stale_seconds=self.settings.stale_seconds,
                max_attempts=self.settings.max_attempts,
            ):
                log.warning(
                    "lost job handled",
                    extra={"job_id": reaped.job_id, "action": reaped.action, "worker_id": self.id},
                )
            for plan_id in self.services.lifecycle.activate_due():
                log.info("plan effective", extra={"job_id": plan_id, "worker_id": self.id})

    # -- one job -----------------------------------------------------------------------------
    def run_job(self, job: Job) -> None:
        """Run ``job`` (claimed by this worker) in a thread, keeping it alive, then record it."""
        s = self.settings
        control = SolveControl()
        box: dict[str, Outcome] = {}

        def write_progress(stage: str | None, progress: dict[str, Any]) -> None:
            self.jobs.progress(job.id, self.id, stage, progress)

        def target() -> None:
            box["outcome"] = execute(
                job,
                control,
                datasets=self.services.datasets,
                policies=self.services.policies,
                solver_workers=s.solver_workers,
                progress_seconds=s.progress_seconds,
                write_progress=write_progress,
                plans=self.services.plans.data,
            )

        log.info(
            "job started",
            extra={
                "job_id": job.id,
                "dataset_id": job.dataset_id,
                "kind": job.kind,
                "attempt": job.attempts,
                "worker_id": self.id,
            },
        )
        time_limit = float(job.params.get("time_limit", s.default_time_limit))
        # a scenario solves twice (baseline and scenario): give it two time limits
        budget = time_limit * (2 if job.kind == "scenario" else 1)
        started = time.monotonic()
        cancelled = lost = stopping = False
        thread = threading.Thread(target=target, name=f"solve-{job.id}", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(min(s.heartbeat_seconds, 1.0))
            if not thread.is_alive():
                break
            elapsed = time.monotonic() - started
            try:
                beat = self.jobs.heartbeat(job.id, self.id)
                self._housekeeping(job_id=job.id)
            except Exception as exc:  # a database hiccup: keep solving, try again next beat
                log.warning("heartbeat failed", extra={"error_type": type(exc).__name__})
                continue
            if beat.cancel and not cancelled:
                cancelled = True
                control.stop.set()
                log.info("job cancel seen", extra={"job_id": job.id})
            if not beat.owned and not lost:
                lost = True  # the reaper gave the job away: stop, and record nothing
                control.stop.set()
                log.warning("job lost to the reaper", extra={"job_id": job.id})
            if (self.shutdown.is_set() or self._orphaned()) and not stopping:
                stopping = True
                control.stop.set()
            if elapsed > budget + 10 and not control.stop.is_set():
                control.stop.set()
                log.warning("solve overran its time limit; stopping it", extra={"job_id": job.id})
            if elapsed > budget + s.stop_grace_seconds:
                self._give_up(job)
        outcome = box.get("outcome") or Outcome(error={"title": "no outcome"})
        self._record(job, outcome, cancelled=cancelled, lost=lost, stopping=stopping)

    def _give_up(self, job: Job) -> None:
        """The solve would not stop: fail the job and end this process (its thread cannot be
        killed); the supervisor starts a fresh worker."""
        log.error("solve did not stop; worker exiting", extra={"job_id": job.id})
        self.jobs.finish(
            job.id,
            self.id,
            status=FAILED,
            error={
                "type": "urn:rmalloc:problem:stuck",
                "title": "The solve did not stop",
                "status": 500,
                "detail": "the solve ran past its time limit and did not stop when asked",
            },
        )
        os._exit(EXIT_STUCK)

    def _record(
        self, job: Job, outcome: Outcome, *, cancelled: bool, lost: bool, stopping: bool
    ) -> None:
        if lost:
            return
        if stopping and not cancelled:
            self.jobs.release(job.id, self.id)
            log.info("job put back in the queue", extra={"job_id": job.id})
            return
        if cancelled:
            status = CANCELLED
            plan = outcome.plan
            error = None
        elif outcome.failed:
            status, plan, error = FAILED, None, outcome.error
        else:
            status, plan, error = DONE, outcome.plan, None
        recorded = self.jobs.finish(
            job.id,
            self.id,
            status=status,
            plan=plan,
            kpis=json_safe(outcome.kpis),
            result=json_safe(outcome.result),
            error=json_safe(error),
            progress=json_safe(outcome.progress),
            solve_seconds=outcome.solve_seconds,
        )
        log.info(
            "job finished",
            extra={
                "job_id": job.id,
                "status": status,
                "plan": plan is not None,
                "seconds": outcome.solve_seconds,
                "recorded": recorded,
            },
        )
