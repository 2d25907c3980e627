"""Projects of members and their users for the ASA301 tests of objects handed between calls.

Each has the models, the database, one module of the project's own (a repository, a service)
and a handler module, `header + handler + helpers`, that a test fills with one handler: the
project is linted, then the handler is run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship()
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: A line of the handler module: in the handler ("handler") or in the helpers after it ("helpers").
Place = tuple[str, int]


@dataclass(frozen=True)
class HandlerModule:
    header: str
    helpers: str
    #: The project's own module beside the models and the database (path, source).
    own: tuple[str, str]

    def project(self, root: Path, handler: str) -> Path:
        path, source = self.own
        files = {
            "app/db_models.py": MODELS,
            "app/db.py": DATABASE,
            path: source,
            "app/handlers.py": self.header + handler + self.helpers,
        }
        return write_project(root, files)

    def line(self, handler: str, place: Place) -> int:
        part, line = place
        before = len(self.header.splitlines()) + (0 if part == "handler" else len(handler.splitlines()))
        return before + line

    def assert_reported_where_it_raises(self, root: Path, handler: str, reported: Place, raised: Place) -> None:
        project = self.project(root, handler)
        assert [finding.line for finding in findings_in(project, "app", "ASA301")] == [self.line(handler, reported)]
        outcome = run_example(project, "app/handlers.py")
        assert outcome["error"] == "MissingGreenlet", outcome
        assert outcome["line"] == self.line(handler, raised), outcome

    def assert_silent_and_runs(self, root: Path, handler: str) -> None:
        project = self.project(root, handler)
        assert findings_in(project, "app", "ASA301") == []
        outcome = run_example(project, "app/handlers.py")
        assert outcome["error"] is None, outcome
