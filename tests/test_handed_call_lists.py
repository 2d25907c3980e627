"""ASA301 on a list a project call returned, handed whole to a callee that reads its elements.

`members = await repo.lagging()` (a repository method returning `(await session.scalars(q)).all()`)
then `await notify_all(members)`, whose `[m.user.name for m in members]` lazy-loads `Member.user`
on each member: the call is reported as the read through the list a local query gives already
was. The callee may be a function, a method of an object the call builds
(`Notifier("mail").notify(members)`, or through a name bound to it), or of a class kept in
an attribute and called; a single object handed to a method of an object built in place is
followed as well
(`self.__notifier = Notifier`, then `self.__notifier("mail").notify(members)`). A repository
that loads the relationship, or a callee that reads only columns, stays silent. Each handler is
linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from member_handlers import HandlerModule

REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lagging(self) -> list[Member]:
        members = await self._session.scalars(select(Member).join(Member.user))
        return list(members.all())

    async def with_users(self) -> list[Member]:
        members = await self._session.scalars(select(Member).options(selectinload(Member.user)))
        return list(members.all())
"""

HELPERS = """\


async def notify_all(members: list[Member]) -> list[str]:
    return [member.user.name for member in members]


async def count_all(members: list[Member]) -> int:
    return sum(member.user_id for member in members)


class Notifier:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def notify(self, members: list[Member]) -> list[str]:
        return [f"{self.channel}: {member.user.name}" for member in members]

    async def notify_one(self, member: Member) -> str:
        return f"{self.channel}: {member.user.name}"
"""

HEADER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member
from app.repository import MemberRepository


"""

UNLOADED = {
    "to_a_function": """\
async def handle(session: AsyncSession) -> list[str]:
    members = await MemberRepository(session).lagging()
    return await notify_all(members)
""",
    "to_a_method_of_a_built_object": """\
async def handle(session: AsyncSession) -> list[str]:
    members = await MemberRepository(session).lagging()
    return await Notifier("mail").notify(members)
""",
    "to_a_method_of_a_named_object": """\
async def handle(session: AsyncSession) -> list[str]:
    members = await MemberRepository(session).lagging()
    notifier = Notifier("mail")
    return await notifier.notify(members)
""",
    "one_object_to_a_method_of_a_built_object": """\
async def handle(session: AsyncSession) -> str:
    member = await session.get(Member, 1)
    assert member is not None
    return await Notifier("mail").notify_one(member)
""",
    "to_a_class_kept_in_an_attribute": """\
async def handle(session: AsyncSession) -> list[str]:
    return await MemberService(session).exclude()


class MemberService:
    def __init__(self, session: AsyncSession) -> None:
        self.__members = MemberRepository(session)
        self.__notifier = Notifier

    async def exclude(self) -> list[str]:
        members = await self.__members.lagging()
        return await self.__notifier("mail").notify(members)
""",
}

#: The line ASA301 reports (in the handler, or in `MemberService.exclude`) and the line that
#: lazy-loads, both as lines of HELPERS after the handler.
UNLOADED_LINES = {
    "to_a_function": ("handler", 3, "helpers", 4),
    "to_a_method_of_a_built_object": ("handler", 3, "helpers", 16),
    "to_a_method_of_a_named_object": ("handler", 4, "helpers", 16),
    "one_object_to_a_method_of_a_built_object": ("handler", 4, "helpers", 19),
    "to_a_class_kept_in_an_attribute": ("handler", 12, "helpers", 16),
}

LOADED = {
    "the_repository_loads_it": """\
async def handle(session: AsyncSession) -> list[str]:
    members = await MemberRepository(session).with_users()
    return await notify_all(members)
""",
    "the_callee_reads_a_column": """\
async def handle(session: AsyncSession) -> int:
    members = await MemberRepository(session).lagging()
    return await count_all(members)
""",
}


MODULE = HandlerModule(HEADER, HELPERS, ("app/repository.py", REPOSITORY))


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_a_returned_list_handed_to_a_reading_callee_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    reported_part, reported, raised_part, raised = UNLOADED_LINES[name]
    MODULE.assert_reported_where_it_raises(
        tmp_path / "project", UNLOADED[name], (reported_part, reported), (raised_part, raised)
    )


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_or_unread_relationship_is_not_reported(name: str, tmp_path: Path) -> None:
    MODULE.assert_silent_and_runs(tmp_path / "project", LOADED[name])
