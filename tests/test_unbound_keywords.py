"""ASA301 and a project call that passes a keyword its callee does not take: the call raises
`TypeError` before the callee runs, so it gives no object to judge (a route handing
`quest_id=` to a getter whose parameter is `id`). A callee that takes `**kwargs`, or whose
decorator may take the keyword itself, binds it; a keyword the callee names is judged as before."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_response_model_expiry import DB, LISTED_MODELS, TEAM_ROUTES_HEADER

REPOSITORY = """\
import functools

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Team


def logged(func):
    @functools.wraps(func)
    async def wrapper(*args, **kwargs):
        kwargs.pop("trace", None)
        return await func(*args, **kwargs)

    return wrapper


class TeamRepository:
    async def get(self, db: AsyncSession, id: int) -> Team:
        return (await db.scalars(select(Team).where(Team.id == id))).one()

    async def get_any(self, db: AsyncSession, id: int, **options: object) -> Team:
        return (await db.scalars(select(Team).where(Team.id == id))).one()

    @logged
    async def get_logged(self, db: AsyncSession, id: int) -> Team:
        return (await db.scalars(select(Team).where(Team.id == id))).one()

    @staticmethod
    async def get_static(db: AsyncSession, id: int) -> Team:
        return (await db.scalars(select(Team).where(Team.id == id))).one()


teams = TeamRepository()
"""

ROUTES = (
    TEAM_ROUTES_HEADER
    + """
from app.repository import teams


@router.get("/right", response_model=TeamOut)
async def right(db: AsyncSession = Depends(get_db)):
    return await teams.get(db=db, id=1)  # ASA301


@router.get("/wrong", response_model=TeamOut)
async def wrong(db: AsyncSession = Depends(get_db)):
    return await teams.get(db=db, team_id=1)


@router.get("/open", response_model=TeamOut)
async def open_keywords(db: AsyncSession = Depends(get_db)):
    return await teams.get_any(db=db, id=1, team_id=1)  # ASA301


@router.get("/decorated", response_model=TeamOut)
async def decorated(db: AsyncSession = Depends(get_db)):
    return await teams.get_logged(db=db, id=1, trace=True)  # ASA301


@router.get("/static", response_model=TeamOut)
async def static(db: AsyncSession = Depends(get_db)):
    return await teams.get_static(db=db, team_id=1)
"""
)


def test_a_call_with_a_keyword_its_callee_does_not_take_gives_nothing(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {"app/db.py": DB, "app/models.py": LISTED_MODELS, "app/repository.py": REPOSITORY, "app/routes.py": ROUTES},
    )
    found = [finding.line for finding in findings_in(root, "app/routes.py", "ASA301")]
    assert found == expected_lines(ROUTES, "ASA301")
