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
from conftest import findings_in, write_project
from test_handed_call_lists import DATABASE, MODELS
from test_loading_runtime import run_example

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


def _project(root: Path, handler: str) -> Path:
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": DATABASE,
        "app/repository.py": REPOSITORY,
        "app/handlers.py": HEADER + handler + HELPERS,
    }
    return write_project(root, files)


def _line(handler: str, part: str, line: int) -> int:
    before = len(HEADER.splitlines()) + (0 if part == "handler" else len(handler.splitlines()))
    return before + line


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_the_entity_of_a_widened_select_is_followed(name: str, tmp_path: Path) -> None:
    handler = UNLOADED[name]
    root = _project(tmp_path / "project", handler)
    reported, raised_part, raised = UNLOADED_LINES[name]
    assert [finding.line for finding in findings_in(root, "app", "ASA301")] == [_line(handler, "handler", reported)]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == _line(handler, raised_part, raised), outcome


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_relationship_or_an_added_column_is_not_reported(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", LOADED[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
