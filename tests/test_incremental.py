"""Incremental checks: after an edit, a check of one file from the cache answers what a cold check does.

Each scenario fills the cache with a check of the whole project, edits one file, and checks
another whose findings depend on the edit (so the answer must change): the cached run, which
reads outlines, cached run-once contexts and the prefilter's pack, must equal a `--no-cache` run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from conftest import working_directory, write_project

from alchemy_lint import manifest
from alchemy_lint.cache import CACHE_DIR_ENV, NO_CACHE_ENV, Cache
from alchemy_lint.engine import CheckResult, RunOptions, check_paths
from alchemy_lint.findings import Finding

T = TypeVar("T")

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]
    items: Mapped[list["OrderItem"]] = relationship(back_populates="order")


class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    order: Mapped[Order] = relationship(back_populates="items")
"""

READS_ITEMS = """\
from app.db import SessionLocal
from app.models import Order


async def count_items(order_id: int) -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        return len(order.items)
"""

HANDS_OVER = """\
from app.db import SessionLocal
from app.models import Order
from app.render import render


async def show(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        return render(order)
"""

RENDER_READS = "def render(order):\n    return f'{order.status}: {len(order.items)} items'\n"
RENDER_SKIPS = "def render(order):\n    return order.status\n"

READS_AFTER_COMMIT = """\
from app.db import SessionLocal
from app.models import Order


async def close(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        order.status = "closed"
        await session.commit()
        return order.status
"""

SEEDS = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


async def seed():
    factory = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)
    async with factory() as session:
        await session.commit()
"""

SCRIPT_MAIN = """\
import asyncio

from app.seeds import seed


async def main():
    await seed()


asyncio.run(main())
"""

PER_REQUEST = """\
from app.seeds import seed


async def handle():
    await seed()
"""

UNIT_OF_WORK = """\
from app.db import SessionLocal


async def archive() -> None:
    async with SessionLocal.begin() as session:
        await session.flush()
"""


def commits(count: int) -> str:
    body = "from app.db import SessionLocal\n"
    for number in range(count):
        body += (
            f"\n\nasync def save_{number}() -> None:\n"
            "    async with SessionLocal() as session:\n        await session.commit()\n"
        )
    return body


MODULE_SESSION = "from app.db import SessionLocal\n\nshared = SessionLocal()\n"


@dataclass(frozen=True)
class Scenario:
    files: dict[str, str]
    #: The file checked after the edit.
    checked: str
    #: Relative path -> new content; None deletes the file.
    edit: dict[str, str | None] = field(default_factory=dict)


SCENARIOS = {
    "a-model-relationship-becomes-eager": Scenario(
        {"app/db.py": DB, "app/models.py": MODELS, "app/handlers.py": READS_ITEMS},
        "app/handlers.py",
        {"app/models.py": MODELS.replace('relationship(back_populates="order")', 'relationship(lazy="selectin")')},
    ),
    "a-factory-stops-keeping-objects-after-commit": Scenario(
        {"app/db.py": DB, "app/models.py": MODELS, "app/handlers.py": READS_AFTER_COMMIT},
        "app/handlers.py",
        {"app/db.py": DB.replace(", expire_on_commit=False", "")},
    ),
    "a-callee-stops-reading-the-relationship": Scenario(
        {"app/db.py": DB, "app/models.py": MODELS, "app/render.py": RENDER_READS, "app/handlers.py": HANDS_OVER},
        "app/handlers.py",
        {"app/render.py": RENDER_SKIPS},
    ),
    "a-callee-file-is-deleted": Scenario(
        {"app/db.py": DB, "app/models.py": MODELS, "app/render.py": RENDER_READS, "app/handlers.py": HANDS_OVER},
        "app/handlers.py",
        {"app/render.py": None},
    ),
    "a-callee-file-is-added": Scenario(
        {"app/db.py": DB, "app/models.py": MODELS, "app/handlers.py": HANDS_OVER},
        "app/handlers.py",
        {"app/render.py": RENDER_READS},
    ),
    "a-builder-gets-called-per-request": Scenario(
        {"app/seeds.py": SEEDS, "app/main.py": SCRIPT_MAIN},
        "app/seeds.py",
        {"app/handlers.py": PER_REQUEST},
    ),
    "the-only-per-request-caller-goes-away": Scenario(
        {"app/seeds.py": SEEDS, "app/main.py": SCRIPT_MAIN, "app/handlers.py": PER_REQUEST},
        "app/seeds.py",
        {"app/handlers.py": "async def handle():\n    return None\n"},
    ),
    "the-transaction-policy-majority-goes-away": Scenario(
        {"app/db.py": DB, "app/archive.py": UNIT_OF_WORK, "app/orders.py": commits(3)},
        "app/archive.py",
        {"app/orders.py": commits(1)},
    ),
    "a-module-level-session-stops-being-a-session": Scenario(
        {"app/db.py": DB, "app/state.py": MODULE_SESSION},
        "app/state.py",
        {
            "app/db.py": DB.replace(
                "SessionLocal = async_sessionmaker",
                "SessionLocal = dict\nfactory = async_sessionmaker",
            )
        },
    ),
}


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Files written a moment ago are trusted by the manifest (by default they are read again
    # for two seconds): each edit must then be seen by its change of status.
    monkeypatch.setattr(manifest, "RACY_NS", -(10**12))
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def check(root: Path, path: str, *, cache: bool) -> CheckResult:
    with working_directory(root):
        return check_paths([path], None, RunOptions(cache=cache))


def apply(root: Path, edit: dict[str, str | None]) -> None:
    for relative, source in edit.items():
        if source is None:
            (root / relative).unlink()
        else:
            (root / relative).write_text(source, encoding="utf-8")


def shown(findings: tuple[Finding, ...]) -> list[str]:
    return [f"{finding.path}:{finding.line} {finding.code}" for finding in findings]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_one_file_checked_after_an_edit_answers_as_a_cold_check(name: str, tmp_path: Path, cache_folder: Path) -> None:
    scenario = SCENARIOS[name]
    root = write_project(tmp_path / "project", scenario.files)
    filled = check(root, ".", cache=True)
    assert filled.findings == check(root, ".", cache=False).findings
    before = check(root, scenario.checked, cache=True)
    apply(root, scenario.edit)
    incremental = check(root, scenario.checked, cache=True)
    cold = check(root, scenario.checked, cache=False)
    assert shown(incremental.findings) == shown(cold.findings)
    assert incremental.findings == cold.findings
    # The edit changes the answer: a cache that missed it would have answered as before.
    assert shown(incremental.findings) != shown(before.findings)
    # The answer came from the outlines of the files that did not change, not a rebuilt index.
    assert incremental.stats.outlines_cached > 0
    assert check(root, ".", cache=True).findings == check(root, ".", cache=False).findings


def test_warm_and_one_file_runs_agree_with_cold_on_a_project_edited_many_times(
    tmp_path: Path, cache_folder: Path
) -> None:
    """Every edit of every scenario, one after the other, on one project and one cache."""
    files = {"app/db.py": DB, "app/models.py": MODELS, "app/render.py": RENDER_READS, "app/handlers.py": HANDS_OVER}
    files.update({"app/seeds.py": SEEDS, "app/main.py": SCRIPT_MAIN, "app/orders.py": commits(3)})
    files.update({"app/archive.py": UNIT_OF_WORK, "app/state.py": MODULE_SESSION, "app/close.py": READS_AFTER_COMMIT})
    root = write_project(tmp_path / "project", files)
    check(root, ".", cache=True)
    edits: list[Callable[[], None]] = [
        lambda: apply(root, {"app/render.py": RENDER_SKIPS}),
        lambda: apply(root, {"app/per_request.py": PER_REQUEST}),
        lambda: apply(root, {"app/orders.py": commits(1)}),
        lambda: apply(root, {"app/db.py": DB.replace(", expire_on_commit=False", "")}),
        lambda: apply(root, {"app/render.py": None, "app/per_request.py": None}),
        lambda: apply(root, {"app/render.py": RENDER_READS, "app/orders.py": commits(4)}),
    ]
    for edit in edits:
        edit()
        for path in sorted(files):
            if (root / path).exists():
                assert check(root, path, cache=True).findings == check(root, path, cache=False).findings, path
        assert check(root, ".", cache=True).findings == check(root, ".", cache=False).findings


def test_a_one_file_check_after_an_edit_reads_only_the_facts_its_questions_reach(
    tmp_path: Path, cache_folder: Path
) -> None:
    services = {
        f"app/service_{number}.py": READS_ITEMS.replace("count_items", f"count_{number}") for number in range(20)
    }
    root = write_project(tmp_path / "project", {"app/db.py": DB, "app/models.py": MODELS, **services})
    check(root, ".", cache=True)
    (root / "app/service_7.py").write_text(READS_ITEMS + "\n# edited\n", encoding="utf-8")
    result = check(root, "app/service_7.py", cache=True)
    assert [finding.code for finding in result.findings] == ["ASA301"]
    assert result.stats.facts_extracted == 1
    # Every other file is known by its outline, and the outlines of the factory's module and
    # the models answer what the rules ask: no other file's full facts are read; nor is any
    # other file itself.
    assert result.stats.outlines_cached == 21
    assert result.stats.files_unchanged == 21
    assert result.stats.facts_cached == 0


EXPIRING_DB = DB.replace(", expire_on_commit=False", "")

#: A helper whose session parameter says nothing of itself: what the project's calls pass it does.
SAVES_THEN_READS = """\
from app.models import Order


async def save(session, order: Order) -> str:
    await session.commit()
    return order.status
"""

CALLS_SAVE = """\
from app.db import SessionLocal
from app.helpers import save
from app.models import Order


async def close_{number}(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        return await save(session, order)
"""


def test_what_the_calls_of_a_function_pass_is_read_without_the_callers_full_facts(
    tmp_path: Path, cache_folder: Path
) -> None:
    callers = {f"app/close_{number}.py": CALLS_SAVE.format(number=number) for number in range(20)}
    files = {"app/db.py": EXPIRING_DB, "app/models.py": MODELS, "app/helpers.py": SAVES_THEN_READS, **callers}
    root = write_project(tmp_path / "project", files)
    check(root, ".", cache=True)
    (root / "app/helpers.py").write_text(SAVES_THEN_READS + "# edited\n", encoding="utf-8")
    result = check(root, "app/helpers.py", cache=True)
    # The twenty calls pass a session of the expiring factory: the read after commit() is expired.
    assert [finding.code for finding in result.findings] == ["ASA302"]
    assert result.findings == check(root, "app/helpers.py", cache=False).findings
    # Their arguments come from the calls kept apart from the callers' full facts: none is read.
    assert result.stats.facts_cached == 0
    # A caller edited: its own calls are read from its new facts, the others' as kept.
    (root / "app/close_3.py").write_text(CALLS_SAVE.format(number=3) + "# edited\n", encoding="utf-8")
    (root / "app/helpers.py").write_text(SAVES_THEN_READS + "# edited again\n", encoding="utf-8")
    again = check(root, "app/helpers.py", cache=True)
    assert again.findings == result.findings
    assert again.stats.facts_cached == 0
    # Every caller now passes a session of a factory that does not expire: no finding.
    apply(root, {"app/db.py": DB})
    assert check(root, "app/helpers.py", cache=True).findings == ()


def test_kept_calls_written_with_another_outlines_pack_are_not_trusted(tmp_path: Path, cache_folder: Path) -> None:
    callers = {f"app/close_{number}.py": CALLS_SAVE.format(number=number) for number in range(20)}
    files = {"app/db.py": EXPIRING_DB, "app/models.py": MODELS, "app/helpers.py": SAVES_THEN_READS, **callers}
    root = write_project(tmp_path / "project", files)
    check(root, ".", cache=True)
    (pack,) = cache_folder.rglob("outlines/*/*.pickle")
    earlier = pack.read_bytes()
    # Another process writes the pack and its buckets again (here: the pack is gone), then the
    # earlier pack comes back beside the new buckets, as a reader that loaded it would see them.
    pack.unlink()
    (root / "app/close_0.py").write_text(CALLS_SAVE.format(number=0) + "# edited\n", encoding="utf-8")
    check(root, "app/close_0.py", cache=True)
    pack.write_bytes(earlier)
    (root / "app/helpers.py").write_text(SAVES_THEN_READS + "# edited\n", encoding="utf-8")
    result = check(root, "app/helpers.py", cache=True)
    assert [finding.code for finding in result.findings] == ["ASA302"]
    # The buckets say another generation: the callers' calls come from their full facts (the
    # edited caller's facts are read anyway: the earlier pack holds its earlier outline).
    assert result.stats.facts_cached == 20


def test_run_once_inputs_are_read_only_when_an_edit_changes_what_the_analysis_reads(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"app/seeds.py": SEEDS, "app/main.py": SCRIPT_MAIN, "app/handlers.py": PER_REQUEST}
    root = write_project(tmp_path / "project", files)
    check(root, ".", cache=True)
    loaded: list[str] = []
    load = Cache.load

    def recording(cache: Cache, kind: str, key: str, expected: type[T]) -> T | None:
        loaded.append(kind)
        return load(cache, kind, key, expected)

    monkeypatch.setattr(Cache, "load", recording)
    # A comment moves nothing the run-once analysis reads: its contexts come from the cache.
    (root / "app/seeds.py").write_text(SEEDS + "# edited\n", encoding="utf-8")
    commented = check(root, "app/seeds.py", cache=True)
    assert "outlines" in loaded
    assert "runonce" in loaded
    assert "inputs-pack" not in loaded
    # The only per-request caller goes: the contexts are computed again, from every file's
    # inputs as the pack keeps them and the edited file's as read now.
    loaded.clear()
    (root / "app/handlers.py").write_text("async def handle():\n    return None\n", encoding="utf-8")
    edited = check(root, "app/seeds.py", cache=True)
    assert "inputs-pack" in loaded
    assert edited.findings == check(root, "app/seeds.py", cache=False).findings
    assert shown(edited.findings) != shown(commented.findings)


def test_a_one_file_check_after_an_edit_writes_only_that_files_entries(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each service imports SQLAlchemy itself: it matters on its own (a root of the prefilter).
    service = "from sqlalchemy import func\n" + READS_ITEMS
    services = {f"app/service_{number}.py": service.replace("count_items", f"count_{number}") for number in range(20)}
    root = write_project(tmp_path / "project", {"app/db.py": DB, "app/models.py": MODELS, **services})
    check(root, ".", cache=True)
    stored: list[str] = []
    store = Cache.store

    def recording(cache: Cache, kind: str, key: str, value: object) -> bytes | None:
        stored.append(kind)
        return store(cache, kind, key, value)

    monkeypatch.setattr(Cache, "store", recording)
    for edit in range(2):
        stored.clear()
        edited = services["app/service_7.py"] + f"\n# edit {edit}\n"
        (root / "app/service_7.py").write_text(edited, encoding="utf-8")
        result = check(root, "app/service_7.py", cache=True)
        assert [finding.code for finding in result.findings] == ["ASA301"]
        # The project's prefilter answer, the packs and the analyses of the whole project (the
        # edit renames nothing they read) stand: the file's own entries only.
        assert sorted(stored) == ["facts", "findings", "inputs", "outline", "passing"]
