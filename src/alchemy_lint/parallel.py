"""Parsing and facts extraction, in this process alone or shared with worker processes (`-j N`).

Workers parse the bytes the engine read (so facts match the digest they are cached under),
write the cache entry themselves and send back the facts, which are plain picklable data (as
the cache entry's bytes, when they wrote one).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING, TypeVar, cast

from alchemy_lint.cache import Cache
from alchemy_lint.collector import frozen_for_fork, making_kept_objects, rare_collections
from alchemy_lint.noqa import noqa_lines
from alchemy_lint.records import record

if TYPE_CHECKING:
    import multiprocessing.context
    import multiprocessing.queues
    from concurrent.futures import ProcessPoolExecutor

    from alchemy_lint.facts import FileFacts

#: Below this many files to parse, a pool costs more than it saves.
MIN_FILES_FOR_POOL = 16


class JobKind(str, Enum):
    #: Parse and extract facts: a file that can matter.
    FACTS = "facts"
    #: Parse only, for ASA001: a checked file that the prefilter skipped.
    SYNTAX = "syntax"


@record
class ParseJob:
    kind: JobKind
    display: str
    module: str
    is_package: bool
    source: bytes
    cache_key: str | None
    #: Read the noqa comments into the facts; the engine reads them only for files with findings
    #: (flake8-exact noqa reading tokenizes the file, which costs more than parsing it).
    read_noqa: bool = True


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def run_job(job: ParseJob, cache: Cache | None = None) -> FileFacts:
    facts = facts_for_job(job)
    if cache is not None and job.cache_key is not None:
        cache.store(job.kind.value, job.cache_key, facts)
    return facts


def shipped_job(job: ParseJob, cache: Cache | None) -> FileFacts | PickledFacts:
    """`run_job` in a worker process: what it sends back, which unpickles as the facts.

    Facts written to the cache were pickled for it already: they cross the pipe as those
    bytes, not pickled a second time.
    """
    facts = facts_for_job(job)
    if cache is None or job.cache_key is None:
        return facts
    payload = cache.store(job.kind.value, job.cache_key, facts)
    return facts if payload is None else PickledFacts(payload)


class PickledFacts:
    """Facts as the bytes `pickle` made of them: pickled, they are those bytes and a call to
    `pickle.loads`, so that what the receiving process unpickles is the facts themselves."""

    __slots__ = ("payload",)

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __reduce__(self) -> tuple[Callable[[bytes], object], tuple[bytes]]:
        return pickle.loads, (self.payload,)


def facts_for_job(job: ParseJob) -> FileFacts:
    with making_kept_objects():
        return _facts_for_job(job)


def _facts_for_job(job: ParseJob) -> FileFacts:
    # Imported by the first job (before any worker forks), not by the engine's import: a run
    # answered from the cache parses nothing.
    from alchemy_lint.facts import FileFacts, extract_facts, parse_source
    from alchemy_lint.facts.extract import PARSE_ERRORS

    try:
        tree = parse_source(job.source, job.display)
    except PARSE_ERRORS as error:
        line, col = error_position(error)
        facts = FileFacts(
            job.display,
            job.module,
            job.is_package,
            parse_error=describe_parse_error(error),
            error_line=line,
            error_col=col,
        )
        return with_noqa(facts, job.source) if job.read_noqa else facts
    if job.kind is JobKind.SYNTAX:
        return FileFacts(job.display, job.module, job.is_package)
    facts = extract_facts(tree, job.display, job.module, job.is_package, job.source)
    return with_noqa(facts, job.source) if job.read_noqa else facts


def with_noqa(facts: FileFacts, source: bytes) -> FileFacts:
    if b"noqa" not in source.lower():
        return facts
    return replace(facts, noqa=noqa_lines(source.decode("utf-8", errors="replace")))


def error_position(error: BaseException) -> tuple[int, int]:
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno, max((error.offset or 1) - 1, 0)
    return 1, 0


def describe_parse_error(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{error.msg} ({type(error).__name__})"
    if isinstance(error, RecursionError):
        return "too deeply nested for Python's parser (RecursionError)"
    if isinstance(error, MemoryError):
        return "too large or too deeply nested for Python's parser (MemoryError)"
    return f"{error} ({type(error).__name__})"


R = TypeVar("R")

#: What this worker process does with an item number, set once by `_start_worker`: inherited
#: at the fork (copy-on-write, so the jobs, facts and index it reads never cross a pipe), or
#: unpickled once in a spawned worker.
_worker_task: Callable[[int], object] | None = None


def _start_worker(task: Callable[[int], object]) -> None:
    global _worker_task
    # Ctrl-C reaches the whole process group: the main process stops the workers, and a
    # worker's own KeyboardInterrupt would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_task = task


def _work(numbers: Sequence[int]) -> list[object]:
    assert _worker_task is not None
    # A spawned worker starts with the default thresholds; a forked one inherits the rare ones.
    with rare_collections():
        return [_worker_task(number) for number in numbers]


@record
class _FactsTask:
    """Parse and extract job `number`: picklable, so that a spawned worker can do it too."""

    jobs: Sequence[ParseJob]
    cache: Cache | None

    def __call__(self, number: int) -> FileFacts:
        return run_job(self.jobs[number], self.cache)

    def shipped(self, number: int) -> FileFacts | PickledFacts:
        return shipped_job(self.jobs[number], self.cache)


class WorkerDied(Exception):
    """A worker process died (killed, or out of memory) in two pools in a row."""

    def __init__(self, unfinished: int, doing: str = "parsing") -> None:
        super().__init__(
            f"a worker process died while {doing} (killed, or out of memory?); {unfinished} "
            f"file{'s' if unfinished != 1 else ''} could not be checked: run again, or with -j 1"
        )


#: How long a stopped pool's thread may take to mark its futures broken before the run goes
#: on without it.
MANAGER_EXIT_SECONDS = 10.0

#: Pools to try before giving up: a worker killed once (the OOM killer, a stray kill -9)
#: costs a second pool for the files it had not answered for; killed again, the run ends.
POOL_ATTEMPTS = 2


def run_jobs(jobs: Sequence[ParseJob], workers: int, cache: Cache | None) -> list[FileFacts]:
    """The facts of each job, in order, shared with worker processes when there are enough.

    Raises WorkerDied when workers keep dying; never waits on a worker that is gone.
    """
    if len(jobs) < MIN_FILES_FOR_POOL:
        return [run_job(job, cache) for job in jobs]
    import alchemy_lint.facts  # noqa: F401 - here, once, rather than in each forked worker

    costs = [len(job.source) + FILE_COST_BYTES for job in jobs]
    task = _FactsTask(jobs, cache)
    return share_work(task, costs, workers, cache=cache, shipped=task.shipped)


def share_work(
    task: Callable[[int], R],
    costs: Sequence[int],
    workers: int,
    *,
    cache: Cache | None = None,
    fork_only: bool = False,
    doing: str = "parsing",
    shipped: Callable[[int], object] | None = None,
) -> list[R]:
    """`task(number)` for every item number, in order, done by `workers` processes: this one
    and `workers - 1` worker processes; `costs` weighs each item (bytes of source).

    `shipped(number)`: what a worker process does instead of `task(number)` and sends back,
    which must unpickle as what `task(number)` returns (see `PickledFacts`).

    `fork_only`: the task reads what this process holds (the project's index) and can only run
    in a forked worker; where forking is not safe, this process does all of it. A worker that
    dies costs a second pool for what it had not answered; raises WorkerDied when they keep
    dying, and never waits on a worker that is gone.
    """
    if workers <= 1 or len(costs) < 2 or _in_daemon_process():
        return [task(number) for number in range(len(costs))]
    # Only where a pool may start: a one-file check, `-j 1` and the warm path import neither
    # (some 20 ms of a one-file check's start).
    from concurrent.futures.process import BrokenProcessPool

    context = _pool_context()
    if fork_only and context.get_start_method() != "fork":
        return [task(number) for number in range(len(costs))]
    done: dict[int, R] = {}
    for _ in range(POOL_ATTEMPTS):
        try:
            with frozen_for_fork() if context.get_start_method() == "fork" else nullcontext():
                _run_in_pool(task, shipped or task, costs, workers, context, cache, done)
        except BrokenProcessPool:
            continue
        return [done[number] for number in range(len(costs))]
    raise WorkerDied(len(costs) - len(done), doing)


def _in_daemon_process() -> bool:
    """Whether this is a daemon process (a flake8 `-j` worker), which may not start children.

    A process that `multiprocessing` started has imported it: one that has not is no daemon.
    """
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is not None and bool(multiprocessing.current_process().daemon)


def _pool_context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # fork starts workers without re-importing anything, but only a process without other
    # threads forks safely (a lock held by another thread stays held in the child): the
    # language server reads stdin in one thread and indexes in another, so it spawns.
    single_threaded = threading.active_count() == 1
    fork = "fork" in multiprocessing.get_all_start_methods() and single_threaded
    return multiprocessing.get_context("fork" if fork else "spawn")


#: Chunks the pool's share is cut into per process, for the remaining work (guided
#: scheduling): big chunks while much is left, small ones at the end, so that no process
#: finishes long before the others.
CHUNKS_PER_PROCESS = 4
#: The smallest chunk, in bytes of source (some 10 ms of parsing and walking): below it, the
#: round trip through the pipes costs more than waiting.
MIN_CHUNK_BYTES = 48 * 1024
#: What a file costs beyond its bytes (its parse set-up, its facts), as bytes of source.
FILE_COST_BYTES = 512


class _Schedule:
    """The items still to do, largest first: the pool takes chunks from the front, the main
    process one item at a time from the back, until they meet.

    Largest first, so that the end of the run is made of small items that share out evenly;
    and the main process does the small ones, which would cost the pool more in pipe traffic
    (their results pickled, sent and unpickled) than in work.
    """

    def __init__(self, costs: Sequence[int], numbers: Iterable[int], processes: int) -> None:
        self._order = deque(sorted(numbers, key=lambda number: (-costs[number], number)))
        self._costs = costs
        self._left = sum(costs[number] for number in self._order)
        self._processes = processes

    def next_chunk(self) -> list[int]:
        budget = max(self._left // (CHUNKS_PER_PROCESS * self._processes), MIN_CHUNK_BYTES)
        chunk: list[int] = []
        spent = 0
        while self._order and spent < budget:
            number = self._order.popleft()
            chunk.append(number)
            spent += self._costs[number]
        self._left -= spent
        return chunk

    def next_own(self) -> int | None:
        if not self._order:
            return None
        number = self._order.pop()
        self._left -= self._costs[number]
        return number


def _run_in_pool(
    task: Callable[[int], R],
    shipped: Callable[[int], object],
    costs: Sequence[int],
    workers: int,
    context: multiprocessing.context.BaseContext,
    cache: Cache | None,
    done: dict[int, R],
) -> None:
    """Fill `done` with the results of the items not in it yet, by item number; on any way out
    but success (a dead worker, Ctrl-C) the workers are stopped at once and their half-written
    cache files removed."""
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    schedule = _Schedule(costs, (number for number in range(len(costs)) if number not in done), workers)
    helpers = workers - 1
    # A forked worker inherits the task and what it reads; a spawned one unpickles it once.
    pool = ProcessPoolExecutor(helpers, mp_context=context, initializer=_start_worker, initargs=(shipped,))
    # The queues have feeder threads that write into pipes. Once a worker is killed, one can
    # block on a full pipe for good, and multiprocessing's exit handler would wait for it
    # forever (a hang seen in the sweep, bench/reliability.md). Every answer we need has
    # arrived by then: never wait.
    work_queue: multiprocessing.queues.Queue[object] | None = getattr(pool, "_call_queue", None)
    if work_queue is not None:
        work_queue.cancel_join_thread()
    in_flight: dict[Future[list[object]], list[int]] = {}
    # The pool's thread appends each future it finishes here. Between two of its own items
    # this process looks at the deque, which takes no lock: asking each future `done()` takes
    # its lock, and Ctrl-C landing just after a lock is taken can leave it held (the pool's
    # thread then waits for it forever, and so does the shutdown).
    finished: deque[Future[list[object]]] = deque()

    def collect(futures: Iterable[Future[list[object]]]) -> None:
        for future in futures:
            numbers = in_flight.pop(future, None)
            if numbers is not None:  # (not collected already)
                # What `shipped` returned in the worker, unpickled as what `task` returns.
                done.update(zip(numbers, cast("list[R]", future.result()), strict=True))

    def drain() -> Iterator[Future[list[object]]]:
        while finished:
            yield finished.popleft()

    def top_up() -> None:
        # One chunk running and one waiting per worker: a worker never waits for this process,
        # which looks in only between two of its own items.
        while len(in_flight) < 2 * helpers and (chunk := schedule.next_chunk()):
            future = pool.submit(_work, chunk)
            in_flight[future] = chunk
            future.add_done_callback(finished.append)

    try:
        top_up()
        while (own := schedule.next_own()) is not None:
            done[own] = task(own)
            if finished:
                collect(drain())
                top_up()
        while in_flight:
            collect(wait(in_flight, return_when=FIRST_COMPLETED).done)
    except BaseException:
        _stop_workers(pool)
        if cache is not None:
            cache.remove_stale_temporaries()
        raise
    pool.shutdown()
    # Every item was read, so the feeder thread has nothing left to write: wait for it, so
    # that this process has one thread again and may fork the next pool (the rules').
    feeder: threading.Thread | None = getattr(work_queue, "_thread", None)
    if feeder is not None:
        feeder.join()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:
        processes = list((pool._processes or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
    # Not `cancel_futures`, for the same reason as above: the pool's thread marks them broken.
    # Its workers are gone, so it has nothing left to wait for; but should it be stuck, the
    # run still ends (the command exits without joining threads).
    pool.shutdown(wait=False)
    manager: threading.Thread | None = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(MANAGER_EXIT_SECONDS)


__all__ = ["JobKind", "ParseJob", "WorkerDied", "default_jobs", "run_jobs", "share_work"]
