"""ASA301 on objects of a tuple a project function hands on from another call.

`return await MemberDao.page(db)` in a service whose data-access object ends `return members,
len(members)`: the caller's `members, total = await service.page(db)` gets the objects of the
inner call's tuple at that position, so `member.user` read in a loop over them (or by a callee they
are handed to) lazy-loads, as it does when the caller calls the data-access object itself. A
query that loads the relationship, and the count, stay silent. Each handler is linted, then run
against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from member_handlers import HandlerModule

SERVICE = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member


class MemberDao:
    @staticmethod
    async def page(db: AsyncSession) -> tuple[list[Member], int]:
        members = list((await db.scalars(select(Member))).all())
        return members, len(members)

    @staticmethod
    async def page_with_users(db: AsyncSession) -> tuple[list[Member], int]:
        members = list((await db.scalars(select(Member).options(selectinload(Member.user)))).all())
        return members, len(members)


class MemberService:
    async def page(self, db: AsyncSession) -> tuple[list[Member], int]:
        return await MemberDao.page(db)

    async def page_with_users(self, db: AsyncSession) -> tuple[list[Member], int]:
        return await MemberDao.page_with_users(db)
"""

HEADER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member
from app.service import MemberService


"""

HELPERS = """\


def names(members: list[Member]) -> list[str]:
    return [member.user.name for member in members]
"""

UNLOADED = {
    "read_in_a_loop": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberService().page(session)
    found = []
    for member in members:
        found.append(member.user.name)
    return found
""",
    "handed_to_a_reading_callee": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberService().page(session)
    return names(members)
""",
}

#: (the handler's line ASA301 reports, the line that raises: "handler" or "helper" and its line)
UNLOADED_LINES = {
    "read_in_a_loop": (5, "handler", 5),
    "handed_to_a_reading_callee": (3, "helper", 4),
}

LOADED = {
    "the_query_loads_it": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberService().page_with_users(session)
    found = []
    for member in members:
        found.append(member.user.name)
    return found
""",
    "only_the_count_is_used": """\
async def handle(session: AsyncSession) -> int:
    members, total = await MemberService().page(session)
    return total + sum(member.user_id for member in members)
""",
}


MODULE = HandlerModule(HEADER, HELPERS, ("app/service.py", SERVICE))


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_objects_of_a_tuple_handed_on_from_another_call_are_judged(name: str, tmp_path: Path) -> None:
    reported, raised_part, raised = UNLOADED_LINES[name]
    MODULE.assert_reported_where_it_raises(
        tmp_path / "project", UNLOADED[name], ("handler", reported), (raised_part, raised)
    )


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_relationship_or_the_count_is_not_reported(name: str, tmp_path: Path) -> None:
    MODULE.assert_silent_and_runs(tmp_path / "project", LOADED[name])
