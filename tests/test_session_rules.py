"""ASA101-ASA107 behaviour beyond the rule examples: messages, test modules, guards."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

FACTORY = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker\nSessionLocal = async_sessionmaker(expire_on_commit=False)\n"
)


def test_second_factory_names_the_first_with_path_and_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db.py": "\n" + FACTORY, "app/workers/db.py": FACTORY})
    (finding,) = findings_in(root, ".", "ASA105")
    assert (finding.path, finding.line) == ("app/workers/db.py", 2)
    assert "the project's session factory is at app/db.py:3" in finding.message


def test_an_adhoc_session_is_pointed_at_the_factory_of_its_own_engine(tmp_path: Path) -> None:
    engines = (
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        'vectors = create_async_engine("postgresql+asyncpg:///vectors")\n'
        'engine = create_async_engine("postgresql+asyncpg:///app")\n'
    )
    factories = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
        "from app.engines import engine, vectors\n"
        "VectorSession = async_sessionmaker(vectors, expire_on_commit=False)\n"
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    )
    adhoc = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.engines import engine, vectors\n"
        "def open_app():\n"
        "    return AsyncSession(engine)\n"
        "def open_vectors():\n"
        "    return AsyncSession(vectors)\n"
    )
    root = write_project(tmp_path / "p", {"app/engines.py": engines, "app/db.py": factories, "app/uow.py": adhoc})
    hints = [
        finding.message.split("configured factory (", 1)[1] for finding in findings_in(root, "app/uow.py", "ASA101")
    ]
    assert hints == ["SessionLocal())", "VectorSession())"]
    alone = write_project(tmp_path / "q", {"app/engines.py": engines, "app/uow.py": adhoc})
    (first, _) = findings_in(alone, "app/uow.py", "ASA101")
    assert first.message.endswith("(none is built yet for this engine: build one async_sessionmaker beside it)")


def test_a_sync_session_in_async_code_is_pointed_at_a_sync_factory(tmp_path: Path) -> None:
    # `Session(sync_engine)` in start-up code of an asyncio project: its replacement is a
    # `sessionmaker` on that engine, never the project's `async_sessionmaker`.
    engines = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        'engine = create_async_engine("postgresql+asyncpg:///app")\n'
        'sync_engine = create_engine("postgresql:///app")\n'
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    )
    startup = (
        "from sqlalchemy.orm import Session\n"
        "from app.db import sync_engine\n"
        "async def seed():\n"
        "    with Session(sync_engine) as session:\n"
        "        session.commit()\n"
    )
    root = write_project(tmp_path / "p", {"app/db.py": engines, "app/startup.py": startup})
    (finding,) = findings_in(root, "app/startup.py", "ASA101")
    assert finding.message.endswith("(none is built yet for this engine: build one sessionmaker beside it)")
    with_factory = engines + "from sqlalchemy.orm import sessionmaker\nSyncSession = sessionmaker(sync_engine)\n"
    root = write_project(tmp_path / "q", {"app/db.py": with_factory, "app/startup.py": startup})
    (finding,) = findings_in(root, "app/startup.py", "ASA101")
    assert finding.message.endswith("configured factory (SyncSession())")


def test_test_modules_may_build_their_own_sessions_and_factories(tmp_path: Path) -> None:
    fixture = (
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "TestSession = async_sessionmaker()\n"
        "async def session(connection):\n"
        "    async with AsyncSession(bind=connection) as s:\n"
        "        yield s\n"
    )
    root = write_project(tmp_path / "p", {"app/db.py": FACTORY, "tests/conftest.py": fixture})
    assert [f for f in findings_in(root, ".") if f.code.startswith("ASA1")] == []
    moved = write_project(tmp_path / "q", {"app/db.py": FACTORY, "app/fixtures.py": fixture})
    assert sorted(f.code for f in findings_in(moved, ".") if f.code.startswith("ASA1")) == [
        "ASA101",  # the ad-hoc session: ASA103 does not judge it too
        "ASA103",
        "ASA105",
    ]


def test_a_yield_in_the_except_clause_is_not_guarded_by_it(tmp_path: Path) -> None:
    helper = """\
from contextlib import asynccontextmanager

from app.db import SessionLocal


@asynccontextmanager
async def get_a_session():
    session = SessionLocal()
    try:
        await session.connection()
    except Exception:
        await session.rollback()
        yield session
        raise
"""
    root = write_project(tmp_path / "p", {"app/db.py": FACTORY, "app/db_methods.py": helper})
    (finding,) = findings_in(root, ".", "ASA107")
    assert finding.line == 13
    assert "get_a_session() yields session unguarded" in finding.message


def test_helper_nesting_another_session_context_is_safe(tmp_path: Path) -> None:
    helpers = """\
from contextlib import asynccontextmanager

from app.db import SessionLocal


@asynccontextmanager
async def get_a_session():
    async with SessionLocal() as session:
        yield session


@asynccontextmanager
async def tenant_session(tenant: str):
    async with get_a_session() as session:
        yield session
"""
    root = write_project(tmp_path / "p", {"app/db.py": FACTORY, "app/db_methods.py": helpers})
    assert findings_in(root, ".", "ASA107") == []


def test_expire_on_commit_follows_a_session_class_reexported_by_the_project(tmp_path: Path) -> None:
    db = (
        "from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine\n"
        'engine = create_async_engine("sqlite+aiosqlite://")\n'
    )
    handler = (
        "from app.db import AsyncSession, engine\n"
        "async def ping() -> None:\n"
        "    async with AsyncSession(engine) as session:  # noqa: ASA101 (sanctioned)\n"
        "        await session.commit()\n"
    )
    root = write_project(tmp_path / "p", {"app/db.py": db, "app/handlers.py": handler})
    found = sorted((f.path, f.line, f.code) for f in findings_in(root, ".") if f.code in ("ASA101", "ASA103"))
    assert found == [("app/handlers.py", 3, "ASA103")]


def test_a_factory_on_an_engine_copy_with_its_own_options_is_another_engines(tmp_path: Path) -> None:
    # SQLAlchemy's documented pair: transactional sessions on `engine`, autocommit sessions on
    # `engine.execution_options(isolation_level="AUTOCOMMIT")` (a copy sharing the pool). Kept
    # under its own name or made inline, that copy is not `engine`; a second factory on `engine`
    # itself still is.
    factories = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        'engine = create_async_engine("postgresql+asyncpg:///app")\n'
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
        'read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")\n'
        "ReadSessionLocal = async_sessionmaker(read_engine, expire_on_commit=False)\n"
        "InlineSessionLocal = async_sessionmaker(\n"
        '    engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False\n'
        ")\n"
        "AgainSessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    )
    root = write_project(tmp_path / "p", {"app/db.py": factories})
    assert [finding.line for finding in findings_in(root, ".", "ASA105")] == [9]


def _builder(default: str, body: str = "") -> str:
    """A database class whose builder passes its own `expire_on_commit` parameter on."""
    return (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "class Database:\n"
        "    def __init__(self, maker):\n"
        "        self.maker = maker\n"
        "    @staticmethod\n"
        f"    async def new(url: str, expire_on_commit: bool{default}) -> 'Database':\n"
        f"{body}"
        "        engine = create_async_engine(url)\n"
        "        return Database(async_sessionmaker(engine, expire_on_commit=expire_on_commit))\n"
    )


def test_expire_on_commit_passed_from_a_parameter_counts_as_its_literal_default(tmp_path: Path) -> None:
    cases = {
        "keeps": _builder(" = False"),
        "expires": _builder(" = True"),
        "caller_decides": _builder(""),
        "bound_again": _builder(" = False", "        expire_on_commit = not expire_on_commit\n"),
    }
    root = write_project(tmp_path / "p", {f"app/{name}.py": source for name, source in cases.items()})
    found = sorted((f.path, f.message.split(": ")[0].split(" with ")[1]) for f in findings_in(root, ".", "ASA103"))
    # A parameter with no default, or bound again, is still no `False` the rule can see.
    assert found == [
        ("app/bound_again.py", "expire_on_commit=expire_on_commit"),
        ("app/caller_decides.py", "expire_on_commit=expire_on_commit"),
        ("app/expires.py", "expire_on_commit=True"),
    ]
