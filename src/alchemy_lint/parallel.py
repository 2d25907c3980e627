"""Parsing and facts extraction, in this process or in a pool of worker processes (`-j N`).

Workers receive the bytes the engine read (so facts match the digest they are cached under),
write the cache entry themselves and send back the facts, which are plain picklable data.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from alchemy_lint.cache import Cache
from alchemy_lint.facts import FileFacts, extract_facts, parse_source
from alchemy_lint.facts.extract import PARSE_ERRORS
from alchemy_lint.noqa import noqa_lines

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


def _pool_job(arguments: tuple[ParseJob, Cache | None]) -> FileFacts:
    job, cache = arguments
    return run_job(job, cache)


def run_jobs(jobs: Sequence[ParseJob], workers: int, cache: Cache | None) -> Iterator[FileFacts]:
    """The facts of each job, in order; in a pool when there are workers and enough files."""
    import multiprocessing  # not on the warm path, where every answer comes from the cache

    if workers <= 1 or len(jobs) < MIN_FILES_FOR_POOL or multiprocessing.current_process().daemon:
        # A daemon process (a flake8 -j worker) may not start children.
        for job in jobs:
            yield run_job(job, cache)
        return
    methods = multiprocessing.get_all_start_methods()
    # fork starts workers without re-importing anything, but only a process without other
    # threads forks safely (a lock held by another thread stays held in the child): the
    # language server reads stdin in one thread and indexes in another, so it spawns.
    single_threaded = threading.active_count() == 1
    context = multiprocessing.get_context("fork" if "fork" in methods and single_threaded else "spawn")
    chunk = max(1, min(64, len(jobs) // (workers * 8)))
    with context.Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap(_pool_job, ((job, cache) for job in jobs), chunksize=chunk)


__all__ = ["JobKind", "ParseJob", "default_jobs", "run_jobs"]
