"""ASA301 and loader chains that come back to the queried objects: a query of messages with
`selectinload(Message.chat).selectinload(Chat.messages).selectinload(Message.reports)` loads the
reports of every message the query gives, since `Message.chat` is a many-to-one whose
`back_populates=` is `Chat.messages` and each message is among its chat's messages. The read of
`message.reports` after it is no lazy load. A chain whose first step does not load
(`defaultload(Message.chat)`) never reaches the collection: the read lazy-loads
(MissingGreenlet). Each handler is linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Chat(Base):
    __tablename__ = "chats"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    messages: Mapped[list["Message"]] = relationship(back_populates="chat")


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    chat: Mapped[Chat] = relationship(back_populates="messages")
    reports: Mapped[list["Report"]] = relationship(back_populates="message")


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    message: Mapped[Message] = relationship(back_populates="reports")
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defaultload, joinedload, selectinload

from app.db_models import Chat, Message


"""

LOADED = {
    "selectin_chain": """\
async def handle(session: AsyncSession) -> list[int]:
    query = (
        select(Message)
        .options(selectinload(Message.chat).selectinload(Chat.messages).selectinload(Message.reports))
        .where(Message.id == 1)
    )
    message = (await session.scalars(query)).one()
    return [report.id for report in message.reports]
""",
    "joined_chain": """\
async def handle(session: AsyncSession) -> int:
    query = (
        select(Message)
        .options(joinedload(Message.chat).selectinload(Chat.messages).selectinload(Message.reports))
        .where(Message.id == 1)
    )
    message = (await session.scalars(query)).one()
    return len(message.reports)
""",
    "new_object_selected_again": """\
async def handle(session: AsyncSession) -> int:
    chat = (await session.scalars(select(Chat).options(selectinload(Chat.messages)).where(Chat.id == 1))).one()
    message = Message(id=10, chat_id=chat.id, chat=chat)
    session.add(message)
    await session.commit()
    query = (
        select(Message)
        .options(selectinload(Message.chat).selectinload(Chat.messages).selectinload(Message.reports))
        .where(Message.id == message.id)
    )
    message = (await session.scalars(query)).one()
    return len(message.reports)
""",
}

UNLOADED = {
    "first_step_default": """\
async def handle(session: AsyncSession) -> int:
    query = (
        select(Message)
        .options(defaultload(Message.chat).selectinload(Chat.messages).selectinload(Message.reports))
        .where(Message.id == 1)
    )
    message = (await session.scalars(query)).one()
    return len(message.reports)
""",
    "no_chain": """\
async def handle(session: AsyncSession) -> int:
    query = select(Message).options(selectinload(Message.chat)).where(Message.id == 1)
    message = (await session.scalars(query)).one()
    return len(message.reports)
""",
}


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": HEADER + handler})


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_chain_back_to_the_queried_objects_loads_them(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", LOADED[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_a_chain_that_does_not_come_back_still_reports(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", UNLOADED[name])
    found = findings_in(root, "app", "ASA301")
    assert [f.line for f in found] == [len(HEADER.splitlines()) + len(UNLOADED[name].splitlines())], found
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
