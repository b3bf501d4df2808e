"""Prometheus metrics: requests of this process, and jobs and solve times from the database
(the solves run in worker processes, so their numbers are read from the database at scrape
time)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from api.models import utcnow
from api.services.jobs import JobService
from api.services.workers import WorkerService

SOLVE_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


class DatabaseCollector(Collector):
    """Jobs by status, solve seconds and the age of the newest worker heartbeat."""

    def __init__(self, jobs: JobService, workers: WorkerService):
        self.jobs = jobs
        self.workers = workers

    def collect(self) -> Iterable[Metric]:
        jobs = GaugeMetricFamily("rmalloc_jobs", "Jobs by status.", labels=["status"])
        for status, n in self.jobs.count_by_status().items():
            jobs.add_metric([status], n)
        yield jobs
        counts, total, count = self.jobs.solve_seconds_histogram(SOLVE_BUCKETS)
        buckets = [(str(float(b)), c) for b, c in zip(SOLVE_BUCKETS, counts, strict=True)]
        buckets.append(("+Inf", count))
        yield HistogramMetricFamily(
            "rmalloc_solve_seconds",
            "Wall time of finished jobs in their worker.",
            buckets=buckets,
            sum_value=total,
        )
        beat = self.workers.last_heartbeat()
        age = GaugeMetricFamily(
            "rmalloc_worker_heartbeat_age_seconds",
            "Seconds since the newest heartbeat of a running worker (-1: none).",
        )
        age.add_metric([], (utcnow() - beat).total_seconds() if beat else -1.0)
        yield age


class Metrics:
    """The metrics of one app (a registry per app, so tests can build many apps)."""

    def __init__(self, jobs: JobService, workers: WorkerService):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rmalloc_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rmalloc_http_request_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(DatabaseCollector(jobs, workers))

    def observe(self, method: str, route: str, status: int, started: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(time.perf_counter() - started)
