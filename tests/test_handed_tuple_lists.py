"""ASA301 on a list a project call returned inside a tuple, handed whole to a callee that reads its
elements.

`members, total = await repo.page()` (a repository method returning `(list(rows), len(rows))`)
then `notify_all(members)`, whose `[m.user.name for m in members]` lazy-loads `Member.user` on
each member: the call is reported as the hand-over of a list the call returns alone already was.
A repository that loads the relationship, a callee that reads only columns, and the count handed
on stay silent. Each handler is linted, then run against real SQLAlchemy with
aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from member_handlers import HandlerModule
from test_handed_call_lists import HEADER

REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self) -> tuple[list[Member], int]:
        members = list((await self._session.scalars(select(Member).join(Member.user))).all())
        return members, len(members)

    async def page_with_users(self) -> tuple[list[Member], int]:
        members = list((await self._session.scalars(select(Member).options(selectinload(Member.user)))).all())
        return members, len(members)
"""

HELPERS = """\


def notify_all(members: list[Member]) -> list[str]:
    return [member.user.name for member in members]


def count_all(members: list[Member]) -> int:
    return sum(member.user_id for member in members)


def shown(total: int) -> str:
    return str(total)
"""

UNLOADED = {
    "unpacked": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberRepository(session).page()
    return notify_all(members)
""",
    "unpacked_through_a_named_repository": """\
async def handle(session: AsyncSession) -> list[str]:
    repository = MemberRepository(session)
    members, _ = await repository.page()
    return notify_all(members)
""",
}

#: The handler's line ASA301 reports; the helper's line that lazy-loads is always line 4.
UNLOADED_LINES = {"unpacked": 3, "unpacked_through_a_named_repository": 4}

LOADED = {
    "the_repository_loads_it": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberRepository(session).page_with_users()
    return notify_all(members)
""",
    "the_callee_reads_a_column": """\
async def handle(session: AsyncSession) -> int:
    members, total = await MemberRepository(session).page()
    return count_all(members)
""",
    "the_count_is_handed_on": """\
async def handle(session: AsyncSession) -> str:
    members, total = await MemberRepository(session).page()
    return shown(total)
""",
}


MODULE = HandlerModule(HEADER, HELPERS, ("app/repository.py", REPOSITORY))


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_a_list_returned_in_a_tuple_handed_to_a_reading_callee_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    reported = ("handler", UNLOADED_LINES[name])
    MODULE.assert_reported_where_it_raises(tmp_path / "project", UNLOADED[name], reported, ("helpers", 4))


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_or_unread_relationship_is_not_reported(name: str, tmp_path: Path) -> None:
    MODULE.assert_silent_and_runs(tmp_path / "project", LOADED[name])
