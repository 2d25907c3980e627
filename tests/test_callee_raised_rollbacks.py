"""ASA302 in a caller's `except` handler after a callee that rolls back and raises: the error
the handler catches left through the callee's `rollback()`, which expired what the session held
whatever `expire_on_commit` says. Not judged: a handler that refreshes first, one that catches
something else, an object of another session, a callee whose rollback is on a path that returns,
and a read after the `try` on the path where the call succeeded. Runtime cases run against
SQLAlchemy with aiosqlite (two rows per table): an order with id 1 already exists, so adding
another fails at the flush."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_callee_failed_flushes import MODELS
from test_loading_runtime import run_example

#: Helpers that take the caller's session: each adds an order whose id already exists.
ORDERS = """\
import asyncio

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


class LinkError(Exception):
    pass


async def link_or_raise(session: AsyncSession, user: User) -> None:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        await session.rollback()
        raise


async def link_or_wrap(session: AsyncSession, user: User) -> None:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except SQLAlchemyError as error:
        await session.rollback()
        raise LinkError("cannot link") from error


async def refuse(session: AsyncSession, user: User) -> None:
    if user.id:
        await session.rollback()
        raise PermissionError("refused")


async def link_checked(session: AsyncSession, user: User) -> bool:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        await session.rollback()
        return False
    return True


async def link_or_cancel(session: AsyncSession, user: User) -> None:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except asyncio.CancelledError:
        await session.rollback()
        raise


async def link_or_raise_inside(session: AsyncSession, user: User) -> None:
    try:
        try:
            session.add(Order(id=1, user_id=user.id))
            await session.commit()
        except Exception:
            await session.rollback()
            raise
    except Exception:
        return None
"""

HEADER = """\
from sqlalchemy.exc import SQLAlchemyError

from app.db import SessionLocal
from app.db_models import User
from app.orders import LinkError, link_checked, link_or_raise, link_or_raise_inside, link_or_wrap, refuse
from app.orders import link_or_cancel


async def run(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        assert user is not None
"""

#: Each case: the body after the `get`, and the error a run raises (None: it runs clean).
CASES = {
    "reraised_and_caught": (
        "        try:\n"
        "            await link_or_raise(session, user)\n"
        "        except Exception:\n"
        "            return user.name  # ASA302\n"
        '        return "linked"\n',
        "MissingGreenlet",
    ),
    "reraised_and_caught_as_a_database_error": (
        "        try:\n"
        "            await link_or_raise(session, user)\n"
        "        except SQLAlchemyError:\n"
        "            return user.name  # ASA302\n"
        '        return "linked"\n',
        "MissingGreenlet",
    ),
    "wrapped_and_caught": (
        "        try:\n"
        "            await link_or_wrap(session, user)\n"
        "        except LinkError:\n"
        "            return user.name  # ASA302\n"
        '        return "linked"\n',
        "MissingGreenlet",
    ),
    "wrapped_caught_by_a_bare_except": (
        "        try:\n"
        "            await link_or_wrap(session, user)\n"
        "        except:  # noqa: E722\n"
        "            print(user.name)  # ASA302\n"
        "            raise\n"
        '        return "linked"\n',
        "MissingGreenlet",
    ),
    "raised_outside_a_handler": (
        "        try:\n"
        "            await refuse(session, user)\n"
        "        except PermissionError:\n"
        "            return user.name  # ASA302\n"
        '        return "allowed"\n',
        "MissingGreenlet",
    ),
    "refreshed_in_the_handler": (
        "        try:\n"
        "            await link_or_raise(session, user)\n"
        "        except Exception:\n"
        "            await session.refresh(user)\n"
        "            return user.name\n"
        '        return "linked"\n',
        None,
    ),
    "another_error_caught": (
        "        try:\n"
        "            await link_or_wrap(session, user)\n"
        "        except ValueError:\n"
        "            return user.name\n"
        '        return "linked"\n',
        "LinkError",
    ),
    "an_object_of_another_session": (
        "        async with SessionLocal() as other:\n"
        "            other_user = await other.get(User, 2)\n"
        "            assert other_user is not None\n"
        "            try:\n"
        "                await link_or_raise(session, user)\n"
        "            except Exception:\n"
        "                return other_user.name\n"
        '        return "linked"\n',
        None,
    ),
    "rollback_on_a_path_that_returns": (
        "        try:\n"
        "            linked = await link_checked(session, user)\n"
        "        except Exception:\n"
        "            return user.name\n"
        '        return "linked" if linked else "failed"\n',
        None,
    ),
    "raise_caught_in_the_callee": (
        "        try:\n"
        "            await link_or_raise_inside(session, user)\n"
        "        except Exception:\n"
        "            return user.name\n"
        '        return "done"\n',
        None,
    ),
    "a_nested_try_handles_it_first": (
        "        try:\n"
        "            try:\n"
        "                await link_or_raise(session, user)\n"
        "            except Exception:\n"
        '                return "not linked"\n'
        '            print("linked")\n'
        "        except Exception:\n"
        "            return user.name\n"
        '        return "linked"\n',
        None,
    ),
    "the_call_before_the_try": (
        "        await link_checked(session, user)\n"
        "        await session.refresh(user)\n"
        "        try:\n"
        "            await refuse(session, user)\n"
        "        except ValueError:\n"
        "            return user.name\n"
        "        return user.name\n",
        "PermissionError",
    ),
}


def _project(tmp_path: Path, handler: str) -> Path:
    """The models, a factory that does not expire on commit, the callees (`ORDERS`) and `handler`."""
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/orders.py": ORDERS,
        "app/handlers.py": handler,
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_read_in_the_handler_of_a_callee_that_rolled_back_and_raised(tmp_path: Path, case: str) -> None:
    body, error = CASES[case]
    handler = HEADER + body
    root = _project(tmp_path, handler)
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    if expected:
        assert outcome["line"] == expected[0]


def test_a_cancellation_is_no_exception(tmp_path: Path) -> None:
    """`except asyncio.CancelledError: rollback; raise` re-raises what `except Exception:` lets
    through (a `BaseException` since Python 3.8): the handler never runs for it."""
    handler = HEADER + (
        "        try:\n"
        "            await link_or_cancel(session, user)\n"
        "        except Exception:\n"
        "            return user.name\n"
        '        return "linked"\n'
    )
    root = _project(tmp_path, handler)
    assert findings_in(root, "app/handlers.py", "ASA302") == []


def test_the_message_names_the_callee(tmp_path: Path) -> None:
    handler = HEADER + CASES["wrapped_and_caught"][0]
    root = _project(tmp_path, handler)
    [finding] = findings_in(root, "app/handlers.py", "ASA302")
    assert (
        "after link_or_wrap(), which calls session.rollback() before it raises the error caught here, at line 14"
        in (finding.message)
    )
