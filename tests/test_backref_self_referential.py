"""ASA301 and the `backref=` of a self-referential relationship (an adjacency list).

`children = relationship("Node", backref=backref("parent", remote_side=[id]))` gives `Node` a
many-to-one `parent`: `remote_side=` names the parent's primary key. A read of `parent` on an
object whose parent the session holds runs no SQL (the identity map answers it), as with the
explicit `parent = relationship("Node", remote_side=[id], back_populates="children")`. A
`parent = relationship(..., remote_side=[id], backref="children")` gives a collection, which is
a lazy load when read unloaded. Each handler is linted, then run
against real SQLAlchemy with aiosqlite (the harness makes every row its own parent).

The plain `backref="parent"` of a `children` without `remote_side=` anywhere does not give a
many-to-one: SQLAlchemy reads a relationship from a model to itself as a one-to-many unless
`remote_side=` says otherwise, on either side, and refuses the mapping ("both of the same
direction"). Its direction is left unknown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, working_directory, write_project
from test_loading_runtime import run_example

from alchemy_lint.config import load_settings
from alchemy_lint.engine import load_project

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, backref, relationship


class Base(DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = "nodes"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("nodes.id"))
    name = Column(String)
    children = relationship("Node", backref=backref("parent", REMOTE_SIDE))


class Category(Base):
    __tablename__ = "categories"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("categories.id"))
    name = Column(String)
    parent = relationship("Category", remote_side=[id], backref="children")


class Region(Base):
    __tablename__ = "regions"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("regions.id"))
    name = Column(String)
    parent = relationship("Region", remote_side="Region.id", backref=backref("children", remote_side=[parent_id]))


class Topic(Base):
    __tablename__ = "topics"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("topics.id"))
    name = Column(String)
    children = relationship("Topic", back_populates="parent")
    parent = relationship("Topic", remote_side=[id], back_populates="children")
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
factory = async_sessionmaker(engine, expire_on_commit=False)
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers, selectinload

from app.db import factory
from app.db_models import Category, Node, Region, Topic

configure_mappers()


"""

#: How the `backref(...)` of `Node.children` names the parent's primary key.
REMOTE_SIDES = {
    "list": "remote_side=[id]",
    "bare_column": "remote_side=id",
    "string": 'remote_side="Node.id"',
    "string_list": 'remote_side="[Node.id]"',
    "lambda": "remote_side=lambda: [Node.id]",
}

#: Reads of a many-to-one parent that the identity map answers (each row is its own parent).
PARENT_READS = {
    "backref_with_remote_side": """\
async def names():
    async with factory() as session:
        nodes = (await session.scalars(select(Node).options(selectinload(Node.children)))).all()
        return [n.parent.name for n in nodes if n.parent_id]
""",
    "explicit_back_populates": """\
async def names():
    async with factory() as session:
        topics = (await session.scalars(select(Topic).options(selectinload(Topic.children)))).all()
        return [t.parent.name for t in topics if t.parent_id]
""",
}

#: A collection backref of a many-to-one (its `remote_side=` the primary key, or the backref's
#: the foreign key), read unloaded: a lazy load.
CHILDREN_READS = {
    "forward_remote_side": """\
async def names():
    async with factory() as session:
        categories = (await session.scalars(select(Category))).all()
        return [len(c.children) for c in categories]
""",
    "backref_remote_side_on_the_foreign_key": """\
async def names():
    async with factory() as session:
        regions = (await session.scalars(select(Region))).all()
        return [len(r.children) for r in regions]
""",
}


def _project(root: Path, handler: str, remote_side: str = REMOTE_SIDES["list"]) -> Path:
    models = MODELS.replace("REMOTE_SIDE", remote_side)
    return write_project(root, {"app/db_models.py": models, "app/db.py": DATABASE, "app/handlers.py": HEADER + handler})


@pytest.mark.parametrize("name", sorted(PARENT_READS))
def test_a_self_referential_backref_parent_is_served_by_the_identity_map(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", PARENT_READS[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("spelling", sorted(REMOTE_SIDES))
def test_each_spelling_of_remote_side_in_a_backref_gives_a_many_to_one(spelling: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", PARENT_READS["backref_with_remote_side"], REMOTE_SIDES[spelling])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("name", sorted(CHILDREN_READS))
def test_the_backref_of_a_self_referential_many_to_one_is_a_collection(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", CHILDREN_READS[name])
    reported = len(HEADER.splitlines()) + 4
    assert [finding.line for finding in findings_in(root, "app", "ASA301")] == [reported]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == reported, outcome


def test_a_remote_side_that_is_no_literal_leaves_the_backref_unjudged(tmp_path: Path) -> None:
    # `remote_side=PARENT_KEY`: which column it is cannot be told, so the direction stays
    # unknown and the read of `parent` is reported as before (the conservative reading).
    models = MODELS.replace("REMOTE_SIDE", "remote_side=PARENT_KEY").replace(
        "class Base(", "PARENT_KEY = None\n\n\nclass Base("
    )
    root = write_project(
        tmp_path / "project",
        {
            "app/db_models.py": models,
            "app/db.py": DATABASE,
            "app/handlers.py": HEADER + PARENT_READS["backref_with_remote_side"],
        },
    )
    assert len(findings_in(root, "app", "ASA301")) == 1


FOLDERS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, relationship


class Base(DeclarativeBase):
    pass


class Folder(Base):
    __tablename__ = "folders"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("folders.id"))
    name = Column(String)
    subfolders = relationship("Folder", backref="parent")
"""

FOLDER_READ = """\
from sqlalchemy import select

from app.db import factory
from app.folders import Folder


async def names():
    async with factory() as session:
        folders = (await session.scalars(select(Folder))).all()
        return [f.parent.name for f in folders if f.parent_id]
"""


def test_a_plain_backref_without_remote_side_is_no_many_to_one(tmp_path: Path) -> None:
    # Both sides one-to-many: the mapping fails on the first query. The linter does not take
    # the backref for a many-to-one the identity map answers (it reports the read, as before).
    root = write_project(
        tmp_path / "project", {"app/folders.py": FOLDERS, "app/db.py": DATABASE, "app/handlers.py": FOLDER_READ}
    )
    assert [finding.line for finding in findings_in(root, "app", "ASA301")] == [10]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "ArgumentError", outcome
    assert "same direction" in str(outcome["message"]), outcome


#: A `children` that `remote_side=[id]` makes a many-to-one, whatever its name: its backref
#: `parent` is the collection (SQLAlchemy: `children` MANYTOONE, `parent` ONETOMANY).
MISNAMED = """\
class Tree(Base):
    __tablename__ = "trees"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("trees.id"))
    children = relationship("Tree", backref="parent", remote_side=[id])
"""


def test_the_backrefs_direction_is_what_sqlalchemy_configures(tmp_path: Path) -> None:
    # The directions of `Mapper.relationships` after `configure_mappers()` (SQLAlchemy 2.x):
    # Node.parent MANYTOONE, Category.children and Region.children ONETOMANY, Tree.parent
    # ONETOMANY.
    models = MODELS.replace("REMOTE_SIDE", REMOTE_SIDES["list"]) + "\n\n" + MISNAMED
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db_models.py": models})
    with working_directory(root):
        index = load_project(root, load_settings(root)).index()
    found = {
        (model, name): (ref.many_to_one, ref.is_collection)
        for model, name in (("Node", "parent"), ("Category", "children"), ("Region", "children"), ("Tree", "parent"))
        if (ref := index.relationships(f"app.db_models.{model}")[name]) is not None
    }
    assert found == {
        ("Node", "parent"): (True, False),
        ("Category", "children"): (False, True),
        ("Region", "children"): (False, True),
        ("Tree", "parent"): (False, True),
    }
