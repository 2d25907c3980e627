"""The project index: cross-file models, relationships, re-exports, the helper and the policy sites."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import findings_in, working_directory, write_project

from alchemy_lint.config import load_settings
from alchemy_lint.engine import load_project
from alchemy_lint.index import ProjectIndex
from alchemy_lint.index.policy import Policy

BASE = """\
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase


class Base(AsyncAttrs, DeclarativeBase):
    pass
"""

USER = """\
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_base import Base


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    groups: Mapped[list["Group"]] = relationship(secondary="user_groups", back_populates="users")
    primary_group: Mapped["Group"] = relationship(lazy="joined")
    audit = relationship("Group", lazy="dynamic")
"""

GROUP = """\
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_base import Base


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    users = relationship("User", secondary="user_groups", back_populates="groups")
"""


def index_of(root: Path) -> ProjectIndex:
    with working_directory(root):
        return load_project(root, load_settings(root)).index()


def test_string_targets_resolve_to_models_in_other_files(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {"app/__init__.py": "", "app/db_base.py": BASE, "app/users.py": USER, "app/groups.py": GROUP},
    )
    index = index_of(root)
    assert sorted(index.models()) == ["app.groups.Group", "app.users.User"]
    user = index.relationships("app.users.User")
    assert user["groups"].target == "app.groups.Group"  # Mapped[list["Group"]]
    assert user["primary_group"].target == "app.groups.Group"  # Mapped["Group"]
    assert user["primary_group"].is_eager
    assert user["audit"].is_dynamic and user["audit"].target == "app.groups.Group"
    assert index.relationships("app.groups.Group")["users"].target == "app.users.User"  # relationship("User")
    assert index.has_async_attrs("app.users.User")


def test_models_through_mixins_factories_and_sqlmodel(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/__init__.py": "",
            "app/bases.py": (
                "from sqlalchemy.orm import declarative_base, registry\n"
                "Legacy = declarative_base()\n"
                "Registered = registry().generate_base()\n"
                "class TimestampMixin:\n    created = None\n"
            ),
            "app/models.py": (
                "from sqlmodel import Field, Relationship, SQLModel\n"
                "from app.bases import Legacy, Registered, TimestampMixin\n"
                "class Invoice(TimestampMixin, Legacy):\n    __tablename__ = 'invoices'\n"
                "class Audit(Registered):\n    __tablename__ = 'audits'\n"
                "class Team(SQLModel, table=True):\n"
                "    id: int | None = Field(default=None, primary_key=True)\n"
                '    heroes: list["Hero"] = Relationship(sa_relationship_kwargs={"lazy": "selectin"})\n'
                "class Hero(SQLModel, table=True):\n    id: int | None = Field(default=None, primary_key=True)\n"
                "class HeroRead(SQLModel):\n    name: str\n"
            ),
        },
    )
    index = index_of(root)
    assert sorted(index.models()) == ["app.models.Audit", "app.models.Hero", "app.models.Invoice", "app.models.Team"]
    heroes = index.relationships("app.models.Team")["heroes"]
    assert heroes.target == "app.models.Hero" and heroes.is_eager


def test_session_classes_and_factories_through_reexports_and_module_aliases(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/__init__.py": "",
            "app/db.py": (
                "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
                "class AppSession(AsyncSession):\n    pass\n"
                "SessionLocal = async_sessionmaker(class_=AppSession, expire_on_commit=False)\n"
            ),
            "app/compat.py": "from app.db import AppSession as Session, SessionLocal\n",
            "app/service.py": (
                "import app.compat as compat\n"
                "async def rename(session: compat.Session) -> None:\n    await session.commit()\n"
                "async def archive() -> None:\n"
                "    async with compat.SessionLocal.begin() as session:\n        await session.flush()\n"
            ),
        },
    )
    index = index_of(root)
    assert index.is_async_session_class("app.compat.Session")
    assert [site.call.assigned_to for site in index.factory_sites] == ["app.db.SessionLocal"]
    assert index.is_async_factory_call(index.factory_sites[0].call)
    sites = index.transaction_sites()
    assert (sites.count(Policy.EXPLICIT), sites.count(Policy.UNIT_OF_WORK)) == (1, 1)


COMMIT_INSIDE_BEGIN = """\
from sqlalchemy.ext.asyncio import AsyncSession
async def save(session: AsyncSession) -> None:
    async with session.begin():
        await session.commit()
"""
#: pyright's `typings/` holds stubs of dependencies as packages of `__init__.pyi` files: one of a
#: dependency with a subpackage named `sqlalchemy`, and SQLAlchemy's own (`pyright --createstub`).
VENDOR_STUBS = {
    "typings/vendor/__init__.pyi": "from .client import Client\n",
    "typings/vendor/sqlalchemy/__init__.pyi": "from .fixtures import vendor_session\n",
}
LIBRARY_STUBS = {
    "typings/sqlalchemy/__init__.pyi": "from .engine import create_engine as create_engine\n",
    "typings/sqlalchemy/ext/__init__.pyi": "",
    "typings/sqlalchemy/ext/asyncio/__init__.pyi": "from .session import AsyncSession as AsyncSession\n",
    "typings/sqlalchemy/ext/asyncio/session.pyi": "class AsyncSession:\n    def close(self) -> None: ...\n",
}


@pytest.mark.parametrize("stubs", [VENDOR_STUBS, LIBRARY_STUBS], ids=["vendor", "library"])
def test_stub_packages_never_take_the_library_import_name(tmp_path: Path, stubs: dict[str, str]) -> None:
    root = write_project(tmp_path / "p", {**stubs, "app/work.py": COMMIT_INSIDE_BEGIN})
    assert [(f.line, f.code) for f in findings_in(root, "app/work.py", "ASA401")] == [(4, "ASA401")]


def test_a_stub_package_is_named_as_a_type_checker_names_it(tmp_path: Path) -> None:
    index = index_of(write_project(tmp_path / "p", VENDOR_STUBS))
    stubs = {index.relative(path): module for module, path in index.module_paths.items()}
    assert stubs == {
        "typings/vendor/__init__.pyi": "vendor",
        "typings/vendor/sqlalchemy/__init__.pyi": "vendor.sqlalchemy",
    }


def test_session_helper_is_the_configured_async_context_manager_that_yields_a_session(tmp_path: Path) -> None:
    helper = (
        "from contextlib import asynccontextmanager\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
        "SessionLocal = async_sessionmaker(expire_on_commit=False)\n"
        "@asynccontextmanager\n"
        "async def {name}():\n"
        "    async with SessionLocal() as session:\n"
        "        yield session\n"
        "async def get_a_session():\n"
        "    yield SessionLocal()\n"
    )
    root = write_project(tmp_path / "p", {"app/db_methods.py": helper.format(name="session_scope")})
    assert index_of(root).session_helper() is None  # the undecorated generator is not the helper
    configured = write_project(
        tmp_path / "q", {"app/db_methods.py": helper.format(name="session_scope")}, 'session-helper = "session_scope"'
    )
    found = index_of(configured).session_helper()
    assert found is not None and found.name == "session_scope"


def test_commits_in_test_modules_do_not_vote_on_the_policy(tmp_path: Path) -> None:
    commit = "from sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession):\n    await s.commit()\n"
    root = write_project(
        tmp_path / "p",
        {"app/service.py": commit, "tests/test_service.py": commit, "app/test_helpers.py": commit},
    )
    sites = index_of(root).transaction_sites()
    assert [site.path for site in sites.sites] == ["app/service.py"]


def test_facts_with_yield_guards_pickle(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "app/db_methods.py": (
                "from contextlib import asynccontextmanager\n"
                "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                "SessionLocal = async_sessionmaker(expire_on_commit=False)\n"
                "@asynccontextmanager\n"
                "async def get_a_session():\n"
                "    session = SessionLocal()\n"
                "    try:\n        yield session\n"
                "    except Exception:\n        await session.rollback()\n        raise\n"
                "    finally:\n        await session.close()\n"
            )
        },
    )
    with working_directory(root):
        project = load_project(root, load_settings(root))
    (facts,) = project.facts.values()
    assert pickle.loads(pickle.dumps(facts)) == facts
    (guard,) = facts.functions[0].yields
    assert (guard.rolls_back_on_error, guard.closes_finally, guard.context_origins) == (True, True, ())


def test_a_class_on_an_advanced_alchemy_base_is_a_model_unless_abstract(tmp_path: Path) -> None:
    from test_loading_rules import ADVANCED_ALCHEMY_MODELS

    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/db_models.py": ADVANCED_ALCHEMY_MODELS})
    index = index_of(root)
    assert sorted(index.models()) == ["app.db_models.Member", "app.db_models.Team"]
    assert index.relationships("app.db_models.Team")["members"].target == "app.db_models.Member"
