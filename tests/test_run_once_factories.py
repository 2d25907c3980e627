"""ASA105 inside a run-once function: a script's `main()` under `asyncio.run` that builds two
session factories on the same engine it holds has two factories for one database, whether or
not it keeps them; factories on two engines are two databases, and a function run per call is
ASA102's finding."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

SCRIPT = """\
import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


async def seed(session: object) -> None: ...


async def serve(factory: object) -> None: ...


async def main(url: str, replica_url: str) -> None:
    engine = create_async_engine(url)
    replica = create_async_engine(replica_url)
{body}

if __name__ == "__main__":
    asyncio.run(main("sqlite+aiosqlite://", "sqlite+aiosqlite://"))
"""


def _factories(tmp_path: Path, body: str, code: str = "ASA105") -> list[tuple[int, str]]:
    root = write_project(tmp_path / "project", {"app/script.py": SCRIPT.format(body=body)})
    return [(finding.line, finding.message) for finding in findings_in(root, "app/script.py", code)]


def test_two_factories_on_the_engine_of_a_main_function(tmp_path: Path) -> None:
    body = (
        "    async with async_sessionmaker(engine, expire_on_commit=False)() as session:\n"
        "        await seed(session)\n"
        "    factory = async_sessionmaker(engine, expire_on_commit=False)\n"
        "    await serve(factory)\n"
    )
    [(line, message)] = _factories(tmp_path, body)
    assert line == 17
    assert "on the same engine, `engine` (in main())" in message
    assert "app/script.py:15" in message


def test_factories_on_two_engines_are_two_databases(tmp_path: Path) -> None:
    body = (
        "    async with async_sessionmaker(replica, expire_on_commit=False)() as session:\n"
        "        await seed(session)\n"
        "    factory = async_sessionmaker(bind=engine, expire_on_commit=False)\n"
        "    await serve(factory)\n"
    )
    assert _factories(tmp_path, body) == []


def test_one_factory_in_a_main_function(tmp_path: Path) -> None:
    body = "    factory = async_sessionmaker(engine, expire_on_commit=False)\n    await serve(factory)\n"
    assert _factories(tmp_path, body) == []


def test_a_function_run_per_call_is_not_judged_here(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker\n"
        "\n"
        "\n"
        "async def handle(engine: AsyncEngine) -> None:\n"
        "    first = async_sessionmaker(engine, expire_on_commit=False)\n"
        "    second = async_sessionmaker(engine, expire_on_commit=False)\n"
        "    async with first() as a, second() as b:\n"
        "        await a.commit()\n"
        "        await b.commit()\n"
    )
    root = write_project(tmp_path / "project", {"app/handlers.py": source})
    assert findings_in(root, "app/handlers.py", "ASA105") == []
