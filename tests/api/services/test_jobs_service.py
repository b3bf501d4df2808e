"""JobService against SQLite and PostgreSQL: the queue, ownership of running jobs, the reaper."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import update
from tests_api_helpers import stub_bank  # type: ignore[import-not-found]

from allocator.params import SolveParams
from api.models import Job
from api.services import Services
from api.services.errors import JobFinishedError, NotFoundError, QueueFullError
from api.services.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING
from api.services.params import JobParams

SOLVE = JobParams(SolveParams(time_limit=1.0))


def _dataset(services: Services) -> str:
    return services.datasets.add(stub_bank()).id


def _submit(services: Services, ds: str, max_queued: int = 100) -> Job:
    return services.jobs.submit(SOLVE, dataset_id=ds, max_queued=max_queued)


def _age_heartbeat(services: Services, job_id: str, seconds: float) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    with services.db.writing() as s:
        s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))


def test_submit_stores_typed_params_as_json(services: Services) -> None:
    ds = _dataset(services)
    job = services.jobs.submit(
        JobParams(SolveParams(time_limit=5.0, seed=3), policy={"version": 1}),
        dataset_id=ds,
        max_queued=10,
        created_by="k1",
    )
    got = services.jobs.require(job.id)
    assert got.kind == "solve" and got.status == QUEUED and got.created_by == "k1"
    assert got.params == {"policy": {"version": 1}, "time_limit": 5.0, "seed": 3, "backend": "auto"}
    assert JobParams.from_json(got.params).params == SolveParams(time_limit=5.0, seed=3)


def test_queue_bound(services: Services) -> None:
    ds = _dataset(services)
    for _ in range(2):
        _submit(services, ds, max_queued=2)
    with pytest.raises(QueueFullError) as info:
        _submit(services, ds, max_queued=2)
    assert (info.value.queued, info.value.max_queued) == (2, 2)
    assert services.jobs.count_by_status()[QUEUED] == 2


def test_claim_is_fifo_and_exclusive_under_concurrency(services: Services) -> None:
    ds = _dataset(services)
    ids = [_submit(services, ds).id for _ in range(12)]
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (job := services.jobs.claim(name)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)  # each job claimed exactly once
    jobs = [services.jobs.get(i) for i in ids]
    assert all(j is not None and j.status == RUNNING and j.attempts == 1 for j in jobs)


def test_first_claim_takes_oldest(services: Services) -> None:
    ds = _dataset(services)
    first = _submit(services, ds)
    _submit(services, ds)
    assert services.jobs.claim("w").id == first.id  # type: ignore[union-attr]


def test_heartbeat_progress_and_finish_need_ownership(services: Services) -> None:
    jobs = services.jobs
    ds = _dataset(services)
    job = _submit(services, ds)
    assert jobs.claim("w1") is not None
    assert jobs.heartbeat(job.id, "w1").owned
    assert not jobs.heartbeat(job.id, "w2").owned
    jobs.progress(job.id, "w1", "cover_value", {"objective": 5.0})
    jobs.progress(job.id, "w2", "x", {"objective": 99.0})  # ignored
    got = jobs.require(job.id)
    assert got.stage == "cover_value" and got.progress == {"objective": 5.0}
    assert not jobs.finish(job.id, "w2", status=DONE)
    assert jobs.finish(job.id, "w1", status=DONE, plan=b"plan", kpis={"assigned": 1})
    got = jobs.require(job.id)
    assert got.status == DONE and got.has_plan and got.kpis == {"assigned": 1}
    assert services.plans.data(job.id) == b"plan"
    with pytest.raises(ValueError):
        jobs.finish(job.id, "w1", status=RUNNING)


def test_cancel_queued_is_immediate_and_running_is_flagged(services: Services) -> None:
    jobs = services.jobs
    ds = _dataset(services)
    running = _submit(services, ds)
    jobs.claim("w")
    queued = _submit(services, ds)
    assert jobs.cancel(queued.id).status == CANCELLED
    flagged = jobs.cancel(running.id)
    assert flagged.status == RUNNING and flagged.cancel_requested
    assert jobs.heartbeat(running.id, "w").cancel
    with pytest.raises(JobFinishedError, match="is already cancelled"):
        jobs.cancel(queued.id)
    with pytest.raises(NotFoundError, match="no job 'job_nope'"):
        jobs.cancel("job_nope")


def test_reaper_requeues_once_then_fails(services: Services) -> None:
    jobs = services.jobs
    ds = _dataset(services)
    job = _submit(services, ds)
    jobs.claim("w1")
    assert jobs.reap(stale_seconds=30, max_attempts=2) == []  # fresh heartbeat
    _age_heartbeat(services, job.id, 60)
    assert [r.action for r in jobs.reap(stale_seconds=30, max_attempts=2)] == ["requeued"]
    got = jobs.require(job.id)
    assert got.status == QUEUED and got.worker_id is None and got.error["requeued"]  # type: ignore[index]
    assert not jobs.finish(job.id, "w1", status=DONE)  # the dead worker cannot write
    jobs.claim("w2")
    _age_heartbeat(services, job.id, 60)
    assert [r.action for r in jobs.reap(stale_seconds=30, max_attempts=2)] == ["failed"]
    got = jobs.require(job.id)
    assert got.status == FAILED and got.attempts == 2 and "heartbeat" in got.error["detail"]  # type: ignore[index]


def test_reaper_cancels_a_lost_job_whose_cancel_was_asked(services: Services) -> None:
    ds = _dataset(services)
    job = _submit(services, ds)
    services.jobs.claim("w1")
    services.jobs.cancel(job.id)
    _age_heartbeat(services, job.id, 60)
    assert [r.action for r in services.jobs.reap(stale_seconds=30, max_attempts=2)] == [CANCELLED]


def test_release_puts_job_back_without_counting(services: Services) -> None:
    ds = _dataset(services)
    job = _submit(services, ds)
    services.jobs.claim("w1")
    assert services.jobs.release(job.id, "w1")
    assert not services.jobs.release(job.id, "w1")  # not running any more
    got = services.jobs.require(job.id)
    assert got.status == QUEUED and got.attempts == 0


def test_page_filters(services: Services) -> None:
    jobs = services.jobs
    ds, other = _dataset(services), _dataset(services)
    done = _submit(services, ds)
    jobs.claim("w")
    jobs.finish(done.id, "w", status=DONE)
    _submit(services, ds)
    _submit(services, other)
    assert len(jobs.page()) == 3
    assert [j.id for j in jobs.page(status=DONE)] == [done.id]
    assert len(jobs.page(dataset_id=ds)) == 2
    assert len(jobs.page(limit=1)) == 1


def test_solve_seconds_histogram(services: Services) -> None:
    ds = _dataset(services)
    for seconds in (0.4, 3.0):
        job = _submit(services, ds)
        services.jobs.claim("w")
        services.jobs.finish(job.id, "w", status=DONE, solve_seconds=seconds)
    counts, total, count = services.jobs.solve_seconds_histogram((1.0, 10.0))
    assert counts == [1, 2] and count == 2 and total == pytest.approx(3.4)
