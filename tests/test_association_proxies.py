"""An association proxy (`username = association_proxy("identity", "username")`) reads its
relationship whenever it is read: a lazy one not loaded raises MissingGreenlet (ASA301). Linted,
then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Identity(Base):
    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    identity: Mapped[Identity] = relationship()
    username: AssociationProxy[str] = association_proxy("identity", "username")
    login = association_proxy(target_collection="identity", attr="username")
"""

LAZY = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User


async def name_of(session: AsyncSession) -> str:
    user = await session.get(User, 1)
    return user.username  # ASA301


async def login_of(session: AsyncSession) -> str:
    user = await session.get(User, 2)
    return user.login  # ASA301
"""

VALIDATED = """\
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str


async def show(session: AsyncSession) -> UserOut:
    user = await session.get(User, 1)
    return UserOut.model_validate(user)  # ASA301
"""

LOADED = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import User


async def names(session: AsyncSession) -> str:
    users = (await session.scalars(select(User).options(selectinload(User.identity)))).all()
    return ",".join(user.username + user.login for user in users)
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/models.py": MODELS, "app/handlers.py": handler})


def test_reading_an_association_proxy_loads_its_relationship(tmp_path: Path) -> None:
    root = _project(tmp_path / "lazy", LAZY)
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [finding.line for finding in findings] == expected_lines(LAZY, "ASA301")
    assert "User.username() reads it" in findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", expected_lines(LAZY, "ASA301")[0])


def test_an_association_proxy_over_a_loaded_relationship_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "loaded", LOADED)
    assert findings_in(root, "app/handlers.py") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_a_schema_field_named_like_an_association_proxy_reads_its_relationship(tmp_path: Path) -> None:
    root = _project(tmp_path / "validated", VALIDATED)
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [finding.line for finding in findings] == expected_lines(VALIDATED, "ASA301")
    outcome = run_example(root, "app/handlers.py")
    # pydantic reports the lazy load as an error extracting the attribute, with SQLAlchemy's message.
    assert outcome["line"] == expected_lines(VALIDATED, "ASA301")[0]
    assert outcome["error"] == "MissingGreenlet" or "IO attempted in an unexpected place" in str(outcome["message"])
