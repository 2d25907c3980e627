"""ASA302 after a query that gives an expired object's own row again: `session.get(M, k)` with the
key the object was loaded by (or read from it while loaded: `k = obj.id` once flushed), or
`select(M).where(M.id == k)` alone when `id` is the model's primary key. The ORM repopulates the
expired object in the identity map, so a later read is fresh. Any other later query (another
key, a column that is not the primary key, a criterion more, a key bound anew, a query on one
path only) leaves it expired. Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.facts.classes import declares_unique, unique_constraints
from alchemy_lint.rules.loading_examples import MODELS

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

HEADER = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


"""

FRESH = {
    "got_again": """\
async def main() -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.rollback()
        await session.get(User, user_id)
        return user.name
""",
    "selected_by_primary_key": """\
async def main() -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        user.name = "renamed"
        await session.commit()
        again = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
        return user.name + again.name
""",
    "selected_then_got": """\
async def main() -> str:
    user_id = 2
    async with SessionLocal() as session:
        user = (await session.scalars(select(User).where(User.id == user_id).with_for_update())).one()
        await session.commit()
        await session.get(User, user_id)
        return user.name
""",
    "statement_kept": """\
async def main() -> str:
    user_id = 1
    statement = select(User).where(User.id == user_id).limit(1)
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        await session.scalar(statement)
        return user.name
""",
    "key_read_from_a_new_object": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = User(name="new")
        session.add(user)
        await session.flush()
        user_id = user.id
        await session.commit()
        await session.get(User, user_id)
        return user.name
""",
    "key_read_then_selected": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = (await session.scalars(select(User).order_by(User.id))).first()
        assert user is not None
        user_id = user.id
        user.name = "renamed"
        await session.commit()
        (await session.execute(select(User).where(User.id == user_id))).scalar_one()
        return user.name
""",
    # Loaded by one key, its primary key read while loaded: a `get()` by the read key gives the
    # same row, as the key it was loaded by would.
    "key_read_after_a_get": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        assert user is not None
        user_id = user.id
        await session.commit()
        await session.get(User, user_id)
        return user.name
""",
    "key_read_after_a_select_by_name": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).where(User.name == "users-1"))).scalar_one()
        user_id = user.id
        user.name = "renamed"
        await session.commit()
        (await session.execute(select(User).where(User.id == user_id))).scalar_one()
        return user.name
""",
}

EXPIRED = {
    # The fresh read of the got-again user raises nothing: the rollback still expired the order.
    "another_object_beside_it": """\
from app.db_models import Order


async def main() -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        order = await session.get(Order, 1)
        await session.rollback()
        await session.get(User, user_id)
        name = user.name
        return name + order.status  # ASA302
""",
    "another_session": """\
async def main() -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
    async with SessionLocal() as session:
        await session.get(User, user_id)
        return user.name  # ASA302
""",
    "statement_of_the_old_key": """\
async def main() -> str:
    user_id = 2
    statement = select(User).where(User.id == user_id)
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        await session.execute(statement)
        return user.name  # ASA302
""",
    "another_key": """\
async def main() -> str:
    user_id, other_id = 1, 2
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        await session.get(User, other_id)
        return user.name  # ASA302
""",
    "not_the_primary_key": """\
async def main() -> str:
    name = "users-2"
    async with SessionLocal() as session:
        user = (await session.execute(select(User).where(User.name == name))).scalar_one()
        user.name = "renamed"
        await session.commit()
        await session.execute(select(User).where(User.name == name))
        return user.name  # ASA302
""",
    "a_criterion_more": """\
async def main() -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        await session.execute(select(User).where(User.id == user_id, User.name == "nobody"))
        return user.name  # ASA302
""",
    "key_bound_anew": """\
async def main() -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        user_id = 2
        await session.get(User, user_id)
        return user.name  # ASA302
""",
    "on_one_path": """\
async def main(again: bool = False) -> str:
    user_id = 1
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        if again:
            await session.get(User, user_id)
        return user.name  # ASA302
""",
    "key_read_before_the_flush": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = User(name="new")
        session.add(user)
        user_id = user.id
        await session.commit()
        await session.get(User, user_id)
        return user.name  # ASA302
""",
    "key_read_bound_anew": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = (await session.scalars(select(User).order_by(User.id))).first()
        assert user is not None
        user_id = user.id
        await session.commit()
        user_id = user_id + 1
        await session.get(User, user_id)
        return user.name  # ASA302
""",
    "key_read_of_another_column": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = (await session.scalars(select(User).order_by(User.id))).first()
        assert user is not None
        name = user.name
        await session.commit()
        await session.get(User, name)
        return user.name  # ASA302
""",
    # Loaded by a name, its primary key read, then the name selected again: the name is no
    # unique column, so that row may be another (the key read does not change that).
    "key_read_then_selected_by_the_name": """\
async def main() -> str:
    name = "users-2"
    async with SessionLocal() as session:
        user = (await session.execute(select(User).where(User.name == name))).scalar_one()
        user_id = user.id
        user.name = "renamed"
        await session.commit()
        await session.execute(select(User).where(User.name == name))
        return user.name + str(user_id)  # ASA302
""",
    # Loaded by one key, its primary key read, the key bound anew: the `get()` gives another row.
    "key_read_after_a_get_bound_anew": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        assert user is not None
        user_id = user.id
        await session.commit()
        user_id = 2
        await session.get(User, user_id)
        return user.name  # ASA302
""",
}


def _project(root: Path, handler: str) -> Path:
    files = {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": HEADER + handler}
    return write_project(root, files)


@pytest.mark.parametrize("name", sorted(FRESH))
def test_a_query_that_gives_the_row_again_repopulates_the_expired_object(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / name, FRESH[name])
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


@pytest.mark.parametrize("name", sorted(EXPIRED))
def test_a_query_that_may_give_other_rows_leaves_it_expired(name: str, tmp_path: Path) -> None:
    source = HEADER + EXPIRED[name]
    root = _project(tmp_path / name, EXPIRED[name])
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(source, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    # (An object of a session that was closed is detached too: no session to load it.)
    error = "DetachedInstanceError" if name == "another_session" else "MissingGreenlet"
    assert (outcome["error"], outcome["line"]) == (error, lines[0])


MIXIN_MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class KeyMixin:
    key: Mapped[int] = mapped_column(primary_key=True)


class Tag(KeyMixin, Base):
    __tablename__ = "tags"
    label: Mapped[str]
"""

MIXIN_HANDLER = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Tag


async def main() -> str:
    tag_key = 1
    async with SessionLocal() as session:
        tag = await session.get(Tag, tag_key)
        await session.rollback()
        await session.execute(select(Tag).where(Tag.key == tag_key))
        return tag.label
"""


def test_a_primary_key_a_mixin_declares_is_the_models(tmp_path: Path) -> None:
    files = {"app/db.py": DB, "app/db_models.py": MIXIN_MODELS, "app/handlers.py": MIXIN_HANDLER}
    root = write_project(tmp_path / "mixin", files)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}
    # Without the declaration (a key the index cannot tell is the primary key), it stays reported.
    undeclared = MIXIN_MODELS.replace("mapped_column(primary_key=True)", "mapped_column(unique=True)")
    (root / "app/db_models.py").write_text(undeclared, encoding="utf-8")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == [13]


UNIQUE_MODELS = """\
from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("handle"), Index("ix_accounts_code", "code", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(unique=True)
    handle: Mapped[str]
    code: Mapped[str]
    team = Column(String)
    slug = Column(String, unique=True)
    name: Mapped[str]
"""

UNIQUE_HEADER = """\
from sqlalchemy import select, update

from app.db import SessionLocal
from app.db_models import Account


"""

# Loaded by a unique column, the session ended its transaction, the same column and key select it again.
_BY_COLUMN = """\
async def main() -> str:
    key = "accounts-1"
    async with SessionLocal() as session:
        account = (await session.execute(select(Account).where(Account.{column} == key))).scalar_one()
        await session.rollback()
        await session.execute(select(Account).where(Account.{column} == key))
        return account.name{mark}
"""


@pytest.mark.parametrize("column", ["email", "handle", "code", "slug"])
def test_a_query_by_the_unique_column_the_object_was_loaded_by_repopulates_it(column: str, tmp_path: Path) -> None:
    handler = _BY_COLUMN.format(column=column, mark="")
    root = write_project(
        tmp_path / column,
        {"app/db.py": DB, "app/db_models.py": UNIQUE_MODELS, "app/handlers.py": UNIQUE_HEADER + handler},
    )
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


UNIQUE_EXPIRED = {
    # `team` is not unique: a column like it is data that changes (here by an UPDATE statement
    # the object does not see), and the old value then selects nothing.
    "not_unique": """\
async def main() -> str:
    key = "accounts-1"
    async with SessionLocal() as session:
        account = (await session.execute(select(Account).where(Account.team == key))).scalar_one()
        await session.execute(update(Account).where(Account.id == 1).values(team="moved"))
        await session.commit()
        await session.execute(select(Account).where(Account.team == key))
        return account.name  # ASA302
""",
    # The unique value changed and was committed: the old value selects nothing.
    "value_changed": """\
async def main() -> str:
    key = "accounts-1"
    async with SessionLocal() as session:
        account = (await session.execute(select(Account).where(Account.email == key))).scalar_one()
        account.email = "changed"
        await session.commit()
        await session.execute(select(Account).where(Account.email == key))
        return account.name  # ASA302
""",
    # Loaded by its primary key: the same value in a unique column is another row's, if any.
    "loaded_by_another_column": """\
async def main() -> str:
    key = 1
    async with SessionLocal() as session:
        account = await session.get(Account, key)
        await session.rollback()
        await session.execute(select(Account).where(Account.email == key))
        return account.name  # ASA302
""",
}


@pytest.mark.parametrize("name", sorted(UNIQUE_EXPIRED))
def test_a_query_by_a_unique_column_that_may_give_another_row_leaves_it_expired(name: str, tmp_path: Path) -> None:
    source = UNIQUE_HEADER + UNIQUE_EXPIRED[name]
    root = write_project(
        tmp_path / name, {"app/db.py": DB, "app/db_models.py": UNIQUE_MODELS, "app/handlers.py": source}
    )
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(source, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


@pytest.mark.parametrize(
    ("declaration", "unique"),
    [
        ("mapped_column(unique=True)", True),
        ("Field(unique=True)", True),
        ("Field(sa_column=Column(String, unique=True))", True),
        ("mapped_column(unique=False)", False),
        ("Field(sa_column=Column(String))", False),
    ],
)
def test_what_declares_a_column_unique(declaration: str, unique: bool) -> None:
    assert declares_unique(ast.parse(declaration, mode="eval").body) is unique


def test_one_column_constraints_in_table_args_make_it_unique() -> None:
    table_args = '(UniqueConstraint("a"), UniqueConstraint("b", "c"), Index("ix", "d", unique=True), Index("iy", "e"))'
    assert unique_constraints(ast.parse(table_args, mode="eval").body) == ("a", "d")
