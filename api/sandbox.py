"""Run a function in a short-lived child process with a deadline and a memory cap.

Parsing what a client uploads is the one place where the web process runs code on data it does
not control: a spreadsheet that inflates a thousandfold, a CSV whose rows defeat the reader. A
worker *thread* with a deadline cannot stop such a parse -- Python cannot kill a thread, and a
parser that holds the GIL starves every other request while it runs -- so the parse runs in a
child process instead, which the deadline kills outright, with an address-space cap so that a
runaway allocation fails in the child (``MemoryError``) instead of swapping the machine.

Children are forked from a *forkserver* that has already imported the parsers (pandas, pyarrow,
the allocator): the first call pays about half a second to start it, every later call about 40
ms (measured on the 2-core CI machine), against about 1.5 s for a fresh interpreter. Forking
the web process itself would copy its threads' locks (the database pool, logging) mid-use.

Results and arguments cross the process boundary by pickle, so both must be plain data.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

#: modules the forkserver imports once, so that each child starts with them loaded
PRELOAD = ["api.uploads"]

_context_lock = threading.Lock()
_context: Any = None


class SandboxError(Exception):
    """The child gave no answer: it overran its deadline, ran out of memory, or died.

    Attributes
    ----------
    reason : str
        ``timeout``, ``memory`` or ``crashed``.
    limit : float or int or None
        The limit that was hit (seconds, bytes), when one was.
    """

    def __init__(self, reason: str, detail: str, limit: float | int | None = None):
        self.reason, self.limit = reason, limit
        super().__init__(detail)


@dataclass(frozen=True)
class Limits:
    """What a child may use: ``seconds`` of wall time and ``memory_bytes`` of address space
    (0: no cap)."""

    seconds: float
    memory_bytes: int = 0


def _get_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def _child(
    conn: Connection, memory_bytes: int, fn: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except MemoryError:
        result = ("memory", None)
    conn.send(result)
    conn.close()


def run_bounded(fn: Callable[..., Any], *args: Any, limits: Limits) -> Any:
    """``fn(*args)`` in a child process, killed when it passes ``limits.seconds``.

    Blocks the calling thread (not the GIL) while it waits: call it from a worker thread
    (``run_in_threadpool``) in async code.

    Parameters
    ----------
    fn
        A module-level function (it is pickled by reference).
    args
        Its arguments (pickled).
    limits
        The deadline and the memory cap.

    Returns
    -------
    Any
        What ``fn`` returned. An exception ``fn`` raises is *not* carried back: ``fn`` should
        catch what it expects and return it as data.

    Raises
    ------
    SandboxError
        ``timeout`` (the child was killed at the deadline), ``memory`` (it ran out of address
        space) or ``crashed`` (it died without an answer).
    """
    ctx = _get_context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child, args=(send, limits.memory_bytes, fn, args), daemon=True, name="rmalloc-parse"
    )
    process.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            raise SandboxError("timeout", f"no answer within {limits.seconds:g} s", limits.seconds)
        try:
            status, value = receive.recv()
        except (EOFError, OSError):
            raise SandboxError("crashed", "the child process died without an answer") from None
        if status == "memory":
            raise SandboxError(
                "memory",
                f"more than {limits.memory_bytes} bytes of memory needed",
                limits.memory_bytes,
            )
        return value
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
        process.close()
