"""The job store against SQLite and PostgreSQL: datasets, the queue, the reaper, keys, workers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import update

from api import db
from api.models import Job
from api.store import CANCELLED, DONE, FAILED, QUEUED, RUNNING, QueueFullError, Store


def _dataset(store: Store, **kw: object) -> str:
    ds = store.add_dataset(
        {"customers": b"c", "rms": b"r"},
        n_customers=3,
        n_rms=1,
        n_branches=1,
        branches_given=False,
        sha256="0" * 64,
        **kw,  # type: ignore[arg-type]
    )
    return ds.id


def _age_heartbeat(store: Store, job_id: str, seconds: float) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    with store.writing() as s:
        s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))


def test_schema_is_at_head(store: Store) -> None:
    assert db.at_head(store.engine)
    db.migrate(store.engine)  # idempotent
    assert db.current_revision(store.engine) == db.head_revision()


def test_datasets_round_trip_with_lineage(store: Store) -> None:
    parent = _dataset(store, name="base")
    child = _dataset(store, parent_id=parent, derivation={"kind": "scenario"})
    got = store.get_dataset(child)
    assert got is not None and got.parent_id == parent and got.derivation == {"kind": "scenario"}
    assert got.created_at.tzinfo is not None
    assert store.dataset_tables(child) == {"customers": b"c", "rms": b"r"}
    assert {d.id for d in store.list_datasets()} == {parent, child}
    assert store.find_dataset("base").id == parent  # type: ignore[union-attr]
    assert store.count_datasets() == 2
    assert store.get_dataset("nope") is None


def test_queue_bound(store: Store) -> None:
    ds = _dataset(store)
    for _ in range(2):
        store.submit_job(dataset_id=ds, params={"time_limit": 1}, max_queued=2)
    with pytest.raises(QueueFullError):
        store.submit_job(dataset_id=ds, params={}, max_queued=2)
    assert store.count_jobs_by_status()[QUEUED] == 2


def test_claim_is_fifo_and_exclusive_under_concurrency(store: Store) -> None:
    ds = _dataset(store)
    ids = [store.submit_job(dataset_id=ds, params={}, max_queued=100).id for _ in range(12)]
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (job := store.claim_job(name)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)  # each job claimed exactly once
    jobs = [store.get_job(i) for i in ids]
    assert all(j is not None and j.status == RUNNING and j.attempts == 1 for j in jobs)


def test_first_claim_takes_oldest(store: Store) -> None:
    ds = _dataset(store)
    first = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    store.submit_job(dataset_id=ds, params={}, max_queued=10)
    assert store.claim_job("w").id == first.id  # type: ignore[union-attr]


def test_heartbeat_progress_and_finish_need_ownership(store: Store) -> None:
    ds = _dataset(store)
    job = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    assert store.claim_job("w1") is not None
    assert store.heartbeat(job.id, "w1").owned
    assert not store.heartbeat(job.id, "w2").owned
    store.record_progress(job.id, "w1", "cover_value", {"objective": 5.0})
    store.record_progress(job.id, "w2", "x", {"objective": 99.0})  # ignored
    got = store.get_job(job.id)
    assert got.stage == "cover_value" and got.progress == {"objective": 5.0}  # type: ignore[union-attr]
    assert not store.finish_job(job.id, "w2", status=DONE)
    assert store.finish_job(job.id, "w1", status=DONE, plan=b"plan", kpis={"assigned": 1})
    got = store.get_job(job.id)
    assert got.status == DONE and got.has_plan and got.kpis == {"assigned": 1}  # type: ignore[union-attr]
    assert store.get_plan(job.id) == b"plan"
    assert store.latest_plan_job(ds).id == job.id  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        store.finish_job(job.id, "w1", status=RUNNING)


def test_cancel_queued_is_immediate_and_running_is_flagged(store: Store) -> None:
    ds = _dataset(store)
    running = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    store.claim_job("w")
    queued = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    assert store.request_cancel(queued.id).status == CANCELLED  # type: ignore[union-attr]
    flagged = store.request_cancel(running.id)
    assert flagged.status == RUNNING and flagged.cancel_requested  # type: ignore[union-attr]
    assert store.heartbeat(running.id, "w").cancel


def test_reaper_requeues_once_then_fails(store: Store) -> None:
    ds = _dataset(store)
    job = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    store.claim_job("w1")
    assert store.reap(stale_seconds=30, max_attempts=2) == []  # fresh heartbeat
    _age_heartbeat(store, job.id, 60)
    assert [r.action for r in store.reap(stale_seconds=30, max_attempts=2)] == ["requeued"]
    got = store.get_job(job.id)
    assert got.status == QUEUED and got.worker_id is None and got.error["requeued"]  # type: ignore[index,union-attr]
    assert not store.finish_job(job.id, "w1", status=DONE)  # the dead worker cannot write
    store.claim_job("w2")
    _age_heartbeat(store, job.id, 60)
    assert [r.action for r in store.reap(stale_seconds=30, max_attempts=2)] == ["failed"]
    got = store.get_job(job.id)
    assert got.status == FAILED and got.attempts == 2 and "heartbeat" in got.error["detail"]  # type: ignore[index,union-attr]


def test_reaper_cancels_a_lost_job_whose_cancel_was_asked(store: Store) -> None:
    ds = _dataset(store)
    job = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    store.claim_job("w1")
    store.request_cancel(job.id)
    _age_heartbeat(store, job.id, 60)
    assert [r.action for r in store.reap(stale_seconds=30, max_attempts=2)] == [CANCELLED]


def test_release_puts_job_back_without_counting(store: Store) -> None:
    ds = _dataset(store)
    job = store.submit_job(dataset_id=ds, params={}, max_queued=10)
    store.claim_job("w1")
    assert store.release_job(job.id, "w1")
    got = store.get_job(job.id)
    assert got.status == QUEUED and got.attempts == 0  # type: ignore[union-attr]


def test_keys_and_workers(store: Store) -> None:
    store.add_key("k1", "a" * 64, "admin", "ops")
    store.add_key("k2", "b" * 64, "viewer", None)
    assert store.count_active_keys() == 2 and store.count_active_keys("admin") == 1
    assert store.revoke_key("k2").revoked_at is not None  # type: ignore[union-attr]
    assert store.count_active_keys() == 1
    assert [k.id for k in store.list_keys()] == ["k1", "k2"]
    assert store.last_worker_heartbeat() is None
    store.worker_beat("w1", host="h", pid=1, job_id=None)
    assert store.last_worker_heartbeat() is not None
    store.worker_stopped("w1")
    assert store.last_worker_heartbeat() is None


def test_solve_seconds_histogram(store: Store) -> None:
    ds = _dataset(store)
    for seconds in (0.4, 3.0):
        job = store.submit_job(dataset_id=ds, params={}, max_queued=10)
        store.claim_job("w")
        store.finish_job(job.id, "w", status=DONE, solve_seconds=seconds)
    counts, total, count = store.solve_seconds_histogram((1.0, 10.0))
    assert counts == [1, 2] and count == 2 and total == pytest.approx(3.4)
