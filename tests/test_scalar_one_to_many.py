"""A scalar relationship whose foreign key is on the target's table (`uselist=False`, the parent
side of a one-to-one) is a one-to-many: its lazy load always runs SQL. The identity map answers
only a many-to-one by the target's primary key, so holding objects of the target model in the
session does not spare the load (ASA301 judges it); a many-to-one still is not judged.
Executed against SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import findings_in, working_directory, write_project

from alchemy_lint.config import load_settings
from alchemy_lint.engine import load_project

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(default="")
    detail = relationship("UserDetail", back_populates="user", uselist=False)


class UserDetail(Base):
    __tablename__ = "user_details"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(default="t")
    user = relationship("User", back_populates="detail")


class Room(Base):
    __tablename__ = "rooms"
    id = Column(Integer, primary_key=True)
    name = Column(String, default="")


class Party(Base):
    __tablename__ = "parties"
    id = Column(Integer, primary_key=True)
    room_id = Column(Integer, ForeignKey("rooms.id"))
    room = relationship("Room", foreign_keys=[room_id], uselist=False)
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

HANDLERS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Party, Room, User, UserDetail


async def tokens(session: AsyncSession) -> list[str]:
    first = (await session.scalars(select(User).options(selectinload(User.detail)).where(User.id == 1))).one()
    others = (await session.scalars(select(User).where(User.id != first.id))).all()
    return [user.detail.token for user in others]  # ASA301


async def holder(session: AsyncSession) -> str:
    users = (await session.scalars(select(User))).all()
    detail = (await session.scalars(select(UserDetail).where(UserDetail.id == 2))).one()
    return detail.user.name if users else ""


async def room_name(session: AsyncSession) -> str:
    rooms = (await session.scalars(select(Room))).all()
    party = (await session.scalars(select(Party).where(Party.id == 1))).one()
    return party.room.name if rooms else ""
"""

RUN = """\
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from app.db import SessionLocal, engine
from app.handlers import holder, room_name, tokens
from app.models import Base, Party, Room, User, UserDetail


async def main() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with SessionLocal() as session:
        session.add_all([User(id=1, name="a"), User(id=2, name="b"), Room(id=1, name="r")])
        session.add_all([UserDetail(id=1, user_id=1), UserDetail(id=2, user_id=2), Party(id=1, room_id=1)])
        await session.commit()
    for handler in (holder, room_name, tokens):
        async with SessionLocal() as session:
            try:
                print(handler.__name__, await handler(session))
            except Exception as error:
                print(handler.__name__, type(getattr(error, "orig", None) or error).__name__)


asyncio.run(main())
"""


def _project(root: Path) -> Path:
    return write_project(
        root, {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": DB, "app/handlers.py": HANDLERS}
    )


def test_holding_the_target_model_spares_only_a_many_to_one(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    expected = [n for n, line in enumerate(HANDLERS.splitlines(), 1) if line.endswith("# ASA301")]
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    # The many-to-ones come from the identity map; the scalar one-to-many runs SQL and fails.
    assert done.stdout.splitlines() == ["holder b", "room_name r", "tokens MissingGreenlet"], done.stderr


@pytest.mark.parametrize(
    ("relationship", "many_to_one"),
    [
        ("app.models.User.detail", False),  # uselist=False, the foreign key on user_details
        ("app.models.UserDetail.user", True),
        ("app.models.Party.room", True),  # foreign_keys= names the owner's own column
    ],
)
def test_where_the_foreign_key_is(relationship: str, many_to_one: bool, tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    with working_directory(root):
        index = load_project(root, load_settings(root)).index()
    model, _, name = relationship.rpartition(".")
    assert index.relationships(model)[name].many_to_one is many_to_one


@pytest.mark.parametrize(
    ("declaration", "expected"),
    [
        ('relationship("UserDetail", secondary="links", uselist=False)', False),
        ('relationship("UserDetail", foreign_keys="[UserDetail.user_id]", uselist=False)', False),
        ('relationship("UserDetail", foreign_keys="User.name", uselist=False)', True),
        # The condition's columns say it: the compared foreign key is on user_details.
        ('relationship("UserDetail", primaryjoin="User.id == UserDetail.user_id", uselist=False)', False),
        ('relationship("UserDetail", primaryjoin="User.name == UserDetail.token", uselist=False)', None),
    ],
)
def test_join_options_say_where_the_foreign_key_is(declaration: str, expected: bool | None, tmp_path: Path) -> None:
    models = MODELS.replace('relationship("UserDetail", back_populates="user", uselist=False)', declaration)
    models = models.replace('    user = relationship("User", back_populates="detail")\n', "")
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/models.py": models})
    with working_directory(root):
        index = load_project(root, load_settings(root)).index()
    assert index.relationships("app.models.User")["detail"].many_to_one is expected
