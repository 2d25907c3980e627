"""Rules 4xx: one transaction policy, and no commit inside a unit of work.

ASA401 reads the begin() blocks the facts record; ASA402 the project-wide policy sites of the index.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.findings import Finding
from alchemy_lint.index.policy import Policy, TransactionSite, TransactionSites, decide
from alchemy_lint.index.transactions import (
    EarlyEnd,
    EndEffect,
    EndThroughCall,
    UnitOfWork,
    ends_through_calls,
    harmful_ends,
)
from alchemy_lint.index.values import Evidence
from alchemy_lint.rules.base import Example, FileContext, Rule
from alchemy_lint.rules.scaffolding import DB_MODULE, TAG_MODELS

TRANSACTIONS_DOCS = "https://docs.sqlalchemy.org/en/20/orm/session_transaction.html"

# -- ASA401 -------------------------------------------------------------------


def check_commit_in_unit_of_work(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    in_tests = index.is_test_module(context.path)
    for function in context.facts.functions:
        for end in harmful_ends(index, function):
            call = end.call
            yield rule.report(
                context,
                call.line,
                call.col,
                call=f"{call.receiver.text}.{call.method}()",
                opened=_opened(end.unit),
                effect=_effect(end, handed_to_test=in_tests and end.unit.handed_out),
            )
        for through in ends_through_calls(index, function):
            yield _report_through_call(rule, context, through)


def _opened(unit: UnitOfWork) -> str:
    begun, source = unit.begun, unit.source
    if unit.handed_out:
        (session,) = unit.names
        if begun is not None:
            return f"the unit of work `{begun.text}` opens (`begin()` at {_at(begun)}) and hands out as `{session}`"
        return f"the unit of work its provider opens and hands out as `{session}`" + (f" ({source})" if source else "")
    opened = f"`{unit.opened}` (line {unit.line})"
    if begun is not None:
        return f"{opened}, which hands out a session inside `begin()` ({begun.text} opens it at {_at(begun)})"
    if source is not None:
        return f"{opened}, which hands out a session inside `begin()` ({source})"
    return opened


def _at(evidence: Evidence) -> str:
    return f"{evidence.path}:{evidence.line}" if evidence.path else f"line {evidence.line}"


def _report_through_call(rule: Rule, context: FileContext, through: EndThroughCall) -> Finding:
    index, end, call = context.index, through.end, through.call
    callee = through.callee.rsplit(".", 1)[-1]
    where = f"{index.relative(index.function_paths[end.function])}:{end.line}"
    ender = end.function.rsplit(".", 1)[-1]
    done = "commits" if end.method == "commit" else "rolls back"
    by = f"{callee}() {done} it" if ender == callee else f"{callee}() {done} it through {ender}()"
    return rule.report(
        context,
        call.line,
        call.col,
        call=f"{callee}({call.parameter})",
        opened=_opened(through.unit),
        effect=(
            f"{by} at {where}, which ends the unit of work early; leave the transaction to the block "
            "(remove the callee's commit, or let its caller decide)"
        ),
    )


def _effect(end: EarlyEnd, *, handed_to_test: bool = False) -> str:
    """What the early end does, and what to do instead. `handed_to_test`: a test's commit of a
    session a fixture hands out inside `begin()`, where the commit is often on purpose (a
    route under test reads the rows through a session of its own)."""
    call, then = end.call, end.then
    raises = (
        f"`{then.receiver.text}.{then.method}()` at line {then.line} then runs inside the closed block and raises "
        "InvalidRequestError"
        if then is not None
        else ""
    )
    if end.effect is EndEffect.USED_AFTER:
        return f"it closes the block's transaction, and {raises}; leave the block before using the session again"
    if end.effect is EndEffect.WHOLE_TRANSACTION:
        if call.method == "rollback":
            return (
                "it rolls back the whole transaction, the work done before the savepoint included, not only "
                "the savepoint; call rollback() on the object `begin_nested()` returns "
                "(`async with session.begin_nested() as savepoint:`), or let the exception leave the block"
            )
        return "it commits the whole transaction, not only the savepoint; remove the call (the block releases it)"
    if then is not None:
        return f"it ends the block's transaction early, and {raises}; remove the call"
    if call.method == "commit" and handed_to_test:
        return (
            "the block commits by itself when the fixture resumes; `flush()` sends the rows within its "
            "transaction, and where another session must see them, hand out a session outside `begin()`"
        )
    if call.method == "commit":
        return "the block commits by itself when it ends; remove the call, which only ends the unit of work early"
    return "the block rolls back by itself when an exception leaves it; raise instead of rolling back here"


COMMIT_IN_UNIT_OF_WORK = Rule(
    code="ASA401",
    name="commit-in-unit-of-work",
    summary="commit() or rollback() inside `async with session.begin():`.",
    message="{call} inside {opened}: {effect}",
    rationale=(
        "`async with session.begin():` is a unit of work: it commits when the block ends and rolls "
        "back when it raises. A `commit()` or `rollback()` inside it ends that transaction early: the "
        "all-or-nothing guarantee the reader sees is gone, and the next session call inside the block "
        "that needs the transaction (a query, `refresh()`, `merge()`, `delete()`, another `commit()`) "
        "raises; the message names it. Inside `async with session.begin_nested():` (a savepoint) it is worse: "
        "`session.commit()` commits and `session.rollback()` rolls back the whole transaction, the "
        "caller's work included, not only the savepoint. The rule covers `factory.begin()` blocks, "
        "sessions handed out inside a unit of work (a helper or provider that yields from `begin()`), "
        "and `commit()` on the transaction object a block binds. A call inside a unit of work that hands "
        "its session to a project function that commits it (or rolls it back on every path that "
        "returns), there or a few calls deeper, is reported at the call, naming the callee and the line "
        "of its commit; a commit under a test of a parameter the call passes as false (`commit=False`) "
        "does not count, nor does one the callee makes inside a `begin()` block of its own (reported "
        "there). The session may reach the callee through an object built over it (`svc = "
        "Service(session)`, then `await svc.save()`, whose method commits `self.session`) or through a "
        "callable parameter (`await func(**kwargs)` runs each function the callers pass for `func`). "
        "Not reported: `rollback()` on the "
        "transaction or savepoint object the block binds (`async with session.begin_nested() as "
        "savepoint:` ... `await savepoint.rollback()` after an `IntegrityError`), the way to undo only "
        "that block; it is reported only when the session is used again inside the block after it, "
        "where that call raises."
    ),
    check=check_commit_in_unit_of_work,
    runtime=(
        "Measured on SQLAlchemy 2.0 and 2.1 with aiosqlite (tests/test_transactions_runtime.py, and the "
        "examples below run in the test suite): after `commit()`/`rollback()` inside a `begin()` or "
        "`begin_nested()` block, failed or not, the next session call in the block that needs the "
        "transaction raises `sqlalchemy.exc.InvalidRequestError: Can't operate on closed transaction inside"
        " context manager`, while `rollback()` and `close()` do nothing "
        "(tests/test_unit_of_work_handlers.py); `session.rollback()` inside `begin_nested()` silently "
        "discards the work done before the savepoint, and `session.commit()` there commits it. "
        "`savepoint.rollback()` followed by leaving the block runs clean and keeps the outer transaction. A"
        " callee's `commit()` acts the same: the block's work so far is committed, an error raised later in"
        " the block no longer undoes it, and the next session call in the block raises "
        "`InvalidRequestError`."
    ),
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def rename(session: AsyncSession, user_id: int, name: str) -> None:
    async with session.begin():
        user = await session.get(User, user_id)
        user.name = name
""",
            title="A unit of work that leaves the commit to the block",
        ),
        Example(
            """\
import httpx


async def sync(client: httpx.AsyncClient) -> None:
    async with client.begin():
        await client.commit()
""",
            title="An HTTP client's `begin()` and `commit()`",
        ),
        Example(
            """\
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Tag


async def tag_twice(session: AsyncSession, name: str) -> None:
    first = await get_or_create_tag(session, name)
    second = await get_or_create_tag(session, name)
    assert first.id == second.id
    await session.commit()


async def get_or_create_tag(session: AsyncSession, name: str) -> Tag:
    created: Tag | None = Tag(name=name)
    async with session.begin_nested() as savepoint:
        session.add(created)
        try:
            await session.flush()
        except IntegrityError:
            await savepoint.rollback()
            created = None
    if created is None:
        return (await session.scalars(select(Tag).where(Tag.name == name))).one()
    return created
""",
            title="`savepoint.rollback()` after an `IntegrityError`, the session used again after the block",
            path="app/tags.py",
            others=(TAG_MODELS,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Tag


async def tag_pair(session: AsyncSession, name: str) -> None:
    async with session.begin():
        await save_tag(session, name, commit=False)
        session.add(Tag(name=name + "-copy"))


async def save_tag(session: AsyncSession, name: str, commit: bool = True) -> None:
    session.add(Tag(name=name))
    if commit:
        await session.commit()
""",
            title="A helper called inside `begin()` with `commit=False`: its commit does not run",
            path="app/tags.py",
            others=(TAG_MODELS,),
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
""",
            title="`session.commit()` inside `async with session.begin():`",
        ),
        Example(
            """\
from app.db import SessionLocal


async def archive(order_id: int) -> None:
    async with SessionLocal.begin() as session:
        await session.execute(archive_statement(order_id))
        await session.rollback()  # ASA401
""",
            title="`session.rollback()` inside `async with SessionLocal.begin() as session:`",
            others=(DB_MODULE,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def transfer(session: AsyncSession) -> None:
    async with session.begin() as transaction:
        await session.flush()
        await transaction.commit()  # ASA401
""",
            title="`commit()` on the transaction the block binds",
        ),
        Example(
            """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Tag


async def add_tag(session: AsyncSession, name: str) -> None:
    async with session.begin_nested():
        session.add(Tag(name=name))
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()  # ASA401
""",
            title="`session.rollback()` inside `begin_nested()`: the whole transaction is rolled back",
            path="app/tags.py",
            others=(TAG_MODELS,),
        ),
        Example(
            """\
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Tag


async def tag_twice(session: AsyncSession, name: str) -> None:
    first = await get_or_create_tag(session, name)
    second = await get_or_create_tag(session, name)
    assert first.id == second.id
    await session.commit()


async def get_or_create_tag(session: AsyncSession, name: str) -> Tag:
    async with session.begin_nested() as savepoint:
        created = Tag(name=name)
        session.add(created)
        try:
            await session.flush()
        except IntegrityError:
            await savepoint.rollback()  # ASA401
            return (await session.scalars(select(Tag).where(Tag.name == name))).one()
    return created
""",
            title="The session used inside a savepoint block after `savepoint.rollback()`",
            path="app/tags.py",
            others=(TAG_MODELS,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Tag


async def tag_pair(session: AsyncSession, name: str) -> None:
    async with session.begin():
        await save_tag(session, name)  # ASA401
        session.add(Tag(name=name + "-copy"))


async def save_tag(session: AsyncSession, name: str) -> None:
    session.add(Tag(name=name))
    await session.commit()
""",
            title="A helper that commits the session it is handed, called inside `begin()`",
            path="app/tags.py",
            others=(TAG_MODELS,),
        ),
    ),
    references=(f"{TRANSACTIONS_DOCS}#managing-transactions",),
)


# -- ASA402 -------------------------------------------------------------------

_ADVICE = {
    Policy.EXPLICIT: "commit explicitly with `await session.commit()` instead of a begin() block",
    Policy.UNIT_OF_WORK: "wrap the work in `async with session.begin():` instead of calling commit()",
}

#: For a session a provider hands out inside `begin()`, in a project that commits explicitly.
_HANDED_OUT_ADVICE = "take a session that is not inside a begin() block and commit it explicitly"


def check_mixed_transaction_policy(rule: Rule, context: FileContext) -> Iterator[Finding]:
    # The file's own sites first: a file without any needs nothing of the other files, and
    # only `auto` counts the whole project's (a function's sites are all in its own file).
    here = context.index.transaction_sites_in(context.path)
    if not here:
        return
    own = TransactionSites(tuple(here))
    setting = context.settings.transaction_policy
    decision = decide(setting, context.index.transaction_sites() if setting == "auto" else own)
    mixed = own.mixed_on_parameter()
    for site in here:
        if (site.path, site.function, site.receiver) in mixed and site.policy is Policy.EXPLICIT:
            yield _report_mixed_on_parameter(rule, context, site)
        elif decision.policy is not None and site.policy is not decision.policy:
            by = site.handed_out_by
            yield rule.report(
                context,
                site.line,
                site.col,
                site=site.text if by is None else f"{site.text}, a session {by} hands out inside begin(),",
                policy=decision.policy.value,
                reason=decision.reason,
                advice=_ADVICE[decision.policy] if by is None else _HANDED_OUT_ADVICE,
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
        "the majority decide and flags the other sites, naming the counts. In auto mode a project has a "
        "policy when one kind of site makes up at least two thirds of the sites (twice as many as the "
        "other kind) and there are at least three of it: a tie (4 commit() sites vs 4 begin() blocks), "
        "a split without such a majority (10 vs 6), or a project too small to have a policy (one "
        "begin() block and one commit()) is not reported; set the policy to have it enforced. A "
        "function that both commits and opens `begin()` on a session it received as a parameter is "
        "flagged whatever the policy. Only sites on evidence count: awaited `commit()` on a session, "
        "`begin()` blocks on a session or a factory, and each use of a session that a provider or helper "
        "hands out inside its `begin()` (a parameter filled by `Depends(get_db)`, `async with "
        "unit_of_work() as session`): each use chose the unit of work, so the uses vote and are judged, "
        "and the provider's own `begin()` is no site. A `commit()` inside a unit of work, written there or "
        "in a callee a call inside one hands the session to, is ASA401's finding and no site. Test modules "
        "(`conftest.py`, `test_*.py`, "
        "`*_test.py`, files under `tests/` or `test/`) commit fixture data whatever the application "
        "does: they neither vote nor are judged."
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
""",
            title="One policy throughout the project",
        ),
        Example(
            """\
from app.db import SessionLocal


async def archive(order_id: int) -> None:
    async with SessionLocal.begin() as session:
        await session.execute(archive_statement(order_id))
""",
            title='A `begin()` block under `transaction-policy = "unit-of-work"`',
            config='transaction-policy = "unit-of-work"',
            others=(DB_MODULE,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_objects(session: AsyncSession) -> None:
    async with session.begin():
        session.add(object())


async def update_objects(session: AsyncSession) -> None:
    await session.commit()
""",
            title="One `begin()` block and one `commit()`: too few sites for a policy in auto mode",
            path="examples/basic.py",
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
            title="A `begin()` block in a project that commits explicitly (3 `commit()` sites vs 1 `begin()` block)",
            others=(
                DB_MODULE,
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
                    "    await session.commit()\n"
                    "\n\n"
                    "async def activate(session: AsyncSession, user: User) -> None:\n"
                    "    user.active = True\n"
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
            title='An explicit `commit()` under `transaction-policy = "unit-of-work"`',
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
            title="Both policies on a session received as a parameter",
            config='transaction-policy = "explicit"',
        ),
    ),
    references=(
        f"{TRANSACTIONS_DOCS}#managing-transactions",
        f"{TRANSACTIONS_DOCS}#framing-out-a-begin-commit-rollback-block",
    ),
)

RULES = (COMMIT_IN_UNIT_OF_WORK, MIXED_TRANSACTION_POLICY)
