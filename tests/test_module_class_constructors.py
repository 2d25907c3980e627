"""A model constructed through the module that holds it (`models.Guild(...)`) is a new object of
that model, as a bare `Guild(...)` is: on a get-or-create, the read after the branches is judged
by the loaded side's query, whichever spelling builds the new one."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Guild(Base):
    __tablename__ = "guilds"
    id: Mapped[int] = mapped_column(primary_key=True)
    roles: Mapped[list["Role"]] = relationship(back_populates="guild", lazy="raise")


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(ForeignKey("guilds.id"))
    guild: Mapped[Guild] = relationship(back_populates="roles", lazy="selectin")
"""

#: The layer's get-or-create, with the new object built as `{new}`; a caller reads `roles`.
LAYER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import models
from app.models import Guild


class Layer:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_guild(self, guild_id: int) -> models.Guild:
        guild = await self._session.scalar(select(models.Guild).where(models.Guild.id == guild_id))
        if guild is None:
            guild = {new}(id=guild_id)
            self._session.add(guild)
        return guild


async def role_count(layer: Layer, guild_id: int) -> int:
    guild = await layer.get_guild(guild_id)
    return len(guild.roles)
"""


@pytest.mark.parametrize("new", ["models.Guild", "Guild"])
def test_a_get_or_create_is_judged_by_its_query_whatever_builds_the_new_object(tmp_path: Path, new: str) -> None:
    files = {"app/__init__.py": "", "app/models.py": MODELS, "app/layer.py": LAYER.format(new=new)}
    root = write_project(tmp_path / "project", files)
    findings = findings_in(root, "app/layer.py", "ASA301")
    assert [f.line for f in findings] == [22]
    assert "Guild.roles" in findings[0].message and "get_guild()" in findings[0].message


def test_a_module_attribute_that_is_no_class_call_builds_nothing(tmp_path: Path) -> None:
    # `helpers.load(...)` (lower case): a project function, whose summary says what it returns.
    helpers = (
        "from sqlalchemy import select\nfrom sqlalchemy.orm import selectinload\n\n"
        "from app.models import Guild\n\n\n"
        "async def load(session, guild_id):\n"
        "    return await session.scalar(\n"
        "        select(Guild).where(Guild.id == guild_id).options(selectinload(Guild.roles))\n"
        "    )\n"
    )
    use = (
        "from app import helpers, models\n\n\n"
        "async def role_count(session, guild_id: int) -> int:\n"
        "    guild = await helpers.load(session, guild_id)\n"
        "    if guild is None:\n"
        "        guild = models.Guild(id=guild_id)\n"
        "        session.add(guild)\n"
        "    return len(guild.roles)\n"
    )
    files = {"app/__init__.py": "", "app/models.py": MODELS, "app/helpers.py": helpers, "app/use.py": use}
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "app/use.py", "ASA301") == []
