"""ASA302 and the function's own tests of local collections: validation code rolls a savepoint
back when it found errors, collects them, and leaves with `if errors: raise` before it reads the
object again. The read after that test is never reached on the rollback's path; a read before it,
after a test that does not leave, or after the collection is emptied or bound again, is. Each
case is linted, then run against real SQLAlchemy with aiosqlite (the harness passes "renamed" for
a `str`, so the rollback's path is the one that runs)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.facts.local_truths import Truths, truths_of
from alchemy_lint.rules.loading_examples import MODELS

#: A factory that keeps objects on commit: only the savepoint's rollback expires anything here.
DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

_HEAD = """\
from app.db import SessionLocal
from app.db_models import User


class Invalid(Exception):
    pass


async def rename(name: str) -> str:
    errors: list[str] = []
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        nested = await session.begin_nested()
        user.name = name
        await session.flush()
        problems = [name] if name else []
"""


def _handler(tail: str) -> str:
    return _HEAD + "".join(f"        {line}\n" if line else "\n" for line in tail.splitlines())


#: The rollback's path fills `errors`, and `if errors: raise` leaves: the read is never reached there.
EXTENDED = _handler(
    """\
if problems:
    await nested.rollback()
    errors.extend(problems)
if errors:
    raise Invalid(errors)
return user.name"""
)

#: The same with `append()`, and the test written the other way round.
APPENDED = _handler(
    """\
if problems:
    await nested.rollback()
    errors.append("name")
if not errors:
    return user.name
raise Invalid(errors)"""
)

#: The count of the errors tested.
COUNTED = _handler(
    """\
if problems:
    await nested.rollback()
    errors.append("name")
if len(errors) > 0:
    raise Invalid(errors)
return user.name"""
)

#: An assertion that no error was found.
ASSERTED = _handler(
    """\
if problems:
    await nested.rollback()
    errors.append("name")
assert not errors, errors
return user.name"""
)

#: An item deleted before the test: the collection may be empty again.
DELETED = _handler(
    """\
if problems:
    await nested.rollback()
    errors.append("name")
del errors[0]
if errors:
    raise Invalid(errors)
return user.name  # ASA302"""
)

#: The rollback under the very test that leaves later.
SAME_TEST = _handler(
    """\
if problems:
    await nested.rollback()
if problems:
    raise Invalid(problems)
return user.name"""
)

#: A read before the test that leaves: reached after the rollback.
READ_BEFORE = _handler(
    """\
if problems:
    await nested.rollback()
    errors.extend(problems)
label = user.name  # ASA302
if errors:
    raise Invalid(errors)
return label"""
)

#: A test of the errors that does not leave.
NOT_LEAVING = _handler(
    """\
if problems:
    await nested.rollback()
    errors.extend(problems)
if errors:
    print(errors)
return user.name  # ASA302"""
)

#: The collection emptied before the test: the test no longer tells the paths apart.
CLEARED = _handler(
    """\
if problems:
    await nested.rollback()
    errors.extend(problems)
errors.clear()
if errors:
    raise Invalid(errors)
return user.name  # ASA302"""
)

#: The name bound again before the test.
REBOUND = _handler(
    """\
if problems:
    await nested.rollback()
    errors.extend(problems)
errors = []
if errors:
    raise Invalid(errors)
return user.name  # ASA302"""
)

#: `extend()` of a collection nothing says is not empty: `errors` may stay empty.
UNKNOWN_EXTENDED = _handler(
    """\
if name:
    await nested.rollback()
    errors.extend(problems)
if errors:
    raise Invalid(errors)
return user.name  # ASA302"""
)

#: A list compared with `{}`: never equal, so the rollback runs with `errors` still empty, and
#: `if errors: raise` lets the path through to the read.
WRONG_LITERAL = _handler(
    """\
if errors != {}:
    await nested.rollback()
if errors:
    raise Invalid(errors)
return user.name  # ASA302"""
)


@pytest.mark.parametrize(
    ("handler", "raised"),
    [
        (EXTENDED, "Invalid"),
        (APPENDED, "Invalid"),
        (COUNTED, "Invalid"),
        (ASSERTED, "AssertionError"),
        (SAME_TEST, "Invalid"),
        (READ_BEFORE, "MissingGreenlet"),
        (NOT_LEAVING, "MissingGreenlet"),
        (CLEARED, "MissingGreenlet"),
        (REBOUND, "MissingGreenlet"),
        (DELETED, "MissingGreenlet"),
        (WRONG_LITERAL, "MissingGreenlet"),
    ],
    ids=[
        "extended",
        "appended",
        "counted",
        "asserted",
        "same-test",
        "read-before",
        "not-leaving",
        "cleared",
        "rebound",
        "deleted",
        "wrong-literal",
    ],
)
def test_a_read_after_a_test_that_leaves_on_the_rollbacks_path_is_not_reported(
    handler: str, raised: str, tmp_path: Path
) -> None:
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == raised, outcome
    if expected:
        assert outcome["line"] in expected, outcome


def test_extending_with_what_may_be_empty_tells_nothing(tmp_path: Path) -> None:
    # (At run time `problems` is not empty here, so the path raises: only the linting is judged.)
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": UNKNOWN_EXTENDED})
    found = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert found == expected_lines(UNKNOWN_EXTENDED, "ASA302")


@pytest.mark.parametrize(
    ("test", "truthy_in_body", "falsy_in_body"),
    [
        ("errors", {"errors"}, set()),
        ("not errors", set(), {"errors"}),
        ("len(errors)", {"errors"}, set()),
        ("len(errors) > 0", {"errors"}, set()),
        ("len(errors) != 0", {"errors"}, set()),
        ("len(errors) >= 1", {"errors"}, set()),
        ("len(errors) == 0", set(), {"errors"}),
        ("len(errors) < 1", set(), {"errors"}),
        ("errors == []", set(), {"errors"}),
        ("errors != {}", set(), set()),
        ("errors and warnings", {"errors", "warnings"}, set()),
        ("not (errors or warnings)", set(), {"errors", "warnings"}),
        ("len(errors) > 1", set(), set()),
        ("errors is None", set(), set()),
        ("errors.count", set(), set()),
        ("not (ok and saved)", set(), set()),
        ("(errors := check())", {"errors"}, set()),
    ],
)
def test_what_a_test_says_of_local_names_where_its_body_runs(
    test: str, truthy_in_body: set[str], falsy_in_body: set[str]
) -> None:
    expression = ast.parse(test, mode="eval").body
    truths = truths_of(expression)
    assert (set(truths.body_truthy), set(truths.body_falsy)) == (truthy_in_body, falsy_in_body)


@pytest.mark.parametrize("test", ["errors == []", "errors == {}", "errors == ()"])
def test_a_comparison_with_an_empty_literal_tells_only_the_empty_side(test: str) -> None:
    # An empty list is not equal to `{}` or `()`: where `errors != {}` holds, `errors` may be
    # an empty list, so neither that body nor the `else` of `errors == {}` knows it truthy.
    truths = truths_of(ast.parse(test, mode="eval").body)
    assert truths == Truths(body_falsy=frozenset({"errors"}))


_FAILED_FLUSH = """\
from sqlalchemy.exc import IntegrityError

from app.db import SessionLocal
from app.db_models import Product, User


class Invalid(Exception):
    pass


async def rename(name: str) -> str:
    errors: list[str] = []
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        session.add(Product(id=1, name=name))
        try:
            await session.commit()
        except IntegrityError:
            errors.append("a product with this id exists")
"""

#: The commit's flush fails (the row exists), the handler records it, the function leaves.
FAILED_FLUSH_LEFT = (
    _FAILED_FLUSH
    + """\
        if errors:
            raise Invalid(errors)
        return user.name
"""
)

#: The same without the test: the read after the handler finds the object the failed flush expired
#: (its refresh needs the rolled-back transaction: PendingRollbackError).
FAILED_FLUSH_READ = (
    _FAILED_FLUSH
    + """\
        return user.name  # ASA302
"""
)


@pytest.mark.parametrize(
    ("handler", "raised"),
    [(FAILED_FLUSH_LEFT, "Invalid"), (FAILED_FLUSH_READ, "PendingRollbackError")],
    ids=["left", "read"],
)
def test_an_error_recorded_by_the_handler_of_a_failed_flush_tells_its_path_apart(
    handler: str, raised: str, tmp_path: Path
) -> None:
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == raised, outcome
    if expected:
        assert outcome["line"] in expected, outcome
