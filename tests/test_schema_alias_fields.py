"""A schema field typed by a module's own union of schemas is not an ORM model of that name.

`CustomField = Annotated[TextField | NumberField, ...]` in the schemas module and `custom_field:
CustomField` (also quoted, `"CustomField"`) on a response schema: validating an ORM object into
it reads what those schemas declare (`name`), not the relationships of the ORM model that happens
to be called `CustomField` too (its `organization`, declared `lazy="raise"`). A schema class of
that name (`custom_field: CustomFieldOut` reading `organization`) is still followed. Each handler
is linted, then run against real SQLAlchemy and pydantic with aiosqlite.
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


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class CustomField(Base):
    __tablename__ = "custom_fields"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    organization: Mapped[Organization] = relationship(lazy="raise")


class AttachedField(Base):
    __tablename__ = "attached_fields"
    id: Mapped[int] = mapped_column(primary_key=True)
    custom_field_id: Mapped[int] = mapped_column(ForeignKey("custom_fields.id"))
    custom_field: Mapped[CustomField] = relationship(lazy="raise")
"""

SCHEMAS = """\
from typing import Annotated

from pydantic import BaseModel, ConfigDict


class TextField(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


class NumberField(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


CustomField = Annotated[TextField | NumberField, "custom field"]


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


class CustomFieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    organization: OrganizationOut


class Attached(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    custom_field: {annotation}
"""

HANDLER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import AttachedField
from app.schemas import Attached


async def handle(session: AsyncSession) -> list[Attached]:
    statement = select(AttachedField).options(selectinload(AttachedField.custom_field))
    rows = (await session.scalars(statement)).all()
    return [Attached.model_validate(row) for row in rows]
"""

#: The line of `Attached.model_validate(row)` in HANDLER.
VALIDATE_LINE = 12


def _project(root: Path, annotation: str) -> Path:
    files = {
        "app/models.py": MODELS,
        "app/schemas.py": SCHEMAS.format(annotation=annotation),
        "app/handlers.py": HANDLER,
    }
    return write_project(root, files)


@pytest.mark.parametrize("annotation", ["CustomField", '"CustomField"'])
def test_a_field_typed_by_the_module_s_union_is_not_the_model_of_that_name(annotation: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", annotation)
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


def test_a_schema_class_that_reads_the_relationship_is_still_followed(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", "CustomFieldOut")
    found = findings_in(root, "app", "ASA301")
    assert [(finding.path, finding.line) for finding in found] == [("app/handlers.py", VALIDATE_LINE)], found
    assert "CustomField.organization" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    # pydantic wraps the `lazy="raise"` load's InvalidRequestError in its ValidationError.
    assert outcome["error"] == "ValidationError", outcome
    assert "custom_field.organization" in str(outcome["message"]), outcome
    assert outcome["line"] == VALIDATE_LINE, outcome
