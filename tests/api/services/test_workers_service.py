"""WorkerService against SQLite and PostgreSQL: heartbeats, clean stops, the newest beat."""

from __future__ import annotations

from api.services import Services


def test_beats_and_stops(services: Services) -> None:
    workers = services.workers
    assert workers.last_heartbeat() is None
    workers.beat("w1", host="h", pid=1, job_id=None)
    first = workers.last_heartbeat()
    assert first is not None and first.tzinfo is not None
    workers.beat("w1", host="h", pid=1, job_id="job_x")  # a second beat updates the row
    assert [(w.id, w.job_id) for w in workers.recent()] == [("w1", "job_x")]
    workers.stopped("w1")
    assert workers.last_heartbeat() is None  # a stopped worker is not a live one
    assert workers.recent()[0].stopped_at is not None and workers.recent()[0].job_id is None
    workers.beat("w1", host="h", pid=1, job_id=None)  # a restarted worker counts again
    assert workers.last_heartbeat() is not None
