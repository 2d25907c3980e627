"""Ctrl-C, a closed pipe and dead workers end a run with one line (or none), never a traceback
or a hang; no temporary file is left in the cache. Each test runs the CLI as a subprocess.

Where a worker must die or wait at a known file, the CLI runs with a `sitecustomize` module on
its path that swaps the parse step for one that does so, in the main process and in every worker
(forked or spawned: a pool started after a dead one may spawn, Python 3.10 does): the death, the
signal and the process tree are real.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_cli, write_project

from alchemy_lint.cache import CACHE_DIR_NAME, Cache
from alchemy_lint.parallel import MIN_FILES_FOR_POOL

#: A subprocess timeout that only a hang reaches: it fails the test, it measures nothing.
HANG = 300

#: Imported by every Python process of the run (`sitecustomize`), workers included.
HOOK = """
import os, signal, time
from pathlib import Path

mode = os.environ.get("ALCHEMY_LINT_TEST_MODE")
if mode:
    import alchemy_lint.parallel as parallel

    # A terminal starts a command with Ctrl-C at its default; a process that inherits it
    # ignored or blocked (as nohup gives it) rightly ignores it, and would wait here forever.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])

    marker = Path(os.environ["ALCHEMY_LINT_TEST_MARKER"])
    real = parallel.facts_for_job

    def facts_for_job(job):
        if "victim" in job.display:
            if mode == "die-once" and not marker.exists():
                marker.write_text("died")
                os.kill(os.getpid(), signal.SIGKILL)
            if mode == "die-always":
                os.kill(os.getpid(), signal.SIGKILL)
            if mode == "wait":
                (marker / str(os.getpid())).write_text("waiting")
                time.sleep(3600)
        return real(job)

    parallel.facts_for_job = facts_for_job

    if mode == "interrupt-in-write":
        from alchemy_lint import cache

        real_new_temporary = cache._new_temporary

        # Ctrl-C landing once the temporary file exists and before the write begins (the cache
        # is this run's only writer).
        def new_temporary(*args, **kwargs):
            made = real_new_temporary(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler runs before this ends
            return made

        cache._new_temporary = new_temporary
"""

#: Each file carries 20 KB of comments, so that a chunk of work items is bigger than a pipe's
#: buffer: then a queue feeder with no worker left to read it blocks (a hang seen in the sweep).
HANDLER = "# " + "padding " * 10 + "\n"
HANDLER = (
    HANDLER * (20_000 // len(HANDLER))
    + """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Session = async_sessionmaker()  # ASA103, with a fix


async def handler_{number}(engine):
    async with AsyncSession(engine) as session:
        return session
"""
)


#: What makes a victim the largest file of the project.
VICTIM_PADDING = "# " + "victim " * 100 + "\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enough files for a pool, each with findings. The wrapper watches the two victims: the
    largest files, which the pool takes first (the main process takes the smallest), so that
    the worker meets a victim at once while other chunks are still pending."""
    monkeypatch.delenv("ALCHEMY_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("ALCHEMY_LINT_NO_CACHE", raising=False)
    files = {f"app/handler_{n:02d}.py": HANDLER.format(number=n) for n in range(4 * MIN_FILES_FOR_POOL)}
    files["app/a0_victim.py"] = HANDLER.format(number="victim_0") + VICTIM_PADDING
    files["app/handler_02_victim.py"] = HANDLER.format(number="victim_1") + VICTIM_PADDING
    return write_project(tmp_path / "project", files)


def wrapped(mode: str, marker: Path, *args: str, cwd: Path) -> subprocess.Popen[str]:
    hooks = marker.parent / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hooks), str(REPO / "src")]),
        "ALCHEMY_LINT_TEST_MODE": mode,
        "ALCHEMY_LINT_TEST_MARKER": str(marker),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "alchemy_lint", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        # Its own process group, as a shell gives a pipeline: Ctrl-C goes to the whole group.
        start_new_session=True,
    )


def finish(run: subprocess.Popen[str]) -> tuple[str, str]:
    """Its output once it ends; a run still going after `HANG` seconds fails the test, and is
    killed with its workers rather than left behind."""
    try:
        return run.communicate(timeout=HANG)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()


def temporary_files(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR_NAME).rglob("*.tmp"))


def test_a_killed_worker_costs_a_second_pool_not_the_findings(project: Path, tmp_path: Path) -> None:
    expected = run_cli("check", "--no-cache", "-j", "1", ".", cwd=project)
    run = wrapped("die-once", tmp_path / "died", "check", "-j", "2", ".", cwd=project)
    stdout, stderr = finish(run)

    assert (tmp_path / "died").exists()  # the worker did die
    assert (run.returncode, stdout, stderr) == (1, expected.stdout, expected.stderr)
    assert temporary_files(project) == []


def test_workers_that_keep_dying_end_the_run_with_one_line_and_exit_2(project: Path, tmp_path: Path) -> None:
    run = wrapped("die-always", tmp_path / "unused", "check", "-j", "2", ".", cwd=project)
    stdout, stderr = finish(run)

    assert run.returncode == 2
    assert stdout == ""
    assert stderr.startswith("alchemy-lint: error: a worker process died while parsing")
    assert len(stderr.splitlines()) == 1
    assert temporary_files(project) == []


def test_ctrl_c_exits_130_with_one_line_and_stops_the_workers(project: Path, tmp_path: Path) -> None:
    waiting = tmp_path / "waiting"
    waiting.mkdir()
    run = wrapped("wait", waiting, "check", "-j", "2", ".", cwd=project)
    deadline = time.monotonic() + HANG
    while not any(waiting.iterdir()):
        assert run.poll() is None, finish(run)
        assert time.monotonic() < deadline, "the worker never reached a victim"
        time.sleep(0.01)
    workers = [int(path.name) for path in waiting.iterdir()]
    assert os.getpid() not in workers and run.pid not in workers  # a worker waits, not the run itself
    os.killpg(run.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    stdout, stderr = finish(run)

    assert (run.returncode, stdout, stderr) == (130, "", "alchemy-lint: interrupted\n")
    for worker in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(worker, 0)  # stopped and reaped, not left sleeping
    assert temporary_files(project) == []


def test_ctrl_c_between_making_a_temporary_file_and_writing_it_leaves_none(project: Path, tmp_path: Path) -> None:
    run = wrapped("interrupt-in-write", tmp_path / "unused", "check", "-j", "1", ".", cwd=project)
    stdout, stderr = finish(run)

    assert (run.returncode, stdout, stderr) == (130, "", "alchemy-lint: interrupted\n")
    assert (project / CACHE_DIR_NAME).is_dir()  # the interrupted write did begin
    assert temporary_files(project) == []


def test_a_later_run_removes_the_temporary_files_of_killed_writers(project: Path) -> None:
    cache = Cache.for_project(project)
    cache.temporary_folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = cache.temporary_folder / f".{dead.stdout.strip()}.x1y2z3.tmp"
    stale.write_bytes(b"half an entry")
    ours = cache.temporary_folder / f".{os.getpid()}.a1b2c3.tmp"  # a writer that is still running
    ours.write_bytes(b"being written")

    assert run_cli("check", ".", cwd=project).returncode == 1

    assert not stale.exists()
    assert ours.exists()


@pytest.mark.long
@pytest.mark.parametrize(
    "command",
    [("rules",), ("rule", "ASA301"), ("check", "--statistics", "--no-cache", "."), ("check", "--diff", ".")],
)
def test_a_closed_pipe_ends_the_run_quietly(project: Path, command: tuple[str, ...]) -> None:
    script = Path(sys.executable).parent / "alchemy-lint"
    # `alchemy-lint rules | head -1` once `head` has gone: the reader closes its end before
    # the command writes, so that every write meets a closed pipe whatever the timing.
    with subprocess.Popen([str(script), *command], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as run:
        assert run.stdout is not None and run.stderr is not None
        run.stdout.close()
        stderr = run.stderr.read().decode()
        returncode = run.wait(timeout=HANG)

    assert (returncode, stderr) == (128 + signal.SIGPIPE, "")
