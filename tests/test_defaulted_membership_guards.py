"""ASA301 and a callee's read under a membership test on an optional parameter written with its
fallback in the test (`"team" in (include or [])`): a call that leaves the parameter at its
default None, or passes an empty list, never makes the read; one that names the relationship
does. Runtime cases run against SQLAlchemy with aiosqlite (two rows per table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship()

    def to_dict(self, include: list[str] | None = None) -> dict[str, object]:
        return {"id": self.id, "team": self.team.name if "team" in (include or []) else None}

    def to_row(self, include: list[str] | None = None) -> dict[str, object]:
        row: dict[str, object] = {"id": self.id}
        if "team" in set(include or ()):
            row["team"] = self.team.name
        return row
"""

HEADER = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Member


async def run() -> object:
    async with SessionLocal() as session:
        members = (await session.scalars(select(Member))).all()
"""

#: Each case: the handler's last line, and the error a run raises (None: it runs clean).
CASES = {
    "default_left": ("        return [m.to_dict() for m in members]\n", None),
    "none_passed": ("        return [m.to_dict(include=None) for m in members]\n", None),
    "empty_list_passed": ("        return [m.to_dict([]) for m in members]\n", None),
    "statement_guard_default_left": ("        return [m.to_row() for m in members]\n", None),
    "relationship_named": ('        return [m.to_dict(["team"]) for m in members]  # ASA301\n', "MissingGreenlet"),
    "statement_guard_named": (
        '        return [m.to_row(include=["team"]) for m in members]  # ASA301\n',
        "MissingGreenlet",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_read_under_a_membership_test_of_a_defaulted_parameter(tmp_path: Path, case: str) -> None:
    line, error = CASES[case]
    handler = HEADER + line
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome


def test_an_argument_the_caller_cannot_tell_keeps_the_read(tmp_path: Path) -> None:
    handler = (
        "from sqlalchemy import select\n"
        "\n"
        "from app.db import SessionLocal\n"
        "from app.db_models import Member\n"
        "\n"
        "\n"
        "async def run(include: list[str]) -> object:\n"
        "    async with SessionLocal() as session:\n"
        "        members = (await session.scalars(select(Member))).all()\n"
        "        return [m.to_dict(include) for m in members]\n"
    )
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [10]
