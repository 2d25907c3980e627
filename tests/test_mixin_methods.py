"""A repository method defined in a mixin that calls methods its own class does not define:
`IDMixin.get_by_id` runs `self.get_base_statement()` and `self.get_one_or_none(...)`, which a
sibling base of the repository class provides (`class TeamRepository(IDMixin[Team],
RepositoryBase[Team])`). The call runs on the repository, so those calls dispatch on its class:
the objects `get_by_id` returns are `Team` rows of `select(self.model)`, with the loaders the
caller passes.

Each case is run against real SQLAlchemy with aiosqlite (the runtime harness) and checked by the
linter: a MissingGreenlet where ASA301 reports, a clean run where it stays silent.
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


class Player(Base):
    __tablename__ = "players"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    captain_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    captain: Mapped[Player] = relationship()
"""

REPOSITORY = """\
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, select
from typing_extensions import Self
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from app.models import Base, Team

M = TypeVar("M", bound=Base)


class RepositoryProtocol(Protocol[M]):
    model: type[M]

    def get_base_statement(self) -> Select[tuple[M]]: ...

    async def get_one_or_none(self, statement: Select[tuple[M]]) -> M | None: ...


class RepositoryBase(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def get_base_statement(self) -> Select[tuple[M]]:
        return select(self.model)

    async def get_one_or_none(self, statement: Select[tuple[M]]) -> M | None:
        result = await self.session.execute(statement)
        return result.unique().scalar_one_or_none()


class IDMixin(Generic[M]):
    async def get_by_id(SELF, id: int, *, options: Sequence[ORMOption] = ()) -> M | None:
        statement = self.get_base_statement().where(self.model.id == id).options(*options)  # type: ignore[attr-defined]
        return await self.get_one_or_none(statement)  # type: ignore[attr-defined]


class TeamRepository(IDMixin[Team], RepositoryBase[Team]):
    model = Team
"""


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("TeamRepository(session).get_by_id(1)", "MissingGreenlet"),
        ("TeamRepository.from_session(session).get_by_id(1)", "MissingGreenlet"),
        ("TeamRepository(session).get_by_id(1, options=(selectinload(Team.captain),))", None),
    ],
)
@pytest.mark.parametrize("receiver", ["self", "self: RepositoryProtocol[M]"])
def test_a_mixin_method_dispatches_its_own_calls_on_the_repository(
    call: str, error: str | None, receiver: str, tmp_path: Path
) -> None:
    handler = f"""\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Team
from app.repository import TeamRepository


async def captain_name(session: AsyncSession) -> str:
    team = await {call}
    assert team is not None
    return team.captain.name
"""
    root = write_project(
        tmp_path / "project",
        {
            "app/models.py": MODELS,
            "app/repository.py": REPOSITORY.replace("SELF", receiver),
            "app/handlers.py": handler,
        },
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [11] if error == "MissingGreenlet" else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected


def test_a_receiver_outside_the_mixins_classes_is_not_dispatched_on(tmp_path: Path) -> None:
    """`get_by_id` called on something that is not a subclass of the mixin (nothing says what
    its `get_one_or_none` is): not judged."""
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import IDMixin


async def captain_name(session: AsyncSession, mixin: IDMixin) -> str:
    team = await mixin.get_by_id(1)
    assert team is not None
    return team.captain.name
"""
    root = write_project(
        tmp_path / "project",
        {
            "app/models.py": MODELS,
            "app/repository.py": REPOSITORY.replace("SELF", "self"),
            "app/handlers.py": handler,
        },
    )
    assert findings_in(root, "app/handlers.py", "ASA301") == []
