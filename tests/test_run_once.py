"""Run-once contexts in the index, and the rules that ask where code runs (ASA102, ASA105)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project

from alchemy_lint.config import Settings
from alchemy_lint.engine import RunOptions, load_project
from alchemy_lint.index.runonce import RunContext

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


def contexts(root: Path, qualname: str) -> set[RunContext]:
    index = load_project(root, Settings(), RunOptions(cache=False, prefilter=False, lazy_noqa=False)).index()
    return set(index.run_once.contexts(index.canonical(qualname)))


ENTRIES = [
    pytest.param(
        'import asyncio\n\n\nasync def main():\n    pass\n\n\nif __name__ == "__main__":\n    asyncio.run(main())\n',
        "app.job.main",
        RunContext.SCRIPT,
        id="asyncio-run-under-main-guard",
    ),
    pytest.param(
        "import asyncio\n\n\nasync def main():\n    pass\n\n\nasyncio.run(main())\n",
        "app.job.main",
        RunContext.SCRIPT,
        id="asyncio-run-at-module-level",
    ),
    pytest.param(
        "import anyio\n\n\nasync def main():\n    pass\n\n\nanyio.run(main)\n",
        "app.job.main",
        RunContext.SCRIPT,
        id="anyio-run",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\n\nasync def lifespan(app):\n    yield\n\n\napp = FastAPI(lifespan=lifespan)\n",
        "app.job.lifespan",
        RunContext.LIFESPAN,
        id="fastapi-lifespan",
    ),
    pytest.param(
        "from litestar import Litestar\n\n\nasync def connect(app):\n    pass\n\n\n"
        "app = Litestar(on_startup=[connect])\n",
        "app.job.connect",
        RunContext.LIFESPAN,
        id="litestar-on-startup",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        '@app.on_event("startup")\nasync def connect():\n    pass\n',
        "app.job.connect",
        RunContext.LIFESPAN,
        id="on-event-startup",
    ),
    pytest.param(
        "from starlette.applications import Starlette\n\napp = Starlette()\n\n\nasync def connect():\n    pass\n\n\n"
        'app.add_event_handler("startup", connect)\n',
        "app.job.connect",
        RunContext.LIFESPAN,
        id="add-event-handler",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\n\ndef create_app():\n    async def lifespan(app):\n        yield\n\n"
        "    return FastAPI(lifespan=lifespan)\n",
        "app.job.create_app.lifespan",
        RunContext.LIFESPAN,
        id="lifespan-nested-in-application-factory",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI()\n",
        "app.job.create_app",
        RunContext.APP_FACTORY,
        id="application-factory",
    ),
    pytest.param(
        "import click\n\n\n@click.command()\ndef migrate():\n    pass\n",
        "app.job.migrate",
        RunContext.CLI,
        id="click-command",
    ),
    pytest.param(
        "import typer\n\ncli = typer.Typer()\n\n\n@cli.command()\ndef migrate():\n    pass\n",
        "app.job.migrate",
        RunContext.CLI,
        id="typer-command",
    ),
    pytest.param(
        'import typer\n\ncli = typer.Typer()\n\n\ndef migrate():\n    pass\n\n\ncli.command(name="migrate")(migrate)\n',
        "app.job.migrate",
        RunContext.CLI,
        id="typer-command-registered-by-a-call",
    ),
    pytest.param(
        "import click\n\n\n@click.group()\ndef cli():\n    pass\n\n\ndef migrate():\n    pass\n\n\n"
        'cli.command("migrate")(migrate)\n',
        "app.job.migrate",
        RunContext.CLI,
        id="click-command-registered-by-a-call",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\nasync def connect():\n    pass\n\n\n"
        'app.on_event("startup")(connect)\n',
        "app.job.connect",
        RunContext.LIFESPAN,
        id="on-event-startup-applied-by-a-call",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\n\ndef startup_app(app):\n    async def start_app():\n        pass\n\n"
        '    return start_app\n\n\napp = FastAPI()\napp.add_event_handler("startup", startup_app(app))\n',
        "app.job.startup_app.start_app",
        RunContext.LIFESPAN,
        id="startup-handler-returned-by-a-builder",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\n\ndef make_lifespan():\n    async def lifespan(app):\n        yield\n\n"
        "    return lifespan\n\n\napp = FastAPI(lifespan=make_lifespan())\n",
        "app.job.make_lifespan.lifespan",
        RunContext.LIFESPAN,
        id="lifespan-returned-by-a-builder",
    ),
    pytest.param(
        "from functools import lru_cache\n\n\n@lru_cache\ndef get_factory():\n    pass\n",
        "app.job.get_factory",
        RunContext.MEMOISED,
        id="lru-cache",
    ),
    pytest.param(
        "import pytest\n\n\n@pytest.fixture\ndef factory():\n    pass\n",
        "app.job.factory",
        RunContext.FIXTURE,
        id="pytest-fixture",
    ),
    pytest.param(
        'revision = "2"\ndown_revision = "1"\n\n\ndef upgrade():\n    pass\n',
        "app.job.upgrade",
        RunContext.MIGRATION,
        id="alembic-upgrade",
    ),
    pytest.param(
        "class Database:\n    def __init__(self):\n        pass\n\n\n_db = None\n\n\ndef get_db():\n"
        "    global _db\n    if _db is None:\n        _db = Database()\n    return _db\n",
        "app.job.Database.__init__",
        RunContext.MEMOISED,
        id="lazy-singleton-in-a-global",
    ),
]


@pytest.mark.parametrize(("source", "qualname", "context"), ENTRIES)
def test_entry_points_run_once(source: str, qualname: str, context: RunContext, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/job.py": source})
    assert context in contexts(root, qualname)


NOT_ONCE = [
    pytest.param(
        "from functools import lru_cache\n\n\ndef build():\n    pass\n\n\nget = lru_cache(maxsize=None)(build)\n\n\n"
        "def route():\n    for _ in range(3):\n        build()\n",
        "app.job.build",
        id="function-memoised-by-a-call-is-still-called-itself",
    ),
    pytest.param(
        "import typer\n\ncli = typer.Typer()\n\n\ndef migrate():\n    pass\n\n\ncli.add_hook(name='x')(migrate)\n",
        "app.job.migrate",
        id="function-handed-to-another-decorator-by-a-call",
    ),
    pytest.param(
        "from fastapi import FastAPI\n\n\ndef shutdown_app(app):\n    async def close_app():\n        pass\n\n"
        '    return close_app\n\n\napp = FastAPI()\napp.add_event_handler("shutdown", shutdown_app(app))\n',
        "app.job.shutdown_app.close_app",
        id="closure-handed-to-another-hook",
    ),
    pytest.param(
        "from fastapi import Depends, FastAPI\n\n\ndef startup_app(app):\n    async def start_app():\n"
        "        pass\n\n    return start_app\n\n\napp = FastAPI()\n\n\n@app.get('/')\n"
        "async def route(x=Depends(startup_app(app))):\n    pass\n",
        "app.job.startup_app.start_app",
        id="closure-handed-to-a-dependency",
    ),
]


@pytest.mark.parametrize(("source", "qualname"), NOT_ONCE)
def test_callables_handed_elsewhere_do_not_run_once(source: str, qualname: str, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/job.py": source})
    assert not contexts(root, qualname)


BUILDER = """\
from sqlalchemy.ext.asyncio import async_sessionmaker


def build_factory(engine):
    return async_sessionmaker(engine, expire_on_commit=False)
"""


def test_builder_called_only_from_run_once_code_in_other_modules_runs_once(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/builders.py": BUILDER,
            "app/main.py": "from fastapi import FastAPI\n\nfrom app.builders import build_factory\n\n\n"
            "async def lifespan(app):\n    app.state.factory = build_factory(None)\n    yield\n\n\n"
            "app = FastAPI(lifespan=lifespan)\n",
            "app/cli.py": "import asyncio\n\nfrom app.builders import build_factory\n\n\nasync def main():\n"
            '    build_factory(None)\n\n\nif __name__ == "__main__":\n    asyncio.run(main())\n',
        },
    )
    assert contexts(root, "app.builders.build_factory") == {RunContext.LIFESPAN, RunContext.SCRIPT}


_STARTUP = (
    "from fastapi import FastAPI\n\nfrom app.builders import build_factory\n\n\n"
    "async def start():\n    build_factory(None)\n\n\napp = FastAPI()\n"
    'app.add_event_handler("startup", start)\n'
)
_TESTS = (
    "from unittest.mock import AsyncMock\n\nfrom app.builders import build_factory\n\n\n"
    "def test_build():\n    for url in ['a', 'b']:\n        build_factory(url)\n\n\n"
    "def test_mocked(monkeypatch):\n    monkeypatch.setattr('app.x', build_factory)\n"
)


def test_what_tests_call_besides_the_application_does_not_count(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p", {"app/builders.py": BUILDER, "app/main.py": _STARTUP, "tests/test_builders.py": _TESTS}
    )
    assert contexts(root, "app.builders.build_factory") == {RunContext.LIFESPAN}


def test_what_only_tests_call_is_judged_by_their_calls(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/builders.py": BUILDER, "tests/test_builders.py": _TESTS})
    assert not contexts(root, "app.builders.build_factory")


@pytest.mark.parametrize(
    "caller",
    [
        pytest.param("async def handler():\n    build_factory(None)\n", id="called-from-a-handler"),
        pytest.param(
            "from fastapi import Depends\n\n\nasync def handler(f=Depends(build_factory)):\n    pass\n",
            id="a-dependency",
        ),
        pytest.param(
            "def main():\n    for url in []:\n        build_factory(url)\n\n\nmain()\n", id="called-in-a-loop"
        ),
    ],
)
def test_builder_that_may_run_many_times_does_not_run_once(caller: str, tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {"app/builders.py": BUILDER, "app/views.py": "from app.builders import build_factory\n\n\n" + caller},
    )
    assert contexts(root, "app.builders.build_factory") == set()


def test_alembic_data_migration_called_from_upgrade_runs_once(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "migrations/data/projects.py": "from sqlalchemy import create_engine\n"
            "from sqlalchemy.orm import sessionmaker\n\n\n"
            "def create_default_project():\n    sync_session = sessionmaker(create_engine('sqlite://'))\n"
            "    with sync_session() as session:\n        session.commit()\n",
            "migrations/versions/0001_default_project.py": "from migrations.data.projects "
            "import create_default_project\n\n"
            'revision = "0001"\ndown_revision = None\n\n\ndef upgrade():\n    create_default_project()\n',
            "app/db.py": DB,
        },
    )
    assert contexts(root, "migrations.data.projects.create_default_project") == {RunContext.MIGRATION}
    assert findings_in(root, ".", "ASA102") == []


# -- ASA102 on factories built where a factory belongs ------------------------------

SILENT_FACTORIES = [
    pytest.param(
        "import asyncio\n\nfrom sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n\n"
        "async def main():\n    factory = async_sessionmaker(create_async_engine('sqlite+aiosqlite://'))\n"
        "    async with factory() as session:\n        await session.commit()\n\n\nasyncio.run(main())\n",
        id="script-main",
    ),
    pytest.param(
        "from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    engine = create_async_engine('sqlite+aiosqlite://')\n"
        "    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)\n    yield\n"
        "    await engine.dispose()\n\n\napp = FastAPI(lifespan=lifespan)\n",
        id="lifespan-app-state",
    ),
    pytest.param(
        "from contextlib import asynccontextmanager\n\nfrom sqlalchemy.ext.asyncio import async_sessionmaker\n\n\n"
        "def session_scope_for(engine):\n    factory = async_sessionmaker(engine, expire_on_commit=False)\n\n"
        "    @asynccontextmanager\n    async def scope():\n        async with factory() as session:\n"
        "            yield session\n\n    return scope\n",
        id="returned-closure",
    ),
    pytest.param(
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n\nclass SessionFactory:\n"
        "    def __init__(self, maker):\n        self.maker = maker\n\n\nclass Client:\n"
        "    def __init__(self, engine):\n        self.Session = SessionFactory(async_sessionmaker(bind=engine))\n",
        id="wrapper-on-self",
    ),
    pytest.param(
        "from asyncio import current_task\n\n"
        "from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine\n\n\n"
        "class TransactionsEngine:\n    def __init__(self):\n        self.engine = create_async_engine('sqlite+aiosqlite://')\n"
        "        maker = async_sessionmaker(bind=self.engine, expire_on_commit=False)\n"
        "        self.scoped = async_scoped_session(session_factory=maker, scopefunc=current_task)\n",
        id="local-factory-wrapped-on-self",
    ),
]


@pytest.mark.parametrize("source", SILENT_FACTORIES)
def test_factory_built_once_and_kept_is_silent(source: str, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db.py": source})
    assert findings_in(root, ".", "ASA102") == []


def test_factory_built_per_request_is_still_reported(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": "from contextlib import asynccontextmanager\n\n"
            "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n"
            "engine = create_async_engine('sqlite+aiosqlite://')\n\n\nclass Manager:\n"
            "    @asynccontextmanager\n    async def session(self):\n"
            "        maker = async_sessionmaker(bind=engine, expire_on_commit=False)\n"
            "        async with maker() as session:\n            yield session\n",
        },
    )
    (finding,) = findings_in(root, ".", "ASA102")
    assert finding.line == 11 and "inside function session()" in finding.message


# -- ASA105 per database --------------------------------------------------------------


def test_factory_on_a_read_replica_is_another_database(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": DB + "\n\nclass DatabaseManager:\n    def __init__(self):\n"
            "        self.replica_engine = create_async_engine('sqlite+aiosqlite:///replica.db')\n"
            "        self.replica_sessions = async_sessionmaker(bind=self.replica_engine, expire_on_commit=False)\n",
        },
    )
    assert findings_in(root, ".", "ASA105") == []


def test_second_factory_on_the_same_engine_names_the_engine(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": DB,
            "app/reports.py": "from sqlalchemy.ext.asyncio import async_sessionmaker\n\nfrom app.db import engine\n\n"
            "ReportSession = async_sessionmaker(bind=engine, expire_on_commit=False)\n",
        },
    )
    (finding,) = findings_in(root, "app/reports.py", "ASA105")
    assert finding.line == 5
    assert "on the same engine, `engine` (app/db.py)" in finding.message
    assert "the project's session factory is at app/db.py:4" in finding.message


def test_a_commands_factory_is_the_second_beside_one_built_at_import(tmp_path: Path) -> None:
    # (`app/cli` sorts before `app/db`: the module-level factory is the project's all the same.)
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": DB,
            "app/cli.py": "import asyncio\n\nimport typer\nfrom sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
            "from app.db import engine\n\ncli = typer.Typer()\n\n\ndef make_factory():\n"
            "    return async_sessionmaker(engine, expire_on_commit=False)\n\n\ndef seed():\n"
            "    async def run():\n        async with make_factory()() as session:\n"
            "            await session.commit()\n\n"
            '    asyncio.run(run())\n\n\ncli.command(name="seed")(seed)\n',
        },
    )
    assert findings_in(root, "app/db.py", "ASA105") == []
    (finding,) = findings_in(root, "app/cli.py", "ASA105")
    assert finding.line == 12
    assert "the project's session factory is at app/db.py:4" in finding.message
    assert findings_in(root, "app/cli.py", "ASA102") == []


def test_second_factory_on_an_engine_that_cannot_be_told_apart_is_reported(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": DB,
            "app/services/client.py": "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n\nclass Client:\n"
            "    def __init__(self, engine):\n"
            "        self.sessions = async_sessionmaker(engine, expire_on_commit=False)\n",
        },
    )
    (finding,) = findings_in(root, ".", "ASA105")
    assert finding.path == "app/services/client.py"
    assert "cannot tell apart from `engine` (app/db.py)" in finding.message


def test_engine_kept_under_another_name_is_the_same_engine(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": DB + "\n\nclass DatabaseManager:\n    def __init__(self):\n        self.engine = engine\n"
            "        self.sessions = async_sessionmaker(bind=self.engine, expire_on_commit=False)\n",
        },
    )
    (finding,) = findings_in(root, ".", "ASA105")
    assert finding.line == 10 and "on the same engine, `engine` (app/db.py)" in finding.message
