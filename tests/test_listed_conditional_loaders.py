"""ASA301 for loaders a function adds to a list under a test, read under the same test.

`handle` builds its loader list under `if full: options.extend([...])` and `elif user:
options.append(selectinload(Exp.runs))`, hands it to `.options(*options)` (maybe under `if
options:`), and reads `exp.runs` under `if exp and user and exp.runs:`: wherever `user` holds,
one branch or the other added the loader of `runs`. A read where the loader of `runs` is added
under `if full:` alone, or where the `elif user:` branch adds another loader, or where the name
tested was bound again (`if full:`, then `full = bool(user)` and a read under `full`), stays
judged. Each handler is linted, then run against real SQLAlchemy with aiosqlite (`full` is
False, `user` a truthy string).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Exp(Base):
    __tablename__ = "exp"
    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompt.id"))
    prompt: Mapped["Prompt | None"] = relationship()
    runs: Mapped[list["Run"]] = relationship(back_populates="exp")


class Prompt(Base):
    __tablename__ = "prompt"
    id: Mapped[int] = mapped_column(primary_key=True)


class Run(Base):
    __tablename__ = "run"
    id: Mapped[int] = mapped_column(primary_key=True)
    exp_id: Mapped[int] = mapped_column(ForeignKey("exp.id"))
    exp: Mapped[Exp] = relationship(back_populates="runs")
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Exp


async def handle(session: AsyncSession, full: bool, user: str) -> object:
    options = []
"""

READ = """\
    exp = (await session.scalars(select(Exp).options(*options))).first()
    if exp and user and exp.runs:
        return None
    return exp
"""

SILENT = {
    "either branch": """\
    if full:
        options.extend([selectinload(Exp.prompt), selectinload(Exp.runs)])
    elif user:
        options.append(selectinload(Exp.runs))
""",
    "the same test": """\
    if user:
        options.append(selectinload(Exp.runs))
""",
}

REPORTED = {
    "the first branch alone": """\
    if full:
        options.extend([selectinload(Exp.prompt), selectinload(Exp.runs)])
""",
    "another loader in the elif": """\
    if full:
        options.extend([selectinload(Exp.prompt), selectinload(Exp.runs)])
    elif user:
        options.append(selectinload(Exp.prompt))
""",
    "a test bound again": """\
    if full:
        options.append(selectinload(Exp.runs))
    full = bool(user)
""",
}


def _project(root: Path, body: str, read: str = READ) -> Path:
    if "full = " in body:
        read = read.replace("exp and user and", "exp and full and")
    files = {"app/db_models.py": MODELS, "app/handlers.py": HEADER + body + read}
    return write_project(root, files)


def _under_a_test(read: str) -> str:
    """The read with the list handed over only when it is not empty."""
    return read.replace(
        "    exp = (await session.scalars(select(Exp).options(*options))).first()\n",
        "    statement = select(Exp)\n"
        "    if options:\n"
        "        statement = statement.options(*options)\n"
        "    exp = (await session.scalars(statement)).first()\n",
    )


@pytest.mark.parametrize("read", [READ, _under_a_test(READ)], ids=["spread", "spread under a test"])
@pytest.mark.parametrize("body", SILENT.values(), ids=SILENT.keys())
def test_a_listed_loader_added_where_the_test_holds_loads_the_read(body: str, read: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", body, read)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("body", REPORTED.values(), ids=REPORTED.keys())
def test_a_read_no_listed_loader_covers_stays_judged(body: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", body)
    expected = len((HEADER + body).splitlines()) + 2
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
