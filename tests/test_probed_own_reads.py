"""ASA301 for a function that reads a relationship of the object it queried only where a test
says it is loaded.

`handle` queries a member, then reads `member.notes` after returning early where `"notes" not in
inspect(member).dict` (or `"notes" in inspect(member).unloaded`), or under `if "notes" in
member.__dict__:`, a saved `state = inspect(member)`'s `state.dict`, or the loaded side of a
conditional expression: the test itself runs no SQL, so the read loads nothing. A read after
the branch, behind a test of another relationship or of another object, or of an object the
name was bound to since the test, stays judged. Each handler is linted, then run against real
SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example
from test_probed_refreshes import DATABASE, MODELS

HEADER = """\
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member


async def handle(session: AsyncSession) -> int:
    other = Member(name="other", notes=[])
    member = (await session.scalars(select(Member))).first()
    if member is None:
        return 0
"""

SILENT = {
    "an early return": """\
    if "notes" not in inspect(member).dict:
        return 0
    return len(member.notes)
""",
    "an early return while unloaded": """\
    if "notes" in inspect(member).unloaded:
        return 0
    return len(member.notes)
""",
    "the instance dict": """\
    if "notes" in member.__dict__:
        return len(member.notes)
    return 0
""",
    "a saved inspection": """\
    state = inspect(member)
    if "notes" in state.dict:
        return len(member.notes)
    return 0
""",
    "a conditional expression": """\
    return len(member.notes) if "notes" not in inspect(member).unloaded else 0
""",
    "an and operand": """\
    if "notes" in inspect(member).dict and member.notes:
        return 1
    return 0
""",
    "an or operand": """\
    return int("notes" not in inspect(member).dict or len(member.notes) > 0)
""",
}

#: Each reads `member.notes` on the line after the header's.
REPORTED = {
    "after the branch": """\
    if "notes" in inspect(member).dict:
        print("loaded")
    return len(member.notes)
""",
    "behind another name": """\
    if "name" not in inspect(member).dict:
        return 0
    return len(member.notes)
""",
    "behind another object": """\
    if "notes" not in inspect(other).dict:
        return 0
    return len(member.notes)
""",
    "behind a rebound inspection": """\
    state = inspect(member)
    state = inspect(other)
    if "notes" in state.dict:
        return len(member.notes)
    return 0
""",
    "of an object bound since": """\
    state = inspect(other)
    other, kept = member, other
    if "notes" in state.dict:
        return len(other.notes)
    return 0
""",
}


def _project(root: Path, body: str) -> Path:
    files = {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": HEADER + body}
    return write_project(root, files)


@pytest.mark.parametrize("body", SILENT.values(), ids=SILENT.keys())
def test_an_own_read_a_loaded_probe_guards_loads_nothing(body: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", body)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("body", REPORTED.values(), ids=REPORTED.keys())
def test_an_own_read_the_probe_does_not_guard_stays_judged(body: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", body)
    read = next(number for number, line in enumerate(body.splitlines(), 1) if ".notes" in line)
    expected = len(HEADER.splitlines()) + read
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome


def test_an_own_read_after_the_operands_of_a_probe_stays_judged(tmp_path: Path) -> None:
    body = """\
    counted = "notes" in inspect(member).dict and len(member.notes) > 0
    return len(member.notes) + int(counted)
"""
    root = _project(tmp_path / "project", body)
    expected = len(HEADER.splitlines()) + 2
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome


def test_an_own_read_after_a_raise_where_unloaded_loads_nothing(tmp_path: Path) -> None:
    body = """\
    if "notes" not in inspect(member).dict:
        raise LookupError("notes not loaded")
    return len(member.notes)
"""
    root = _project(tmp_path / "project", body)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "LookupError", outcome
