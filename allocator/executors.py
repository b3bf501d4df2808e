"""Where the parts of a decomposed solve run: worker processes on this machine, or a Dask cluster.

The ``decompose`` backend (:mod:`allocator.backends.decompose`) hands its parts to a
:class:`PartExecutor` that :func:`part_executor` makes:

- :class:`LocalProcesses` (no scheduler): a ``ProcessPoolExecutor`` over a ``forkserver``
  context (never plain fork: solver threads do not survive it), ``workers`` processes. A stop
  request reaches the parts through a ``multiprocessing`` event; their progress comes back
  through a queue (both handed to each process by the pool's initialiser: synchronisation
  objects cannot travel with a task).
- :class:`DaskCluster` (``SolveParams.scheduler``, ``rmalloc allocate --scheduler ADDRESS``): a
  ``distributed.Client(address).get_executor()``, the same ``concurrent.futures`` interface on
  the workers of a Dask cluster. Each part is scattered to a worker, then solved there. A stop
  request is a ``distributed.Event`` named for the solve: a running part watches it (a thread
  long-polls ``Event.wait`` at the scheduler) and stops with its best so far, and a part that
  starts after it is set returns its start at once -- cancelling futures would not do, since a
  cancelled running task's best-so-far is lost. Progress comes back per finished part: a
  part's intermediate figures would each cost a round trip through the scheduler.
  The connection is tried with a short timeout (``settings.decompose.connect_timeout``) and a
  cluster without workers is refused: a wrong address is a :class:`SchedulerError`, never a
  hang, and never a silent local solve.

Each executor gives its tasks a picklable :class:`Channel`: on the worker, the channel yields
the part's stop signal and takes its progress. Everything else a part needs travels in the task.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import queue
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from allocator.errors import SchedulerError
from allocator.solution import Progress

log = logging.getLogger(__name__)

#: seconds to reach a Dask scheduler, and for its first worker to be there
CONNECT_TIMEOUT = 10.0


class StopSignal(Protocol):
    """What a part watches: a ``threading``/``multiprocessing``/``distributed`` event."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


# ------------------------------------------------------------------------------------------------
# channels: how a part, wherever it runs, hears a stop request and reports progress
# ------------------------------------------------------------------------------------------------
class Channel:
    """A part's link back to the solve that sent it (picklable: it travels with every task).

    This base links nothing: no stop signal, progress dropped.
    """

    #: seconds between looks at the stop signal (a look at a cluster's event costs a round trip)
    poll: float = 0.05

    def stop_signal(self) -> StopSignal | None:
        """The event a stop request sets (``None``: none to watch). Called in the task's thread."""
        return None

    def post(self, index: int, progress: Progress) -> None:
        """Report the progress of part ``index``."""


#: what the pool's initialiser hands a worker process
_WORKER: dict[str, Any] = {}


def _init_worker(stop: Any, messages: Any) -> None:
    """Process initialiser: the shared stop event and the progress queue."""
    _WORKER["stop"] = stop
    _WORKER["messages"] = messages


class ProcessChannel(Channel):
    """The link of a part in a local worker process: what :func:`_init_worker` left there."""

    def stop_signal(self) -> StopSignal | None:
        stop: StopSignal | None = _WORKER.get("stop")
        return stop

    def post(self, index: int, progress: Progress) -> None:
        messages = _WORKER.get("messages")
        if messages is not None:
            messages.put((index, progress))


class DaskChannel(Channel):
    """The link of a part on a Dask worker: the solve's ``distributed.Event``, by name."""

    poll = 0.5

    def __init__(self, event_name: str):
        self.event_name = event_name

    def stop_signal(self) -> StopSignal | None:
        from distributed import Event, get_client

        # the worker's client, taken in the task's thread (a watcher thread has no worker)
        event: StopSignal = Event(self.event_name, client=get_client())
        return event


# ------------------------------------------------------------------------------------------------
# executors
# ------------------------------------------------------------------------------------------------
class PartExecutor(ABC):
    """Runs parts somewhere: ``submit`` gives a ``concurrent.futures.Future`` of each.

    Attributes
    ----------
    lanes : int
        Parts that run at once (the time limit is shared among this many lanes).
    channel : Channel
        What every task carries back to this solve.
    where : str
        Where the parts run (for logs).
    """

    lanes: int
    channel: Channel
    where: str

    @abstractmethod
    def submit(self, fn: Callable[[Any], Any], task: Any) -> cf.Future[Any]:
        """Start ``fn(task)`` somewhere."""

    @abstractmethod
    def stop(self) -> None:
        """Tell every part, running or not started yet, to stop."""

    def progress(self) -> list[tuple[int, Progress]]:
        """The progress reports that came in since the last call, as ``(part, progress)``."""
        return []

    @abstractmethod
    def close(self) -> None:
        """Release the processes or the connection (after the futures are done)."""

    def __enter__(self) -> PartExecutor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.stop()
        self.close()


def _context() -> Any:
    """``forkserver`` where there is one (children fork from a clean server that has imported
    the backends once), else ``spawn``; never plain fork (solver threads do not survive it)."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["allocator.backends"])
        return ctx
    return multiprocessing.get_context("spawn")


class LocalProcesses(PartExecutor):
    """``workers`` processes on this machine."""

    def __init__(self, workers: int):
        ctx = _context()
        self._stop = ctx.Event()
        self._messages = ctx.Queue()
        self._pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self._stop, self._messages),
        )
        self.lanes = workers
        self.channel = ProcessChannel()
        self.where = f"{workers} local processes"

    def submit(self, fn: Callable[[Any], Any], task: Any) -> cf.Future[Any]:
        return self._pool.submit(fn, task)

    def stop(self) -> None:
        self._stop.set()

    def progress(self) -> list[tuple[int, Progress]]:
        out: list[tuple[int, Progress]] = []
        while True:
            try:
                out.append(self._messages.get_nowait())
            except queue.Empty:
                return out
            except (OSError, ValueError, EOFError):  # the queue is closed
                return out

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._messages.close()


class DaskCluster(PartExecutor):
    """The workers of the Dask cluster whose scheduler listens at ``address``.

    Raises
    ------
    allocator.errors.SchedulerError
        When Dask is missing, the scheduler does not answer within ``connect_timeout`` seconds,
        or no worker is there within that time.
    """

    def __init__(self, address: str, connect_timeout: float = CONNECT_TIMEOUT):
        try:
            from distributed import Client, Event
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise SchedulerError(address, "dask.distributed is not installed") from exc
        try:
            self._client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(
                address, f"no answer within {connect_timeout:g}s ({exc})"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=connect_timeout)
        except (OSError, TimeoutError) as exc:
            self._client.close()
            raise SchedulerError(address, f"no worker within {connect_timeout:g}s") from exc
        self.lanes = max(1, sum(self._client.nthreads().values()))
        name = f"rmalloc-stop-{uuid.uuid4().hex}"
        self._event = Event(name, client=self._client)
        self._executor = self._client.get_executor(pure=False)
        self.channel = DaskChannel(name)
        self.where = f"Dask cluster {address} ({self.lanes} worker threads)"

    def submit(self, fn: Callable[[Any], Any], task: Any) -> cf.Future[Any]:
        # scattered first: a part (arrays of a province) is data, not a task graph to ship
        data = self._client.scatter(task, hash=False)
        future: cf.Future[Any] = self._executor.submit(fn, data)
        return future

    def stop(self) -> None:
        try:
            self._event.set()
        except (OSError, RuntimeError) as exc:  # the scheduler went away: parts end anyway
            log.warning("decompose: cannot send the stop request to the cluster: %r", exc)

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self._event.clear()  # the scheduler forgets an event nobody waits on
        self._client.close()


def part_executor(
    workers: int, scheduler: str | None = None, connect_timeout: float = CONNECT_TIMEOUT
) -> PartExecutor:
    """Local processes (``workers`` of them), or the Dask cluster at ``scheduler``.

    Raises
    ------
    allocator.errors.SchedulerError
        When the cluster cannot be used (see :class:`DaskCluster`).
    """
    if scheduler is not None:
        return DaskCluster(scheduler, connect_timeout)
    return LocalProcesses(workers)
