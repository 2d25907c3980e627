"""ASA301 on the objects of a select widened by `add_columns()`.

`select(Member).add_columns(func.count(Member.id).over())` runs the same rows as `select(Member)`,
each a Row whose first position is the member: `row[0]`, `for member, total in rows`, and a list of
`row[0]` a repository hands back are members loaded without a loader, so reading `member.user`
lazy-loads (the statement method was unknown, so nothing was followed). A loader chained before or
after the widening, a read of the added column only, and `scalars()` of a widened statement that
loads the relationship stay silent. Each handler is linted, then run against real SQLAlchemy
with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from member_handlers import HandlerModule

REPOSITORY = """\
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self) -> tuple[list[Member], int]:
        query = select(Member).add_columns(func.count(Member.id).over())
        rows = list((await self._session.execute(query)).unique().all())
        return [row[0] for row in rows], (rows[0][1] if rows else 0)

    async def page_with_users(self) -> tuple[list[Member], int]:
        query = select(Member).add_columns(func.count(Member.id).over()).options(selectinload(Member.user))
        rows = list((await self._session.execute(query)).unique().all())
        return [row[0] for row in rows], (rows[0][1] if rows else 0)
"""

HEADER = """\
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member
from app.repository import MemberRepository


"""

HELPERS = """\


def names(members: list[Member]) -> list[str]:
    return [member.user.name for member in members]
"""

UNLOADED = {
    "unpacked_in_the_loop": """\
async def handle(session: AsyncSession) -> list[str]:
    result = await session.execute(select(Member).add_columns(func.count(Member.id).over()))
    found = []
    for member, total in result.all():
        found.append(member.user.name)
    return found
""",
    "first_position_of_each_row": """\
async def handle(session: AsyncSession) -> list[str]:
    result = await session.execute(select(Member).where(Member.id > 0).add_columns(Member.user_id))
    found = []
    for row in result.all():
        found.append(row[0].user.name)
    return found
""",
    "a_repository_list_handed_to_a_callee": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberRepository(session).page()
    return names(members)
""",
}

#: (the handler's line ASA301 reports, the line that raises: "handler" or "helper" and its line)
UNLOADED_LINES = {
    "unpacked_in_the_loop": (5, "handler", 5),
    "first_position_of_each_row": (5, "handler", 5),
    "a_repository_list_handed_to_a_callee": (3, "helper", 4),
}

LOADED = {
    "the_loader_is_chained_before": """\
async def handle(session: AsyncSession) -> list[str]:
    statement = select(Member).options(selectinload(Member.user))
    result = await session.execute(statement.add_columns(func.count(Member.id).over()))
    return [member.user.name for member, total in result.all()]
""",
    "the_repository_loads_it": """\
async def handle(session: AsyncSession) -> list[str]:
    members, total = await MemberRepository(session).page_with_users()
    return names(members)
""",
    "only_the_added_column_is_read": """\
async def handle(session: AsyncSession) -> list[int]:
    result = await session.execute(select(Member).add_columns(Member.user_id))
    return [row[1] + row[0].id for row in result.all()]
""",
    "scalars_of_a_widened_statement_that_loads": """\
async def handle(session: AsyncSession) -> list[str]:
    statement = select(Member).add_columns(Member.id).options(selectinload(Member.user))
    members = (await session.execute(statement)).scalars().all()
    return [member.user.name for member in members]
""",
}


MODULE = HandlerModule(HEADER, HELPERS, ("app/repository.py", REPOSITORY))


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_the_entity_of_a_widened_select_is_followed(name: str, tmp_path: Path) -> None:
    reported, raised_part, raised = UNLOADED_LINES[name]
    MODULE.assert_reported_where_it_raises(
        tmp_path / "project", UNLOADED[name], ("handler", reported), (raised_part, raised)
    )


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_relationship_or_an_added_column_is_not_reported(name: str, tmp_path: Path) -> None:
    MODULE.assert_silent_and_runs(tmp_path / "project", LOADED[name])
