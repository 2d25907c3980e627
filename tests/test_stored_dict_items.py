"""Objects stored one by one into a dict that started empty (`found = {}`, then
`found[key] = order` in a loop) are read back by `found[k]`, `found.get(k)` and
`found.values()`, as those of a dict comprehension are: a commit expires them (ASA302), and a
read after it fails. A dict holding anything else beside them stays unknown. Executed against
SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Feed(Base):
    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(default="")
    title: Mapped[str] = mapped_column(default="")
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

HANDLERS = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.models import Feed


async def titles(slugs: list[str]) -> list[str]:
    async with SessionLocal() as session:
        by_slug: dict[str, Feed] = {}
        for feed in (await session.scalars(select(Feed))).all():
            by_slug[feed.slug] = feed
        await session.commit()
        found = []
        for slug in slugs:
            feed = by_slug.get(slug)
            if feed is not None:
                found.append(feed.title)  # ASA302
        return found


async def first_title(slug: str) -> str:
    async with SessionLocal() as session:
        by_slug = {}
        for feed in (await session.scalars(select(Feed))).all():
            by_slug[feed.slug] = feed
        await session.commit()
        return by_slug[slug].title  # ASA302


async def ids_after_close() -> list[int]:
    async with SessionLocal() as session:
        by_id = {}
        for feed in (await session.scalars(select(Feed))).all():
            by_id[feed.id] = feed
        await session.commit()
    return [feed.id for feed in by_id.values()]  # ASA302


async def mixed(slug: str) -> object:
    async with SessionLocal() as session:
        held = {}
        for feed in (await session.scalars(select(Feed))).all():
            held[feed.slug] = feed
        held["count"] = 3
        await session.commit()
        return held[slug]


async def before_commit(slug: str) -> str:
    async with SessionLocal() as session:
        by_slug = {}
        for feed in (await session.scalars(select(Feed))).all():
            by_slug[feed.slug] = feed
        title = by_slug[slug].title
        await session.commit()
        return title
"""

RUN = """\
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from app.db import SessionLocal, engine
from app.handlers import before_commit, first_title, ids_after_close, titles
from app.models import Base, Feed


async def main() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with SessionLocal() as session:
        session.add_all([Feed(id=1, slug="a", title="A"), Feed(id=2, slug="b", title="B")])
        await session.commit()
    calls = [("titles", titles(["a"])), ("first_title", first_title("a")),
             ("ids_after_close", ids_after_close()), ("before_commit", before_commit("a"))]
    for name, call in calls:
        try:
            print(name, await call)
        except Exception as error:
            print(name, type(getattr(error, "orig", None) or error).__name__)


asyncio.run(main())
"""


def _project(root: Path) -> Path:
    return write_project(
        root, {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": DB, "app/handlers.py": HANDLERS}
    )


def test_objects_stored_into_an_empty_dict_expire_at_the_commit(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    found = [f.line for f in findings_in(root, "app/handlers.py", "ASA302")]
    assert found == expected_lines(HANDLERS, "ASA302")


def test_the_reported_reads_fail_at_run_time(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    # Inside the session the expired attribute needs I/O; after it closes, a session.
    assert done.stdout.splitlines() == [
        "titles MissingGreenlet",
        "first_title MissingGreenlet",
        "ids_after_close DetachedInstanceError",
        "before_commit A",
    ], done.stderr
