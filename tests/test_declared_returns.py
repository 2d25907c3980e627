"""What a project function hands back when its body does not tell: a repository typed by a
`Protocol` (implemented by the real repository and an in-memory fake), or a helper whose own
returns the index cannot follow. Handed the caller's session, it returns objects of the model its
return annotation names (`-> Optional[Organization]`, `-> list[Organization]`) in that session:
the caller's commit expires them (ASA302). How they were loaded is unknown, so no relationship is
judged from the annotation (ASA301). The reported reads raise MissingGreenlet at run time."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""
MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    members: Mapped[list["Member"]] = relationship(back_populates="organization")


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    organization: Mapped[Organization] = relationship(back_populates="members")
"""
PROTOCOLS = """\
from typing import Optional, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization


class OrganizationRepositoryProtocol(Protocol):
    async def get_by_id(self, db: AsyncSession, organization_id: int) -> Optional[Organization]: ...

    async def list_all(self, db: AsyncSession) -> list[Organization]: ...
"""
REPOSITORY = """\
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization


async def _fetch(db: AsyncSession, organization_id: int, as_dict: bool) -> Any:
    organization = await db.get(Organization, organization_id)
    if as_dict and organization is not None:
        return {"id": organization.id, "name": organization.name}
    return organization


class OrganizationRepository:
    async def get_by_id(self, db: AsyncSession, organization_id: int) -> Optional[Organization]:
        return await _fetch(db, organization_id, as_dict=False)

    async def list_all(self, db: AsyncSession) -> list[Organization]:
        return list((await db.scalars(select(Organization))).all())
"""
FAKE = """\
from typing import Optional

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization


class FakeOrganizationRepository:
    def __init__(self) -> None:
        self.rows: dict[int, Organization] = {}

    async def get_by_id(self, db: AsyncSession, organization_id: int) -> Optional[Organization]:
        return self.rows.get(organization_id)

    async def list_all(self, db: AsyncSession) -> list[Organization]:
        return list(self.rows.values())
"""
SERVICE = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization
from app.protocols import OrganizationRepositoryProtocol


class OrganizationService:
    def __init__(self, org_repo: OrganizationRepositoryProtocol) -> None:
        self._org_repo = org_repo

    async def _get_org(self, db: AsyncSession, organization_id: int) -> Organization:
        org = await self._org_repo.get_by_id(db, organization_id)
        if not org:
            raise ValueError("organization not found")
        return org

    async def rename(self, db: AsyncSession, organization_id: int, name: str) -> str:
        org = await self._get_org(db, organization_id)
        org.name = name
        await db.commit()
        return org.name

    async def names(self, db: AsyncSession) -> list[str]:
        orgs = await self._org_repo.list_all(db)
        await db.commit()
        return [org.name for org in orgs]

    async def member_count(self, db: AsyncSession, organization_id: int) -> int:
        org = await self._get_org(db, organization_id)
        return len(org.members)

    async def refreshed_name(self, db: AsyncSession, organization_id: int) -> str:
        org = await self._get_org(db, organization_id)
        await db.commit()
        await db.refresh(org)
        return org.name
"""


def _handler(method: str) -> str:
    return f"""\
from app.db import SessionLocal
from app.fakes.repository import FakeOrganizationRepository
from app.repository import OrganizationRepository
from app.service import OrganizationService


def _repository(kind: str) -> OrganizationRepository | FakeOrganizationRepository:
    return FakeOrganizationRepository() if kind == "fake" else OrganizationRepository()


async def run() -> object:
    async with SessionLocal() as db:
        service = OrganizationService(_repository("real"))
        return await service.{method}
"""


def _project(tmp_path: Path, method: str) -> Path:
    files = {
        "app/db.py": DB,
        "app/models.py": MODELS,
        "app/protocols.py": PROTOCOLS,
        "app/repository.py": REPOSITORY,
        "app/fakes/__init__.py": "",
        "app/fakes/repository.py": FAKE,
        "app/service.py": SERVICE,
        "app/handlers.py": _handler(method),
    }
    return write_project(tmp_path / "project", files)


def test_a_commit_expires_what_an_annotated_repository_returned(tmp_path: Path) -> None:
    root = _project(tmp_path, "rename(db, 1, 'renamed')")
    found = findings_in(root, "app/service.py", "ASA302")
    # `-> Organization` of a helper over `-> Optional[Organization]` of the protocol, and each
    # item of `-> list[Organization]`; not after `refresh(org)`, and no ASA301 from an annotation.
    assert [f.line for f in found] == [21, 26], found
    assert all("Organization.name read on org after db.commit()" in f.message for f in found)
    assert [f for f in findings_in(root, "app/service.py") if f.code != "ASA302"] == []


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("rename(db, 1, 'renamed')", "MissingGreenlet"),
        ("names(db)", "MissingGreenlet"),
        ("refreshed_name(db, 1)", None),
        # `len(org.members)` lazy-loads: the repository's loading, not the annotation, would tell.
        ("member_count(db, 1)", "MissingGreenlet"),
    ],
)
def test_what_the_service_does_at_run_time(method: str, error: str | None, tmp_path: Path) -> None:
    outcome = run_example(_project(tmp_path, method), "app/handlers.py")
    assert outcome["error"] == error, outcome
