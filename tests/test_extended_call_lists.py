"""ASA301 through lists built from what a project call returned.

A repository loads matches with `selectinload(Match.players)`, not `Player.person`; `nickname()`
reads `player.person`. The objects reach the hand-over through a helper that fills a list with
`extend(...)` or `+=` from the repository's calls and returns it, through a helper that returns
one of the repository's objects (`return matches[0]`), through an element of a filtering
comprehension bound to a name (`current = live[0]`), and through a list filtered on one branch
only. Each is reported at the hand-over, as the repository's own list indexed in place was. A
chained loader, a list of column values and a caller's refresh stay silent. Each handler is
linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


match_players = Table(
    "match_players",
    Base.metadata,
    Column("match_id", ForeignKey("matches.id"), primary_key=True),
    Column("player_id", ForeignKey("players.id"), primary_key=True),
)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    nickname: Mapped[str]


class Player(Base):
    __tablename__ = "players"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    person: Mapped[Person] = relationship()


class Match(Base):
    __tablename__ = "matches"
    id: Mapped[int] = mapped_column(primary_key=True)
    league_id: Mapped[int]
    status: Mapped[str]
    players: Mapped[list[Player]] = relationship(secondary=match_players)
"""

REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Match, Person, Player


class MatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_league(self, league_id: int) -> list[Match]:
        statement = select(Match).options(selectinload(Match.players)).where(Match.league_id == league_id)
        return list((await self._session.scalars(statement)).all())

    async def with_people(self, league_id: int) -> list[Match]:
        loader = selectinload(Match.players).selectinload(Player.person)
        statement = select(Match).options(loader).where(Match.league_id == league_id)
        return list((await self._session.scalars(statement)).all())

    async def nicknames(self) -> list[str]:
        return list((await self._session.scalars(select(Person.nickname))).all())
"""

HEADER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Match, Player
from app.repository import MatchRepository


"""

HELPERS = """\


def nickname(player: Player) -> str:
    return player.person.nickname


def shout(name: str) -> str:
    return name.upper()


async def collected(repository: MatchRepository, league_ids: list[int]) -> list[Match]:
    everything: list[Match] = []
    for league_id in league_ids:
        everything.extend(await repository.by_league(league_id))
    return everything


async def added(repository: MatchRepository, league_ids: list[int]) -> list[Match]:
    everything: list[Match] = []
    for league_id in league_ids:
        everything += await repository.by_league(league_id)
    return everything


async def first_of(repository: MatchRepository, league_id: int) -> Match:
    matches = await repository.by_league(league_id)
    return matches[0]


async def collected_with_people(repository: MatchRepository, league_ids: list[int]) -> list[Match]:
    everything: list[Match] = []
    for league_id in league_ids:
        everything.extend(await repository.with_people(league_id))
    return everything


async def collected_nicknames(repository: MatchRepository) -> list[str]:
    names: list[str] = []
    names.extend(await repository.nicknames())
    return names
"""

UNLOADED = {
    "a_list_a_helper_extended": """\
async def handle(session: AsyncSession) -> str:
    matches = await collected(MatchRepository(session), [1, 2])
    return nickname(matches[0].players[0])
""",
    "a_list_a_helper_grew_with_plus": """\
async def handle(session: AsyncSession) -> str:
    matches = await added(MatchRepository(session), [1, 2])
    return nickname(matches[0].players[0])
""",
    "an_element_a_helper_returned": """\
async def handle(session: AsyncSession) -> str:
    match = await first_of(MatchRepository(session), 1)
    return nickname(match.players[0])
""",
    "an_element_of_a_filtering_comprehension": """\
async def handle(session: AsyncSession) -> str:
    matches = await MatchRepository(session).by_league(1)
    live = [m for m in matches if m.status != "done"]
    current = live[0]
    return nickname(current.players[0])
""",
    "the_helper_the_comprehension_and_the_collection_by_name": """\
async def handle(session: AsyncSession) -> str:
    matches = await collected(MatchRepository(session), [1, 2])
    live = [m for m in matches if m.status != "done"]
    current = live[0]
    players = current.players
    return nickname(players[0])
""",
    "a_list_filtered_on_one_branch": """\
async def handle(session: AsyncSession, live_only: bool) -> str:
    matches = await collected(MatchRepository(session), [1, 2])
    if live_only:
        matches = [m for m in matches if m.status != "done"]
    for match in matches:
        return nickname(match.players[0])
    return ""
""",
}

#: The line ASA301 reports in the handler.
UNLOADED_LINES = {
    "a_list_a_helper_extended": 3,
    "a_list_a_helper_grew_with_plus": 3,
    "an_element_a_helper_returned": 3,
    "an_element_of_a_filtering_comprehension": 5,
    "the_helper_the_comprehension_and_the_collection_by_name": 6,
    "a_list_filtered_on_one_branch": 6,
}

SILENT = {
    "the_repository_chains_the_loader": """\
async def handle(session: AsyncSession) -> str:
    matches = await collected_with_people(MatchRepository(session), [1, 2])
    live = [m for m in matches if m.status != "done"]
    current = live[0]
    return nickname(current.players[0])
""",
    "a_list_of_column_values": """\
async def handle(session: AsyncSession) -> str:
    names = await collected_nicknames(MatchRepository(session))
    return shout(names[0])
""",
    "the_caller_refreshed_it": """\
async def handle(session: AsyncSession) -> str:
    matches = await collected(MatchRepository(session), [1, 2])
    player = matches[0].players[0]
    await session.refresh(player, ["person"])
    return nickname(player)
""",
}

#: Where `nickname()` reads `player.person`, as a line of HELPERS.
READ_LINE = 4


def _project(root: Path, handler: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/repository.py": REPOSITORY,
        "app/handlers.py": HEADER + handler + HELPERS,
    }
    return write_project(root, files)


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_objects_of_a_call_reached_through_a_built_list_are_judged(name: str, tmp_path: Path) -> None:
    handler = UNLOADED[name]
    root = _project(tmp_path / "project", handler)
    before = len(HEADER.splitlines())
    findings = findings_in(root, "app", "ASA301")
    assert [finding.line for finding in findings] == [before + UNLOADED_LINES[name]]
    assert "Player.person" in findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == before + len(handler.splitlines()) + READ_LINE, outcome


@pytest.mark.parametrize("name", sorted(SILENT))
def test_a_loaded_relationship_values_or_a_refresh_are_not_reported(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", SILENT[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
