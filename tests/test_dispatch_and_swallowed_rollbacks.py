"""Calls through dispatch tables (`HANDLERS[key](...)`) and callees that roll back on an error they
swallow: what ASA301 and ASA302 make of them, and where they stay silent."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in
from test_loading_rules import check

from alchemy_lint.rules.loading_examples import MODELS

# A helper that rolls back on a conflict it swallows, one that does so on any error, one that
# raises it again, one whose rollback a flag turns off, and one that only calls the first.
_TAGGING = """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderEvent


async def tag(session: AsyncSession, order_id: int) -> bool:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def tag_any(session: AsyncSession, order_id: int) -> bool:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except Exception:
        await session.rollback()
        return False
    return True


async def tag_or_raise(session: AsyncSession, order_id: int) -> None:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise


async def tag_in(session: AsyncSession, order_id: int, own_transaction: bool = True) -> bool:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except IntegrityError:
        if own_transaction:
            await session.rollback()
            return False
        raise
    return True


async def tag_twice(session: AsyncSession, order_id: int) -> None:
    await tag(session, order_id)
    await tag(session, order_id + 1)
"""


_CALLER = """\
from app.db import SessionLocal
from app.db_models import User
from app.tagging import tag, tag_any, tag_in, tag_or_raise, tag_twice


async def tag_all(user_id: int, ids: list[int]) -> object:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
"""


def _tagging(tmp_path: Path, body: str) -> None:
    """`body` runs in `tag_all` with `session` open and `user` loaded from it."""
    check(tmp_path, _CALLER + body, "ASA302", app__tagging=_TAGGING)


def test_a_swallowed_rollback_in_a_loop_expires_what_is_read_after_the_loop(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            await tag(session, order_id)
        return user.name  # ASA302
""",
    )


def test_a_single_call_that_swallows_a_failed_flush_is_judged(tmp_path: Path) -> None:
    # (Its `try` adds and flushes, nothing else: the failure its handler rolls back and swallows
    # is the flush's, as inline; a `try` with other I/O stays its caller's error path, see
    # `test_callee_failed_flushes.py`. A handler of constraint conflicts alone, `tag`'s, is
    # judged after one call too, `test_keyed_returns.py`.)
    _tagging(
        tmp_path,
        """\
        await tag_any(session, 1)
        return user.name  # ASA302
""",
    )


def test_a_rollback_raised_again_never_returns_to_the_loop(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            await tag_or_raise(session, order_id)
        return user.name
""",
    )


def test_a_rollback_under_a_flag_the_caller_turns_off_is_not_made(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            await tag_in(session, order_id, own_transaction=False)
        for order_id in ids:
            await tag_in(session, order_id)
        return user.name  # ASA302
""",
    )


def test_a_helpers_helper_that_swallows_a_rollback_is_the_helpers_error_path(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            await tag_twice(session, order_id)
        return user.name
""",
    )


def test_reads_under_a_test_of_the_result_know_how_the_call_went(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        notes = []
        for order_id in ids:
            tagged = await tag(session, order_id)
            if tagged:
                notes.append(user.name)
            else:
                notes.append("failed")
        notes.append(user.name)  # ASA302
        return notes
""",
    )


def test_a_result_tested_to_leave_the_loop_leaves_the_success_path(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            tagged = await tag(session, order_id)
            if not tagged:
                continue
            print(user.name)
        return "done"
""",
    )


def test_a_handler_around_the_call_runs_when_it_raised_not_when_it_swallowed(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        failed = 0
        for order_id in ids:
            fresh = await session.get(User, user_id)
            try:
                await tag(session, order_id)
            except Exception:
                # `user` is stale only if an earlier item's `tag()` swallowed an error: two failures.
                print(fresh.name, user.name)
                failed += 1
        return failed
""",
    )


def test_a_handler_read_after_an_earlier_swallowed_rollback_takes_two_failures(tmp_path: Path) -> None:
    # The handler runs when the flush raised, after `tag()` swallowed an error: two failures on
    # one path. The path that goes on past the loop takes one.
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            await tag(session, order_id)
            try:
                await session.flush()
            except Exception:
                print(user.name)
        return user.name  # ASA302
""",
    )


def test_a_handler_still_reads_what_a_committing_callee_expired(tmp_path: Path) -> None:
    saving = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession) -> None:
    await session.commit()
"""
    caller = _CALLER.replace("tag_twice\n", "tag_twice\nfrom app.saving import save\n")
    body = """\
        await save(session)
        try:
            await tag(session, 1)
        except Exception:
            print(user.name)  # ASA302
        return "done"
"""
    check(tmp_path, caller + body, "ASA302", app__tagging=_TAGGING, app__saving=saving)


# -- dispatch tables ----------------------------------------------------------------------

_RENDERERS = """\
from app.db_models import Order


def owner(order: Order) -> str:
    return order.user.name


def status(order: Order) -> str:
    return order.status


RENDERERS = {"owner": owner, "status": status}
WITH_A_LAMBDA = {"owner": owner, "status": lambda order: order.status}
"""


def test_a_call_through_a_tables_get_reads_what_each_entry_reads(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.renderers import RENDERERS


async def render(session: AsyncSession, order_id: int, kind: str) -> str:
    order = await session.get(Order, order_id)
    renderer = RENDERERS.get(kind, RENDERERS["status"])
    return renderer(order)  # ASA301
""",
        "ASA301",
        app__renderers=_RENDERERS,
    )


def test_a_table_with_an_entry_that_is_no_project_function_is_not_followed(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.renderers import WITH_A_LAMBDA


async def render(session: AsyncSession, order_id: int, kind: str) -> str:
    order = await session.get(Order, order_id)
    return WITH_A_LAMBDA[kind](order)
""",
        "ASA301",
        app__renderers=_RENDERERS,
    )


_CLOSERS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def close(session: AsyncSession, order: Order) -> None:
    order.status = "closed"
    await session.commit()


async def cancel(session: AsyncSession, order: Order) -> None:
    order.status = "cancelled"
    await session.commit()


async def hold(session: AsyncSession, order: Order) -> None:
    order.status = "held"


ALWAYS_COMMITS = {"close": close, "cancel": cancel}
SOMETIMES_COMMITS = {"close": close, "hold": hold}
"""


def test_a_table_whose_every_entry_commits_expires_the_callers_objects(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from app.closers import ALWAYS_COMMITS, SOMETIMES_COMMITS
from app.db import SessionLocal
from app.db_models import Order


async def apply(order_id: int, action: str) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await ALWAYS_COMMITS[action](session, order)
        return order.status  # ASA302


async def maybe_apply(order_id: int, action: str) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await SOMETIMES_COMMITS[action](session, order)
        return order.status
""",
        "ASA302",
        app__closers=_CLOSERS,
    )


def test_a_read_under_except_missing_greenlet_is_a_probe_not_a_lazy_load(tmp_path: Path) -> None:
    # SQLAlchemy 2.0 raises MissingGreenlet bare, so this probe works there (2.1 wraps it in
    # StatementError: the runtime-verified example catches both).
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.probes import known_buyer, plain_buyer


async def order_buyer(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    return known_buyer(order)


async def order_buyer_again(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    return plain_buyer(order)  # ASA301
""",
        "ASA301",
        app__probes="""\
from sqlalchemy import exc


def known_buyer(order) -> str:
    try:
        user = getattr(order, "user", None)
    except exc.MissingGreenlet:
        user = None
    return user.name if user is not None else "unknown"


def plain_buyer(order) -> str:
    try:
        user = getattr(order, "user", None)
    except AttributeError:
        user = None
    return user.name if user is not None else "unknown"
""",
    )


_GUARDED_MODELS = (
    MODELS
    + """

class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner: Mapped[User] = relationship()
    backup_owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    backup_owner: Mapped[User] = relationship(foreign_keys=[backup_owner_id])

    def owner_name(self) -> str:
        name = self.label
        try:
            if self.owner is not None:
                name = self.owner.name
        except Exception:
            pass
        return name

    def owner_name_logged(self) -> str:
        try:
            return self.owner.name
        except Exception:
            logging.exception("no owner")
            return self.label

    def owner_name_or_raise(self) -> str:
        try:
            return self.owner.name
        except Exception:
            raise LookupError(self.label)

    def owner_name_on_key_error(self) -> str:
        try:
            return self.owner.name
        except KeyError:
            return self.label

    def backup_name(self) -> str:
        try:
            return self.backup_owner.name
        except Exception:
            pass
        return self.backup_owner.name

    def label_or_blank(self) -> str:
        try:
            return self.label
        except Exception:
            return ""
"""
).replace("from sqlalchemy import ForeignKey\n", "import logging\n\nfrom sqlalchemy import ForeignKey\n")


def test_a_model_method_that_guards_a_lazy_load_with_a_quiet_broad_handler_is_a_probe(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Account


async def quiet(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return account.owner_name()


async def logged(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return account.owner_name_logged()  # ASA301


async def raised(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return account.owner_name_or_raise()  # ASA301


async def other_error(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return account.owner_name_on_key_error()  # ASA301
""",
        "ASA301",
        app__db_models=_GUARDED_MODELS,
    )


def test_an_expired_column_read_under_a_quiet_broad_handler_is_still_reported(tmp_path: Path) -> None:
    # The guard is ASA301's only: an expired column inside it raises and the helper quietly
    # returns its fallback, the error the caller never sees (ASA302 keeps it).
    check(
        tmp_path,
        """\
from app.db import SessionLocal
from app.db_models import Account


async def relabel(account_id: int) -> str:
    async with SessionLocal() as session:
        account = await session.get(Account, account_id)
        account.label = "renamed"
        await session.commit()
        return account.label_or_blank()  # ASA302
""",
        "ASA302",
        app__db_models=_GUARDED_MODELS,
    )


def test_a_relationship_also_read_outside_the_guard_is_reported_at_that_read(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Account


async def backup(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return account.backup_name()  # ASA301
"""
    check(tmp_path, handler, "ASA301", app__db_models=_GUARDED_MODELS)
    outside = 1 + next(
        n for n, line in enumerate(_GUARDED_MODELS.splitlines()) if line == "        return self.backup_owner.name"
    )
    (finding,) = findings_in(tmp_path / "project", "app/handlers.py", "ASA301")
    assert f"Account.backup_name() reads it at app/db_models.py:{outside};" in finding.message


def test_a_call_under_pytest_raises_gets_the_loop_on_only_by_raising(tmp_path: Path) -> None:
    # `pytest.raises()` fails the test when its body returns: a swallowed rollback never gets
    # the loop to its next item (the example `rejects_bad_ids` of ASA302 runs it).
    _tagging(
        tmp_path,
        """\
        import pytest
        for order_id in ids:
            with pytest.raises(ValueError, match="order"):
                await tag(session, order_id)
        return user.name
""",
    )


def test_a_call_under_assert_raises_gets_the_loop_on_only_by_raising(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        for order_id in ids:
            with self.assertRaises(ValueError):
                await tag(session, order_id)
        return user.name
""",
    )


def test_a_block_that_suppresses_the_error_still_goes_on_after_a_swallowed_rollback(tmp_path: Path) -> None:
    _tagging(
        tmp_path,
        """\
        import contextlib
        for order_id in ids:
            with contextlib.suppress(ValueError):
                await tag(session, order_id)
        return user.name  # ASA302
""",
    )
