"""ASA302 after a query that gives an expired object's own row again: `session.get(M, k)` with
the key the object was loaded by, or `select(M).where(M.id == k)` alone when `id` is the model's
primary key. The ORM repopulates the expired object in the identity map, so a later read is
fresh. Any other later query (another key, a column that is not the primary key, a criterion
more, a key bound anew, a query on one path only) leaves it expired. Linted, then run against
real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

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
}

EXPIRED = {
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
