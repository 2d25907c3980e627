"""A FastAPI route without `response_model=` validates what it returns with its return
annotation (`-> TeamOut`, `-> list[TeamOut]`, `-> TeamOut | None`): ASA301 and ASA302 judge it as
they judge `response_model=`, and `response_model=None` turns it off. Linted, then served through
a real FastAPI application with SQLAlchemy and aiosqlite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_response_model_expiry import DB, DRIVER, LISTED_MODELS, TEAM_ROUTES_HEADER

ROUTES = (
    TEAM_ROUTES_HEADER
    + """

class TeamId(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


@router.get("/teams")
async def teams(db: AsyncSession = Depends(get_db)) -> list[TeamOut]:
    result = await db.scalars(select(Team))
    return result.all()  # ASA301


@router.get("/team")
async def team(db: AsyncSession = Depends(get_db)) -> TeamOut | None:
    return await db.get(Team, 1)  # ASA301


@router.get("/loaded")
async def loaded_teams(db: AsyncSession = Depends(get_db)) -> list[TeamOut]:
    result = await db.scalars(select(Team).options(selectinload(Team.members)))
    return result.all()


@router.post("/team")
async def touch(db: AsyncSession = Depends(get_db)) -> TeamId:
    team = await db.get(Team, 1)
    await db.commit()
    return team  # ASA302


@router.put("/team", response_model=None)
async def touch_unvalidated(db: AsyncSession = Depends(get_db)) -> TeamId:
    team = await db.get(Team, 1)
    await db.commit()
    return team
"""
)

ANNOTATED_DRIVER = DRIVER.replace(
    DRIVER[DRIVER.index("REQUESTS = [") : DRIVER.index("]\n", DRIVER.index("REQUESTS = [")) + 1],
    'REQUESTS = [("GET", "/teams"), ("GET", "/team"), ("GET", "/loaded"), ("POST", "/team"), ("PUT", "/team")]',
).replace('[{"id": 1, "name": "first"}]', '[{"id": 1}]')


def _project(root: Path) -> Path:
    return write_project(
        root, {"app/db.py": DB, "app/models.py": LISTED_MODELS, "app/routes.py": ROUTES, "serve.py": ANNOTATED_DRIVER}
    )


def test_a_routes_return_annotation_is_its_response_model(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    lazy = findings_in(root, "app/routes.py", "ASA301")
    assert [finding.line for finding in lazy] == expected_lines(ROUTES, "ASA301")
    assert all("the response model TeamOut reads it" in finding.message for finding in lazy), lazy
    expired = findings_in(root, "app/routes.py", "ASA302")
    assert [finding.line for finding in expired] == expected_lines(ROUTES, "ASA302")
    assert "by the response model TeamId" in expired[0].message


def test_the_annotation_validates_the_returned_object_unless_response_model_is_none(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    completed = subprocess.run(
        [sys.executable, "serve.py"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    for route in ("GET /teams", "GET /team", "POST /team"):
        error, message = outcomes[route]
        assert "MissingGreenlet" in error or "greenlet_spawn has not been called" in message, outcomes[route]
    assert outcomes["GET /loaded"] == [200, '[{"id":1,"members":[]}]']
    assert outcomes["PUT /team"][0] == 200, outcomes["PUT /team"]


def test_a_return_annotation_outside_a_route_validates_nothing(tmp_path: Path) -> None:
    helper = ROUTES.replace('@router.get("/teams")\n', "").replace(
        "return result.all()  # ASA301", "return result.all()"
    )
    root = write_project(tmp_path / "p", {"app/db.py": DB, "app/models.py": LISTED_MODELS, "app/routes.py": helper})
    lines = [finding.line for finding in findings_in(root, "app/routes.py", "ASA301")]
    assert lines == expected_lines(helper, "ASA301")
