"""What `session.delete()` may load: the delete cascade in the relationship facts, and ASA201 on
`asyncio.gather` over deletes (the runtime side is in test_concurrency_runtime.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project

from alchemy_lint.facts.extract import extract_facts, parse_source
from alchemy_lint.facts.model import RelationshipFacts
from alchemy_lint.rules.concurrency import DELETE_MODELS


def _relationships(source: str) -> dict[str, RelationshipFacts]:
    facts = extract_facts(parse_source(source.encode(), "app/models.py"), "app/models.py", "app.models", False)
    return {relationship.name: relationship for cls in facts.classes for relationship in cls.relationships}


def _cascade(relationship: RelationshipFacts) -> tuple[bool | None, bool | None, bool]:
    return relationship.delete_cascade, relationship.passive_deletes, relationship.loads_on_delete


def test_plain_relationship_records_its_delete_cascade_and_passive_deletes() -> None:
    found = _relationships(
        "from sqlalchemy.orm import backref, relationship\n"
        "class Folder(Base):\n"
        '    files = relationship("File", cascade="all, delete-orphan")\n'
        '    links = relationship("Link", cascade="save-update, merge")\n'
        '    shares = relationship("Share", cascade="all", passive_deletes=True)\n'
        '    tags = relationship("Tag", cascade=("save-update", "delete"))\n'
        '    notes = relationship("Note")\n'
        '    marks = relationship("Mark", cascade=CASCADE)\n'
        '    owners = relationship("Owner", cascade="all, none")\n'
        '    parent = relationship("Parent", backref=backref("children", cascade="all"))\n'
        '    group = relationship("Group", backref="folders")\n'
    )
    assert _cascade(found["files"]) == (True, False, True)
    assert _cascade(found["links"]) == (False, False, False)
    assert _cascade(found["shares"]) == (True, True, False)
    assert _cascade(found["tags"]) == (True, False, True)
    assert _cascade(found["notes"]) == (False, False, False)
    assert _cascade(found["marks"]) == (None, False, True)  # not a literal: it may
    assert _cascade(found["owners"]) == (False, False, False)  # "none" clears the others
    assert found["parent"].backref_delete_loads is True
    assert found["group"].backref_delete_loads is False


def test_mapped_relationship_records_its_delete_cascade() -> None:
    found = _relationships(
        "from sqlalchemy.orm import Mapped, relationship\n"
        "class Folder(Base):\n"
        '    files: Mapped[list["File"]] = relationship(cascade="all, delete-orphan", passive_deletes="all")\n'
        '    owner: Mapped["User"] = relationship(cascade="all")\n'
        '    links: Mapped[list["Link"]] = relationship(back_populates="folder")\n'
    )
    assert _cascade(found["files"]) == (True, True, False)
    assert _cascade(found["owner"]) == (True, False, True)
    assert _cascade(found["links"]) == (False, False, False)


def test_sqlmodel_relationship_records_its_delete_cascade_also_through_sa_relationship_kwargs() -> None:
    found = _relationships(
        "from sqlalchemy.orm import relationship\n"
        "from sqlmodel import Relationship, SQLModel\n"
        "class Team(SQLModel, table=True):\n"
        '    heroes: list["Hero"] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})\n'
        '    guests: list["Guest"] = Relationship(sa_relationship_kwargs=dict(cascade="all", passive_deletes=True))\n'
        '    badges: list["Badge"] = Relationship(cascade_delete=True)\n'
        '    rooms: list["Room"] = Relationship(cascade_delete=True, passive_deletes=True)\n'
        '    fans: list["Fan"] = Relationship(back_populates="team")\n'
        '    staff: list["Staff"] = Relationship(sa_relationship=relationship("Staff", cascade="all"))\n'
    )
    assert _cascade(found["heroes"]) == (True, False, True)
    assert _cascade(found["guests"]) == (True, True, False)
    assert _cascade(found["badges"]) == (True, False, True)
    assert _cascade(found["rooms"]) == (True, True, False)
    assert _cascade(found["fans"]) == (False, False, False)
    assert _cascade(found["staff"]) == (True, False, True)


#: The rule examples' Tag (no delete cascade) and Folder (`cascade="all, delete-orphan"`), and more.
MODELS = (
    DELETE_MODELS
    + """
from sqlalchemy.orm import backref


class Archive(Base):
    __tablename__ = "archives"
    id: Mapped[int] = mapped_column(primary_key=True)
    files: Mapped[list["File"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Label(Base):
    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "label"}


class ColourLabel(Label):
    shades: Mapped[list["Shade"]] = relationship(cascade="all")
    __mapper_args__ = {"polymorphic_identity": "colour"}


class Shade(Base):
    __tablename__ = "shades"
    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"))


class Badge(Base):
    __tablename__ = "badges"
    id: Mapped[int] = mapped_column(primary_key=True)


class Holder(Base):
    __tablename__ = "holders"
    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id"))
    badge = relationship(Badge, backref=backref("holders", cascade="all, delete-orphan"))
"""
)


def _check(tmp_path: Path, handlers: str) -> None:
    """ASA201 reports the lines marked `# ASA201` in `handlers`, and no other."""
    root = write_project(tmp_path / "project", {"app/models.py": MODELS, "app/handlers.py": handlers})
    reported = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA201")]
    assert reported == expected_lines(handlers, "ASA201")


HEADER = """\
import asyncio
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Archive, Badge, ColourLabel, Folder, Label, Tag
"""


def test_gathered_deletes_without_a_delete_cascade_are_not_shared_work(tmp_path: Path) -> None:
    handlers = (
        HEADER
        + """
async def by_list(session: AsyncSession, tags: list[Tag]) -> None:
    await asyncio.gather(*[session.delete(tag) for tag in tags])


async def by_sequence(session: AsyncSession, tags: "Sequence[Tag] | None") -> None:
    await asyncio.gather(*(session.delete(tag) for tag in tags))


async def by_tuple_and_set(session: AsyncSession, kept: tuple[Tag, ...], more: set[Tag], some: Iterable[Tag]) -> None:
    await asyncio.gather(*[session.delete(tag) for tag in kept], *[session.delete(tag) for tag in more])
    await asyncio.gather(*[session.delete(tag) for tag in some])


async def by_name(session: AsyncSession, first: Tag, second: Tag) -> None:
    await asyncio.gather(session.delete(first), session.delete(second))


async def by_local(session: AsyncSession) -> None:
    tags: list[Tag] = list(await session.scalars("select 1"))
    tasks = []
    for tag in tags:
        tasks.append(session.delete(tag))
    await asyncio.gather(*tasks)


async def passive(session: AsyncSession, archives: list[Archive]) -> None:
    await asyncio.gather(*[session.delete(archive) for archive in archives])
"""
    )
    _check(tmp_path, handlers)


def test_gathered_deletes_along_a_loading_delete_cascade_are_reported(tmp_path: Path) -> None:
    handlers = (
        HEADER
        + """
async def cascade(session: AsyncSession, folders: list[Folder]) -> None:
    await asyncio.gather(*[session.delete(folder) for folder in folders])  # ASA201


async def subclass(session: AsyncSession, labels: list[Label]) -> None:
    await asyncio.gather(*[session.delete(label) for label in labels])  # ASA201


async def inherited(session: AsyncSession, first: ColourLabel, second: ColourLabel) -> None:
    await asyncio.gather(session.delete(first), session.delete(second))  # ASA201


async def through_backref(session: AsyncSession, badges: list[Badge]) -> None:
    await asyncio.gather(*[session.delete(badge) for badge in badges])  # ASA201
"""
    )
    _check(tmp_path, handlers)


def test_gathered_deletes_of_objects_of_unknown_model_are_reported(tmp_path: Path) -> None:
    handlers = (
        HEADER
        + """
async def untyped(session: AsyncSession, things: list) -> None:
    await asyncio.gather(*[session.delete(thing) for thing in things])  # ASA201


async def bare(session: AsyncSession, first, second) -> None:
    await asyncio.gather(session.delete(first), session.delete(second))  # ASA201


async def rebound(session: AsyncSession, tags: list[Tag], folders: list[Folder]) -> None:
    await asyncio.gather(*[session.delete(tag) for tags in [tags, folders] for tag in tags])  # ASA201
"""
    )
    _check(tmp_path, handlers)


@pytest.mark.parametrize("others", ["session.execute('select 1'), session.flush()", "load(session), load(session)"])
def test_other_work_of_the_session_in_the_same_gather_still_counts(tmp_path: Path, others: str) -> None:
    handlers = (
        HEADER
        + f"""

async def load(session: AsyncSession) -> None: ...


async def mixed(session: AsyncSession, tags: list[Tag]) -> None:
    await asyncio.gather(*[session.delete(tag) for tag in tags], {others})  # ASA201
    await asyncio.gather(*[session.delete(tag) for tag in tags], session.flush())
"""
    )
    _check(tmp_path, handlers)
