"""Threads that take heavy work off the server's message loop, one call at a time, in order.

Results come back as asyncio futures of the loop. The threads are daemons: a server told to exit
does not wait for a check still running (an indexing project stops at its next file).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Worker:
    """One daemon thread that runs the calls submitted to it, first in, first out."""

    def __init__(self, name: str, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], T]) -> asyncio.Future[T]:
        """Queue `call`; its result (or exception) arrives in the returned future. Loop thread only."""
        future: asyncio.Future[T] = self._loop.create_future()
        self._calls.put((call, future))
        return future

    def stop(self, timeout: float) -> None:
        """Run nothing more; give the running call `timeout` seconds to end (a cache write, say)."""
        self._calls.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (item := self._calls.get()) is not None:
            call, future = item
            try:
                result = call()
            except BaseException as error:  # handed to the awaiting handler, which reports it
                post(self._loop, _fail, future, error)
            else:
                post(self._loop, _succeed, future, result)


def post(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    """Run `callback(*args)` on the loop's thread; nothing once the loop has closed (the server exits)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
