"""Rules 4xx: one transaction policy, and no commit inside a unit of work.

ASA401 reads the begin() blocks the facts record, with the commits inside them.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.project import ValueKind
from alchemy_lint.rules.base import Example, FileContext, Finding, Rule

TRANSACTIONS_DOCS = "https://docs.sqlalchemy.org/en/20/orm/session_transaction.html"

# -- ASA401 -------------------------------------------------------------------

_UNIT_OF_WORK_OWNERS = frozenset({ValueKind.SESSION, ValueKind.FACTORY})


def check_commit_in_unit_of_work(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    for function in context.facts.functions:
        for block in function.begin_blocks:
            if not block.violations or not (index.kinds(block.receiver.origins) & _UNIT_OF_WORK_OWNERS):
                continue
            opened = f"async with {block.receiver.text}.{block.method}()"
            for call in block.violations:
                yield rule.report(
                    context,
                    call.line,
                    call.col,
                    call=f"{call.receiver.text}.{call.method}()",
                    opened=opened,
                    opened_line=block.line,
                )


COMMIT_IN_UNIT_OF_WORK = Rule(
    code="ASA401",
    name="commit-in-unit-of-work",
    summary="commit() or rollback() inside `async with session.begin():`.",
    message=(
        "{call} inside `{opened}` (line {opened_line}): the block commits or rolls back by itself; "
        "remove the call, or use begin_nested() for a savepoint"
    ),
    rationale=(
        "`async with session.begin():` is a unit of work: it commits when the block ends and rolls "
        "back when it raises. A `commit()` inside it ends the transaction early, so the statements "
        "after it run in a new implicit transaction that the block then commits: the all-or-nothing "
        "guarantee the reader sees is gone. The same holds for `factory.begin()` and `begin_nested()`, "
        "and for `transaction.commit()` on the object the block binds."
    ),
    check=check_commit_in_unit_of_work,
    runtime="Policy only: SQLAlchemy does not raise; the block silently stops being one transaction.",
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def rename(session: AsyncSession, user_id: int, name: str) -> None:
    async with session.begin():
        user = await session.get(User, user_id)
        user.name = name
"""
        ),
        Example(
            """\
import httpx


async def sync(client: httpx.AsyncClient) -> None:
    async with client.begin():
        await client.commit()
"""
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def rename(session: AsyncSession, user_id: int, name: str) -> None:
    async with session.begin():
        user = await session.get(User, user_id)
        user.name = name
        await session.commit()  # ASA401
"""
        ),
        Example(
            """\
from app.db import SessionLocal


async def archive(order_id: int) -> None:
    async with SessionLocal.begin() as session:
        await session.execute(archive_statement(order_id))
        await session.rollback()  # ASA401
""",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "SessionLocal = async_sessionmaker(\n"
                    '    create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False\n'
                    ")\n",
                ),
            ),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def transfer(session: AsyncSession) -> None:
    async with session.begin() as transaction:
        await session.flush()
        await transaction.commit()  # ASA401
"""
        ),
    ),
    references=(f"{TRANSACTIONS_DOCS}#managing-transactions",),
)

RULES = (COMMIT_IN_UNIT_OF_WORK,)
