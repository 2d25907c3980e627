"""The garbage collector runs rarely while facts are built, and as before once they are."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_project

from alchemy_lint import collector, engine
from alchemy_lint.collector import PARSING_THRESHOLD, frozen_for_fork, rare_collections
from alchemy_lint.config import load_settings
from alchemy_lint.engine import RunOptions, check_paths, read_project
from alchemy_lint.facts import FileFacts, extract_facts, parse_source
from alchemy_lint.index.project import ProjectIndex
from alchemy_lint.parallel import ParseJob


@pytest.fixture
def default_thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_thresholds_are_raised_within_and_restored_after(default_thresholds: tuple[int, int, int]) -> None:
    with rare_collections():
        assert gc.get_threshold() == (PARSING_THRESHOLD, 10, 10)
        with rare_collections():
            assert gc.get_threshold()[0] == PARSING_THRESHOLD
        assert gc.get_threshold()[0] == PARSING_THRESHOLD
    assert gc.get_threshold() == default_thresholds


def test_thresholds_are_restored_when_the_work_raises(default_thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError), rare_collections():
        raise ValueError
    assert gc.get_threshold() == default_thresholds


def test_a_host_that_turned_collection_off_keeps_it_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with rare_collections():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


def test_objects_are_frozen_while_workers_run_and_collected_again_after(monkeypatch: pytest.MonkeyPatch) -> None:
    held = [object()]
    before = gc.get_freeze_count()  # Python 3.12 starts with a few hundred objects frozen
    # What is frozen now is not the host's: other tests of this process leave the baseline where
    # their own runs put it (a 3.12 run found it below the count, and took them for the host's).
    monkeypatch.setattr(collector, "_frozen_at_start", [before])
    with frozen_for_fork():
        assert gc.get_freeze_count() >= before + len(held)
    assert gc.get_freeze_count() == 0


def test_objects_the_host_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        made_since = [[] for _ in range(10_000)]  # not frozen by the host: frozen again, they would count
        # Neither frozen again nor unfrozen after. (Not exactly `frozen`: another thread of this
        # process, xdist's channel, may free a few of the objects frozen with the whole heap.)
        with frozen_for_fork():
            assert frozen - 1_000 < gc.get_freeze_count() < frozen + len(made_since)
        assert frozen - 1_000 < gc.get_freeze_count() < frozen + len(made_since)
    finally:
        gc.unfreeze()


def test_facts_are_extracted_with_rare_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_thresholds: tuple[int, int, int]
) -> None:
    root = write_project(tmp_path / "project", {"app/db.py": "import sqlalchemy\n"}, "")
    seen: list[int] = []

    def recording(jobs: list[ParseJob], workers: int, cache: object) -> list[FileFacts]:
        seen.append(gc.get_threshold()[0])
        return [FileFacts(job.display, job.module, job.is_package) for job in jobs]

    monkeypatch.setattr(engine, "run_jobs", recording)
    project = read_project(root.resolve(), load_settings(root), RunOptions())
    project.index()
    assert seen == [PARSING_THRESHOLD]
    assert gc.get_threshold() == default_thresholds


SERVICE = """\
import asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Factory = async_sessionmaker(expire_on_commit=False)


class Orders:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def paid(self, order_id: int) -> None:
        order = await self.session.get(Order, order_id)
        order.status = "paid"
        await self.session.commit()
        print(order.lines)


async def main() -> None:
    async with Factory() as session:
        def later() -> Orders:
            return Orders(session)

        await asyncio.gather(later().paid(1), later().paid(2))
"""


@pytest.fixture
def collector_off() -> Iterator[None]:
    """No automatic collection within: what `gc.collect()` then finds is what the code left."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def test_the_facts_walk_leaves_nothing_for_the_collector(collector_off: None) -> None:
    # Everything the walk builds is freed by reference counting as soon as the facts are
    # made: nothing keeps the tree and tables alive until a collection comes round.
    facts = extract_facts(parse_source(SERVICE.encode(), "app/orders.py"), "app/orders.py", "app.orders", False)
    assert facts.functions and any(function.loading for function in facts.functions)
    assert gc.collect() == 0


def test_a_checked_project_leaves_its_index_to_reference_counting(tmp_path: Path, collector_off: None) -> None:
    # A nested project is checked after the outer one; the outer one's index and facts are
    # freed when the next project is read, not by a collection of the older generations.
    # (The last project's are left as they were: the command exits without freeing them.)
    adhoc = SERVICE + "\n\nreport = AsyncSession(engine, expire_on_commit=False)\n"  # ASA101
    root = write_project(tmp_path / "project", {"app/orders.py": adhoc})
    nested = write_project(root / "tools" / "nested", {"tool.py": adhoc})
    result = check_paths([str(root)], None, RunOptions())
    assert {Path(finding.path).name for finding in result.findings} == {"orders.py", "tool.py"}
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = {item.root for item in gc.garbage if isinstance(item, ProjectIndex)}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == {nested.resolve()}


ONE_RUN = """\
import gc
import subprocess
import sys
import sys
from pathlib import Path

from alchemy_lint.cache import Cache
from alchemy_lint.collector import PARSING_THRESHOLD, for_one_run, frozen_for_fork, rare_collections
from alchemy_lint.parallel import JobKind, ParseJob, facts_for_job

cache = Cache(Path(sys.argv[1]))
cache.store("outlines", "pack", [[number] for number in range(10_000)])
frozen = gc.get_freeze_count()
assert cache.load("outlines", "pack", list) is not None
assert gc.get_freeze_count() == frozen, "a long-lived host keeps what it loads in the collector's sight"

for_one_run()
with rare_collections():
    pass
assert gc.get_threshold()[0] == PARSING_THRESHOLD, "not put back at the end of the run"
kept = cache.load("outlines", "pack", list)
assert kept is not None and gc.isenabled()
assert gc.get_freeze_count() >= frozen + len(kept), "what is loaded to be kept is frozen"
assert gc.get_count()[0] < 100, "and no young collection is left to traverse it"
with frozen_for_fork():
    pass
assert gc.get_freeze_count() >= frozen + len(kept), "nor unfrozen after the workers"

frozen = gc.get_freeze_count()
source = b"async def close(session):\\n    await session.commit()\\n"
facts = facts_for_job(ParseJob(JobKind.FACTS, "app/db.py", "app.db", False, source, None))
assert facts.functions and gc.get_freeze_count() > frozen, "a file's facts are frozen as they are made"
print("ok")
"""


def test_a_one_run_process_freezes_what_it_loads_and_keeps_collections_rare(tmp_path: Path) -> None:
    # In a process of its own: freezing and the thresholds are the whole process's.
    completed = subprocess.run(
        [sys.executable, "-c", ONE_RUN, str(tmp_path / "cache")], capture_output=True, text=True, check=False
    )
    assert completed.stdout == "ok\n", completed.stderr


COMMANDS = """\
import sys

import alchemy_lint.lsp
from alchemy_lint import cli, collector

alchemy_lint.lsp.run = lambda: 0  # serving would wait on stdin; what matters is what ran before
assert cli.main(["lsp"], one_run=True) == 0
print("lsp", collector._one_run[0])
assert cli.main(["rules"], one_run=True) == 0
print("rules", collector._one_run[0])
"""


def test_the_console_marks_one_run_for_every_command_but_the_language_server(tmp_path: Path) -> None:
    completed = subprocess.run([sys.executable, "-c", COMMANDS], capture_output=True, text=True, check=False)
    marks = [line for line in completed.stdout.splitlines() if line.startswith(("lsp ", "rules "))]
    assert marks == ["lsp False", "rules True"], completed.stderr
