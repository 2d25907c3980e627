"""ASA301 for a read in a later operand of `and`/`or`, or on a side of a conditional expression,
of a relationship that a loader added under a test of the same name loads.

`handle` adds `selectinload(Member.notes)` under `if user:` and reads `member.notes` in `member
and user and member.notes`, `not user or len(member.notes)`, or `len(member.notes) if user else
0`: the read runs only where `user` holds, where the loader is there. A read where `user` fails
(`user or len(member.notes)`), or behind a test of another name than the loader's, stays judged.
Each handler is linted, then run against real SQLAlchemy with aiosqlite: `user` is a truthy
string where the read is silent, False where it is reported; `full` is False.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example
from test_probed_refreshes import DATABASE, MODELS

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member


async def handle(session: AsyncSession, user: {user}, full: bool) -> object:
    statement = select(Member)
    if user:
        statement = statement.options(selectinload(Member.notes))
    member = (await session.scalars(statement)).first()
"""

SILENT = {
    "a later operand of and": "    return member and user and len(member.notes)\n",
    "an if on a later operand of and": """\
    if member and user and member.notes:
        return 1
    return 0
""",
    "a later operand of or": "    return member is None or not user or len(member.notes)\n",
    "the body of a conditional expression": "    return len(member.notes) if member and user else 0\n",
    "the else of a conditional expression": "    return 0 if not user else len(member.notes)\n",
}

#: Each reads `member.notes` on the line after the header's.
REPORTED = {
    "where the operand before failed": "    return member is None or user or len(member.notes)\n",
    "behind another name": "    return member and full or len(member.notes)\n",
    "the other side of a conditional expression": "    return len(member.notes) if not user else 0\n",
}


def _project(root: Path, body: str, user: str) -> Path:
    handler = HEADER.format(user=user) + body
    files = {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": handler}
    return write_project(root, files)


@pytest.mark.parametrize("body", SILENT.values(), ids=SILENT.keys())
def test_a_read_where_the_loaders_test_holds_loads_nothing(body: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", body, "str")
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("body", REPORTED.values(), ids=REPORTED.keys())
def test_a_read_where_the_loaders_test_may_fail_stays_judged(body: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", body, "bool")
    expected = len(HEADER.splitlines()) + 1
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
