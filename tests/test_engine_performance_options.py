"""-j worker processes, --profile and the flake8 plugin's use of the cache, run for real."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import working_directory, write_project

from alchemy_lint import engine, parallel, rules
from alchemy_lint.cache import CACHE_DIR_ENV, CACHE_DIR_NAME, Cache
from alchemy_lint.config import settings_for
from alchemy_lint.engine import RunOptions, check_paths, load_project, read_project
from alchemy_lint.facts import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.parallel import MIN_FILES_FOR_POOL, JobKind, ParseJob, run_job
from alchemy_lint.rules import RULES_BY_CODE

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

SERVICE = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal, engine


async def handle_{n}() -> None:
    async with SessionLocal() as session:
        async with session.begin():
            await session.commit()
    other = AsyncSession(engine)
    await other.close()
"""


@pytest.fixture
def many_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv("ALCHEMY_LINT_NO_CACHE", raising=False)
    files = {"app/__init__.py": "", "app/db.py": DB, "app/broken.py": "def broken(:\n"}
    for number in range(2 * MIN_FILES_FOR_POOL):
        files[f"app/service_{number}.py"] = SERVICE.format(n=number)
        files[f"app/plain_{number}.py"] = f"def plain_{number}():\n    return {number}\n"
    return write_project(tmp_path / "project", files, 'select = ["ASA"]')


def test_worker_processes_give_the_same_findings_as_one_process(many_files: Path) -> None:
    with working_directory(many_files):
        one = check_paths(["."], None, RunOptions(jobs=1))
        pool = check_paths(["."], None, RunOptions(jobs=2))
    assert pool.findings == one.findings
    assert pool.stats.facts_extracted == one.stats.facts_extracted == 2 * MIN_FILES_FOR_POOL + 1
    codes = {finding.code for finding in one.findings}
    assert {"ASA001", "ASA101", "ASA401"} <= codes


def test_workers_send_the_cache_entries_they_wrote_and_the_facts_arrive_whole(
    many_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A forked worker inherits this recording: each file it sends back, and how.
    shipped_kinds = many_files.parent / "shipped"
    shipped_kinds.mkdir()
    shipped_job = parallel.shipped_job

    def recording(job: ParseJob, cache: Cache | None) -> object:
        sent = shipped_job(job, cache)
        (shipped_kinds / f"{os.getpid()}-{job.display.replace('/', '_')}").write_text(type(sent).__name__)
        return sent

    monkeypatch.setattr(parallel, "shipped_job", recording)
    with working_directory(many_files):
        settings = settings_for(many_files.resolve(), None)
        one = load_project(many_files.resolve(), settings, RunOptions(jobs=1, prefilter=False)).facts
        cold = read_project(many_files.resolve(), settings, RunOptions(cache=True, jobs=2, prefilter=False))
        pooled = cold.facts
    sent = {path.read_text() for path in shipped_kinds.iterdir()}
    assert sent == {"PickledFacts"}, sent
    assert all(not path.name.startswith(f"{os.getpid()}-") for path in shipped_kinds.iterdir())
    assert pooled == one
    assert cold.stats.facts_extracted == len(one)
    with working_directory(many_files):
        warm = read_project(many_files.resolve(), settings, RunOptions(cache=True, jobs=2, prefilter=False))
        assert warm.facts == one
    assert warm.stats.facts_cached == len(one) and warm.stats.facts_extracted == 0


def test_what_a_worker_sends_unpickles_as_the_facts(tmp_path: Path) -> None:
    job = ParseJob(JobKind.FACTS, "app/db.py", "app.db", False, DB.encode(), "key")
    cache = Cache(tmp_path / "cache")
    sent = parallel.shipped_job(job, cache)
    assert isinstance(sent, parallel.PickledFacts)
    assert pickle.loads(pickle.dumps(sent)) == run_job(job) == cache.load("facts", "key", FileFacts)
    # Without a cache there are no bytes to reuse: the facts are sent as they are.
    assert parallel.shipped_job(job, None) == run_job(job)


def test_workers_that_run_the_rules_give_the_findings_of_one_process(
    many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forked after the index is built, the workers read it as this process holds it.
    monkeypatch.setattr(engine, "MIN_SHARED_RULES_BYTES", 0)
    checkers = tmp_path / "checkers"
    checkers.mkdir()
    check_file = engine.check_file

    def recording(*args: Any, **kwargs: Any) -> list[Finding]:
        (checkers / str(os.getpid())).touch()
        return check_file(*args, **kwargs)

    monkeypatch.setattr(engine, "check_file", recording)
    with working_directory(many_files):
        one = check_paths(["."], None, RunOptions(jobs=1))
        assert [int(path.name) for path in checkers.iterdir()] == [os.getpid()]
        shared = check_paths(["."], None, RunOptions(jobs=2))
    assert shared.findings == one.findings
    assert shared.stats.findings_computed == one.stats.findings_computed
    assert len(list(checkers.iterdir())) == 2  # this process and one worker


def test_a_rule_that_crashes_in_a_worker_is_reported_as_in_one_process(
    many_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MIN_SHARED_RULES_BYTES", 0)
    main = os.getpid()

    def crash_in_a_worker(rule: object, context: object) -> Iterator[Finding]:
        if os.getpid() != main:
            raise KeyError("boom")
        yield from ()

    broken = replace(RULES_BY_CODE["ASA101"], check=crash_in_a_worker)
    monkeypatch.setattr(rules, "enabled_rules", lambda settings: (broken,))
    with working_directory(many_files):
        result = check_paths(["."], None, RunOptions(jobs=2))
    # Each file the workers checked is named, and the run went on: what the main process
    # checked itself is not a crash.
    assert result.crashes
    assert all(re.fullmatch(r"ASA101 crashed on app/.*'boom'", crash) for crash in result.crashes)


def _cli(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alchemy_lint", "check", *arguments],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_profile_reports_phases_rules_and_cache_counts_on_stderr(many_files: Path) -> None:
    cold = _cli(many_files, "--profile", "-j", "2", ".")
    assert cold.returncode == 1, cold.stderr
    for phase in ("discover", "read", "prefilter", "facts", "index", "rules", "output"):
        assert f"\n  {phase} " in cold.stderr
    phases = dict(
        line.split(maxsplit=1) for line in cold.stderr.split("\nphase", 1)[1].split("\nrule\n")[0].splitlines()[1:]
    )
    wall, cpu = (float(seconds) for seconds in phases["facts"].split())
    assert wall > 0 and cpu > 0
    assert "ASA101" in cold.stderr.split("\nrule\n", 1)[1]
    assert "facts_extracted" in cold.stderr
    warm = _cli(many_files, "--profile", ".")
    assert warm.stdout == cold.stdout
    counts = dict(line.split() for line in warm.stderr.split("\nfiles\n", 1)[1].splitlines())
    assert counts["facts_extracted"] == "0"
    assert counts["findings_computed"] == "0"
    assert int(counts["findings_cached"]) == int(counts["checked"]) > 0


def test_a_bad_jobs_value_is_a_usage_error(many_files: Path) -> None:
    completed = _cli(many_files, "-j", "many", ".")
    assert completed.returncode == 2
    assert "number of processes" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_flake8_plugin_reuses_the_cache_between_runs(many_files: Path, tmp_path: Path) -> None:
    flake8 = shutil.which("flake8", path=str(Path(sys.executable).parent))
    assert flake8 is not None
    environment = {k: v for k, v in os.environ.items() if k not in (CACHE_DIR_ENV, "ALCHEMY_LINT_NO_CACHE")}
    command = [flake8, "--select", "ASA", "-j", "2", "app"]
    first = subprocess.run(command, cwd=many_files, env=environment, capture_output=True, text=True, check=False)
    assert "ASA101" in first.stdout, first.stderr
    entries = {path: path.stat().st_mtime_ns for path in (many_files / CACHE_DIR_NAME).rglob("*.pickle")}
    findings_entries = [path for path in entries if path.parent.parent.name == "findings"]
    assert len(findings_entries) >= 2 * MIN_FILES_FOR_POOL
    second = subprocess.run(command, cwd=many_files, env=environment, capture_output=True, text=True, check=False)
    assert second.stdout == first.stdout
    # Every entry was read, none rewritten: the second run was answered from the cache. (Not
    # the manifest of file statuses: files written a moment before the first run are not
    # trusted yet, so the second run reads them again and records them.)
    after = {path: path.stat().st_mtime_ns for path in (many_files / CACHE_DIR_NAME).rglob("*.pickle")}
    assert {path: time for path, time in after.items() if path.parent.parent.name != "manifest"} == {
        path: time for path, time in entries.items() if path.parent.parent.name != "manifest"
    }


def test_noqa_comments_still_apply_when_read_only_for_files_with_findings(tmp_path: Path) -> None:
    commit = "            await session.commit()\n"
    silenced = SERVICE.format(n=0).replace(commit, commit.rstrip("\n") + "  # noqa: ASA401\n")
    other_code = SERVICE.format(n=1).replace(commit, commit.rstrip("\n") + "  # noqa: E501\n")
    root = write_project(
        tmp_path / "project",
        {"app/__init__.py": "", "app/db.py": DB, "app/silenced.py": silenced, "app/other_code.py": other_code},
    )
    with working_directory(root):
        for _ in range(2):  # computed, then from the cache
            result = check_paths(["."], {"select": ("ASA401",)}, RunOptions(cache=True))
            assert [(f.path, f.line) for f in result.findings] == [("app/other_code.py", 9)]
