"""Parsing and facts extraction, in this process or in a pool of worker processes (`-j N`).

Workers receive the bytes the engine read (so facts match the digest they are cached under),
write the cache entry themselves and send back the facts, which are plain picklable data.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

from alchemy_lint.cache import Cache
from alchemy_lint.collector import rare_collections
from alchemy_lint.facts import FileFacts, extract_facts, parse_source
from alchemy_lint.facts.extract import PARSE_ERRORS
from alchemy_lint.noqa import noqa_lines

if TYPE_CHECKING:
    import multiprocessing.queues
    from concurrent.futures import ProcessPoolExecutor

#: Below this many files to parse, a pool costs more than it saves.
MIN_FILES_FOR_POOL = 16


class JobKind(str, Enum):
    #: Parse and extract facts: a file that can matter.
    FACTS = "facts"
    #: Parse only, for ASA001: a checked file that the prefilter skipped.
    SYNTAX = "syntax"


@dataclass(frozen=True, slots=True)
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


def facts_for_job(job: ParseJob) -> FileFacts:
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
    facts = extract_facts(tree, job.display, job.module, job.is_package)
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


def _pool_chunk(jobs: Sequence[ParseJob], cache: Cache | None) -> list[FileFacts]:
    # A spawned worker starts with the default thresholds; a forked one inherits the rare ones.
    with rare_collections():
        return [run_job(job, cache) for job in jobs]


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the main process stops the workers, and a
    # worker's own KeyboardInterrupt would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class WorkerDied(Exception):
    """A worker process died (killed, or out of memory) in two pools in a row."""

    def __init__(self, unfinished: int) -> None:
        super().__init__(
            f"a worker process died while parsing (killed, or out of memory?); {unfinished} "
            f"file{'s' if unfinished != 1 else ''} could not be checked: run again, or with -j 1"
        )


#: Pools to try before giving up: a worker killed once (the OOM killer, a stray kill -9)
#: costs a second pool for the files it had not answered for; killed again, the run ends.
POOL_ATTEMPTS = 2


def run_jobs(jobs: Sequence[ParseJob], workers: int, cache: Cache | None) -> list[FileFacts]:
    """The facts of each job, in order; in a pool when there are workers and enough files.

    Raises WorkerDied when workers keep dying; never waits on a worker that is gone.
    """
    # Not on the warm path, where every answer comes from the cache.
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    if workers <= 1 or len(jobs) < MIN_FILES_FOR_POOL or multiprocessing.current_process().daemon:
        # A daemon process (a flake8 -j worker) may not start children.
        return [run_job(job, cache) for job in jobs]
    done: list[FileFacts] = []
    for _ in range(POOL_ATTEMPTS):
        try:
            _run_in_pool(jobs[len(done) :], workers, cache, done)
        except BrokenProcessPool:
            continue
        return done
    raise WorkerDied(len(jobs) - len(done))


def _run_in_pool(jobs: Sequence[ParseJob], workers: int, cache: Cache | None, done: list[FileFacts]) -> None:
    """Append the facts of `jobs` to `done` in order; on any way out but success (a dead
    worker, Ctrl-C) the workers are stopped at once and their half-written cache files removed."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    # fork starts workers without re-importing anything, but only a process without other
    # threads forks safely (a lock held by another thread stays held in the child): the
    # language server reads stdin in one thread and indexes in another, so it spawns.
    single_threaded = threading.active_count() == 1
    context = multiprocessing.get_context("fork" if "fork" in methods and single_threaded else "spawn")
    chunk = max(1, min(64, len(jobs) // (workers * 8)))
    pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context, initializer=_ignore_interrupts)
    # The queue of work items has a feeder thread that writes them into a pipe. Once a worker
    # is killed, it can block on a full pipe for good (a chunk of sources is bigger than the
    # pipe's buffer), and multiprocessing's exit handler would wait for it forever (a hang seen
    # in the sweep, bench/reliability.md). Every answer we need has arrived by then: never wait.
    work_queue: multiprocessing.queues.Queue[object] | None = getattr(pool, "_call_queue", None)
    if work_queue is not None:
        work_queue.cancel_join_thread()
    try:
        # Futures of our own rather than `pool.map`, which cancels the pending ones on the way
        # out; the pool's thread then raises InvalidStateError (a traceback) on Python 3.11
        # when it marks them broken.
        chunks = [pool.submit(_pool_chunk, jobs[start : start + chunk], cache) for start in range(0, len(jobs), chunk)]
        for future in chunks:
            done.extend(future.result())
    except BaseException:
        _stop_workers(pool)
        if cache is not None:
            cache.remove_stale_temporaries()
        raise
    pool.shutdown()


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
    pool.shutdown(wait=True)


__all__ = ["JobKind", "ParseJob", "WorkerDied", "default_jobs", "run_jobs"]
