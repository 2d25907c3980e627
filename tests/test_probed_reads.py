"""ASA301 for a helper that reads a relationship only where a test says it is loaded.

`count_notes(member)` whose body returns early where `"notes" not in inspect(member).dict` (or
reads under `if "notes" in member.__dict__:`, under a saved `state = inspect(member)`'s
`state.dict`, or under `"notes" not in inspect(member).unloaded`) reads `notes` only when it is
loaded: the test itself runs no SQL, so the caller's hand-over loads nothing. A read after the
branch, behind a test of another relationship, or of another object, stays judged. Each handler
is linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example
from test_probed_refreshes import DATABASE, MODELS

HELPERS = """\
from sqlalchemy import inspect
from sqlalchemy import inspect as sa_inspect

from app import tools
from app.db_models import Member


def count_by_an_aliased_inspection(member: Member) -> int:
    state = sa_inspect(member)
    if "notes" not in state.dict:
        return 0
    return len(member.notes)


def count_behind_a_look_alike(member: Member) -> int:
    if "notes" not in tools.inspect(member).dict:
        return 0
    return len(member.notes)


def count_after_an_early_return(member: Member) -> int:
    if "notes" not in inspect(member).dict:
        return 0
    return len(member.notes)


def count_in_the_instance_dict(member: Member) -> int:
    if "notes" in member.__dict__:
        return len(member.notes)
    return 0


def count_by_a_saved_inspection(member: Member) -> int:
    state = inspect(member)
    if "notes" in state.dict:
        return len(member.notes)
    return 0


def count_unless_unloaded(member: Member) -> int:
    return len(member.notes) if "notes" not in inspect(member).unloaded else 0


def count_under_an_and(member: Member) -> int:
    if "notes" in inspect(member).dict and member.notes:
        return len(member.notes)
    return 0


def count_after_an_or_return(member: Member) -> int:
    if "notes" not in inspect(member).dict or not member.notes:
        return 0
    return len(member.notes)


def count_after_the_operands(member: Member) -> int:
    counted = "notes" in inspect(member).dict and len(member.notes) > 0
    return len(member.notes) + int(counted)


def count_after_the_branch(member: Member) -> int:
    if "notes" in inspect(member).dict:
        print("loaded")
    return len(member.notes)


def count_behind_another_name(member: Member) -> int:
    if "name" not in inspect(member).dict:
        return 0
    return len(member.notes)


def count_behind_another_object(member: Member, other: Member) -> int:
    if "notes" not in inspect(other).dict:
        return 0
    return len(member.notes)


def count_by_a_rebound_inspection(member: Member, other: Member) -> int:
    state = inspect(member)
    state = inspect(other)
    if "notes" in state.dict:
        return len(member.notes)
    return 0
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member
from app.helpers import (
    count_after_an_early_return,
    count_after_an_or_return,
    count_after_the_branch,
    count_after_the_operands,
    count_behind_a_look_alike,
    count_behind_another_name,
    count_behind_another_object,
    count_by_a_rebound_inspection,
    count_by_a_saved_inspection,
    count_by_an_aliased_inspection,
    count_in_the_instance_dict,
    count_under_an_and,
    count_unless_unloaded,
)


async def handle(session: AsyncSession) -> int:
    member = (await session.scalars(select(Member))).first()
    other = Member(name="other", notes=[])
    if member is None:
        return 0
"""

SILENT = [
    "count_after_an_early_return(member)",
    "count_in_the_instance_dict(member)",
    "count_by_a_saved_inspection(member)",
    "count_unless_unloaded(member)",
    "count_by_an_aliased_inspection(member)",
    "count_under_an_and(member)",
    "count_after_an_or_return(member)",
]

REPORTED = [
    "count_after_the_branch(member)",
    "count_after_the_operands(member)",
    "count_behind_another_name(member)",
    "count_behind_another_object(member, other)",
    "count_by_a_rebound_inspection(member, other)",
    "count_behind_a_look_alike(member)",
]

#: A project function named `inspect`: its answer says nothing of what is loaded.
TOOLS = """\
class Snapshot:
    dict = {"notes": []}


def inspect(obj: object) -> Snapshot:
    return Snapshot()
"""


def _project(root: Path, call: str) -> Path:
    handler = f"{HEADER}    return {call}\n"
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": DATABASE,
        "app/helpers.py": HELPERS,
        "app/tools.py": TOOLS,
        "app/handlers.py": handler,
    }
    return write_project(root, files)


@pytest.mark.parametrize("call", SILENT)
def test_a_read_a_loaded_probe_guards_loads_nothing(call: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", call)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("call", REPORTED)
def test_a_read_the_probe_does_not_guard_stays_judged(call: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", call)
    expected = len(HEADER.splitlines()) + 1
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
