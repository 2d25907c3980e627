"""Rules 4xx: one transaction policy, and no commit inside a unit of work.

ASA401 reads the begin() blocks the facts record; ASA402 the project-wide policy sites of the index.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.findings import Finding
from alchemy_lint.index.policy import Policy, TransactionSite, decide
from alchemy_lint.index.transactions import early_ends
from alchemy_lint.rules.base import Example, FileContext, Rule

TRANSACTIONS_DOCS = "https://docs.sqlalchemy.org/en/20/orm/session_transaction.html"

# -- ASA401 -------------------------------------------------------------------


def check_commit_in_unit_of_work(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    for function in context.facts.functions:
        for call, unit in early_ends(index, function):
            opened = f"`{unit.opened}` (line {unit.line})"
            if unit.source:
                opened = f"{opened}, which hands out a session inside `begin()` ({unit.source})"
            yield rule.report(
                context,
                call.line,
                call.col,
                call=f"{call.receiver.text}.{call.method}()",
                opened=opened,
            )


COMMIT_IN_UNIT_OF_WORK = Rule(
    code="ASA401",
    name="commit-in-unit-of-work",
    summary="commit() or rollback() inside `async with session.begin():`.",
    message=(
        "{call} inside {opened}: the block commits or rolls back by itself; "
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


# -- ASA402 -------------------------------------------------------------------

_ADVICE = {
    Policy.EXPLICIT: "commit explicitly with `await session.commit()` instead of a begin() block",
    Policy.UNIT_OF_WORK: "wrap the work in `async with session.begin():` instead of calling commit()",
}


def check_mixed_transaction_policy(rule: Rule, context: FileContext) -> Iterator[Finding]:
    sites = context.index.transaction_sites()
    here = sites.in_file(context.path)
    if not here:
        return
    decision = decide(context.settings.transaction_policy, sites)
    mixed = sites.mixed_on_parameter()
    for site in here:
        if (site.path, site.function, site.receiver) in mixed and site.policy is Policy.EXPLICIT:
            yield _report_mixed_on_parameter(rule, context, site)
        elif decision.policy is not None and site.policy is not decision.policy:
            yield rule.report(
                context,
                site.line,
                site.col,
                site=site.text,
                policy=decision.policy.value,
                reason=decision.reason,
                advice=_ADVICE[decision.policy],
            )


def _report_mixed_on_parameter(rule: Rule, context: FileContext, site: TransactionSite) -> Finding:
    function = site.function.rsplit(".", 1)[-1]
    return Finding(
        context.path,
        site.line,
        site.col,
        rule.code,
        f"{rule.code} {function}() both calls {site.text} and opens {site.receiver}.begin() on the session "
        "it received: begin() fails when the caller has a transaction open; leave the transaction to "
        "the caller or use one policy",
    )


MIXED_TRANSACTION_POLICY = Rule(
    code="ASA402",
    name="mixed-transaction-policy",
    summary="The project mixes explicit commit() and unit-of-work begin() blocks.",
    message="{site} breaks the project's transaction policy, {policy} ({reason}): {advice}",
    rationale=(
        "A codebase that commits explicitly in some places and uses `async with session.begin():` in "
        "others makes every reader check, at every call site, who ends the transaction. Mixed, the two "
        "collide: `session.begin()` on a session whose transaction already began (autobegin, after "
        "any query) raises `InvalidRequestError`, and a `commit()` in a helper ends the caller's unit "
        'of work early. Pick one policy: `transaction-policy = "explicit"` flags every unit-of-work '
        '`begin()` block, `"unit-of-work"` every explicit `commit()`, and `"auto"` (default) lets '
        "the policy with most call sites in the project win (a tie goes to explicit) and flags the "
        "others, naming the counts. A function that both commits and opens `begin()` on a session it "
        "received as a parameter is flagged whatever the policy. Only sites on evidence count: "
        "awaited `commit()` on a session, `begin()` blocks on a session or a factory. Test modules "
        "(`conftest.py`, `test_*.py`, `*_test.py`, files under `tests/` or `test/`) commit fixture data "
        "whatever the application does: they neither vote nor are judged."
    ),
    check=check_mixed_transaction_policy,
    runtime=(
        "Project-wide, policy only. On one session, `begin()` after the session already began a "
        "transaction (any query autobegins) raises `sqlalchemy.exc.InvalidRequestError: A transaction "
        "is already begun on this Session`."
    ),
    options=("transaction-policy",),
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def rename(session: AsyncSession, user_id: int, name: str) -> None:
    user = await session.get(User, user_id)
    user.name = name
    await session.commit()


async def archive(session: AsyncSession, user_id: int) -> None:
    await session.delete(await session.get(User, user_id))
    await session.commit()
"""
        ),
        Example(
            """\
from app.db import SessionLocal


async def archive(order_id: int) -> None:
    async with SessionLocal.begin() as session:
        await session.execute(archive_statement(order_id))
""",
            config='transaction-policy = "unit-of-work"',
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                    "SessionLocal = async_sessionmaker(expire_on_commit=False)\n",
                ),
            ),
        ),
    ),
    invalid=(
        Example(
            """\
from app.db import SessionLocal


async def archive(order_id: int) -> None:
    async with SessionLocal.begin() as session:  # ASA402
        await session.execute(archive_statement(order_id))
""",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                    "SessionLocal = async_sessionmaker(expire_on_commit=False)\n",
                ),
                (
                    "app/services/users.py",
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "\n\n"
                    "async def rename(session: AsyncSession, user: User, name: str) -> None:\n"
                    "    user.name = name\n"
                    "    await session.commit()\n"
                    "\n\n"
                    "async def archive(session: AsyncSession, user: User) -> None:\n"
                    "    await session.delete(user)\n"
                    "    await session.commit()\n",
                ),
            ),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def rename(session: AsyncSession, user: User, name: str) -> None:
    user.name = name
    await session.commit()  # ASA402
""",
            config='transaction-policy = "unit-of-work"',
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def transfer(session: AsyncSession, source: Account, target: Account) -> None:
    source.balance -= 10
    await session.commit()  # ASA402
    async with session.begin():  # ASA402
        target.balance += 10
""",
            config='transaction-policy = "explicit"',
        ),
    ),
    references=(
        f"{TRANSACTIONS_DOCS}#managing-transactions",
        f"{TRANSACTIONS_DOCS}#framing-out-a-begin-commit-rollback-block",
    ),
)

RULES = (COMMIT_IN_UNIT_OF_WORK, MIXED_TRANSACTION_POLICY)
