"""A package folder the application runs with on `sys.path` (`src/__init__.py`, imports by
top-level names): its modules are known by those names too (index/path_entries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import findings_in, working_directory, write_project

from alchemy_lint import manifest
from alchemy_lint.cache import CACHE_DIR_ENV, NO_CACHE_ENV
from alchemy_lint.config import load_settings
from alchemy_lint.engine import RunOptions, check_paths, load_project
from alchemy_lint.index import project

_CONFIG = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
    "Session = async_sessionmaker(engine, expire_on_commit=False)\n"
)
_TRANSACTION = (
    "from contextlib import asynccontextmanager\n"
    "from database import Session\n"
    "@asynccontextmanager\n"
    "async def get_session():\n"
    "    async with Session() as session:\n"
    "        async with session.begin():\n"
    "            yield session\n"
    "            await session.commit()\n"
)
_MODELS = (
    "from sqlalchemy import ForeignKey\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
    "class Base(DeclarativeBase):\n    pass\n"
    "class Pilot(Base):\n"
    '    __tablename__ = "pilot"\n'
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    '    flights: Mapped[list["Flight"]] = relationship(back_populates="pilot")\n'
    "class Flight(Base):\n"
    '    __tablename__ = "flight"\n'
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    '    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id"))\n'
    '    pilot: Mapped[Pilot] = relationship(back_populates="flights")\n'
)
_SERVICE = (
    "from database.transaction import get_session\n"
    "from models import Pilot\n"
    "async def add_pilot() -> None:\n"
    "    async with get_session() as session:\n"
    "        session.add(Pilot())\n"
    "        await session.commit()\n"
)


def _source_package(root: Path) -> Path:
    return write_project(
        root,
        {
            "src/__init__.py": "",
            "src/database/__init__.py": "from database.config import Session\n",
            "src/database/config.py": _CONFIG,
            "src/database/transaction.py": _TRANSACTION,
            "src/models.py": _MODELS,
            "src/services/__init__.py": "",
            "src/services/pilots.py": _SERVICE,
        },
    )


def test_a_helper_of_a_package_run_on_sys_path_hands_out_its_factorys_sessions(tmp_path: Path) -> None:
    root = _source_package(tmp_path / "p")
    found = findings_in(root, "src/database/transaction.py", "ASA401")
    assert [(f.line, f.code) for f in found] == [(8, "ASA401")]


def test_a_session_from_a_helper_imported_by_its_top_level_name(tmp_path: Path) -> None:
    root = _source_package(tmp_path / "p")
    found = findings_in(root, "src/services/pilots.py", "ASA401")
    assert [f.line for f in found] == [6]


def test_the_package_stays_known_by_its_own_names(tmp_path: Path) -> None:
    root = _source_package(tmp_path / "p")
    by_package = _SERVICE.replace("from database.", "from src.database.")
    (root / "src/services/by_package.py").write_text(by_package, encoding="utf-8")
    found = findings_in(root, "src/services/by_package.py", "ASA401")
    assert [f.line for f in found] == [6]


def _aliases(root: Path) -> dict[str, str]:
    with working_directory(root):
        return load_project(root, load_settings(root)).index().module_aliases


def test_a_module_named_as_a_library_it_wraps_is_no_evidence(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/__init__.py": "",
            # Wrappers of the library of their name, and a re-export of one of its names.
            "app/redis.py": "from redis import RedisError\nfrom redis.asyncio import Redis\nclient = Redis()\n",
            "app/oci/__init__.py": "",
            "app/oci/exceptions.py": "from oci.exceptions import ServiceError\nclass Wrapped(Exception):\n    pass\n",
            "app/logging.py": "def getLogger(name: str) -> None:\n    return None\n",
            "app/health.py": (
                "import redis\nfrom redis import RedisError\nfrom oci.exceptions import ServiceError\n"
                "from logging import getLogger\n"
            ),
        },
    )
    aliases = _aliases(root)
    assert not {"redis", "oci.exceptions", "logging", "health"} & set(aliases)


def test_an_import_the_project_resolves_already_names_no_path_entry(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "models.py": "class Pilot:\n    pass\n",
            "app/__init__.py": "",
            "app/models.py": "class Pilot:\n    pass\n",
            "app/service.py": "from models import Pilot\n",
        },
    )
    aliases = _aliases(root)
    assert aliases["models"] == "models" and "service" not in aliases


def test_the_packages_come_from_the_cache_until_an_edit_changes_what_they_are_read_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manifest, "RACY_NS", -(10**12))  # each edit seen at once
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    root = _source_package(tmp_path / "p")
    service = root / "src/services/pilots.py"

    def lines_found() -> list[int]:
        with working_directory(root):
            result = check_paths(["src/services/pilots.py"], None, RunOptions(cache=True))
        return [finding.line for finding in result.findings if finding.code == "ASA401"]

    assert lines_found() == [6]
    computed: list[Sequence[str]] = []
    compute = project.path_entry_packages

    def counted(outlines: list[project.FileOutline], resolved_roots: set[str]) -> list[str]:
        found = compute(outlines, resolved_roots)
        computed.append(found)
        return found

    monkeypatch.setattr(project, "path_entry_packages", counted)
    # A comment changes none of the files' imports, modules or names: the packages are kept.
    service.write_text(_SERVICE + "# edited\n", encoding="utf-8")
    assert lines_found() == [6]
    assert computed == []
    # An import more is read again: the packages are computed again, and still found.
    service.write_text("import json\n" + _SERVICE, encoding="utf-8")
    assert lines_found() == [7]
    assert computed == [["src"]]
