"""ASA302 after a query of the object's whole table: `select(M)` with no criterion, join, offset
or limit (ordered at most). An asyncio session turns every
row it gives into its object on the await, so an expired object of that model in the session is
repopulated. A query with a criterion or a limit, of another model, streamed, or on one path only leaves
it expired.
Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example
from test_reselected_rows import DB, HEADER

from alchemy_lint.rules.loading_examples import MODELS

FRESH = {
    "all_rows_after_a_rollback": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        await session.rollback()
        everyone = (await session.scalars(select(User))).all()
        return user.name + str(len(everyone))
""",
    "first_of_the_ordered_table_after_a_commit": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        user.name = "renamed"
        await session.commit()
        await session.scalars(select(User).order_by(User.id.desc()))
        return user.name
""",
}

EXPIRED = {
    "a_criterion": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        await session.rollback()
        await session.scalars(select(User).where(User.id != 2))
        return user.name  # ASA302
""",
    "another_model": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        await session.rollback()
        await session.scalars(select(Order))
        return user.name  # ASA302
""",
    "a_limit_that_skips_its_row": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        await session.rollback()
        await session.scalars(select(User).order_by(User.id).limit(1))
        return user.name  # ASA302
""",
    "a_stream_not_read_yet": """\
async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        await session.rollback()
        await session.stream_scalars(select(User))
        return user.name  # ASA302
""",
    "on_one_path": """\
async def main(again: bool) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        await session.rollback()
        if again:
            await session.scalars(select(User))
        return user.name  # ASA302
""",
}


def _project(root: Path, handler: str) -> Path:
    header = HEADER.replace("import User", "import Order, User")
    files = {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": header + handler}
    return write_project(root, files)


@pytest.mark.parametrize("name", sorted(FRESH))
def test_a_query_of_the_whole_table_repopulates_the_expired_object(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / name, FRESH[name])
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


@pytest.mark.parametrize("name", sorted(EXPIRED))
def test_a_query_that_may_skip_its_row_leaves_it_expired(name: str, tmp_path: Path) -> None:
    source = HEADER.replace("import User", "import Order, User") + EXPIRED[name]
    root = _project(tmp_path / name, EXPIRED[name])
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(source, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])
