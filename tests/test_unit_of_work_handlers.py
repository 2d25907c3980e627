"""ASA401's claim that a session call after a commit inside `begin()` raises, around `try`
statements: run against SQLAlchemy with aiosqlite.

After `commit()` inside `async with session.begin():`, failed or not, `execute()` raises
InvalidRequestError and `rollback()` does nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

PROGRAM = """\
from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)


async def add_tag(session: AsyncSession) -> None:
    async with session.begin():
        session.add(Tag(id={id}, name="new"))
        try:
            await session.commit()
{more}        except (IntegrityError, LookupError):
            await session.{handler}
"""

#: A lookup that fails after the commit succeeded: the handler then runs in the closed block.
MORE = "            {}[0]\n"
ROLLBACK = "rollback()"
QUERY = "execute(select(Tag))"
COMMIT_LINE = 21


def _project(root: Path, *, tag_id: int, handler: str, more: str = "") -> Path:
    source = PROGRAM.format(id=tag_id, more=more, handler=handler)
    return write_project(root, {"app/__init__.py": "", "app/tags.py": source})


def _commit_message(root: Path) -> str:
    (finding,) = [found for found in findings_in(root, "app/tags.py", "ASA401") if found.line == COMMIT_LINE]
    return finding.message


@pytest.mark.parametrize("more", ["", MORE], ids=["commit-last", "lookup-after"])
def test_a_rollback_after_the_commit_is_not_said_to_raise(tmp_path: Path, more: str) -> None:
    # Tag 3 is new: the commit succeeds; with MORE, the handler's rollback runs after it.
    root = _project(tmp_path / "project", tag_id=3, handler=ROLLBACK, more=more)
    message = _commit_message(root)
    assert "InvalidRequestError" not in message
    assert "the block commits by itself" in message
    assert run_example(root, "app/tags.py") == {"error": None, "line": None, "message": None}


def test_a_query_in_the_handler_of_a_failed_commit_raises_where_the_message_says(tmp_path: Path) -> None:
    # The harness's first row has id 1: the commit fails, which closes the block's transaction
    # as a successful commit does, so the handler's query raises there.
    root = _project(tmp_path / "project", tag_id=1, handler=QUERY)
    assert "`session.execute()` at line 23 then runs inside the closed block and raises" in _commit_message(root)
    outcome = run_example(root, "app/tags.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", 23), outcome


def test_a_query_after_the_commit_raises_where_the_message_says(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", tag_id=3, handler=QUERY, more=MORE)
    assert "`session.execute()` at line 24 then runs inside the closed block and raises" in _commit_message(root)
    outcome = run_example(root, "app/tags.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", 24), outcome
